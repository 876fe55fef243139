//! What a consent change does: the visitor's choices through the API, a new
//! snapshot of the external signals, and their consequences for storage
//! (persist the record, or wipe everything) and for on-device history.

use super::storage::{encode_consent, key};
use super::{Effect, Tracker};
use crate::consent::{Mode, Purpose, Source};

impl Tracker {
    /// Keeps the history in step with personalization consent; a refusal removes it.
    pub(super) fn sync_personalization(&mut self, wall_ms: f64) {
        let allowed = self.consent.allows(Purpose::Personalization);
        self.device
            .set_personalization(allowed, None, &mut self.pv, wall_ms);
        if !allowed && self.device.stored {
            self.device.stored = false;
            self.effects
                .push(Effect::Remove(Tracker::history_key(&self.cfg.site)));
        }
    }
    pub(super) fn save_history(&mut self, now: f64, wall_ms: f64) {
        if let Some(value) = self.device.on_hide(&self.pv, now, wall_ms) {
            self.effects.push(Effect::Store {
                key: Tracker::history_key(&self.cfg.site),
                value,
            });
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
    pub(super) fn after_consent_change(&mut self) {
        if self.consent.allows(Purpose::Analytics) {
            self.persist_consent();
        } else {
            // Withdrawal (or refusal): wipe everything; only an explicit refusal
            // in opt-out/exempt mode is kept (see `keep_refusal`).
            self.seed = None;
            self.session = None;
            self.effects
                .retain(|e| !matches!(e, Effect::Send(_) | Effect::Post { .. }));
            self.outbox.clear();
            for k in Tracker::storage_keys(&self.cfg.site) {
                self.effects.push(Effect::Remove(k));
            }
            self.keep_refusal();
        }
    }
    pub(super) fn persist_consent(&mut self) {
        if let Some(value) = encode_consent(&self.consent) {
            self.effects.push(Effect::Store {
                key: key(&self.cfg.site, "consent"),
                value,
            });
        }
    }

    /// After a wipe: in `opt-out` and `exempt` mode an explicit refusal
    /// through the API is stored again (only the choice and its record, no
    /// identifier), or the next page would fall back to the mode's default
    /// and measure a visitor who objected. In `opt-in` the default already
    /// refuses, so nothing at all is kept.
    pub(super) fn keep_refusal(&mut self) {
        let refused_by_visitor = self.consent.decide(Purpose::Analytics) == (false, Source::Api);
        if self.consent.mode() != Mode::OptIn && refused_by_visitor {
            self.persist_consent();
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
        }
        changed
    }

    /// The shell's raw signal readings (GPC, DNT, TCF, Consent Mode; see
    /// [`crate::signals_from_readings`]) as a new signal snapshot. Returns
    /// `true` when the purposes in effect changed.
    pub fn on_signal_readings(&mut self, readings: &str, wall_ms: f64) -> bool {
        let next = crate::consent::signals_from_readings(
            readings,
            self.cfg.gdpr_applies,
            self.consent.signals(),
        );
        self.set_signals(next, wall_ms)
    }
}
