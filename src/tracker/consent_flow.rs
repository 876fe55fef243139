//! What a consent change does: the visitor's choices through the API, a new
//! snapshot of the external signals, and their consequences for storage
//! (persist the record, or wipe everything) and for on-device history.

use super::storage::{decode_consent, encode_consent, encode_refusal};
use super::{Effect, Tracker};
use crate::consent::{Mode, Purpose, Source};

impl Tracker {
    /// Keeps the history in step with personalization consent: loaded from
    /// what was stored once allowed; forgotten once refused, and removed once
    /// the refusal is definitive.
    pub(super) fn sync_personalization(&mut self, wall_ms: f64) {
        if self.consent.allows(Purpose::Personalization) {
            let raw = self.history_pairs.take();
            self.device
                .set_personalization(true, raw.as_deref(), &mut self.pv, wall_ms);
        } else {
            self.device
                .set_personalization(false, None, &mut self.pv, wall_ms);
            #[cfg(feature = "full")]
            self.forget_left_history();
            if self.definitive_refusal() {
                self.history_pairs = None;
                self.erase("history");
            }
        }
    }

    /// Stores the history record a hidden or ended page view leaves.
    pub(super) fn save_history(&mut self, now: f64, wall_ms: f64) {
        if let Some(value) = self.device.on_hide(&self.pv, now, wall_ms) {
            self.write("history", value);
        }
    }

    /// The visitor grants (`granted = true`) or denies purposes through the API.
    pub fn choose(&mut self, purposes: &[Purpose], granted: bool, wall_ms: f64) {
        let id = self.fresh_hex();
        self.consent.choose(purposes, granted, wall_ms as u64, id);
        self.after_consent_change();
        self.sync_personalization(wall_ms);
    }

    /// Withdraws all consent: wipes every stored key, forgets ids, sends nothing more.
    pub fn revoke(&mut self, wall_ms: f64) {
        let id = self.fresh_hex();
        self.consent.revoke(wall_ms as u64, id);
        self.after_consent_change();
        self.sync_personalization(wall_ms);
    }

    /// Analytics is refused: forgets the pseudonym seed and the session,
    /// drops every queued request, the outbox and the page view just left
    /// (see `left`), and removes their keys
    /// and the LDP budget's.
    fn forget_analytics(&mut self) {
        self.seed = None;
        self.session = None;
        self.effects.retain(|e| !e.is_request());
        self.outbox.clear();
        // Sent again under new identifiers, its page-view id would link them to these.
        #[cfg(feature = "full")]
        {
            self.left = None;
        }
        for name in ["seed", "session", "ldp"] {
            self.erase(name);
        }
        self.erase_outbox();
    }

    /// A refusal that takes effect now: anything but a TCF CMP that has not
    /// answered yet (within `tcfTimeoutMs`), which only pauses.
    fn definitive_refusal(&self) -> bool {
        !self.consent.pending()
    }

    /// What the purposes now in effect mean for storage and sending. A
    /// refusal of analytics forgets the ids, drops the queue and removes
    /// their keys; with no purpose left that stores anything, the consent
    /// key goes too (in `opt-out` and `exempt` mode a visitor's explicit
    /// refusal is then kept, without any identifier: see `keep_refusal`).
    pub(super) fn after_consent_change(&mut self) {
        let analytics = self.consent.allows(Purpose::Analytics);
        if !analytics && self.definitive_refusal() {
            // The session is forgotten: this page view is the first of any later one.
            self.device.new_session();
            self.forget_analytics();
        }
        if self.storage_allowed() {
            self.persist_consent();
        } else if self.definitive_refusal() {
            self.erase("consent");
            self.keep_refusal();
        }
    }

    /// Stores the choices and the latest record (while storage is allowed).
    pub(super) fn persist_consent(&mut self) {
        if let Some(value) = encode_consent(&self.consent) {
            self.write("consent", value);
        }
    }

    /// In `opt-out` and `exempt` mode, a visitor's explicit refusal through
    /// the API is kept (the choices only, no record id and no time), or the
    /// next page would fall back to the mode's default and measure a visitor
    /// who objected. That one value is all that is written; nothing follows
    /// it. In `opt-in` the default already refuses, so nothing is kept.
    fn keep_refusal(&mut self) {
        let refused_by_visitor = self.consent.decide(Purpose::Analytics) == (false, Source::Api);
        if self.consent.mode() != Mode::OptIn && refused_by_visitor {
            let value = encode_refusal(&self.consent);
            self.write_anyway("consent", value);
        }
    }

    /// A new snapshot of the external consent signals (GPC, DNT, TCF, Consent
    /// Mode). When it changes the purposes in effect, a consent record is made
    /// and a withdrawal takes effect at once (storage wiped, queue dropped).
    /// Returns `true` when the effective purposes changed.
    pub fn set_signals(&mut self, signals: crate::consent::Signals, wall_ms: f64) -> bool {
        if *self.consent.signals() == signals {
            return false;
        }
        let id = self.fresh_hex();
        let changed = self.consent.set_signals(signals, wall_ms as u64, id);
        if changed {
            self.after_consent_change();
            self.sync_personalization(wall_ms);
        }
        changed
    }

    /// Another tab of the site changed the stored consent (the `storage`
    /// event, or a re-check before a write or send): `raw` is the new value
    /// (`None`: removed). The stored choices are the visitor's, so this tab
    /// adopts them: a withdrawal made in one tab silences every tab at once
    /// (nothing more is sent; what this tab still holds in storage is
    /// removed), and a grant starts them. Nothing is written back. Returns
    /// `true` when the purposes in effect changed.
    pub fn on_consent_stored(&mut self, raw: Option<&str>, wall_ms: f64) -> bool {
        self.consent_raw = raw.map(alloc::string::String::from);
        let pairs = super::pairs_of(self.json, raw);
        let (yes, no, record) = pairs
            .as_deref()
            .and_then(decode_consent)
            .unwrap_or_default();
        self.present.set("consent", raw.is_some());
        let before = self.consent.effective();
        self.consent.restore(yes, no, record);
        if self.consent.effective() == before {
            return false;
        }
        if !self.consent.allows(Purpose::Analytics) {
            self.forget_analytics();
        }
        self.sync_personalization(wall_ms);
        true
    }

    /// Before the shell carries out writes or sends: `current` is what the
    /// consent key holds now. When another tab changed it and its `storage`
    /// event has not arrived yet, it is adopted first ([`Self::on_consent_stored`]),
    /// which drops what a withdrawal forbids. Returns `true` when the
    /// purposes in effect changed.
    pub fn recheck_consent(&mut self, current: Option<&str>, wall_ms: f64) -> bool {
        // This tab is about to write or remove the key itself: its value is the latest.
        let key = super::storage::key(&self.cfg.site, "consent");
        let own = self
            .effects
            .iter()
            .any(|e| matches!(e, Effect::Store { key: k, .. } | Effect::Remove(k) if *k == key));
        if own || current == self.consent_raw.as_deref() {
            return false;
        }
        self.on_consent_stored(current, wall_ms)
    }

    /// The shell's raw signal readings (GPC, DNT, TCF, Consent Mode; see
    /// [`crate::signals_from_readings`]) as a new signal snapshot. Returns
    /// `true` when the purposes in effect changed.
    pub fn on_signal_readings(&mut self, readings: &str, wall_ms: f64) -> bool {
        let next = crate::consent::signals_from_readings(
            &super::pairs_of(self.json, Some(readings)).unwrap_or_default(),
            self.cfg.gdpr_applies,
            self.consent.signals(),
        );
        self.set_signals(next, wall_ms)
    }
}
