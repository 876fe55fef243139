//! SDK configuration: parsed from JSON (the JS layer passes the `init`
//! options object, or the script tag's `data-*` attributes, as JSON) and
//! validated. Every error names the offending field.

use crate::consent::Mode;
use crate::payload::is_valid_site;
use serde::Deserialize;

/// A rejected configuration: the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid iob config: `{}` {}", self.field, self.reason)
    }
}

impl std::error::Error for ConfigError {}

fn err(field: &str, reason: &str) -> ConfigError {
    ConfigError { field: field.into(), reason: reason.into() }
}

/// Whether a visitor pseudonym is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Identity {
    /// A pseudonym derived from the on-device seed, rotating every `rotationHours`.
    #[default]
    Rotating,
    /// No visitor id and no session id at all.
    None,
}

/// Validated configuration.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    /// Site key: 1-64 characters of `a-z 0-9 . _ -`. Required.
    pub site: String,
    /// Collector ingest URL (`https://…/v1/ingest`, or a same-origin path). Required.
    pub endpoint: String,
    /// Consent mode. Default `opt-in`.
    #[serde(default)]
    pub consent: Mode,
    /// Idle timeout for `active_ms`, ms. Default 15000, 1000-600000.
    #[serde(default = "default_idle_timeout_ms")]
    pub idle_timeout_ms: u32,
    /// Version of the site's privacy policy, copied into consent records. Default "1".
    #[serde(default = "default_policy_version")]
    pub policy_version: String,
    /// Treat GPC and DNT as refusals of analytics and marketing. Default true.
    #[serde(default = "default_true")]
    pub respect_gpc: bool,
    /// Visitor identifier mode. Default `rotating`.
    #[serde(default)]
    pub identity: Identity,
    /// Pseudonym rotation period in hours. Default 24, 1-8760.
    #[serde(default = "default_rotation_hours")]
    pub rotation_hours: u32,
}

fn default_idle_timeout_ms() -> u32 {
    15_000
}
fn default_policy_version() -> String {
    "1".into()
}
fn default_true() -> bool {
    true
}
fn default_rotation_hours() -> u32 {
    24
}

impl Config {
    /// Parses and validates a JSON configuration object.
    pub fn from_json(json: &str) -> Result<Config, ConfigError> {
        if !json.trim_start().starts_with('{') {
            return Err(err(".", "must be an object"));
        }
        let de = &mut serde_json::Deserializer::from_str(json);
        let cfg: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            // serde names missing/unknown fields in its message, not in the path.
            let field = inner.split('`').nth(1).filter(|_| path == ".").map(str::to_string).unwrap_or(path);
            ConfigError { field, reason: inner }
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !is_valid_site(&self.site) {
            return Err(err("site", "must be 1-64 characters of a-z 0-9 . _ -"));
        }
        let e = self.endpoint.as_str();
        let absolute = e.starts_with("https://") || e.starts_with("http://");
        let relative = e.starts_with('/') && !e.starts_with("//");
        if !(absolute || relative) || e.len() > 2048 || e.chars().any(|c| c.is_control() || c == ' ') {
            return Err(err("endpoint", "must be an http(s) URL or a path starting with /"));
        }
        if !(1_000..=600_000).contains(&self.idle_timeout_ms) {
            return Err(err("idleTimeoutMs", "must be between 1000 and 600000"));
        }
        if self.policy_version.is_empty() || self.policy_version.len() > 32 {
            return Err(err("policyVersion", "must be 1-32 characters"));
        }
        if !(1..=8_760).contains(&self.rotation_hours) {
            return Err(err("rotationHours", "must be between 1 and 8760"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_gets_safe_defaults() {
        let c = Config::from_json(r#"{"site":"demo","endpoint":"/v1/ingest"}"#).unwrap();
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
            (r#"[1,2]"#, "."),
        ];
        for (json, field) in cases {
            let e = Config::from_json(json).unwrap_err();
            assert_eq!(e.field, field, "{json}: {e}");
            assert!(e.to_string().contains(field));
        }
    }
}
