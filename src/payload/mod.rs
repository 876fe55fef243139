//! The payload schema (version [`SCHEMA_VERSION`]): the one JSON document sent per page view snapshot.
//!
//! The SDK builds it, the collector parses and validates it with
//! `parse` (feature `std`), and `docs/payload.schema.json` is generated
//! from it by `make docs`. A payload is at most [`MAX_PAYLOAD_BYTES`] bytes.

use crate::catalog::{Features, JsonType, SPECS};
use crate::consent::Purpose;
use crate::error::FieldError;
use crate::json_out::{push_u64, ObjectWriter};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Current payload schema version (`v`).
pub const SCHEMA_VERSION: u32 = 2;
/// Hard upper bound on one serialised payload, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 2048;
/// Longest normalised path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 256;
/// Longest site key accepted, in bytes.
pub const MAX_SITE_BYTES: usize = 64;
/// Longest referrer domain accepted, in bytes.
pub const MAX_DOMAIN_BYTES: usize = 253;

/// Coarse device class, from the user agent's form factor only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DeviceClass {
    Desktop,
    Mobile,
    Tablet,
    #[default]
    Other,
}

impl DeviceClass {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Desktop => "desktop",
            DeviceClass::Mobile => "mobile",
            DeviceClass::Tablet => "tablet",
            DeviceClass::Other => "other",
        }
    }
}

/// Coarse browser family (no version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BrowserFamily {
    Chrome,
    Edge,
    Firefox,
    Safari,
    #[default]
    Other,
}

impl BrowserFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            BrowserFamily::Chrome => "chrome",
            BrowserFamily::Edge => "edge",
            BrowserFamily::Firefox => "firefox",
            BrowserFamily::Safari => "safari",
            BrowserFamily::Other => "other",
        }
    }
}

/// The consent in effect when the snapshot was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRef {
    /// The per-period consent reference (32 lowercase hex digits): a keyed
    /// hash of the local consent record's id and the pseudonym period. The
    /// visitor's device can recompute it from the record (proof of consent
    /// on request); the collector cannot link periods with it.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Purposes granted at the time of the snapshot.
    pub purposes: Vec<Purpose>,
}

/// Normalised, coarse page context. Never a full URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Normalised path (see `privacy::url`), starting with `/`.
    pub path: String,
    /// Referrer's registrable host only, when it is another site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_domain: Option<String>,
    pub device_class: DeviceClass,
    pub browser_family: BrowserFamily,
}

/// An LDP mechanism (see `privacy::ldp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mechanism {
    /// Randomised response on a flag: `v` is 0 or 1, the true bit kept with
    /// probability `e^ε / (1 + e^ε)`.
    Rr,
    /// Geometric mechanism on a count or duration clamped to `[0, hi]`: `v` is
    /// the clamped value plus discrete Laplace noise of scale `hi / ε`.
    Geo,
}

impl Mechanism {
    pub fn as_str(self) -> &'static str {
        match self {
            Mechanism::Rr => "rr",
            Mechanism::Geo => "geo",
        }
    }
}

/// One feature reported under local differential privacy, with the
/// mechanism's parameters so the collector can debias.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdpReport {
    /// The feature's catalog name; it is then absent from `f`.
    pub f: String,
    pub m: Mechanism,
    /// ε of this report, in thousandths (10-10000).
    pub eps_milli: u32,
    /// Clamp bound (geo only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hi: Option<u32>,
    /// The noisy value (may be negative or above `hi`: never clamp it again).
    pub v: i64,
}

/// Which build of the SDK sent a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Build {
    /// Every feature family.
    #[default]
    Full,
    /// Engagement, scroll, clicks and frustration, navigation, consent and delivery.
    Lite,
}

impl Build {
    /// The build this crate was compiled as (Cargo feature `full`).
    #[cfg(feature = "full")]
    pub const CURRENT: Build = Build::Full;
    /// The build this crate was compiled as (Cargo feature `full` off).
    #[cfg(not(feature = "full"))]
    pub const CURRENT: Build = Build::Lite;

    pub fn as_str(self) -> &'static str {
        match self {
            Build::Full => "full",
            Build::Lite => "lite",
        }
    }
}

/// The payload schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    /// Schema version, always [`SCHEMA_VERSION`].
    pub v: u32,
    /// The SDK build that sent it.
    pub build: Build,
    /// Random id of this payload (32 hex).
    pub id: String,
    /// Random id of the page view (32 hex); the collector keeps the highest `seq` per `pv`.
    pub pv: String,
    /// Snapshot sequence number within the page view, from 1.
    pub seq: u32,
    /// Site key, as configured.
    pub site: String,
    /// Rotating visitor pseudonym (32 hex), absent in the no-identifier mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vid: Option<String>,
    /// Session id (32 hex), absent in the no-identifier mode; it rotates after
    /// 30 minutes of inactivity and at every pseudonym period boundary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The pseudonym period in hours (the SDK's `rotationHours`), present
    /// exactly when `vid` is: the collector counts k-anonymity within one
    /// period (`floor(hour / (rot * 3600))`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rot: Option<u32>,
    /// Start of the UTC hour of the snapshot, in Unix seconds (a multiple of 3600).
    pub hour: u64,
    pub consent: ConsentRef,
    pub ctx: Context,
    /// Cumulative features of the page view.
    pub f: Features,
    /// Features reported under local differential privacy (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ldp: Vec<LdpReport>,
}

/// Earliest accepted `hour` (2024-01-01T00:00:00Z).
pub const MIN_HOUR: u64 = 1_704_067_200;
/// Latest accepted `hour` (2100-01-01T00:00:00Z).
pub const MAX_HOUR: u64 = 4_102_444_800;

fn check_hex_id(field: &str, s: &str) -> Result<(), FieldError> {
    if s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(FieldError::new(field, "must be 32 lowercase hex digits"))
    }
}

/// `true` for a site key: 1-64 bytes of `[a-z0-9._-]`.
pub fn is_valid_site(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SITE_BYTES
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl Payload {
    /// Checks every field against the schema and its bounds.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.v != SCHEMA_VERSION {
            return Err(FieldError::new("v", "unsupported schema version"));
        }
        check_hex_id("id", &self.id)?;
        check_hex_id("pv", &self.pv)?;
        if self.seq == 0 || self.seq > 100_000 {
            return Err(FieldError::new("seq", "must be between 1 and 100000"));
        }
        if !is_valid_site(&self.site) {
            return Err(FieldError::new(
                "site",
                "must be 1-64 characters of a-z 0-9 . _ -",
            ));
        }
        if let Some(vid) = &self.vid {
            check_hex_id("vid", vid)?;
        }
        if let Some(sid) = &self.sid {
            check_hex_id("sid", sid)?;
        }
        if !self.hour.is_multiple_of(3600) || !(MIN_HOUR..=MAX_HOUR).contains(&self.hour) {
            return Err(FieldError::new(
                "hour",
                "must be a whole UTC hour between 2024 and 2100",
            ));
        }
        match (self.vid.is_some(), self.rot) {
            (true, Some(r)) if (1..=8_760).contains(&r) => {}
            (true, _) => {
                return Err(FieldError::new(
                    "rot",
                    "must be between 1 and 8760 when vid is present",
                ))
            }
            (false, Some(_)) => return Err(FieldError::new("rot", "must be absent without vid")),
            (false, None) => {}
        }
        check_hex_id("consent.ref", &self.consent.reference)?;
        if !self.consent.purposes.contains(&Purpose::Analytics) {
            return Err(FieldError::new(
                "consent.purposes",
                "analytics must be granted for a payload to be sent",
            ));
        }
        let path = &self.ctx.path;
        if !path.starts_with('/')
            || path.len() > MAX_PATH_BYTES
            || path.chars().any(char::is_control)
        {
            return Err(FieldError::new(
                "ctx.path",
                "must start with / and be at most 256 bytes without control characters",
            ));
        }
        if let Some(d) = &self.ctx.referrer_domain {
            let ok = !d.is_empty()
                && d.len() <= MAX_DOMAIN_BYTES
                && d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !ok {
                return Err(FieldError::new(
                    "ctx.referrer_domain",
                    "must be a host name",
                ));
            }
        }
        self.f.validate()?;
        self.validate_ldp()
    }

    fn validate_ldp(&self) -> Result<(), FieldError> {
        let err = |reason: &str| Err(FieldError::new("ldp", reason));
        if self.ldp.len() > SPECS.len() {
            return err("has more reports than there are features");
        }
        for (i, r) in self.ldp.iter().enumerate() {
            let Some(doc) = SPECS.iter().find(|d| d.name == r.f) else {
                return err("names an unknown feature");
            };
            if self.ldp.iter().take(i).any(|o| o.f == r.f) {
                return err("reports a feature twice");
            }
            if !(10..=10_000).contains(&r.eps_milli) {
                return err("eps_milli must be between 10 and 10000");
            }
            let mut clear = self.f;
            if clear.take(doc.name) != Some(0) {
                return err("a privatised feature must not also be sent in the clear");
            }
            let privatised = |n: &str| self.ldp.iter().any(|o| o.f == n);
            if crate::catalog::revealers(doc.name)
                .into_iter()
                .any(|r| !privatised(r) && clear.take(r).is_some_and(|v| v != 0))
            {
                return err(
                    "a feature that reveals a privatised one must not be sent in the clear",
                );
            }
            match (r.m, doc.json_type, r.hi) {
                (Mechanism::Rr, JsonType::Boolean, None) if (0..=1).contains(&r.v) => {}
                (Mechanism::Geo, JsonType::Integer, Some(hi))
                    if hi >= 1 && hi <= doc.max && r.v.unsigned_abs() <= u64::from(hi) * 10_001 => {
                }
                _ => return err("mechanism, bound and value do not fit the feature"),
            }
        }
        Ok(())
    }

    /// Serialises to compact JSON, member order as declared (the same text
    /// serde would write; a test checks it).
    pub fn to_json(&self) -> String {
        let mut consent = ObjectWriter::new();
        consent
            .str("ref", &self.consent.reference)
            .str_list("purposes", self.consent.purposes.iter().map(|p| p.as_str()));
        let mut ctx = ObjectWriter::new();
        ctx.str("path", &self.ctx.path)
            .opt_str("referrer_domain", self.ctx.referrer_domain.as_deref())
            .str("device_class", self.ctx.device_class.as_str())
            .str("browser_family", self.ctx.browser_family.as_str());
        let mut w = ObjectWriter::new();
        w.uint("v", u64::from(self.v))
            .str("build", self.build.as_str())
            .str("id", &self.id)
            .str("pv", &self.pv)
            .uint("seq", u64::from(self.seq))
            .str("site", &self.site)
            .opt_str("vid", self.vid.as_deref())
            .opt_str("sid", self.sid.as_deref());
        if let Some(r) = self.rot {
            w.uint("rot", u64::from(r));
        }
        w.uint("hour", self.hour)
            .raw("consent", &consent.finish())
            .raw("ctx", &ctx.finish())
            .raw("f", &self.f.to_json());
        if !self.ldp.is_empty() {
            let buf = w.key("ldp");
            buf.push('[');
            for (i, r) in self.ldp.iter().enumerate() {
                if i > 0 {
                    buf.push(',');
                }
                let mut o = ObjectWriter::new();
                o.str("f", &r.f)
                    .str("m", r.m.as_str())
                    .uint("eps_milli", u64::from(r.eps_milli));
                if let Some(hi) = r.hi {
                    o.uint("hi", u64::from(hi));
                }
                let v = o.key("v");
                if r.v < 0 {
                    v.push('-');
                }
                push_u64(v, r.v.unsigned_abs());
                buf.push_str(&o.finish());
            }
            buf.push(']');
        }
        w.finish()
    }
}

impl Payload {
    /// [`Payload::to_json`], made to fit [`MAX_PAYLOAD_BYTES`]: when the
    /// features and ids leave too little room, the referrer domain is dropped
    /// first, then the path is cut from its end (never below `/`). Features
    /// are never cut; `tests::largest_payload_fits_the_budget` checks that
    /// every catalog feature at its maximum leaves room for them.
    pub fn to_json_within_budget(&mut self) -> String {
        let mut body = self.to_json();
        while body.len() > MAX_PAYLOAD_BYTES
            && (self.ctx.referrer_domain.is_some() || self.ctx.path.len() > 1)
        {
            if self.ctx.referrer_domain.take().is_none() {
                // The excess in bytes, at char boundaries (popping one char per
                // excess byte would cut multi-byte paths about twice too far); an
                // escaped character costs more in JSON, so the loop may go round again.
                let excess = body.len() - MAX_PAYLOAD_BYTES;
                let mut cut = 0;
                while cut < excess && self.ctx.path.len() > 1 {
                    cut += self.ctx.path.pop().map_or(0, char::len_utf8);
                }
            }
            body = self.to_json();
        }
        body
    }
}

/// Parses and validates one payload body (the collector's entry point).
#[cfg(feature = "std")]
pub fn parse(body: &[u8]) -> Result<Payload, FieldError> {
    if body.len() > MAX_PAYLOAD_BYTES {
        return Err(FieldError::new("body", "larger than 2048 bytes"));
    }
    // Fast path: plain serde. Only a body that fails is parsed a second time
    // with path tracking, to name the offending field.
    let p: Payload = match serde_json::from_slice(body) {
        Ok(p) => p,
        Err(_) => return Err(decode_error(body)),
    };
    p.validate()?;
    Ok(p)
}

/// The field and reason of a body that does not decode as a [`Payload`].
#[cfg(feature = "std")]
fn decode_error(body: &[u8]) -> FieldError {
    let de = &mut serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, Payload>(de) {
        Ok(_) => FieldError::new("body", "is not a valid payload"),
        Err(e) => {
            let path = e.path().to_string();
            // "." and "?" are serde_path_to_error's root and unknown
            // positions; "" is an unknown field whose name is empty.
            let field = if path.is_empty() || path == "." || path == "?" {
                "body".to_string()
            } else {
                path
            };
            FieldError::new(field, e.into_inner().to_string())
        }
    }
}

#[cfg(test)]
mod tests;
