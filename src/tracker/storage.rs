//! What the tracker keeps in `localStorage`: the key names (`iob:<site>:<name>`),
//! the codecs of the stored values, and the one gate every write goes
//! through. Decoding never fails loudly: a malformed value reads as absent.
//!
//! The tracker knows which of its keys are in storage ([`Present`]: what it
//! read at start-up, then every write and removal it asked for), so
//! `explain()` lists exactly those, a removal is asked only for a key that
//! is there, and nothing is written unless a purpose that needs storage is
//! allowed ([`Tracker::storage_allowed`]).

use super::on_device::SessionPages;
use super::{Effect, Tracker};
use crate::consent::Purpose;
use crate::consent::{Consent, ConsentRecord, PurposeSet, Source};
use crate::flat::{self, Scalar};
use crate::ids::{from_hex, to_hex, Id128};
use crate::json_out::{push_u64, ObjectWriter};
use crate::split;
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
    /// Every last-words key (`outbox.<pv>.<seq>`, see `crate::delivery`):
    /// its name after `iob:<site>:`, a NUL, its value and a NUL, one after
    /// another.
    pub last_words: String,
}

/// The names of the SDK's keys (`iob:<site>:<name>`), in [`Present`] bit order.
pub(crate) const NAMES: [&str; 6] = ["consent", "seed", "session", "outbox", "ldp", "history"];

/// Which of the SDK's keys are in storage, as far as this tracker knows
/// (bit `i` stands for `NAMES[i]`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Present(u8);

impl Present {
    fn bit(name: &str) -> u8 {
        NAMES.iter().position(|n| *n == name).map_or(0, |i| 1 << i)
    }
    pub(crate) fn has(self, name: &str) -> bool {
        self.0 & Present::bit(name) != 0
    }
    pub(crate) fn set(&mut self, name: &str, present: bool) {
        if present {
            self.0 |= Present::bit(name);
        } else {
            self.0 &= !Present::bit(name);
        }
    }
    /// What the shell read at start-up.
    pub(crate) fn from_stored(s: &Stored, history: bool) -> Present {
        let mut p = Present::default();
        for (name, v) in [
            ("consent", &s.consent),
            ("seed", &s.seed),
            ("session", &s.session),
            ("outbox", &s.outbox),
            ("ldp", &s.ldp),
        ] {
            p.set(name, v.is_some());
        }
        p.set("history", history);
        p
    }
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
/// A refusal kept in `opt-out` and `exempt` mode so the next page honours
/// it: the visitor's choices only (no record id, no time: nothing that
/// identifies or dates anyone).
pub(super) fn encode_refusal(c: &Consent) -> String {
    let (yes, no) = c.choices();
    ObjectWriter::new()
        .uint("chose_yes", u64::from(yes.bits()))
        .uint("chose_no", u64::from(no.bits()))
        .finish()
}

/// What the stored consent holds: the visitor's choices, and the record
/// unless it is a bare refusal ([`encode_refusal`]).
pub(super) type StoredConsent = (PurposeSet, PurposeSet, Option<ConsentRecord>);

/// Decodes what [`encode_consent`] or [`encode_refusal`] wrote, read as
/// pairs text ([`crate::flat`]); anything malformed is ignored (as if never
/// stored).
pub(super) fn decode_consent(raw: &str) -> Option<StoredConsent> {
    let pairs = flat::parse(raw).ok()?;
    let get = |k: &str| flat::get(&pairs, k);
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
    let choices = (bits("chose_yes")?, bits("chose_no")?);
    if get("id").is_none() {
        return Some((choices.0, choices.1, None));
    }
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
    Some((choices.0, choices.1, Some(record)))
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
    let (hex, at) = split::once(raw?, b'.')?;
    Some((from_hex(hex)?, flat::parse_uint(at)?))
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
    let (id, pages) = match split::once(raw, b';') {
        Some((id, pages)) => (id, Some(pages)),
        None => (raw, None),
    };
    let pages = pages.and_then(|p| {
        let (count, last_start) = split::once(p, b'.')?;
        Some(SessionPages {
            count: flat::parse_u32(count)?,
            last_start: flat::parse_uint(last_start)?,
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
    pub fn storage_keys(site: &str) -> [String; 6] {
        NAMES.map(|n| key(site, n))
    }

    /// Storage may be written: a purpose that keeps something on the device
    /// (analytics: ids, outbox, budget; personalization: history) is allowed.
    /// Under a refusing signal (GPC, DNT, TCF, Consent Mode) neither is.
    pub(super) fn storage_allowed(&self) -> bool {
        self.consent.allows(Purpose::Analytics) || self.consent.allows(Purpose::Personalization)
    }

    /// Writes `value` under `name`, if storage may be written.
    pub(super) fn write(&mut self, name: &'static str, value: String) {
        if self.storage_allowed() {
            self.write_anyway(name, value);
        }
    }

    /// Writes without the gate: only for the refusal that must be remembered.
    pub(super) fn write_anyway(&mut self, name: &'static str, value: String) {
        self.present.set(name, true);
        if name == "consent" {
            self.consent_raw = Some(value.clone());
        }
        self.effects.push(Effect::Store {
            key: key(&self.cfg.site, name),
            value,
        });
    }

    /// Removes `name` from storage, if it is there.
    pub(super) fn erase(&mut self, name: &'static str) {
        if self.present.has(name) {
            self.present.set(name, false);
            if name == "consent" {
                self.consent_raw = None;
            }
            self.effects.push(Effect::Remove(key(&self.cfg.site, name)));
        }
    }

    /// The keys in storage now (what `explain()` lists).
    pub(super) fn present_keys(&self) -> alloc::vec::Vec<String> {
        let mut keys = alloc::vec::Vec::new();
        for name in NAMES {
            if self.present.has(name) {
                keys.push(key(&self.cfg.site, name));
            }
        }
        for (pv, seq) in &self.last_words {
            keys.push(key(
                &self.cfg.site,
                &crate::delivery::last_words_name(pv, *seq),
            ));
        }
        keys
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
