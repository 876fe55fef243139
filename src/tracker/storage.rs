//! What the tracker keeps in `localStorage`: the key names (`iob:<site>:<name>`)
//! and the codecs of the stored values. Decoding never fails loudly: a
//! malformed value reads as absent.

use super::on_device::SessionPages;
use super::Tracker;
use crate::consent::{Consent, ConsentRecord, PurposeSet, Source};
use crate::flat_json::{self, Scalar};
use crate::ids::{from_hex, to_hex, Id128};
use crate::json_out::{push_u64, ObjectWriter};
use alloc::string::String;

/// Raw values the shell read from `localStorage` under [`Tracker::storage_keys`].
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub consent: Option<String>,
    pub seed: Option<String>,
    pub session: Option<String>,
    pub outbox: Option<String>,
    /// The LDP budget spent today (`<day>.<milli-ε>`).
    pub ldp: Option<String>,
}

/// The stored consent: the visitor's choices and the latest record, as a flat
/// JSON object (purpose sets as bit masks in `Purpose::ALL` order).
pub(super) fn encode_consent(c: &Consent) -> Option<String> {
    let r = c.record()?;
    let (yes, no) = c.choices();
    let json = ObjectWriter::new()
        .str("id", &r.id)
        .uint("at", r.at_ms)
        .uint(
            "granted",
            u64::from(PurposeSet::from_list(&r.granted).bits()),
        )
        .uint("denied", u64::from(PurposeSet::from_list(&r.denied).bits()))
        .str("source", r.source.as_str())
        .str("policy", &r.policy_version)
        .bool("gpc", r.gpc)
        .bool("dnt", r.dnt)
        .opt_str("tc", r.tc_string.as_deref())
        .uint("chose_yes", u64::from(yes.bits()))
        .uint("chose_no", u64::from(no.bits()))
        .finish();
    Some(json)
}
/// Decodes what [`encode_consent`] wrote; anything malformed is ignored (as if never stored).
pub(super) fn decode_consent(raw: &str) -> Option<(PurposeSet, PurposeSet, ConsentRecord)> {
    let pairs = flat_json::parse(raw).ok()?;
    let get = |k: &str| flat_json::get(&pairs, k);
    let text = |k: &str| match get(k) {
        Some(Scalar::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let int = |k: &str| match get(k) {
        Some(Scalar::Int(n)) if *n >= 0 => Some(*n as u64),
        _ => None,
    };
    let flag = |k: &str| matches!(get(k), Some(Scalar::Bool(true)));
    let bits = |k: &str| int(k).map(|n| PurposeSet::from_bits(n as u8));
    let id = text("id").filter(|s| from_hex(s).is_some())?;
    let record = ConsentRecord {
        id,
        at_ms: int("at")?,
        granted: bits("granted")?.to_vec(),
        denied: bits("denied")?.to_vec(),
        source: Source::parse(&text("source")?)?,
        policy_version: text("policy")?,
        gpc: flag("gpc"),
        dnt: flag("dnt"),
        tc_string: text("tc"),
    };
    Some((bits("chose_yes")?, bits("chose_no")?, record))
}
/// A stored identifier: `<32 hex>.<unix ms>` (creation time for the seed,
/// last activity for the session).
pub(super) fn encode_id(id: &Id128, at: u64) -> String {
    let mut s = to_hex(id);
    s.push('.');
    push_u64(&mut s, at);
    s
}
pub(super) fn decode_id(raw: Option<&str>) -> Option<(Id128, u64)> {
    let (hex, at) = raw?.split_once('.')?;
    Some((from_hex(hex)?, flat_json::parse_uint(at)?))
}
/// The session record: the session id (as [`encode_id`], with its last
/// activity), then `;` and what it says of the session's page views: their
/// count and the wall-clock start of the latest, `<count>.<unix ms>`.
pub(super) fn encode_session(id: &Id128, at: u64, pages: SessionPages) -> String {
    let mut s = encode_id(id, at);
    s.push(';');
    push_u64(&mut s, u64::from(pages.count));
    s.push('.');
    push_u64(&mut s, pages.last_start);
    s
}
/// Decodes what [`encode_session`] wrote; a record from before the page-view
/// part existed has the id only.
pub(super) fn decode_session(raw: Option<&str>) -> (Option<(Id128, u64)>, Option<SessionPages>) {
    let Some(raw) = raw else {
        return (None, None);
    };
    let (id, pages) = match raw.split_once(';') {
        Some((id, pages)) => (id, Some(pages)),
        None => (raw, None),
    };
    let pages = pages.and_then(|p| {
        let (count, last_start) = p.split_once('.')?;
        Some(SessionPages {
            count: flat_json::parse_u32(count)?,
            last_start: flat_json::parse_uint(last_start)?,
        })
    });
    (decode_id(Some(id)), pages)
}
pub(super) fn key(site: &str, name: &str) -> String {
    let mut k = String::from("iob:");
    k.push_str(site);
    k.push(':');
    k.push_str(name);
    k
}

impl Tracker {
    /// Every `localStorage` key the SDK may write for this site.
    pub fn storage_keys(site: &str) -> [String; 5] {
        [
            key(site, "consent"),
            key(site, "seed"),
            key(site, "session"),
            key(site, "outbox"),
            key(site, "ldp"),
        ]
    }
    /// The `localStorage` key of `name` (one of [`Tracker::storage_keys`]) for `site`.
    pub fn storage_key(site: &str, name: &str) -> String {
        key(site, name)
    }
    /// `localStorage` key of the on-device history (personalization consent only).
    pub fn history_key(site: &str) -> String {
        key(site, "history")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_record_keeps_its_page_views_and_reads_older_records() {
        let pages = SessionPages {
            count: 3,
            last_start: 1_800_000_000_123,
        };
        let raw = encode_session(&[7; 16], 1_800_000_000_456, pages);
        assert_eq!(
            decode_session(Some(&raw)),
            (Some(([7; 16], 1_800_000_000_456)), Some(pages))
        );
        let old = encode_id(&[7; 16], 5);
        assert_eq!(decode_session(Some(&old)), (Some(([7; 16], 5)), None));
        assert_eq!(
            decode_session(Some("zz;1.2")),
            (
                None,
                Some(SessionPages {
                    count: 1,
                    last_start: 2
                })
            )
        );
        assert_eq!(decode_session(None), (None, None));
    }
}
