//! Server configuration from command-line options and/or a config file.
//!
//! The config file holds the same options as the command line, one
//! `key = value` per line, without the leading `--`; `#` starts a comment and
//! repeatable options (`site`, `serve`) may appear several times:
//!
//! ```text
//! listen = 127.0.0.1:8080
//! db = iob.sqlite
//! # or: storage = clickhouse, clickhouse-url = http://127.0.0.1:8123
//! site = demo=http://127.0.0.1:8080
//! read-token = change-me
//! ```
//!
//! Options are applied in order, so a command-line option after `--config`
//! overrides the file.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use iob_sdk::{is_valid_site, MAX_PAYLOAD_BYTES};

use crate::storage::clickhouse::{self, Batching, Credentials, ServerUrl};

/// The smallest k the read API accepts: k = 1 would publish single visitors.
pub const MIN_K: u32 = 2;

/// Which storage backend the collector uses (`--storage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// Embedded SQLite at `--db` (the default).
    Sqlite,
    /// A ClickHouse server at `--clickhouse-url`.
    ClickHouse,
}

/// The `--clickhouse-*` options.
#[derive(Debug, Clone)]
pub struct ClickHouseOptions {
    pub url: Option<ServerUrl>,
    pub database: String,
    pub user: Option<String>,
    pub password: String,
    pub batching: Batching,
}

impl Default for ClickHouseOptions {
    fn default() -> Self {
        ClickHouseOptions {
            url: None,
            database: clickhouse::DEFAULT_DATABASE.into(),
            user: None,
            password: String::new(),
            batching: clickhouse::DEFAULT_BATCHING,
        }
    }
}

impl ClickHouseOptions {
    /// The backend's settings; `None` without a URL.
    pub fn settings(&self) -> Option<clickhouse::Settings> {
        Some(clickhouse::Settings {
            url: self.url.clone()?,
            database: self.database.clone(),
            credentials: self.user.as_ref().map(|user| Credentials {
                user: user.clone(),
                password: self.password.clone(),
            }),
            batching: self.batching,
        })
    }
}

/// Longest `--clickhouse-flush-ms`.
pub const MAX_FLUSH_MS: u64 = 10_000;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub storage: StorageKind,
    /// SQLite database file (`--storage sqlite`).
    pub db: PathBuf,
    pub clickhouse: ClickHouseOptions,
    /// Site key -> allowed `Origin` values (`scheme://host[:port]`).
    pub sites: BTreeMap<String, Vec<String>>,
    /// Bearer token of the read API and dashboard; `None` disables reads.
    pub read_token: Option<String>,
    pub k: u32,
    pub retention_days: u32,
    /// Largest accepted ingest body; never above the schema's `MAX_PAYLOAD_BYTES`.
    pub body_limit: usize,
    /// Token bucket per client: refill per second and capacity.
    pub rate: f64,
    pub burst: f64,
    /// Static directories: (URL prefix, directory).
    pub serve: Vec<(String, PathBuf)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            storage: StorageKind::Sqlite,
            db: PathBuf::from("iob.sqlite"),
            clickhouse: ClickHouseOptions::default(),
            sites: BTreeMap::new(),
            read_token: None,
            k: 5,
            retention_days: 760,
            body_limit: MAX_PAYLOAD_BYTES,
            rate: 50.0,
            burst: 200.0,
            serve: Vec::new(),
        }
    }
}

/// A configuration error naming the option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err<T>(key: &str, reason: impl std::fmt::Display) -> Result<T, ConfigError> {
    Err(ConfigError(format!("--{key}: {reason}")))
}

fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, ConfigError> {
    value
        .trim()
        .parse()
        .or_else(|_| err(key, format!("not a valid number: {value:?}")))
}

/// Normalises an origin `scheme://host[:port]` (lowercase, no path).
pub fn normalize_origin(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))?;
    let ok = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    ok.then_some(s)
}

impl Config {
    /// Applies one option (`key` without the leading `--`).
    pub fn apply(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match key {
            "listen" => {
                self.listen = value
                    .trim()
                    .parse()
                    .or_else(|_| err(key, "expected IP:PORT, e.g. 127.0.0.1:8080"))?
            }
            "db" => self.db = PathBuf::from(value.trim()),
            "storage" => {
                self.storage = match value.trim() {
                    "sqlite" => StorageKind::Sqlite,
                    "clickhouse" => StorageKind::ClickHouse,
                    other => return err(key, format!("{other:?} is not sqlite or clickhouse")),
                }
            }
            "clickhouse-url" => {
                self.clickhouse.url = Some(ServerUrl::parse(value).or_else(|e| err(key, e))?)
            }
            "clickhouse-db" => {
                let db = value.trim();
                if !clickhouse::sql::is_identifier(db) {
                    return err(
                        key,
                        format!(
                            "{db:?} must be 1-64 letters, digits and _, not starting with a digit"
                        ),
                    );
                }
                self.clickhouse.database = db.to_string();
            }
            "clickhouse-user" => {
                let user = value.trim();
                if user.is_empty() || !user.bytes().all(|b| b.is_ascii_graphic()) {
                    return err(key, "must be non-empty printable ASCII without spaces");
                }
                self.clickhouse.user = Some(user.to_string());
            }
            "clickhouse-password" => {
                let password = value.trim();
                if !password.bytes().all(|b| b.is_ascii_graphic()) {
                    return err(key, "must be printable ASCII without spaces");
                }
                self.clickhouse.password = password.to_string();
            }
            "clickhouse-flush-ms" => {
                let ms: u64 = number(key, value)?;
                if ms > MAX_FLUSH_MS {
                    return err(key, format!("must be at most {MAX_FLUSH_MS}"));
                }
                self.clickhouse.batching.interval = std::time::Duration::from_millis(ms);
            }
            "site" => {
                let (site, origins) = value.split_once('=').map_or((value, ""), |(s, o)| (s, o));
                let site = site.trim();
                if !is_valid_site(site) {
                    return err(
                        key,
                        format!("site key {site:?} must be 1-64 characters of a-z 0-9 . _ -"),
                    );
                }
                let mut list = Vec::new();
                for o in origins.split(',').filter(|o| !o.trim().is_empty()) {
                    match normalize_origin(o) {
                        Some(o) => list.push(o),
                        None => {
                            return err(
                                key,
                                format!("{o:?} is not an origin like https://example.com"),
                            )
                        }
                    }
                }
                if list.is_empty() {
                    return err(key, "expected SITE=ORIGIN[,ORIGIN...]");
                }
                self.sites.entry(site.to_string()).or_default().extend(list);
            }
            "read-token" => {
                let t = value.trim();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_graphic()) {
                    return err(key, "must be non-empty printable ASCII without spaces");
                }
                self.read_token = Some(t.to_string());
            }
            "k" => self.k = number(key, value)?,
            "retention-days" => self.retention_days = number(key, value)?,
            "body-limit" => self.body_limit = number(key, value)?,
            "rate" => self.rate = number(key, value)?,
            "burst" => self.burst = number(key, value)?,
            "serve" => {
                let Some((prefix, dir)) = value.split_once('=') else {
                    return err(key, "expected PREFIX=DIR, e.g. /=examples/script-tag");
                };
                let prefix = prefix.trim();
                if !prefix.starts_with('/') || (prefix.len() > 1 && prefix.ends_with('/')) {
                    return err(
                        key,
                        format!("prefix {prefix:?} must start with / and not end with /"),
                    );
                }
                self.serve
                    .push((prefix.to_string(), PathBuf::from(dir.trim())));
            }
            "config" => self.load_file(value.trim())?,
            _ => return err(key, "unknown option"),
        }
        Ok(())
    }

    /// Applies every `key = value` line of a config file.
    pub fn load_file(&mut self, path: &str) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path)
            .or_else(|e| err("config", format!("cannot read {path}: {e}")))?;
        self.apply_file_text(&text)
    }

    pub fn apply_file_text(&mut self, text: &str) -> Result<(), ConfigError> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(ConfigError(format!(
                    "config line {}: expected key = value",
                    n + 1
                )));
            };
            if key.trim() == "config" {
                return Err(ConfigError(format!(
                    "config line {}: nested config files are not supported",
                    n + 1
                )));
            }
            self.apply(key.trim(), value)?;
        }
        Ok(())
    }

    /// Parses `--key value` / `--key=value` options, then checks the result.
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let Some(opt) = arg.strip_prefix("--") else {
                return Err(ConfigError(format!("unexpected argument {arg:?}")));
            };
            let (key, value) = match opt.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                _ => match it.next() {
                    Some(v) => (opt.to_string(), v.clone()),
                    None => return err(opt, "missing value"),
                },
            };
            cfg.apply(&key, &value)?;
        }
        cfg.check()?;
        Ok(cfg)
    }

    /// Refuses unsafe or meaningless settings.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.k < MIN_K {
            return err("k", format!("must be at least {MIN_K} (k-anonymity)"));
        }
        if self.retention_days == 0 {
            return err("retention-days", "must be at least 1");
        }
        if self.body_limit == 0 || self.body_limit > MAX_PAYLOAD_BYTES {
            return err(
                "body-limit",
                format!("must be between 1 and {MAX_PAYLOAD_BYTES} (the schema's maximum)"),
            );
        }
        if !(self.rate > 0.0
            && self.rate.is_finite()
            && self.burst >= 1.0
            && self.burst.is_finite())
        {
            return err("rate", "rate must be > 0 and burst >= 1");
        }
        if self.sites.is_empty() {
            return err("site", "at least one --site SITE=ORIGIN is required");
        }
        if self.storage == StorageKind::ClickHouse && self.clickhouse.url.is_none() {
            return err(
                "clickhouse-url",
                "required with --storage clickhouse, e.g. http://127.0.0.1:8123",
            );
        }
        if !self.clickhouse.password.is_empty() && self.clickhouse.user.is_none() {
            return err("clickhouse-password", "needs --clickhouse-user");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_options_and_file() {
        let c = Config::from_args(&args(
            "--listen 127.0.0.1:0 --site demo=http://127.0.0.1:8080 --site other=https://A.example/,https://b.example --k=7 --serve /pkg=pkg",
        ))
        .unwrap();
        assert_eq!(c.listen.port(), 0);
        assert_eq!(
            c.sites["other"],
            vec!["https://a.example", "https://b.example"]
        );
        assert_eq!(c.k, 7);
        assert_eq!(c.serve, vec![("/pkg".to_string(), PathBuf::from("pkg"))]);
        assert!(
            c.read_token.is_none(),
            "no token by default: reads are refused"
        );

        let c = Config::from_args(&args(
            "--site demo=http://a.test --storage clickhouse --clickhouse-url http://127.0.0.1:8123 --clickhouse-db iob_2 --clickhouse-flush-ms 0",
        ))
        .unwrap();
        assert_eq!(c.storage, StorageKind::ClickHouse);
        let ch = c.clickhouse.settings().unwrap();
        assert_eq!(
            (
                ch.url.port,
                ch.database.as_str(),
                ch.batching.interval.as_millis()
            ),
            (8123, "iob_2", 0)
        );
        assert!(ch.credentials.is_none());

        let mut f = Config::default();
        f.apply_file_text("# comment\nsite = demo=http://x.test\nread-token = abc\nrate = 5\n")
            .unwrap();
        assert_eq!(f.read_token.as_deref(), Some("abc"));
        assert_eq!(f.rate, 5.0);
        assert!(f.check().is_ok());
    }

    #[test]
    fn rejects_bad_options_with_their_name() {
        let e = |s: &str| Config::from_args(&args(s)).unwrap_err().0;
        assert!(e("--site demo=http://a.test --k 1").starts_with("--k:"));
        assert!(e("--site demo=ftp://a.test").starts_with("--site:"));
        assert!(e("--site BAD=http://a.test").starts_with("--site:"));
        assert!(e("--listen nowhere --site demo=http://a.test").starts_with("--listen:"));
        assert!(e("--bogus 1").starts_with("--bogus:"));
        assert!(e("--k 5").starts_with("--site:"));
        assert!(e("--site demo=http://a.test --body-limit 100000").starts_with("--body-limit:"));
        assert!(e("--site demo=http://a.test --storage mysql").starts_with("--storage:"));
        assert!(
            e("--site demo=http://a.test --storage clickhouse").starts_with("--clickhouse-url:")
        );
        assert!(
            e("--site demo=http://a.test --clickhouse-url https://db:8443")
                .starts_with("--clickhouse-url:")
        );
        assert!(e("--site demo=http://a.test --clickhouse-db a-b").starts_with("--clickhouse-db:"));
        assert!(e("--site demo=http://a.test --clickhouse-flush-ms 20000")
            .starts_with("--clickhouse-flush-ms:"));
        assert!(e("--site demo=http://a.test --clickhouse-password x")
            .starts_with("--clickhouse-password:"));
    }
}
