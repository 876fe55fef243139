//! The visitor-facing JSON: `consent.state()` and `explain()` (what is
//! stored, where data goes, the last payload sent, and why).

use super::Tracker;
use crate::consent::{Purpose, Source};
use crate::json_out::ObjectWriter;
use alloc::string::String;

impl Tracker {
    /// `consent.state()`: `{mode, granted, denied, record}` as JSON.
    pub fn consent_state_json(&self) -> String {
        let set = self.consent.effective();
        let mut w = ObjectWriter::new();
        w.str("mode", self.consent.mode().as_str())
            .str_list(
                "granted",
                Purpose::ALL
                    .into_iter()
                    .filter(|p| set.contains(*p))
                    .map(Purpose::as_str),
            )
            .str_list(
                "denied",
                Purpose::ALL
                    .into_iter()
                    .filter(|p| !set.contains(*p))
                    .map(Purpose::as_str),
            );
        match self.consent.record() {
            Some(r) => w.raw("record", &r.to_json()),
            None => w.raw("record", "null"),
        };
        w.finish()
    }
    /// Stored keys right now, what was last sent, and why: `explain()`.
    /// The keys are exactly those the tracker wrote or found and has not
    /// removed (the same record every storage write goes through).
    pub fn explain_json(&self, now: f64) -> String {
        let analytics = self.consent.allows(Purpose::Analytics);
        let stored_keys = self.present_keys();
        let why = match (analytics, self.consent.decide(Purpose::Analytics).1) {
            _ if self.no_randomness => "This browser offers no secure random numbers: nothing is sent and no identifier is stored.",
            (true, Source::Api) => "You allowed analytics: aggregated features of this page are sent, never raw events or text.",
            (true, Source::Tcf) | (true, Source::Gcm) => "Your consent choice on this site allows analytics: aggregated features of this page are sent, never raw events or text.",
            (true, _) => "The site measures its audience by default: aggregated features are sent; revoke to stop.",
            (false, Source::Gpc) | (false, Source::Dnt) => "Your browser's privacy signal (GPC/DNT) is honoured: nothing is sent and nothing is written.",
            (false, Source::Tcf) | (false, Source::Gcm) => "Your consent choice on this site refuses analytics: nothing is sent and nothing is written.",
            (false, _) if cfg!(feature = "full") && self.consent.allows(Purpose::Personalization) => "No analytics consent: nothing is sent; with personalization allowed, your visit history stays on this device.",
            (false, _) => "No analytics consent: nothing is sent; features stay on this device.",
        };
        let mut w = ObjectWriter::new();
        w.raw("consent", &self.consent_state_json())
            .str_list("stored_keys", stored_keys.iter().map(String::as_str))
            .str("sends_to", &self.cfg.endpoint)
            .raw("features", &self.features(now).to_json());
        match &self.last_sent {
            Some(p) => w.str("last_payload", p),
            None => w.raw("last_payload", "null"),
        };
        w.str("why", why).finish()
    }
}
