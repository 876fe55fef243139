//! SDK configuration: parsed from JSON (the JS layer passes the `init`
//! options object, or the script tag's `data-*` attributes, as JSON) and
//! validated against the one option table ([`crate::options`]): its keys,
//! kinds, bounds and defaults; every message is built from the bounds and
//! every error names the offending field.

use crate::consent::{GdprApplies, Mode};
use crate::error::FieldError;
use crate::flat::{self, JsonPairs, Scalar};
use crate::json_out::push_u64;
use crate::options::{Opt, OptionDefault, OptionKind, OptionSpec, OPTIONS};
use crate::payload::is_valid_site;
use crate::privacy::ldp;
use alloc::string::String;

fn err(field: &str, reason: &str) -> FieldError {
    FieldError::new(field, reason)
}

/// Whether a visitor pseudonym is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Identity {
    /// A pseudonym derived from the on-device seed, rotating every `rotationHours`.
    #[default]
    Rotating,
    /// No visitor id and no session id at all.
    None,
}

/// Validated configuration. JSON keys are camelCase (`idleTimeoutMs`); see
/// [`crate::OPTIONS`] for each option's kind, bounds and default.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub site: String,
    pub endpoint: String,
    pub consent: Mode,
    /// ms.
    pub idle_timeout_ms: u32,
    pub policy_version: String,
    pub respect_gpc: bool,
    pub identity: Identity,
    /// Hours.
    pub rotation_hours: u32,
    /// ms.
    pub snapshot_interval_ms: u32,
    pub gdpr_applies: GdprApplies,
    /// ms.
    pub tcf_timeout_ms: u32,
    pub tcf_vendor_id: Option<u32>,
    /// `ldp`, `ldpEpsilon` and `ldpDailyEpsilon`: see [`crate::ldp`].
    pub ldp: ldp::Settings,
    /// `pathTemplates`: route templates (`/users/:name`) whose parameter segments are replaced in sent paths.
    pub path_templates: alloc::vec::Vec<String>,
}

/// A value an option's kind accepted: text, or a number (a whole number, a
/// boolean as 0/1, the index of a word, or thousandths).
#[derive(Clone, Copy)]
enum Value<'a> {
    Text(&'a str),
    Number(u32),
}

/// Appends `n`, or `n` thousandths as a decimal number when `milli` (`10` → `0.01`).
fn push_number(m: &mut String, n: u32, milli: bool) {
    if !milli {
        return push_u64(m, u64::from(n));
    }
    push_u64(m, u64::from(n / 1000));
    let frac = n % 1000;
    if frac > 0 {
        m.push('.');
        let len = if frac.is_multiple_of(100) {
            1
        } else if frac.is_multiple_of(10) {
            2
        } else {
            3
        };
        for d in [frac / 100, frac / 10 % 10, frac % 10].iter().take(len) {
            m.push(char::from(b'0' + *d as u8));
        }
    }
}

/// "must be PREFIXbetween LO and HI", from the bounds.
fn between(prefix: &str, lo: u32, hi: u32, milli: bool) -> String {
    let mut m = String::from("must be ");
    m.push_str(prefix);
    m.push_str("between ");
    push_number(&mut m, lo, milli);
    m.push_str(" and ");
    push_number(&mut m, hi, milli);
    m
}

impl OptionKind {
    /// Reads `v` for the option `field`; the error says what was expected.
    fn read<'a>(self, v: &'a Scalar, field: &str) -> Result<Value<'a>, FieldError> {
        let text = match v {
            Scalar::Str(s) => Some(s.as_str()),
            _ => None,
        };
        let fail = |reason: &str| Err(err(field, reason));
        match self {
            OptionKind::Text { max } | OptionKind::List { max } => match text {
                Some(t) if !t.is_empty() && t.len() <= max as usize => Ok(Value::Text(t)),
                Some(_) => {
                    let mut m = String::from("must be 1-");
                    push_u64(&mut m, u64::from(max));
                    m.push_str(" characters");
                    fail(&m)
                }
                None => fail("must be a string"),
            },
            OptionKind::Int { lo, hi } => {
                // Text from a `data-*` attribute counts when it is all digits.
                let n = match v {
                    Scalar::Int(n) => Some(*n),
                    _ => text
                        .and_then(flat::parse_uint)
                        .map(|n| n.min(i64::MAX as u64) as i64),
                };
                match n {
                    Some(n) if (i64::from(lo)..=i64::from(hi)).contains(&n) => {
                        Ok(Value::Number(n as u32))
                    }
                    Some(_) => fail(&between("", lo, hi, false)),
                    None => fail("must be a whole number"),
                }
            }
            // A bare `data-respect-gpc` attribute (empty text) is true.
            OptionKind::Bool => match (v, text) {
                (Scalar::Bool(b), _) => Ok(Value::Number(u32::from(*b))),
                (_, Some("" | "true")) => Ok(Value::Number(1)),
                (_, Some("false")) => Ok(Value::Number(0)),
                _ => fail("must be true or false"),
            },
            OptionKind::Choice(words) => {
                let word = match v {
                    Scalar::Bool(true) => Some("true"),
                    Scalar::Bool(false) => Some("false"),
                    _ => text,
                };
                match word.and_then(|w| words.iter().position(|x| *x == w)) {
                    Some(i) => Ok(Value::Number(i as u32)),
                    None => {
                        let mut m = String::from("must be ");
                        for (i, w) in words.iter().enumerate() {
                            if i > 0 {
                                m.push_str(if i + 1 == words.len() { " or " } else { ", " });
                            }
                            m.push_str(w);
                        }
                        fail(&m)
                    }
                }
            }
            OptionKind::Milli { lo, hi } => {
                let milli = match v {
                    Scalar::Int(n) if (0..=i64::from(u32::MAX / 1000)).contains(n) => {
                        Some(*n as u32 * 1000)
                    }
                    _ => text.and_then(ldp::parse_milli),
                };
                match milli.filter(|m| (lo..=hi).contains(m)) {
                    Some(m) => Ok(Value::Number(m)),
                    None => fail(&between("a number ", lo, hi, true)),
                }
            }
        }
    }
}

impl OptionDefault {
    /// The default as a value, when there is one.
    fn value(self) -> Option<Value<'static>> {
        match self {
            OptionDefault::Required | OptionDefault::Unset => None,
            OptionDefault::Text(t) => Some(Value::Text(t)),
            OptionDefault::Int(n) | OptionDefault::Milli(n) => Some(Value::Number(n)),
            OptionDefault::Bool(b) => Some(Value::Number(u32::from(b))),
            OptionDefault::Word(i) => Some(Value::Number(u32::from(i))),
        }
    }
}

impl Config {
    /// Reads the configuration object as JSON text, through `pairs` (the
    /// shell's `JSON.parse`, or [`crate::pairs_from_json`]), and validates
    /// it. `null` values mean "use the default".
    pub fn from_json(json: &str, pairs: JsonPairs) -> Result<Config, FieldError> {
        let pairs = pairs(json).ok_or_else(|| err(".", "is not valid JSON"))?;
        Config::from_pairs(&pairs)
    }

    /// Validates a configuration object given as pairs text ([`crate::flat`]).
    fn from_pairs(text: &str) -> Result<Config, FieldError> {
        let pairs = flat::parse(text)?;
        let mut c = Config {
            site: String::new(),
            endpoint: String::new(),
            consent: Mode::OptIn,
            idle_timeout_ms: 0,
            policy_version: String::new(),
            respect_gpc: false,
            identity: Identity::Rotating,
            rotation_hours: 0,
            snapshot_interval_ms: 0,
            gdpr_applies: GdprApplies::Auto,
            tcf_timeout_ms: 0,
            tcf_vendor_id: None,
            ldp: ldp::Settings::default(),
            path_templates: alloc::vec::Vec::new(),
        };
        for spec in OPTIONS {
            if let Some(v) = spec.default.value() {
                c.set(spec, v)?;
            }
        }
        for (key, v) in &pairs {
            if key.is_empty() {
                return Err(err(".", "has an option with an empty name"));
            }
            let Some(spec) = OPTIONS.iter().find(|o| o.name == key) else {
                return Err(err(key, "is not a known option"));
            };
            if *v != Scalar::Null {
                let value = spec.kind.read(v, spec.name)?;
                c.set(spec, value)?;
            }
        }
        c.validate()?;
        Ok(c)
    }

    /// Sets one option from a value its kind accepted (the options tests
    /// check that every option's kind fits its field).
    fn set(&mut self, spec: &OptionSpec, v: Value<'_>) -> Result<(), FieldError> {
        let n = match v {
            Value::Text(t) => {
                match spec.id {
                    Opt::Site => self.site = t.into(),
                    Opt::Endpoint => self.endpoint = t.into(),
                    Opt::PolicyVersion => self.policy_version = t.into(),
                    Opt::PathTemplates => {
                        self.path_templates.clear();
                        for p in crate::split::pieces(t, b",").map(str::trim_ascii) {
                            if !p.is_empty() {
                                self.path_templates.push(String::from(p));
                            }
                        }
                        if let Some(bad) = self.path_templates.iter().find(|p| !p.starts_with('/'))
                        {
                            let mut m = String::from("has a template that does not start with /: ");
                            m.push_str(bad);
                            return Err(err(spec.name, &m));
                        }
                    }
                    Opt::Ldp => {
                        self.ldp.features =
                            ldp::Settings::parse_features(t).map_err(|r| err(spec.name, r))?
                    }
                    _ => {}
                }
                return Ok(());
            }
            Value::Number(n) => n,
        };
        match spec.id {
            Opt::Consent => {
                self.consent = [Mode::OptIn, Mode::OptOut, Mode::Exempt][n as usize % 3]
            }
            Opt::Identity => self.identity = [Identity::Rotating, Identity::None][n as usize % 2],
            Opt::GdprApplies => {
                self.gdpr_applies =
                    [GdprApplies::Auto, GdprApplies::Yes, GdprApplies::No][n as usize % 3]
            }
            Opt::RespectGpc => self.respect_gpc = n != 0,
            Opt::IdleTimeoutMs => self.idle_timeout_ms = n,
            Opt::RotationHours => self.rotation_hours = n,
            Opt::SnapshotIntervalMs => self.snapshot_interval_ms = n,
            Opt::TcfTimeoutMs => self.tcf_timeout_ms = n,
            Opt::TcfVendorId => self.tcf_vendor_id = Some(n),
            Opt::LdpEpsilon => self.ldp.eps_milli = n,
            Opt::LdpDailyEpsilon => self.ldp.daily_milli = n,
            _ => {}
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), FieldError> {
        for spec in OPTIONS
            .iter()
            .filter(|o| o.default == OptionDefault::Required)
        {
            let given = match spec.id {
                Opt::Site => !self.site.is_empty(),
                Opt::Endpoint => !self.endpoint.is_empty(),
                _ => true,
            };
            if !given {
                return Err(err(spec.name, "is required"));
            }
        }
        if !is_valid_site(&self.site) {
            return Err(err("site", "must be 1-64 characters of a-z 0-9 . _ -"));
        }
        let e = self.endpoint.as_str();
        let absolute = e.starts_with("https://") || e.starts_with("http://");
        let relative = e.starts_with('/') && !e.starts_with("//");
        if !(absolute || relative) || e.chars().any(|c| c.is_control() || c == ' ') {
            return Err(err(
                "endpoint",
                "must be an http(s) URL or a path starting with /",
            ));
        }
        if self.ldp.cost() > self.ldp.daily_milli {
            return Err(err(
                "ldpDailyEpsilon",
                "is smaller than one payload's cost (ldpEpsilon × the number of ldp features)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_gets_safe_defaults() {
        let c = Config::from_json(
            r#"{"site":"demo","endpoint":"/v1/ingest","consent":null}"#,
            crate::pairs_from_json,
        )
        .unwrap();
        assert_eq!(c.consent, Mode::OptIn);
        assert_eq!(c.idle_timeout_ms, 15_000);
        assert!(c.respect_gpc);
        assert_eq!(c.identity, Identity::Rotating);
    }

    #[test]
    fn consent_signal_and_ldp_options_parse() {
        let c = Config::from_json(
            r#"{"site":"d","endpoint":"/x","gdprApplies":"true","tcfTimeoutMs":500,"tcfVendorId":755,"ldp":"clicks:20, active_ms","ldpEpsilon":"0.5","ldpDailyEpsilon":4}"#,
            crate::pairs_from_json,
        )
        .unwrap();
        assert_eq!(
            (c.gdpr_applies, c.tcf_timeout_ms, c.tcf_vendor_id),
            (GdprApplies::Yes, 500, Some(755))
        );
        let names: Vec<_> = c.ldp.features.iter().map(|f| (f.name, f.hi)).collect();
        assert_eq!(
            names,
            [
                ("clicks", Some(20)),
                ("active_ms", Some(crate::catalog::DAY_MS))
            ]
        );
        assert_eq!(
            (c.ldp.eps_milli, c.ldp.daily_milli, c.ldp.cost()),
            (500, 4000, 1000)
        );
        let d = Config::from_json(
            r#"{"site":"d","endpoint":"/x","gdprApplies":false}"#,
            crate::pairs_from_json,
        )
        .unwrap();
        assert_eq!(
            (d.gdpr_applies, d.tcf_timeout_ms, d.tcf_vendor_id),
            (GdprApplies::No, 3000, None)
        );
        assert!(d.ldp.features.is_empty());
        assert_eq!(
            Config::from_json(r#"{"site":"d","endpoint":"/x"}"#, crate::pairs_from_json)
                .unwrap()
                .gdpr_applies,
            GdprApplies::Auto
        );
    }

    /// The script tag hands every `data-*` attribute over as text.
    #[test]
    fn numbers_and_booleans_are_read_from_attribute_text() {
        let c = Config::from_json(r#"{"site":"d","endpoint":"/x","idleTimeoutMs":"20000","respectGpc":"false","tcfVendorId":"755","gdprApplies":"true"}"#, crate::pairs_from_json).unwrap();
        assert_eq!(
            (
                c.idle_timeout_ms,
                c.respect_gpc,
                c.tcf_vendor_id,
                c.gdpr_applies
            ),
            (20_000, false, Some(755), GdprApplies::Yes)
        );
        assert!(
            Config::from_json(
                r#"{"site":"d","endpoint":"/x","respectGpc":""}"#,
                crate::pairs_from_json
            )
            .unwrap()
            .respect_gpc,
            "a bare attribute is true"
        );
        let e = Config::from_json(
            r#"{"site":"d","endpoint":"/x","idleTimeoutMs":"20 s"}"#,
            crate::pairs_from_json,
        )
        .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.reason.as_str()),
            ("idleTimeoutMs", "must be a whole number")
        );
        let e = Config::from_json(
            r#"{"site":"d","endpoint":"/x","idleTimeoutMs":"999"}"#,
            crate::pairs_from_json,
        )
        .unwrap_err();
        assert_eq!(
            e.reason, "must be between 1000 and 600000",
            "the message is built from the bounds"
        );
        let e = Config::from_json(
            r#"{"site":"d","endpoint":"/x","ldpEpsilon":"0.001"}"#,
            crate::pairs_from_json,
        )
        .unwrap_err();
        assert_eq!(e.reason, "must be a number between 0.01 and 10");
        let e = Config::from_json(
            r#"{"site":"d","endpoint":"/x","consent":"maybe"}"#,
            crate::pairs_from_json,
        )
        .unwrap_err();
        assert_eq!(e.reason, "must be opt-in, opt-out or exempt");
    }

    #[test]
    fn path_templates_are_a_list_of_paths() {
        let c = Config::from_json(
            r#"{"site":"d","endpoint":"/x","pathTemplates":"/users/:name, /search/:q"}"#,
            crate::pairs_from_json,
        )
        .unwrap();
        assert_eq!(c.path_templates, ["/users/:name", "/search/:q"]);
        let e = Config::from_json(
            r#"{"site":"d","endpoint":"/x","pathTemplates":"/users/:name,search"}"#,
            crate::pairs_from_json,
        )
        .unwrap_err();
        assert_eq!(e.field, "pathTemplates");
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"endpoint":"/x"}"#, "site"),
            (r#"{"site":"Demo Site","endpoint":"/x"}"#, "site"),
            (r#"{"site":"d","endpoint":"ftp://x"}"#, "endpoint"),
            (r#"{"site":"d","endpoint":"//evil.example/x"}"#, "endpoint"),
            (
                r#"{"site":"d","endpoint":"/x","consent":"maybe"}"#,
                "consent",
            ),
            (
                r#"{"site":"d","endpoint":"/x","idleTimeoutMs":"5"}"#,
                "idleTimeoutMs",
            ),
            (
                r#"{"site":"d","endpoint":"/x","idleTimeoutMs":10}"#,
                "idleTimeoutMs",
            ),
            (r#"{"site":"d","endpoint":"/x","sitee":1}"#, "sitee"),
            (
                r#"{"site":"d","endpoint":"/x","rotationHours":0}"#,
                "rotationHours",
            ),
            (
                r#"{"site":"d","endpoint":"/x","rotationHours":1.5}"#,
                "rotationHours",
            ),
            (
                r#"{"site":"d","endpoint":"/x","respectGpc":"no"}"#,
                "respectGpc",
            ),
            (
                r#"{"site":"d","endpoint":"/x","identity":"email"}"#,
                "identity",
            ),
            (
                r#"{"site":"d","endpoint":"/x","policyVersion":""}"#,
                "policyVersion",
            ),
            (r#"{"site":"d","endpoint":{"url":"/x"}}"#, "endpoint"),
            (r#"[1,2]"#, "."),
            (
                r#"{"site":"d","endpoint":"/x","snapshotIntervalMs":500}"#,
                "snapshotIntervalMs",
            ),
            (r#"{"site":"d","endpoint":"/x","":1}"#, "."),
            (r#"{"site":"d","endpoint":"/x","":1,"":2}"#, "."),
            (
                r#"{"site":"d","endpoint":"/x","snapshotIntervalMs":"60s"}"#,
                "snapshotIntervalMs",
            ),
            (
                r#"{"site":"d","endpoint":"/x","gdprApplies":"maybe"}"#,
                "gdprApplies",
            ),
            (
                r#"{"site":"d","endpoint":"/x","tcfTimeoutMs":60001}"#,
                "tcfTimeoutMs",
            ),
            (
                r#"{"site":"d","endpoint":"/x","tcfVendorId":0}"#,
                "tcfVendorId",
            ),
            (r#"{"site":"d","endpoint":"/x","ldp":"email"}"#, "ldp"),
            (r#"{"site":"d","endpoint":"/x","ldp":"clicks:0"}"#, "ldp"),
            (
                r#"{"site":"d","endpoint":"/x","ldp":"clicks,clicks"}"#,
                "ldp",
            ),
            (
                r#"{"site":"d","endpoint":"/x","ldp":"clicks:200000"}"#,
                "ldp",
            ),
            (
                r#"{"site":"d","endpoint":"/x","ldpEpsilon":"0.001"}"#,
                "ldpEpsilon",
            ),
            (
                r#"{"site":"d","endpoint":"/x","ldpEpsilon":"abc"}"#,
                "ldpEpsilon",
            ),
            (
                r#"{"site":"d","endpoint":"/x","ldpEpsilon":11}"#,
                "ldpEpsilon",
            ),
            (
                r#"{"site":"d","endpoint":"/x","ldp":"clicks,active_ms","ldpEpsilon":2,"ldpDailyEpsilon":"3.5"}"#,
                "ldpDailyEpsilon",
            ),
        ];
        for (json, field) in cases {
            let e = Config::from_json(json, crate::pairs_from_json).unwrap_err();
            assert_eq!(e.field, field, "{json}: {e}");
            assert!(e.to_string().contains(field));
        }
    }

    /// Fuzzing: arbitrary text, random objects over the known keys (and an
    /// unknown one) with random JSON values, and byte-level mutations of a
    /// valid config. Parsing never panics; an accepted config is valid; a
    /// rejected one names the field at fault.
    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("null".to_string()),
                Just("true".to_string()),
                Just("false".to_string()),
                any::<i64>().prop_map(|n| n.to_string()),
                (0u32..100_000_000).prop_map(|n| n.to_string()),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(|f| f.to_string()),
                any::<String>().prop_map(|t| serde_json::to_string(&t).unwrap_or_default()),
                "\"[a-z0-9._:/ -]{0,20}\"",
                Just("[1]".to_string()),
                Just("{}".to_string()),
            ]
        }

        fn accepted_is_valid(c: &Config) -> Result<(), TestCaseError> {
            prop_assert!(is_valid_site(&c.site));
            prop_assert!(
                c.endpoint.starts_with("https://")
                    || c.endpoint.starts_with("http://")
                    || c.endpoint.starts_with('/')
            );
            prop_assert!((1_000..=600_000).contains(&c.idle_timeout_ms));
            prop_assert!((1..=8_760).contains(&c.rotation_hours));
            prop_assert!((1_000..=86_400_000).contains(&c.snapshot_interval_ms));
            prop_assert!(c.tcf_timeout_ms <= 60_000);
            prop_assert!(c.ldp.cost() <= c.ldp.daily_milli);
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(1000))]

            #[test]
            fn arbitrary_text_never_panics(text in any::<String>()) {
                if let Err(e) = Config::from_json(&text, crate::pairs_from_json) {
                    prop_assert!(!e.field.is_empty() && e.message().contains(&e.field));
                }
            }

            #[test]
            fn random_objects_are_valid_or_name_a_field(
                members in proptest::collection::vec((0..OPTIONS.len() + 1, value()), 0..10),
            ) {
                let mut json = String::from("{");
                let mut keys = Vec::new();
                for (i, (k, v)) in members.iter().enumerate() {
                    let key = OPTIONS.get(*k).map_or("sitee", |o| o.name);
                    keys.push(key);
                    if i > 0 {
                        json.push(',');
                    }
                    json.push_str(&format!("{key:?}:{v}"));
                }
                json.push('}');
                match Config::from_json(&json, crate::pairs_from_json) {
                    Ok(c) => accepted_is_valid(&c)?,
                    Err(e) => prop_assert!(
                        keys.contains(&e.field.as_str()) || ["site", "endpoint", "."].contains(&e.field.as_str()),
                        "{json}: field {:?}", e.field
                    ),
                }
            }

            #[test]
            fn mutated_valid_configs_never_panic(at in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
                let valid = r#"{"site":"shop.example","endpoint":"https://c.example/v1/ingest","consent":"opt-out","idleTimeoutMs":20000,"ldp":"clicks:20","ldpEpsilon":"0.5","gdprApplies":true,"tcfVendorId":755}"#;
                let mut bytes = valid.as_bytes().to_vec();
                let i = at.index(bytes.len());
                if cut { bytes.truncate(i) } else { bytes[i] = byte }
                let text = String::from_utf8_lossy(&bytes);
                match Config::from_json(&text, crate::pairs_from_json) {
                    Ok(c) => accepted_is_valid(&c)?,
                    Err(e) => prop_assert!(!e.field.is_empty()),
                }
            }
        }
    }
}
