//! The tracker's last step before a payload leaves: strings scrubbed, LDP
//! features replaced by noisy reports, and the visitor's daily ε budget.

use super::{key, Effect, Tracker};
use crate::consent::{Mode, Purpose, Source};
use crate::payload::Payload;
use crate::privacy::{ldp, scrub::scrub};

impl Tracker {
    /// Spends one payload's ε from the visitor's daily budget (persisted with
    /// the other keys). `false` when the budget is spent: nothing is sent.
    pub(super) fn spend_ldp_budget(&mut self, wall_ms: f64) -> bool {
        let cost = self.cfg.ldp.cost();
        if cost == 0 {
            return true;
        }
        let day = wall_ms.max(0.0) as u64 / 86_400_000;
        if !self.ldp_budget.try_spend(day, cost, self.cfg.ldp.daily_milli) {
            return false;
        }
        self.effects.push(Effect::Store { key: key(&self.cfg.site, "ldp"), value: self.ldp_budget.encode() });
        true
    }

    /// Scrubs every free-form string of `p` and privatises its LDP features.
    pub(super) fn privatize(&mut self, p: &mut Payload) {
        p.ctx.path = scrub(&p.ctx.path);
        // A referrer "domain" that is an IP address (or anything else the
        // scrubber recognises) is dropped, not sent as a placeholder.
        if p.ctx.referrer_domain.as_deref().is_some_and(|d| scrub(d) != d) {
            p.ctx.referrer_domain = None;
        }
        if !self.cfg.ldp.features.is_empty() {
            let rng = &mut self.rng;
            let mut r64 = || {
                let b = rng();
                u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            };
            p.ldp = ldp::privatize(&mut p.f, &self.cfg.ldp, &mut r64);
        }
    }

    /// The stored budget key, when a budget has been spent (for `explain()`).
    pub(super) fn ldp_key(&self) -> Option<alloc::string::String> {
        (self.ldp_budget != ldp::Budget::default()).then(|| key(&self.cfg.site, "ldp"))
    }
}

impl Tracker {
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
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
