//! Experience quality from `PerformanceObserver` entries, with the
//! web-vitals conventions:
//! - `lcp_ms`: start time of the last `largest-contentful-paint` entry
//!   reported before the first user input (click or key) or the page first
//!   being hidden;
//! - `cls`: the largest session window of `layout-shift` values without
//!   recent input, a window being shifts less than 1 s apart and spanning at
//!   most 5 s;
//! - `inp_ms`: the longest interaction duration (interactions grouped by
//!   `interactionId`), ignoring one for every 50 interactions (the 98th
//!   percentile); the 10 longest are kept, so memory is O(1);
//! - `long_tasks`: the number of `longtask` entries (tasks over 50 ms).

use super::{clamp_f32, clamp_u32, round_u32, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

const KEEP: usize = 10;

#[derive(Debug, Clone, Default)]
pub(crate) struct Vitals {
    lcp: f64,
    lcp_final: bool,
    cls_max: f64,
    window_sum: f64,
    window_start: f64,
    window_last: f64,
    /// The longest interactions, (id, duration), longest first.
    longest: [(u32, f32); KEEP],
    n_longest: usize,
    interactions: u32,
    long_tasks: u32,
}

impl Vitals {
    fn interaction(&mut self, id: u32, duration: f32) {
        if let Some(i) = self.longest[..self.n_longest]
            .iter()
            .position(|e| e.0 == id)
        {
            if duration <= self.longest[i].1 {
                return;
            }
            self.longest[i].1 = duration;
        } else {
            self.interactions = self.interactions.saturating_add(1);
            if self.n_longest < KEEP {
                self.longest[self.n_longest] = (id, duration);
                self.n_longest += 1;
            } else if duration > self.longest[KEEP - 1].1 {
                self.longest[KEEP - 1] = (id, duration);
            } else {
                return;
            }
        }
        self.longest[..self.n_longest].sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
    }

    /// What the snapshot shows of these vitals (to tell whether an entry changed it).
    pub(crate) fn shown(&self) -> (u32, f64, f32, u32) {
        (
            round_u32(self.lcp),
            self.cls_max,
            self.inp(),
            self.long_tasks,
        )
    }

    pub(crate) fn inp(&self) -> f32 {
        if self.n_longest == 0 {
            return 0.0;
        }
        let i = ((self.interactions / 50) as usize).min(self.n_longest - 1);
        self.longest[i].1
    }
}

impl Aggregator for Vitals {
    fn on_event(&mut self, ev: &Event) {
        match ev.kind {
            EventKind::Lcp(at) if !self.lcp_final => self.lcp = f64::from(at).max(0.0),
            EventKind::Click { trusted: true, .. }
            | EventKind::Key { trusted: true, .. }
            | EventKind::Visibility(false) => self.lcp_final = true,
            EventKind::LayoutShift { value, at } if value.is_finite() && value > 0.0 => {
                let (v, at) = (f64::from(value), f64::from(at));
                if self.window_sum > 0.0
                    && at - self.window_last < 1000.0
                    && at - self.window_start < 5000.0
                {
                    self.window_sum += v;
                } else {
                    self.window_sum = v;
                    self.window_start = at;
                }
                self.window_last = at;
                self.cls_max = self.cls_max.max(self.window_sum);
            }
            EventKind::Interaction { id, duration } if duration.is_finite() && duration >= 0.0 => {
                self.interaction(id, duration)
            }
            EventKind::LongTask => self.long_tasks = self.long_tasks.saturating_add(1),
            _ => {}
        }
    }

    fn write(&self, _now: f64, out: &mut Features) {
        out.lcp_ms = round_u32(self.lcp).min(crate::catalog::DAY_MS);
        out.cls = clamp_f32(self.cls_max, 100.0);
        out.inp_ms = round_u32(f64::from(self.inp())).min(crate::catalog::DAY_MS);
        out.long_tasks = clamp_u32(self.long_tasks, 100_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(v: &mut Vitals, kind: EventKind) {
        v.on_event(&Event { t: 0.0, kind });
    }

    #[test]
    fn lcp_is_the_last_entry_before_input() {
        let mut v = Vitals::default();
        feed(&mut v, EventKind::Lcp(400.0));
        feed(&mut v, EventKind::Lcp(1200.0));
        feed(
            &mut v,
            EventKind::Click {
                x: 0.0,
                y: 0.0,
                trusted: true,
                link: false,
            },
        );
        feed(&mut v, EventKind::Lcp(3000.0));
        let mut f = Features::default();
        v.write(0.0, &mut f);
        assert_eq!(f.lcp_ms, 1200);
    }

    #[test]
    fn cls_is_the_largest_session_window() {
        let mut v = Vitals::default();
        let shift = |value, at| EventKind::LayoutShift { value, at };
        // Window 1: 0.1 + 0.1 (900 ms apart); a gap of >= 1 s starts window 2.
        feed(&mut v, shift(0.1, 100.0));
        feed(&mut v, shift(0.1, 1000.0));
        feed(&mut v, shift(0.05, 2000.0));
        // Window 3 spans 5 s at most: 0.05 every 900 ms from 10 s.
        for i in 0..8 {
            feed(&mut v, shift(0.05, 10_000.0 + 900.0 * i as f32));
        }
        let mut f = Features::default();
        v.write(0.0, &mut f);
        // 10000..14500 holds 6 shifts (0.30) before 5 s is reached.
        assert!((f.cls - 0.3).abs() < 1e-6, "{}", f.cls);
    }

    #[test]
    fn inp_ignores_one_outlier_per_50_interactions() {
        let mut v = Vitals::default();
        feed(
            &mut v,
            EventKind::Interaction {
                id: 1,
                duration: 40.0,
            },
        );
        feed(
            &mut v,
            EventKind::Interaction {
                id: 1,
                duration: 72.0,
            },
        );
        assert_eq!(v.inp(), 72.0);
        for id in 2..=60 {
            feed(
                &mut v,
                EventKind::Interaction {
                    id,
                    duration: if id == 30 { 900.0 } else { 16.0 },
                },
            );
        }
        assert_eq!(v.interactions, 60);
        assert_eq!(
            v.inp(),
            72.0,
            "the 900 ms outlier is dropped with 60 interactions"
        );
    }
}
