//! Typing rhythm; the key value is never kept, only its class (char, delete,
//! navigation, enter). `keystrokes` counts key presses (auto-repeats and
//! lone modifiers excluded); `interkey_mean_ms` and `interkey_cv` (standard
//! deviation over mean) are over the intervals between consecutive key
//! presses of at most [`MAX_INTERVAL_MS`] (longer gaps are pauses, not
//! rhythm); `delete_ratio` is Backspace/Delete presses over all key presses.

use super::{clamp_f32, clamp_u32, stats::Welford, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind, KeyClass};

pub(crate) const MAX_INTERVAL_MS: f64 = 2000.0;

#[derive(Debug, Clone, Default)]
pub(crate) struct Typing {
    keys: u32,
    deletes: u32,
    last: Option<f64>,
    intervals: Welford,
}

impl Typing {
    /// The interval statistics (automation reads their regularity).
    pub(crate) fn intervals(&self) -> &Welford {
        &self.intervals
    }
}

impl Aggregator for Typing {
    fn on_event(&mut self, ev: &Event) {
        if let EventKind::Key { class, .. } = ev.kind {
            self.keys = self.keys.saturating_add(1);
            if class == KeyClass::Delete {
                self.deletes = self.deletes.saturating_add(1);
            }
            if let Some(last) = self.last {
                let gap = ev.t - last;
                if (0.0..=MAX_INTERVAL_MS).contains(&gap) {
                    self.intervals.push(gap);
                }
            }
            self.last = Some(ev.t);
        }
    }

    fn write(&self, _now: f64, out: &mut Features) {
        out.keystrokes = clamp_u32(self.keys, 1_000_000);
        out.interkey_mean_ms = clamp_f32(self.intervals.mean, MAX_INTERVAL_MS);
        out.interkey_cv = clamp_f32(self.intervals.cv(), 10.0);
        out.delete_ratio = if self.keys == 0 {
            0.0
        } else {
            clamp_f32(f64::from(self.deletes) / f64::from(self.keys), 1.0)
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(times: &[f64]) -> Features {
        let mut t = Typing::default();
        for (i, &at) in times.iter().enumerate() {
            let class = if i % 5 == 4 {
                KeyClass::Delete
            } else {
                KeyClass::Char
            };
            t.on_event(&Event {
                t: at,
                kind: EventKind::Key {
                    class,
                    trusted: true,
                    field: false,
                },
            });
        }
        let mut f = Features::default();
        t.write(0.0, &mut f);
        f
    }

    #[test]
    fn perfectly_regular_timing_has_zero_cv() {
        let times: Vec<f64> = (0..20).map(|i| f64::from(i) * 100.0).collect();
        let f = typed(&times);
        assert_eq!(
            (f.keystrokes, f.interkey_mean_ms, f.interkey_cv),
            (20, 100.0, 0.0)
        );
        assert_eq!(f.delete_ratio, 0.2);
    }

    #[test]
    fn human_timing_has_a_clearly_positive_cv() {
        // Intervals as measured from a person typing: bursts and hesitations.
        let gaps = [
            112.0, 87.0, 240.0, 95.0, 160.0, 71.0, 310.0, 132.0, 98.0, 185.0, 76.0, 143.0,
        ];
        let mut times = vec![0.0];
        for g in gaps {
            times.push(times.last().copied().unwrap_or(0.0) + g);
        }
        let f = typed(&times);
        assert!(
            f.interkey_cv > 0.3 && f.interkey_cv < 1.0,
            "cv {}",
            f.interkey_cv
        );
        assert!((f.interkey_mean_ms - 1709.0 / 12.0).abs() < 0.01);
    }

    #[test]
    fn pauses_longer_than_2_s_are_not_rhythm() {
        let f = typed(&[0.0, 100.0, 200.0, 2200.0, 4200.5]);
        assert_eq!(f.interkey_mean_ms, ((100.0 + 100.0 + 2000.0) / 3.0) as f32);
    }
}
