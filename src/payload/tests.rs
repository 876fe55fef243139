use super::*;
use crate::catalog::{FeatureValue, CATALOG, DAY_MS};

fn valid() -> Payload {
    Payload {
        v: SCHEMA_VERSION,
        build: Build::Full,
        id: "0123456789abcdef0123456789abcdef".into(),
        pv: "fedcba9876543210fedcba9876543210".into(),
        seq: 1,
        site: "demo".into(),
        vid: Some("00000000000000000000000000000001".into()),
        sid: None,
        rot: Some(24),
        hour: 1_800_000_000,
        consent: ConsentRef {
            reference: "0000000000000000000000000000000a".into(),
            purposes: vec![Purpose::Analytics],
        },
        ctx: Context {
            path: "/a/:id".into(),
            referrer_domain: Some("example.org".into()),
            device_class: DeviceClass::Desktop,
            browser_family: BrowserFamily::Chrome,
        },
        f: Features {
            active_ms: 1200,
            clicks: 3,
            ..Features::default()
        },
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
    p.consent.purposes = vec![
        Purpose::Security,
        Purpose::Analytics,
        Purpose::Personalization,
        Purpose::Marketing,
    ];
    p.f = Features {
        visible_ms: DAY_MS,
        scroll_depth_max_pct: 100,
        total_ms: 1,
        ..Features::default()
    };
    assert_eq!(p.to_json(), serde_json::to_string(&p).unwrap());
}

#[test]
// The literals are what a page computes (more digits than an f32 keeps), not constants.
#[allow(clippy::excessive_precision, clippy::approx_constant)]
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
    assert_eq!(write(123.45678), "123.457", "six significant digits");
    assert_eq!(write(5370.3062), "5370.31");
    assert_eq!(write(1_234_567.8), "1234568");
    for v in [0.1234f32, 3.14159, 123.456, 5370.31, 98765.4, 2229.034] {
        let text = write(v);
        let back: f32 = serde_json::from_str(&text).unwrap();
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            text,
            "{v} survives the collector's f32"
        );
    }
    assert_eq!(write(f32::NAN), "0");
    assert_eq!(write(-3.0), "0");
}

#[test]
fn round_trips_and_omits_zero_features() {
    let p = valid();
    let json = p.to_json();
    assert!(
        !json.contains("visible_ms"),
        "zero features are omitted: {json}"
    );
    assert_eq!(parse(json.as_bytes()).unwrap(), p);
}

fn field_of(json: &str) -> String {
    parse(json.as_bytes()).unwrap_err().field
}

#[test]
fn rejections_name_the_field() {
    let good = valid().to_json();
    let swap = |from: &str, to: &str| good.replacen(from, to, 1);
    assert_eq!(
        field_of(&swap("\"v\":2", "\"v\":1")),
        "v",
        "an older schema is refused"
    );
    assert_eq!(
        field_of(&swap("\"build\":\"full\"", "\"build\":\"max\"")),
        "build"
    );
    assert_eq!(field_of(&swap("\"rot\":24", "\"rot\":0")), "rot");
    assert_eq!(
        field_of(&swap(",\"rot\":24", "")),
        "rot",
        "rot goes with vid"
    );
    assert_eq!(
        field_of(&swap(
            "\"ref\":\"0000000000000000000000000000000a\"",
            "\"ref\":\"x\""
        )),
        "consent.ref"
    );
    assert_eq!(
        field_of(&swap("\"ref\"", "\"record\"")),
        "consent.record",
        "the record id is not part of the schema"
    );
    assert_eq!(field_of(&swap("\"seq\":1", "\"seq\":0")), "seq");
    assert_eq!(field_of(&swap("\"seq\":1", "\"seq\":\"1\"")), "seq");
    assert_eq!(
        field_of(&swap("\"site\":\"demo\"", "\"site\":\"<script>\"")),
        "site"
    );
    assert_eq!(
        field_of(&swap("\"clicks\":3", "\"clicks\":100001")),
        "f.clicks"
    );
    assert_eq!(field_of(&swap("\"clicks\":3", "\"clicks\":-1")), "f.clicks");
    assert_eq!(
        field_of(&swap("\"clicks\":3", "\"clicks\":3,\"email\":1")),
        "f.email"
    );
    assert_eq!(
        field_of(&swap("\"path\":\"/a/:id\"", "\"path\":\"https://x/\"")),
        "ctx.path"
    );
    assert_eq!(
        field_of(&swap("\"hour\":1800000000", "\"hour\":1800000001")),
        "hour"
    );
    assert_eq!(
        field_of(&swap("[\"analytics\"]", "[\"marketing\"]")),
        "consent.purposes"
    );
    assert_eq!(field_of("{not json"), "body");
    assert_eq!(field_of(&"x".repeat(MAX_PAYLOAD_BYTES + 1)), "body");
}

#[test]
fn ldp_reports_are_written_as_serde_writes_and_validated() {
    let mut p = valid();
    p.f.clicks = 0;
    p.ldp = vec![
        LdpReport {
            f: "clicks".into(),
            m: Mechanism::Geo,
            eps_milli: 1000,
            hi: Some(20),
            v: -7,
        },
        LdpReport {
            f: "active_ms".into(),
            m: Mechanism::Geo,
            eps_milli: 500,
            hi: Some(600_000),
            v: 1_234_567,
        },
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
    assert_eq!(
        field_reason(&clear_too).0,
        "ldp",
        "a privatised feature is not also sent in the clear"
    );
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
    assert!(
        json.contains(
            "\"ldp\":[{\"f\":\"clicks\",\"m\":\"geo\",\"eps_milli\":1000,\"hi\":20,\"v\":-7}"
        ),
        "{json}"
    );
}

/// Every feature this build computes (all of them in the full build) at the
/// value with the longest JSON text its bound allows: the largest features
/// object this build can send. Built from `CATALOG` (through serde), so
/// features added later are covered without touching this test.
fn maxed_features() -> Features {
    let mut m = serde_json::Map::new();
    for d in CATALOG
        .iter()
        .filter(|d| crate::catalog::computed_by_this_build(d.name))
    {
        let v = match d.json_type {
            "boolean" => serde_json::Value::Bool(true),
            "integer" => serde_json::Value::from(d.max as u64),
            _ => {
                let longest = [
                    d.max,
                    d.max - 0.0001,
                    d.max - 0.0011,
                    d.max.floor() - 1.0 + 0.9999,
                ]
                .into_iter()
                .map(|c| c as f32)
                .filter(|c| FeatureValue::in_bounds(c, d.max))
                .max_by_key(|c| {
                    let mut s = String::new();
                    FeatureValue::write_json(c, &mut s);
                    s.len()
                })
                .unwrap();
                // The value as the payload carries it (quantised by the writer).
                let mut text = String::new();
                FeatureValue::write_json(&longest, &mut text);
                serde_json::from_str(&text).unwrap()
            }
        };
        m.insert(d.name.to_string(), v);
    }
    let m_len = m.len();
    let f: Features = serde_json::from_value(serde_json::Value::Object(m)).unwrap();
    assert!(f.validate().is_ok());
    assert_eq!(
        f.to_json().matches(':').count(),
        m_len,
        "every feature is present: {}",
        f.to_json()
    );
    f
}

/// The largest payload the SDK can make: every feature at its maximum, the
/// longest site key, both ids, all purposes, a 253-byte referrer domain and
/// a 256-byte path (also one made of characters JSON must escape). It is
/// at most 2 KB, valid, and the features are never what gets cut.
#[test]
fn largest_payload_fits_the_budget() {
    let f = maxed_features();
    let long_href = format!(
        "https://shop.example/{}?utm_campaign={}",
        "section/".repeat(40),
        "x".repeat(300)
    );
    let quotes = format!("/{}", "\"".repeat(MAX_PATH_BYTES - 1));
    for path in [crate::privacy::url::normalize(&long_href, &[]), quotes] {
        assert_eq!(path.len(), MAX_PATH_BYTES);
        let mut p = valid();
        p.ctx.path = path.clone();
        p.site = "s".repeat(MAX_SITE_BYTES);
        p.seq = 100_000;
        p.vid = Some("f".repeat(32));
        p.sid = Some("e".repeat(32));
        p.hour = MAX_HOUR;
        p.consent.purposes = Purpose::ALL.to_vec();
        p.ctx.referrer_domain = Some(format!("{}.example", "r".repeat(MAX_DOMAIN_BYTES - 8)));
        p.ctx.device_class = DeviceClass::Desktop;
        p.ctx.browser_family = BrowserFamily::Firefox;
        p.f = f;
        let full = p.to_json().len();
        let body = p.to_json_within_budget();
        eprintln!(
            "largest payload: {full} bytes before fitting, {} after; features alone {} bytes",
            body.len(),
            f.to_json().len()
        );
        assert!(
            body.len() <= MAX_PAYLOAD_BYTES,
            "{} bytes: {body}",
            body.len()
        );
        let back = parse(body.as_bytes()).expect("the fitted payload is valid");
        assert_eq!(back.f, f, "features are never cut");
        assert_eq!(back.site, p.site);
        assert!(back.ctx.path.starts_with('/'));
        if full <= MAX_PAYLOAD_BYTES {
            assert_eq!(back, p, "nothing is cut when it already fits");
        }
    }
}

#[test]
fn fitting_drops_the_referrer_first_then_cuts_the_path_never_the_features() {
    let mut p = valid();
    p.f = maxed_features();
    p.ctx.path = format!("/{}", "é".repeat(1_000)); // 2001 bytes: over budget on its own
    let body = p.to_json_within_budget();
    assert!(body.len() <= MAX_PAYLOAD_BYTES, "{}", body.len());
    assert_eq!(p.ctx.referrer_domain, None, "referrer dropped first");
    assert!(
        p.ctx.path.starts_with("/é") && p.ctx.path.len() < 2_001,
        "cut at a char boundary from the end"
    );
    // Cut by about the excess, not to nothing (how much path is left depends on the catalog's size).
    assert!(
        body.len() > MAX_PAYLOAD_BYTES - 8 && p.ctx.path.len() > 100,
        "{} bytes, path {}",
        body.len(),
        p.ctx.path.len()
    );
    let back: Payload = serde_json::from_str(&body).unwrap();
    assert_eq!(back.f, maxed_features());
    let mut p = valid();
    p.ctx.path = format!("/{}", "a".repeat(100));
    let body = p.to_json_within_budget();
    assert_eq!(
        p.ctx.referrer_domain.as_deref(),
        Some("example.org"),
        "untouched when it fits"
    );
    assert_eq!(body, p.to_json());
}

#[test]
fn every_one_byte_corruption_is_rejected_with_a_field_and_a_reason_or_stays_valid() {
    let json = valid().to_json();
    for i in 0..json.len() {
        for byte in [b'"', b'{', b'}', b',', b':', b'0', b'-', b'x', b' ', 0xff] {
            let mut b = json.clone().into_bytes();
            b[i] = byte;
            match parse(&b) {
                Ok(p) => assert_eq!(p.validate(), Ok(())),
                Err(e) => assert!(
                    !e.field.is_empty() && !e.reason.is_empty(),
                    "byte {byte} at {i}: {e:?}"
                ),
            }
        }
    }
}
