//! SDK configuration: parsed from JSON (the JS layer passes the `init`
//! options object, or the script tag's `data-*` attributes, as JSON) and
//! validated. Every error names the offending field.

use crate::consent::Mode;
use alloc::string::String;
use crate::flat_json::{self, Scalar};
use crate::payload::is_valid_site;

/// A rejected configuration: the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub reason: String,
}

impl ConfigError {
    /// "invalid iob config: `field` reason" (built without `format!` to keep wasm small).
    pub fn message(&self) -> String {
        let mut m = String::from("invalid iob config: `");
        m.push_str(&self.field);
        m.push_str("` ");
        m.push_str(&self.reason);
        m
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for ConfigError {}

fn err(field: &str, reason: &str) -> ConfigError {
    ConfigError { field: field.into(), reason: reason.into() }
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

/// Whether the GDPR applies, for the TCF reader (`gdprApplies`, `data-gdpr-applies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GdprApplies {
    /// Ask the CMP (its `gdprApplies`); with no CMP, TCF does not restrict.
    #[default]
    Auto,
    /// GDPR applies: no CMP answer within `tcfTimeoutMs` means no consent.
    Yes,
    /// GDPR does not apply: TCF never restricts.
    No,
}

/// Validated configuration. JSON keys are camelCase (`idleTimeoutMs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `site`: 1-64 characters of `a-z 0-9 . _ -`. Required.
    pub site: String,
    /// `endpoint`: collector ingest URL (`https://…/v1/ingest`, or a same-origin path). Required.
    pub endpoint: String,
    /// `consent`: `opt-in` (default), `opt-out` or `exempt`.
    pub consent: Mode,
    /// `idleTimeoutMs`: idle timeout for `active_ms`, ms. Default 15000, 1000-600000.
    pub idle_timeout_ms: u32,
    /// `policyVersion`: the site's privacy-policy version, copied into consent records. Default "1".
    pub policy_version: String,
    /// `respectGpc`: treat GPC and DNT as refusals of analytics and marketing. Default true.
    pub respect_gpc: bool,
    /// `identity`: `rotating` (default) or `none` (no visitor or session id).
    pub identity: Identity,
    /// `rotationHours`: pseudonym rotation period in hours. Default 24, 1-8760.
    pub rotation_hours: u32,
    /// `snapshotIntervalMs`: periodic cumulative snapshots on long pages, sent
    /// only when there was activity since the last one. Default 60000,
    /// 1000-86400000.
    pub snapshot_interval_ms: u32,
    /// `gdprApplies`: `'auto'` (default), `true` or `false` (also the strings `"true"`/`"false"`).
    pub gdpr_applies: GdprApplies,
    /// `tcfTimeoutMs`: how long to look for a TCF CMP (`__tcfapi`) and wait for
    /// its answer, ms. Default 3000, 0-60000.
    pub tcf_timeout_ms: u32,
    /// `tcfVendorId`: read `vendor.consents[id]` instead of `publisher.consents`. Default none, 1-65535.
    pub tcf_vendor_id: Option<u32>,
    /// `ldp` (feature list, `"active_ms:600000,clicks:20"`), `ldpEpsilon` (per
    /// feature per payload, default 1) and `ldpDailyEpsilon` (default 10):
    /// local differential privacy, see `privacy::ldp`.
    pub ldp: crate::privacy::ldp::Settings,
}

/// Every accepted key, in documentation order.
pub const KEYS: [&str; 15] = [
    "site", "endpoint", "consent", "idleTimeoutMs", "policyVersion", "respectGpc", "identity", "rotationHours",
    "snapshotIntervalMs",
    "gdprApplies", "tcfTimeoutMs", "tcfVendorId", "ldp", "ldpEpsilon", "ldpDailyEpsilon",
];

fn string(v: &Scalar, field: &str) -> Result<String, ConfigError> {
    match v {
        Scalar::Str(s) => Ok(s.clone()),
        _ => Err(err(field, "must be a string")),
    }
}

fn int_in(v: &Scalar, field: &str, lo: i64, hi: i64, reason: &str) -> Result<u32, ConfigError> {
    match v {
        Scalar::Int(n) if (lo..=hi).contains(n) => Ok(*n as u32),
        Scalar::Int(_) => Err(err(field, reason)),
        _ => Err(err(field, "must be a whole number")),
    }
}

impl Config {
    /// Parses and validates a flat JSON configuration object. `null` values
    /// mean "use the default".
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        // An empty key is named as the whole object (`.`), never as ``.
        let pairs = flat_json::parse(json).map_err(|e| err(if e.key.is_empty() { "." } else { &e.key }, e.reason))?;
        let mut c = Config {
            site: String::new(),
            endpoint: String::new(),
            consent: Mode::OptIn,
            idle_timeout_ms: 15_000,
            policy_version: "1".into(),
            respect_gpc: true,
            identity: Identity::Rotating,
            rotation_hours: 24,
            snapshot_interval_ms: 60_000,
            gdpr_applies: GdprApplies::Auto,
            tcf_timeout_ms: 3_000,
            tcf_vendor_id: None,
            ldp: crate::privacy::ldp::Settings::default(),
        };
        for (key, v) in &pairs {
            if *v == Scalar::Null {
                continue;
            }
            let k = key.as_str();
            match k {
                "site" => c.site = string(v, k)?,
                "endpoint" => c.endpoint = string(v, k)?,
                "consent" => {
                    c.consent = match string(v, k)?.as_str() {
                        "opt-in" => Mode::OptIn,
                        "opt-out" => Mode::OptOut,
                        "exempt" => Mode::Exempt,
                        _ => return Err(err(k, "must be opt-in, opt-out or exempt")),
                    }
                }
                "idleTimeoutMs" => c.idle_timeout_ms = int_in(v, k, 1_000, 600_000, "must be between 1000 and 600000")?,
                "policyVersion" => c.policy_version = string(v, k)?,
                "respectGpc" => match v {
                    Scalar::Bool(b) => c.respect_gpc = *b,
                    _ => return Err(err(k, "must be true or false")),
                },
                "identity" => {
                    c.identity = match string(v, k)?.as_str() {
                        "rotating" => Identity::Rotating,
                        "none" => Identity::None,
                        _ => return Err(err(k, "must be rotating or none")),
                    }
                }
                "rotationHours" => c.rotation_hours = int_in(v, k, 1, 8_760, "must be between 1 and 8760")?,
                "snapshotIntervalMs" => c.snapshot_interval_ms = int_in(v, k, 1_000, 86_400_000, "must be between 1000 and 86400000")?,
                "gdprApplies" => {
                    c.gdpr_applies = match v {
                        Scalar::Bool(true) => GdprApplies::Yes,
                        Scalar::Bool(false) => GdprApplies::No,
                        Scalar::Str(s) if s == "auto" => GdprApplies::Auto,
                        Scalar::Str(s) if s == "true" => GdprApplies::Yes,
                        Scalar::Str(s) if s == "false" => GdprApplies::No,
                        _ => return Err(err(k, "must be 'auto', true or false")),
                    }
                }
                "tcfTimeoutMs" => c.tcf_timeout_ms = int_in(v, k, 0, 60_000, "must be between 0 and 60000")?,
                "tcfVendorId" => c.tcf_vendor_id = Some(int_in(v, k, 1, 65_535, "must be between 1 and 65535")?),
                "ldp" => c.ldp.features = crate::privacy::ldp::Settings::parse_features(&string(v, k)?).map_err(|r| err(k, r))?,
                "ldpEpsilon" | "ldpDailyEpsilon" => {
                    let milli = match v {
                        Scalar::Int(n) if (1..=1_000).contains(n) => Some(*n as u32 * 1000),
                        Scalar::Str(s) => crate::privacy::ldp::parse_milli(s),
                        _ => None,
                    };
                    let ok = |lo: u32, hi: u32| milli.filter(|m| (lo..=hi).contains(m));
                    if k == "ldpEpsilon" {
                        c.ldp.eps_milli = ok(10, 10_000).ok_or_else(|| err(k, "must be a number between 0.01 and 10"))?;
                    } else {
                        c.ldp.daily_milli = ok(10, 1_000_000).ok_or_else(|| err(k, "must be a number between 0.01 and 1000"))?;
                    }
                }
                "" => return Err(err(".", "has an option with an empty name")),
                _ => return Err(err(k, "is not a known option")),
            }
        }
        c.validate()?;
        Ok(c)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.site.is_empty() {
            return Err(err("site", "is required"));
        }
        if !is_valid_site(&self.site) {
            return Err(err("site", "must be 1-64 characters of a-z 0-9 . _ -"));
        }
        let e = self.endpoint.as_str();
        let absolute = e.starts_with("https://") || e.starts_with("http://");
        let relative = e.starts_with('/') && !e.starts_with("//");
        if e.is_empty() {
            return Err(err("endpoint", "is required"));
        }
        if !(absolute || relative) || e.len() > 2048 || e.chars().any(|c| c.is_control() || c == ' ') {
            return Err(err("endpoint", "must be an http(s) URL or a path starting with /"));
        }
        if self.policy_version.is_empty() || self.policy_version.len() > 32 {
            return Err(err("policyVersion", "must be 1-32 characters"));
        }
        if self.ldp.cost() > self.ldp.daily_milli {
            return Err(err("ldpDailyEpsilon", "is smaller than one payload's cost (ldpEpsilon × the number of ldp features)"));
        }
        Ok(())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_gets_safe_defaults() {
        let c = Config::from_json(r#"{"site":"demo","endpoint":"/v1/ingest","consent":null}"#).unwrap();
        assert_eq!(c.consent, Mode::OptIn);
        assert_eq!(c.idle_timeout_ms, 15_000);
        assert!(c.respect_gpc);
        assert_eq!(c.identity, Identity::Rotating);
    }

    #[test]
    fn consent_signal_and_ldp_options_parse() {
        let c = Config::from_json(
            r#"{"site":"d","endpoint":"/x","gdprApplies":"true","tcfTimeoutMs":500,"tcfVendorId":755,"ldp":"clicks:20, active_ms","ldpEpsilon":"0.5","ldpDailyEpsilon":4}"#,
        )
        .unwrap();
        assert_eq!((c.gdpr_applies, c.tcf_timeout_ms, c.tcf_vendor_id), (GdprApplies::Yes, 500, Some(755)));
        let names: Vec<_> = c.ldp.features.iter().map(|f| (f.name, f.hi)).collect();
        assert_eq!(names, [("clicks", Some(20)), ("active_ms", Some(crate::payload::DAY_MS))]);
        assert_eq!((c.ldp.eps_milli, c.ldp.daily_milli, c.ldp.cost()), (500, 4000, 1000));
        let d = Config::from_json(r#"{"site":"d","endpoint":"/x","gdprApplies":false}"#).unwrap();
        assert_eq!((d.gdpr_applies, d.tcf_timeout_ms, d.tcf_vendor_id), (GdprApplies::No, 3000, None));
        assert!(d.ldp.features.is_empty());
        assert_eq!(Config::from_json(r#"{"site":"d","endpoint":"/x"}"#).unwrap().gdpr_applies, GdprApplies::Auto);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"endpoint":"/x"}"#, "site"),
            (r#"{"site":"Demo Site","endpoint":"/x"}"#, "site"),
            (r#"{"site":"d","endpoint":"ftp://x"}"#, "endpoint"),
            (r#"{"site":"d","endpoint":"//evil.example/x"}"#, "endpoint"),
            (r#"{"site":"d","endpoint":"/x","consent":"maybe"}"#, "consent"),
            (r#"{"site":"d","endpoint":"/x","idleTimeoutMs":"5"}"#, "idleTimeoutMs"),
            (r#"{"site":"d","endpoint":"/x","idleTimeoutMs":10}"#, "idleTimeoutMs"),
            (r#"{"site":"d","endpoint":"/x","sitee":1}"#, "sitee"),
            (r#"{"site":"d","endpoint":"/x","rotationHours":0}"#, "rotationHours"),
            (r#"{"site":"d","endpoint":"/x","rotationHours":1.5}"#, "rotationHours"),
            (r#"{"site":"d","endpoint":"/x","respectGpc":"no"}"#, "respectGpc"),
            (r#"{"site":"d","endpoint":"/x","identity":"email"}"#, "identity"),
            (r#"{"site":"d","endpoint":"/x","policyVersion":""}"#, "policyVersion"),
            (r#"{"site":"d","endpoint":{"url":"/x"}}"#, "endpoint"),
            (r#"[1,2]"#, "."),
            (r#"{"site":"d","endpoint":"/x","snapshotIntervalMs":500}"#, "snapshotIntervalMs"),
            (r#"{"site":"d","endpoint":"/x","":1}"#, "."),
            (r#"{"site":"d","endpoint":"/x","":1,"":2}"#, "."),
            (r#"{"site":"d","endpoint":"/x","snapshotIntervalMs":"60s"}"#, "snapshotIntervalMs"),

            (r#"{"site":"d","endpoint":"/x","gdprApplies":"maybe"}"#, "gdprApplies"),
            (r#"{"site":"d","endpoint":"/x","tcfTimeoutMs":60001}"#, "tcfTimeoutMs"),
            (r#"{"site":"d","endpoint":"/x","tcfVendorId":0}"#, "tcfVendorId"),
            (r#"{"site":"d","endpoint":"/x","ldp":"email"}"#, "ldp"),
            (r#"{"site":"d","endpoint":"/x","ldp":"clicks:0"}"#, "ldp"),
            (r#"{"site":"d","endpoint":"/x","ldp":"clicks,clicks"}"#, "ldp"),
            (r#"{"site":"d","endpoint":"/x","ldp":"clicks:200000"}"#, "ldp"),
            (r#"{"site":"d","endpoint":"/x","ldpEpsilon":"0.001"}"#, "ldpEpsilon"),
            (r#"{"site":"d","endpoint":"/x","ldpEpsilon":"abc"}"#, "ldpEpsilon"),
            (r#"{"site":"d","endpoint":"/x","ldpEpsilon":11}"#, "ldpEpsilon"),
            (r#"{"site":"d","endpoint":"/x","ldp":"clicks,active_ms","ldpEpsilon":2,"ldpDailyEpsilon":"3.5"}"#, "ldpDailyEpsilon"),
        ];
        for (json, field) in cases {
            let e = Config::from_json(json).unwrap_err();
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
                any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| f.to_string()),
                any::<String>().prop_map(|t| serde_json::to_string(&t).unwrap_or_default()),
                "\"[a-z0-9._:/ -]{0,20}\"",
                Just("[1]".to_string()),
                Just("{}".to_string()),
            ]
        }

        fn accepted_is_valid(c: &Config) -> Result<(), TestCaseError> {
            prop_assert!(is_valid_site(&c.site));
            prop_assert!(c.endpoint.starts_with("https://") || c.endpoint.starts_with("http://") || c.endpoint.starts_with('/'));
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
                if let Err(e) = Config::from_json(&text) {
                    prop_assert!(!e.field.is_empty() && e.message().contains(&e.field));
                }
            }

            #[test]
            fn random_objects_are_valid_or_name_a_field(
                members in proptest::collection::vec((0..KEYS.len() + 1, value()), 0..10),
            ) {
                let mut json = String::from("{");
                let mut keys = Vec::new();
                for (i, (k, v)) in members.iter().enumerate() {
                    let key = KEYS.get(*k).copied().unwrap_or("sitee");
                    keys.push(key);
                    if i > 0 {
                        json.push(',');
                    }
                    json.push_str(&format!("{key:?}:{v}"));
                }
                json.push('}');
                match Config::from_json(&json) {
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
                match Config::from_json(&text) {
                    Ok(c) => accepted_is_valid(&c)?,
                    Err(e) => prop_assert!(!e.field.is_empty()),
                }
            }
        }
    }
}
