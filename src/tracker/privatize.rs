//! The tracker's last step before a payload leaves: strings scrubbed, LDP
//! features replaced by noisy reports, and the visitor's daily ε budget.

use super::storage::key;
use super::{Effect, Tracker};
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
        if !self
            .ldp_budget
            .try_spend(day, cost, self.cfg.ldp.daily_milli)
        {
            return false;
        }
        self.effects.push(Effect::Store {
            key: key(&self.cfg.site, "ldp"),
            value: self.ldp_budget.encode(),
        });
        true
    }

    /// Scrubs every free-form string of `p` and privatises its LDP features.
    pub(super) fn privatize(&mut self, p: &mut Payload) {
        p.ctx.path = scrub(&p.ctx.path);
        // A referrer "domain" that is an IP address (or anything else the
        // scrubber recognises) is dropped, not sent as a placeholder.
        if p.ctx
            .referrer_domain
            .as_deref()
            .is_some_and(|d| scrub(d) != d)
        {
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

#[cfg(test)]
mod tests;
