//! Automation (bot) signals and `automation_score`.
//!
//! Each signal is reported as a flag next to the score:
//! - `flag_webdriver`: `navigator.webdriver` is true;
//! - `flag_untrusted`: at least one input event (pointer move, click, key)
//!   was dispatched by script (`isTrusted` false);
//! - `flag_click_no_path`: at least one pointer click (not one activated
//!   from the keyboard) had no pointer move or touch in the
//!   [`PATH_WINDOW_MS`] before it;
//! - `flag_regular_timing`: near-zero timing variance, i.e. >= 10 key
//!   intervals with CV < [`REGULAR_CV`], or >= 5 click intervals with CV < it;
//! - `flag_straight_path`: >= 3 pointer strokes of >= 50 px, all perfectly
//!   straight (displacement >= 0.999 of path length);
//! - `flag_superhuman`: a pointer segment of > 100 px at > 20 px/ms.
//!
//! `automation_score = min(1, 0.5·webdriver + 0.5·untrusted_share +
//! 0.3·no_path_share + 0.2·regular + 0.2·straight + 0.2·superhuman)`, where the
//! shares are untrusted input events over input events and clicks without a
//! path over clicks, and the other terms are the flags as 0/1.

use super::{pointer::Pointer, stats::Welford, typing::Typing, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

pub(crate) const PATH_WINDOW_MS: f64 = 1000.0;
pub(crate) const REGULAR_CV: f64 = 0.05;

#[derive(Debug, Clone, Default)]
pub(crate) struct Automation {
    pub webdriver: bool,
    inputs: u32,
    untrusted: u32,
    clicks: u32,
    no_path: u32,
    last_path: Option<f64>,
    last_click: Option<f64>,
    click_intervals: Welford,
}

impl Automation {
    #[cfg(test)]
    pub(crate) fn new(webdriver: bool) -> Self {
        Automation {
            webdriver,
            ..Automation::default()
        }
    }

    fn input(&mut self, trusted: bool) {
        self.inputs = self.inputs.saturating_add(1);
        if !trusted {
            self.untrusted = self.untrusted.saturating_add(1);
        }
    }

    /// Writes the flags and the score; needs the pointer and typing aggregators.
    pub(crate) fn write_with(&self, pointer: &Pointer, typing: &Typing, out: &mut Features) {
        let share = |n: u32, d: u32| {
            if d == 0 {
                0.0
            } else {
                f64::from(n) / f64::from(d)
            }
        };
        let keys = typing.intervals();
        out.flag_webdriver = self.webdriver;
        out.flag_untrusted = self.untrusted > 0;
        out.flag_click_no_path = self.no_path > 0;
        out.flag_regular_timing = (keys.n >= 10 && keys.cv() < REGULAR_CV)
            || (self.click_intervals.n >= 5 && self.click_intervals.cv() < REGULAR_CV);
        out.flag_straight_path =
            pointer.long_strokes >= 3 && pointer.straight_strokes == pointer.long_strokes;
        out.flag_superhuman = pointer.superhuman;
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let score = 0.5 * flag(self.webdriver)
            + 0.5 * share(self.untrusted, self.inputs)
            + 0.3 * share(self.no_path, self.clicks)
            + 0.2 * flag(out.flag_regular_timing)
            + 0.2 * flag(out.flag_straight_path)
            + 0.2 * flag(out.flag_superhuman);
        out.automation_score = super::clamp_f32(score, 1.0);
    }
}

impl Aggregator for Automation {
    fn on_event(&mut self, ev: &Event) {
        match ev.kind {
            EventKind::PointerMove { trusted, .. } => {
                self.input(trusted);
                self.last_path = Some(ev.t);
            }
            EventKind::Touch => self.last_path = Some(ev.t),
            EventKind::Key { trusted, .. } => self.input(trusted),
            EventKind::Click {
                trusted, keyboard, ..
            } => {
                self.input(trusted);
                self.clicks = self.clicks.saturating_add(1);
                // A keyboard-activated click has no pointer path to look for.
                if !keyboard && !self.last_path.is_some_and(|p| ev.t - p <= PATH_WINDOW_MS) {
                    self.no_path = self.no_path.saturating_add(1);
                }
                if let Some(l) = self.last_click {
                    if ev.t - l <= 10_000.0 {
                        self.click_intervals.push(ev.t - l);
                    }
                }
                self.last_click = Some(ev.t);
            }
            _ => {}
        }
    }

    /// Writes only what needs no other aggregator; see [`Automation::write_with`].
    fn write(&self, _now: f64, out: &mut Features) {
        out.flag_webdriver = self.webdriver;
        out.flag_untrusted = self.untrusted > 0;
        out.flag_click_no_path = self.no_path > 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::KeyClass;

    fn run(events: &[(f64, EventKind)], webdriver: bool) -> Features {
        let (mut a, mut p, mut t) = (
            Automation::new(webdriver),
            Pointer::default(),
            Typing::default(),
        );
        for &(at, kind) in events {
            let ev = Event { t: at, kind };
            a.on_event(&ev);
            p.on_event(&ev);
            t.on_event(&ev);
        }
        let mut f = Features::default();
        a.write_with(&p, &t, &mut f);
        f
    }

    #[test]
    fn a_human_like_session_scores_zero() {
        let mut ev = Vec::new();
        let mut x = 0.0f32;
        let mut t = 0.0;
        for i in 0..40 {
            x += 7.0 + (i % 3) as f32;
            t += 16.0;
            ev.push((
                t,
                EventKind::PointerMove {
                    x,
                    y: 100.0 + ((i * 7) % 11) as f32,
                    trusted: true,
                },
            ));
        }
        ev.push((
            t + 50.0,
            EventKind::Click {
                x,
                y: 100.0,
                trusted: true,
                link: false,
                keyboard: false,
            },
        ));
        for (i, gap) in [
            120.0, 95.0, 210.0, 88.0, 150.0, 132.0, 99.0, 240.0, 101.0, 180.0, 77.0,
        ]
        .iter()
        .enumerate()
        {
            t += gap + i as f64;
            ev.push((
                t,
                EventKind::Key {
                    class: KeyClass::Char,
                    trusted: true,
                    field: false,
                },
            ));
        }
        let f = run(&ev, false);
        assert_eq!(f.automation_score, 0.0, "{f:?}");
    }

    #[test]
    fn script_clicks_without_path_and_webdriver_saturate_the_score() {
        let ev: Vec<_> = (0..6)
            .map(|i| {
                (
                    f64::from(i) * 100.0,
                    EventKind::Click {
                        x: 5.0,
                        y: 5.0,
                        trusted: false,
                        link: false,
                        keyboard: false,
                    },
                )
            })
            .collect();
        let f = run(&ev, true);
        assert!(
            f.flag_webdriver && f.flag_untrusted && f.flag_click_no_path && f.flag_regular_timing
        );
        assert_eq!(f.automation_score, 1.0);
        let f = run(&ev[..1], false);
        assert_eq!(
            f.automation_score, 0.8,
            "0.5 * 1 untrusted share + 0.3 * 1 no-path share"
        );
    }

    #[test]
    fn perfectly_regular_keys_are_flagged() {
        let ev: Vec<_> = (0..12)
            .map(|i| {
                (
                    f64::from(i) * 50.0,
                    EventKind::Key {
                        class: KeyClass::Char,
                        trusted: true,
                        field: false,
                    },
                )
            })
            .collect();
        let f = run(&ev, false);
        assert!(f.flag_regular_timing);
        assert_eq!(f.automation_score, 0.2);
    }
}
