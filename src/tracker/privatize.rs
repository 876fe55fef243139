//! The tracker's last step before a payload leaves: strings scrubbed, LDP
//! features replaced by noisy reports, and the visitor's daily ε budget.

use super::Tracker;
use crate::payload::Payload;
use crate::privacy::{ldp, scrub::scrub};

impl Tracker {
    /// Spends one payload's ε from the visitor's daily budget (persisted with
    /// the other keys). `false` when the budget is spent: nothing is sent.
    /// Without storage the budget cannot be kept per visitor, so nothing is
    /// charged and the LDP features are not sent at all (see `privatize`).
    pub(super) fn spend_ldp_budget(&mut self, wall_ms: f64) -> bool {
        let cost = self.cfg.ldp.cost();
        if cost == 0 || self.storage_missing {
            return true;
        }
        let day = wall_ms.max(0.0) as u64 / 86_400_000;
        if !self
            .ldp_budget
            .try_spend(day, cost, self.cfg.ldp.daily_milli)
        {
            return false;
        }
        let value = self.ldp_budget.encode();
        self.write("ldp", value);
        true
    }

    /// Scrubs every free-form string of `p`, coarsens the longitudinal
    /// counters to buckets and privatises its LDP features.
    pub(super) fn privatize(&mut self, p: &mut Payload) {
        bucket_longitudinal(&mut p.f);
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
        if self.storage_missing {
            // Fail closed: the LDP features (and what reveals them) are left out.
            for feat in &self.cfg.ldp.features {
                p.f.take(feat.name);
                for r in crate::catalog::built_revealers(feat.name) {
                    p.f.take(r);
                }
            }
        } else if !self.cfg.ldp.features.is_empty() {
            let rng = &mut self.rng;
            let mut r64 = || {
                let b = rng();
                u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            };
            p.ldp = ldp::privatize(&mut p.f, &self.cfg.ldp, &mut r64);
        }
    }
}

#[cfg(test)]
mod tests;

/// The lower bound of `n`'s bucket among `bounds` (ascending, from 0).
fn bucket(n: u32, bounds: &[u32]) -> u32 {
    bounds.iter().rev().find(|b| n >= **b).copied().unwrap_or(0)
}

/// Visit counters leave the device only as coarse buckets (their lower
/// bounds), so consecutive visits cannot be chained by an exact counter:
/// `visit_index` and `visits_30d` as 1, 2-3, 4-7, 8+; `days_since_last_visit`
/// as 0, 1, 2-6, 7-29, 30+. On the device (`features()`) they stay exact.
pub(crate) fn bucket_longitudinal(f: &mut crate::catalog::Features) {
    const COUNTS: [u32; 5] = [0, 1, 2, 4, 8];
    const DAYS: [u32; 5] = [0, 1, 2, 7, 30];
    f.visit_index = bucket(f.visit_index, &COUNTS);
    f.visits_30d = bucket(f.visits_30d, &COUNTS);
    f.days_since_last_visit = bucket(f.days_since_last_visit, &DAYS);
}
