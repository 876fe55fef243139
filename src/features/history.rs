//! Longitudinal features from on-device history (kept only with
//! `personalization` consent, never sent raw):
//! - `visit_index`: this visit's number (1 = first); a visit ends after
//!   30 minutes without activity;
//! - `days_since_last_visit`: whole days between the end of the previous visit
//!   and the start of this one (0 for the first visit or the same day);
//! - `visits_30d`: visits that started in the last 30 UTC days, this one included;
//! - `behaviour_shift`: a bucket of the z-score of this visit's `active_ms`
//!   so far (its page views' `active_ms` summed, this one included) against
//!   the visitor's own rolling baseline (an exponentially weighted mean and
//!   variance over earlier visits' `active_ms`, weight [`ALPHA`]): 0 = no
//!   baseline yet (fewer than [`MIN_BASELINE`] earlier visits), 1 = z <= -2,
//!   2 = -2 < z <= -1, 3 = -1 < z < 1, 4 = 1 <= z < 2, 5 = z >= 2. The
//!   standard deviation is floored at 10 % of the mean and at 1 s, so a flat
//!   history is not brittle. A visit teaches the baseline when the next one
//!   starts.
//!
//! The wall clock may jump back (a corrected clock, a time zone or travel):
//! the record follows the clock as it is now. A visit continues only while
//! the clock stays within 30 minutes of the last activity, in either
//! direction, and the day window folds days "in the future" into today, so
//! visits keep being counted.
//!
//! The stored record is a flat JSON object of counters; it holds no event,
//! no page and no time finer than a day, except the last-activity time that
//! decides whether a visit continues.

use super::stats::sqrt;
use crate::flat::{self, Scalar};
use crate::json_out::ObjectWriter;
use alloc::string::String;

pub(crate) const DAY_MS: u64 = 86_400_000;
pub(crate) const VISIT_IDLE_MS: u64 = 30 * 60_000;
pub(crate) const ALPHA: f64 = 0.3;
pub(crate) const MIN_BASELINE: u32 = 3;
const DAYS: usize = 30;

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct History {
    /// Visits so far, the current one included.
    pub visits: u32,
    /// Wall-clock ms of the last activity.
    pub last_seen: u64,
    /// Days between the previous visit and the current one.
    pub gap_days: u32,
    /// Page views in the current visit.
    pub visit_pageviews: u32,
    /// UTC day number of `counts[0]`; `counts[i]` is visits started on day `day - i`.
    pub day: u64,
    pub counts: [u8; DAYS],
    /// `active_ms` of the current visit's ended page views.
    pub visit_active: f64,
    /// Baseline of `active_ms` per visit: count, mean, variance.
    pub base_n: u32,
    pub base_mean: f64,
    pub base_var: f64,
}

/// What a page view knows from history.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Longitudinal {
    pub visit_index: u32,
    pub days_since_last_visit: u32,
    pub visits_30d: u32,
    /// Page views earlier in this visit (before this document's first one).
    pub earlier_pageviews: u32,
    /// `active_ms` of this visit's earlier page views.
    pub visit_active_before: f64,
    pub base_n: u32,
    pub base_mean: f64,
    pub base_var: f64,
}

const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

impl History {
    /// Reads what [`History::encode`] wrote, as pairs text ([`crate::flat`]);
    /// `None` when it is malformed.
    pub(crate) fn decode(raw: &str) -> Option<History> {
        let pairs = flat::parse(raw).ok()?;
        let int = |k: &str| match flat::get(&pairs, k) {
            Some(Scalar::Int(n)) if *n >= 0 => Some(*n as u64),
            _ => None,
        };
        let mut h = History {
            visits: int("n")? as u32,
            last_seen: int("seen")?,
            gap_days: int("gap")? as u32,
            visit_pageviews: int("pv")? as u32,
            day: int("day")?,
            counts: [0; DAYS],
            visit_active: int("va").unwrap_or(0) as f64,
            base_n: int("bn")? as u32,
            base_mean: int("bm")? as f64,
            base_var: int("bv")? as f64,
        };
        let Some(Scalar::Str(c)) = flat::get(&pairs, "c") else {
            return None;
        };
        for (slot, b) in h.counts.iter_mut().zip(c.bytes()) {
            *slot = DIGITS.iter().position(|d| *d == b)? as u8;
        }
        Some(h)
    }

    pub(crate) fn encode(&self) -> String {
        let mut c = String::new();
        for n in self.counts {
            c.push(DIGITS[usize::from(n.min(35))] as char);
        }
        ObjectWriter::new()
            .uint("n", u64::from(self.visits))
            .uint("seen", self.last_seen)
            .uint("gap", u64::from(self.gap_days))
            .uint("pv", u64::from(self.visit_pageviews))
            .uint("day", self.day)
            .str("c", &c)
            .uint("va", self.visit_active.max(0.0) as u64)
            .uint("bn", u64::from(self.base_n))
            .uint("bm", self.base_mean.max(0.0) as u64)
            .uint("bv", self.base_var.max(0.0) as u64)
            .finish()
    }

    /// Moves the day window to `today`. When the clock went back, the days
    /// after `today` fold into today: their visits still count.
    fn roll(&mut self, today: u64) {
        if today < self.day {
            // counts[i] is day `self.day - i`: today is index `back`.
            let back = (self.day - today).min(DAYS as u64 - 1) as usize;
            let mut folded = 0u32;
            for i in 0..DAYS {
                let n = self.counts[i];
                self.counts[i] = 0;
                if i <= back {
                    folded += u32::from(n);
                } else {
                    self.counts[i - back] = n;
                }
            }
            self.counts[0] = folded.min(35) as u8;
            self.day = today;
            return;
        }
        let shift = today - self.day;
        if shift >= DAYS as u64 {
            self.counts = [0; DAYS];
        } else if shift > 0 {
            // Every day moves `shift` places on; the new days are empty.
            let s = shift as usize;
            for k in (0..DAYS).rev() {
                self.counts[k] = if k >= s { self.counts[k - s] } else { 0 };
            }
        }
        self.day = today;
    }

    /// Teaches the baseline one finished visit's `active_ms`.
    fn learn(&mut self, active_ms: f64) {
        if self.base_n == 0 {
            self.base_mean = active_ms;
            self.base_var = 0.0;
        } else {
            let diff = active_ms - self.base_mean;
            let incr = ALPHA * diff;
            self.base_mean += incr;
            self.base_var = (1.0 - ALPHA) * (self.base_var + diff * incr);
        }
        self.base_n = self.base_n.saturating_add(1);
    }

    /// A page view starts at wall-clock `now` (ms): starts a visit when the
    /// last one has lapsed, and returns what the page view knows.
    pub(crate) fn begin_pageview(&mut self, now: u64) -> Longitudinal {
        self.roll(now / DAY_MS);
        if self.visits == 0 || now.abs_diff(self.last_seen) > VISIT_IDLE_MS {
            if self.visits == 0 {
                self.gap_days = 0;
            } else {
                self.gap_days = (now.saturating_sub(self.last_seen) / DAY_MS) as u32;
                self.learn(self.visit_active);
            }
            self.visits = self.visits.saturating_add(1);
            self.visit_pageviews = 0;
            self.visit_active = 0.0;
            self.counts[0] = self.counts[0].saturating_add(1).min(35);
        }
        let earlier = self.visit_pageviews;
        self.visit_pageviews = self.visit_pageviews.saturating_add(1);
        self.last_seen = now;
        Longitudinal {
            visit_index: self.visits,
            days_since_last_visit: self.gap_days,
            visits_30d: self.counts.iter().map(|&n| u32::from(n)).sum(),
            earlier_pageviews: earlier,
            visit_active_before: self.visit_active,
            base_n: self.base_n,
            base_mean: self.base_mean,
            base_var: self.base_var,
        }
    }

    /// A page view ends with `active_ms`: the visit adds it up.
    pub(crate) fn end_pageview(&mut self, now: u64, active_ms: f64) {
        self.last_seen = now;
        self.visit_active += active_ms.max(0.0);
    }

    /// Activity without a page view change keeps the visit alive.
    pub(crate) fn touch(&mut self, now: u64) {
        self.last_seen = now;
    }
}

/// The `behaviour_shift` bucket of a visit whose current page view has
/// `active_ms` so far (see the module documentation).
pub(crate) fn shift_bucket(l: &Longitudinal, active_ms: f64) -> u32 {
    if l.base_n < MIN_BASELINE {
        return 0;
    }
    let sd = sqrt(l.base_var).max(0.1 * l.base_mean).max(1000.0);
    let z = (l.visit_active_before + active_ms - l.base_mean) / sd;
    if z <= -2.0 {
        1
    } else if z <= -1.0 {
        2
    } else if z < 1.0 {
        3
    } else if z < 2.0 {
        4
    } else {
        5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_800_000_000_000;

    #[test]
    fn visits_days_and_round_trip() {
        let mut h = History::default();
        let a = h.begin_pageview(T0);
        assert_eq!(
            (
                a.visit_index,
                a.days_since_last_visit,
                a.visits_30d,
                a.earlier_pageviews
            ),
            (1, 0, 1, 0)
        );
        // 10 minutes later: the same visit, a second page view.
        let b = h.begin_pageview(T0 + 600_000);
        assert_eq!((b.visit_index, b.earlier_pageviews), (1, 1));
        // 3 days later: visit 2.
        let Some(mut h) = History::decode(&crate::flat::pairs(&h.encode())) else {
            panic!("round trip")
        };
        let c = h.begin_pageview(T0 + 600_000 + 3 * DAY_MS);
        assert_eq!(
            (
                c.visit_index,
                c.days_since_last_visit,
                c.visits_30d,
                c.earlier_pageviews
            ),
            (2, 3, 2, 0)
        );
        // 40 days later the 30-day window has forgotten both.
        let d = h.begin_pageview(T0 + 45 * DAY_MS);
        assert_eq!((d.visit_index, d.visits_30d), (3, 1));
        assert_eq!(
            History::decode(&crate::flat::pairs(&h.encode())),
            Some(h.clone())
        );
        assert_eq!(History::decode(&crate::flat::pairs("{\"n\":1}")), None);
    }

    #[test]
    fn behaviour_shift_buckets_this_visit_against_earlier_visits() {
        let mut h = History::default();
        let mut l = h.begin_pageview(T0);
        assert_eq!(shift_bucket(&l, 60_000.0), 0, "no baseline yet");
        // Four visits a day apart, each of two page views (30 s + 30 s ...).
        let mut t = T0;
        for a in [60_000.0, 62_000.0, 58_000.0, 61_000.0] {
            h.end_pageview(t + 1, a / 2.0);
            l = h.begin_pageview(t + 2);
            assert_eq!(l.earlier_pageviews, 1, "the same visit");
            h.end_pageview(t + 3, a / 2.0);
            t += DAY_MS;
            l = h.begin_pageview(t);
        }
        // 4 visits learned (the 4th when this one began): mean about 60 s.
        assert_eq!(l.base_n, 4);
        assert_eq!(shift_bucket(&l, 60_000.0), 3);
        assert_eq!(shift_bucket(&l, 5_000.0), 1);
        assert_eq!(shift_bucket(&l, 200_000.0), 5);
        assert_eq!(shift_bucket(&l, 67_500.0), 4);
        // A second page view of this visit adds the first one's active time:
        // 40 s + 40 s is the visit's 80 s, far above the baseline.
        h.end_pageview(t + 1, 40_000.0);
        let l2 = h.begin_pageview(t + 2);
        assert_eq!(shift_bucket(&l2, 40_000.0), 5);
        assert_eq!(
            shift_bucket(&l, 40_000.0),
            1,
            "the page view alone would be low"
        );
    }

    #[test]
    fn visits_keep_counting_after_the_wall_clock_jumps_back() {
        let mut h = History::default();
        let a = h.begin_pageview(T0 + 10 * DAY_MS);
        assert_eq!((a.visit_index, a.visits_30d), (1, 1));
        h.end_pageview(T0 + 10 * DAY_MS + 60_000, 5_000.0);
        // The clock is corrected two days back; an hour later a new visit.
        let b = h.begin_pageview(T0 + 8 * DAY_MS + 3_600_000);
        assert_eq!(
            (b.visit_index, b.visits_30d, b.days_since_last_visit),
            (2, 2, 0)
        );
        // Ten minutes later (on the corrected clock): the same visit.
        let c = h.begin_pageview(T0 + 8 * DAY_MS + 4_200_000);
        assert_eq!((c.visit_index, c.earlier_pageviews), (2, 1));
        // The next day: visit 3, and the window still holds all three.
        let d = h.begin_pageview(T0 + 9 * DAY_MS + 4_200_000);
        assert_eq!(
            (d.visit_index, d.visits_30d, d.days_since_last_visit),
            (3, 3, 1)
        );
        // A jump far back (over 30 days) folds everything into that day.
        let e = h.begin_pageview(T0 - 40 * DAY_MS);
        assert_eq!((e.visit_index, e.visits_30d), (4, 4));
        assert_eq!(
            History::decode(&crate::flat::pairs(&h.encode())),
            Some(h.clone())
        );
    }
}
