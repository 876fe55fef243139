use super::*;

fn valid() -> Payload {
    Payload {
        v: SCHEMA_VERSION,
        id: "0123456789abcdef0123456789abcdef".into(),
        pv: "fedcba9876543210fedcba9876543210".into(),
        seq: 1,
        site: "demo".into(),
        vid: Some("00000000000000000000000000000001".into()),
        sid: None,
        hour: 1_800_000_000,
        consent: ConsentRef { record: "0000000000000000000000000000000a".into(), purposes: vec![Purpose::Analytics] },
        ctx: Context {
            path: "/a/:id".into(),
            referrer_domain: Some("example.org".into()),
            device_class: DeviceClass::Desktop,
            browser_family: BrowserFamily::Chrome,
        },
        f: Features { active_ms: 1200, clicks: 3, ..Features::default() },
        ldp: Vec::new(),
    }
}

#[test]
fn hand_written_json_is_what_serde_writes() {
    let mut p = valid();
    assert_eq!(p.to_json(), serde_json::to_string(&p).unwrap());
    p.vid = None;
    p.sid = Some("00000000000000000000000000000002".into());
    p.ctx.referrer_domain = None;
    p.consent.purposes = vec![Purpose::Security, Purpose::Analytics, Purpose::Personalization, Purpose::Marketing];
    p.f = Features { visible_ms: DAY_MS, scroll_depth_max_pct: 100, total_ms: 1, ..Features::default() };
    assert_eq!(p.to_json(), serde_json::to_string(&p).unwrap());
}

#[test]
fn fractions_are_written_with_at_most_four_decimals() {
    let write = |v: f32| {
        let mut s = String::new();
        FeatureValue::write_json(&v, &mut s);
        s
    };
    assert_eq!(write(0.0), "0");
    assert_eq!(write(1.0), "1");
    assert_eq!(write(0.5), "0.5");
    assert_eq!(write(0.25), "0.25");
    assert_eq!(write(0.0625), "0.0625");
    assert_eq!(write(0.03125), "0.0313");
    assert_eq!(write(12.00004), "12");
    assert_eq!(write(f32::NAN), "0");
    assert_eq!(write(-3.0), "0");
}

#[test]
fn round_trips_and_omits_zero_features() {
    let p = valid();
    let json = p.to_json();
    assert!(!json.contains("visible_ms"), "zero features are omitted: {json}");
    assert_eq!(parse(json.as_bytes()).unwrap(), p);
}

fn field_of(json: &str) -> String {
    parse(json.as_bytes()).unwrap_err().field
}

#[test]
fn rejections_name_the_field() {
    let good = valid().to_json();
    let swap = |from: &str, to: &str| good.replacen(from, to, 1);
    assert_eq!(field_of(&swap("\"v\":1", "\"v\":2")), "v");
    assert_eq!(field_of(&swap("\"seq\":1", "\"seq\":0")), "seq");
    assert_eq!(field_of(&swap("\"seq\":1", "\"seq\":\"1\"")), "seq");
    assert_eq!(field_of(&swap("\"site\":\"demo\"", "\"site\":\"<script>\"")), "site");
    assert_eq!(field_of(&swap("\"clicks\":3", "\"clicks\":100001")), "f.clicks");
    assert_eq!(field_of(&swap("\"clicks\":3", "\"clicks\":-1")), "f.clicks");
    assert_eq!(field_of(&swap("\"clicks\":3", "\"clicks\":3,\"email\":1")), "f.email");
    assert_eq!(field_of(&swap("\"path\":\"/a/:id\"", "\"path\":\"https://x/\"")), "ctx.path");
    assert_eq!(field_of(&swap("\"hour\":1800000000", "\"hour\":1800000001")), "hour");
    assert_eq!(field_of(&swap("[\"analytics\"]", "[\"marketing\"]")), "consent.purposes");
    assert_eq!(field_of("{not json"), "body");
    assert_eq!(field_of(&"x".repeat(MAX_PAYLOAD_BYTES + 1)), "body");
}

#[test]
fn generated_docs_are_committed_and_current() {
    let root = env!("CARGO_MANIFEST_DIR");
    if std::env::var_os("IOB_WRITE_DOCS").is_some() {
        std::fs::write(format!("{root}/docs/payload.schema.json"), json_schema()).unwrap();
        std::fs::write(format!("{root}/docs/features.md"), data_dictionary_markdown()).unwrap();
    }
    let schema = std::fs::read_to_string(format!("{root}/docs/payload.schema.json")).unwrap_or_default();
    let dict = std::fs::read_to_string(format!("{root}/docs/features.md")).unwrap_or_default();
    assert!(schema == json_schema(), "docs/payload.schema.json is stale: run `make docs`");
    assert!(dict == data_dictionary_markdown(), "docs/features.md is stale: run `make docs`");
    for d in CATALOG {
        assert!(dict.contains(&format!("`{}`", d.name)));
    }
}

#[test]
fn ldp_reports_are_written_as_serde_writes_and_validated() {
    let mut p = valid();
    p.f.clicks = 0;
    p.ldp = vec![
        LdpReport { f: "clicks".into(), m: Mechanism::Geo, eps_milli: 1000, hi: Some(20), v: -7 },
        LdpReport { f: "active_ms".into(), m: Mechanism::Geo, eps_milli: 500, hi: Some(600_000), v: 1_234_567 },
    ];
    p.f.active_ms = 0;
    let json = p.to_json();
    assert_eq!(json, serde_json::to_string(&p).unwrap());
    assert_eq!(parse(json.as_bytes()).unwrap(), p);
    let field_reason = |p: &Payload| {
        let e = parse(p.to_json().as_bytes()).unwrap_err();
        (e.field, e.reason)
    };
    let mut clear_too = p.clone();
    clear_too.f.clicks = 3;
    assert_eq!(field_reason(&clear_too).0, "ldp", "a privatised feature is not also sent in the clear");
    let mut twice = p.clone();
    twice.ldp.push(twice.ldp[0].clone());
    assert_eq!(field_reason(&twice).0, "ldp");
    let mut unknown = p.clone();
    unknown.ldp[0].f = "email".into();
    assert_eq!(field_reason(&unknown).0, "ldp");
    let mut rr_on_count = p.clone();
    rr_on_count.ldp[0].m = Mechanism::Rr;
    rr_on_count.ldp[0].hi = None;
    assert_eq!(field_reason(&rr_on_count).0, "ldp");
    let mut bad_eps = p.clone();
    bad_eps.ldp[0].eps_milli = 0;
    assert_eq!(field_reason(&bad_eps).0, "ldp");
    assert!(json.contains("\"ldp\":[{\"f\":\"clicks\",\"m\":\"geo\",\"eps_milli\":1000,\"hi\":20,\"v\":-7}"), "{json}");
}
