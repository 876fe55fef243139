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
}

/// Every accepted key, in documentation order.
pub const KEYS: [&str; 8] = ["site", "endpoint", "consent", "idleTimeoutMs", "policyVersion", "respectGpc", "identity", "rotationHours"];

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
        let pairs = flat_json::parse(json).map_err(|e| err(&e.key, e.reason))?;
        let mut c = Config {
            site: String::new(),
            endpoint: String::new(),
            consent: Mode::OptIn,
            idle_timeout_ms: 15_000,
            policy_version: "1".into(),
            respect_gpc: true,
            identity: Identity::Rotating,
            rotation_hours: 24,
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
        ];
        for (json, field) in cases {
            let e = Config::from_json(json).unwrap_err();
            assert_eq!(e.field, field, "{json}: {e}");
            assert!(e.to_string().contains(field));
        }
    }
}
