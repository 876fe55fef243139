//! Engagement time: `active_ms`, `visible_ms`, `total_ms`.
//!
//! `active_ms` counts time that is visible AND focused AND within
//! `idle_timeout_ms` of the last trusted user input (see
//! [`EventKind::is_user_input`]). It is computed exactly: for each interval
//! between two events, the overlap of that interval with
//! `[last_input, last_input + idle_timeout)` is added when the page was
//! visible and focused throughout it (state only changes at events).
//! `total_ms` runs from the page view's start: the page's time origin for
//! the first page view of a document, the route change for the next ones.

use super::{round_u32, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

#[derive(Debug, Clone)]
pub(crate) struct Engagement {
    idle_timeout_ms: f64,
    start: f64,
    last_t: f64,
    visible: bool,
    focused: bool,
    last_input: Option<f64>,
    /// Last scroll position read: a reading counts as input only when it moved
    /// (the shell also reads once at start-up, which is not an input).
    last_scroll_y: Option<f32>,
    active_ms: f64,
    visible_ms: f64,
}

impl Engagement {
    /// Starts a page view at `start` (ms) with the document's initial state.
    pub(crate) fn new(start: f64, idle_timeout_ms: f64, visible: bool, focused: bool) -> Self {
        Engagement {
            idle_timeout_ms,
            start,
            last_t: start,
            visible,
            focused,
            last_input: None,
            last_scroll_y: None,
            active_ms: 0.0,
            visible_ms: 0.0,
        }
    }

    /// Whether the document is visible and focused now (for a page view that
    /// continues under a new id).
    pub(crate) fn visible_focused(&self) -> (bool, bool) {
        (self.visible, self.focused)
    }

    /// The next page view of the same document, starting at `start`: an input
    /// shortly before the route change still counts (it is within the idle
    /// timeout at the start of the new page view).
    pub(crate) fn next(&self, start: f64, visible: bool, focused: bool) -> Self {
        Engagement {
            last_input: self.last_input,
            ..Engagement::new(start, self.idle_timeout_ms, visible, focused)
        }
    }

    /// When `active_ms` reaches `target_ms` if no event comes first (page
    /// clock, ms; infinite when it already has, or cannot without a new
    /// input: hidden, blurred, or idle before reaching it).
    pub(crate) fn active_reaches(&self, target_ms: f64) -> f64 {
        match self.last_input {
            Some(input) if self.visible && self.focused && target_ms > self.active_ms => {
                let at = self.last_t.max(input) + (target_ms - self.active_ms);
                if at <= input + self.idle_timeout_ms {
                    at
                } else {
                    f64::INFINITY
                }
            }
            _ => f64::INFINITY,
        }
    }

    /// When the page view started (page clock, ms).
    pub(crate) fn start(&self) -> f64 {
        self.start
    }

    /// Active and visible time accumulated up to `t`, without mutating.
    fn totals_at(&self, t: f64) -> (f64, f64) {
        let t = t.max(self.last_t);
        let mut active = self.active_ms;
        let mut visible = self.visible_ms;
        if self.visible {
            visible += t - self.last_t;
            if self.focused {
                if let Some(input) = self.last_input {
                    let window_end = input + self.idle_timeout_ms;
                    let from = self.last_t.max(input);
                    let to = t.min(window_end);
                    if to > from {
                        active += to - from;
                    }
                }
            }
        }
        (active, visible)
    }

    fn advance(&mut self, t: f64) {
        let (a, v) = self.totals_at(t);
        self.active_ms = a;
        self.visible_ms = v;
        self.last_t = self.last_t.max(t);
    }
}

impl Aggregator for Engagement {
    fn on_event(&mut self, ev: &Event) {
        self.advance(ev.t);
        match ev.kind {
            EventKind::Visibility(v) => self.visible = v,
            EventKind::Focus(f) => self.focused = f,
            EventKind::Scroll { scroll_y, .. } => {
                if self.last_scroll_y.is_some_and(|y| y != scroll_y) {
                    self.last_input = Some(ev.t.max(self.last_t));
                }
                self.last_scroll_y = Some(scroll_y);
            }
            k if k.is_user_input() => self.last_input = Some(ev.t.max(self.last_t)),
            _ => {}
        }
    }

    fn write(&self, now: f64, out: &mut Features) {
        let (active, visible) = self.totals_at(now);
        out.active_ms = round_u32(active);
        out.visible_ms = round_u32(visible);
        out.total_ms = round_u32(now.max(self.last_t) - self.start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: f64, kind: EventKind) -> Event {
        Event { t, kind }
    }

    fn snapshot(e: &Engagement, now: f64) -> Features {
        let mut f = Features::default();
        e.write(now, &mut f);
        f
    }

    #[test]
    fn no_input_means_no_active_time() {
        let e = Engagement::new(0.0, 15_000.0, true, true);
        let f = snapshot(&e, 60_000.0);
        assert_eq!((f.active_ms, f.visible_ms, f.total_ms), (0, 60_000, 60_000));
    }

    #[test]
    fn idle_gap_counts_exactly_up_to_the_timeout() {
        let mut e = Engagement::new(0.0, 15_000.0, true, true);
        e.on_event(&ev(
            1_000.0,
            EventKind::Key {
                class: crate::event::KeyClass::Char,
                trusted: true,
                field: false,
            },
        ));
        // Gap of exactly the timeout: all of it counts.
        e.on_event(&ev(
            16_000.0,
            EventKind::Key {
                class: crate::event::KeyClass::Char,
                trusted: true,
                field: false,
            },
        ));
        assert_eq!(snapshot(&e, 16_000.0).active_ms, 15_000);
        // Gap beyond the timeout: only the timeout counts.
        e.on_event(&ev(
            46_000.0,
            EventKind::Key {
                class: crate::event::KeyClass::Char,
                trusted: true,
                field: false,
            },
        ));
        assert_eq!(snapshot(&e, 46_000.0).active_ms, 30_000);
        // Open tail: counted up to the timeout, not beyond.
        assert_eq!(snapshot(&e, 50_000.0).active_ms, 34_000);
        assert_eq!(snapshot(&e, 90_000.0).active_ms, 45_000);
    }

    #[test]
    fn hidden_and_blurred_periods_do_not_count_as_active() {
        let mut e = Engagement::new(0.0, 15_000.0, true, true);
        e.on_event(&ev(
            0.0,
            EventKind::Click {
                x: 0.0,
                y: 0.0,
                trusted: true,
                link: false,
                keyboard: false,
            },
        ));
        e.on_event(&ev(2_000.0, EventKind::Visibility(false)));
        e.on_event(&ev(5_000.0, EventKind::Visibility(true)));
        e.on_event(&ev(6_000.0, EventKind::Focus(false)));
        e.on_event(&ev(8_000.0, EventKind::Focus(true)));
        let f = snapshot(&e, 10_000.0);
        // active: 0-2000, 5000-6000, 8000-10000 (input at 0 still within 15 s)
        assert_eq!(f.active_ms, 5_000);
        assert_eq!(f.visible_ms, 7_000);
        assert_eq!(f.total_ms, 10_000);
    }

    #[test]
    fn a_scroll_reading_without_movement_is_not_input() {
        let mut e = Engagement::new(0.0, 15_000.0, true, true);
        let at = |y| EventKind::Scroll {
            scroll_y: y,
            viewport_h: 800.0,
            doc_h: 4000.0,
        };
        e.on_event(&ev(10.0, at(0.0))); // the start-up reading
        e.on_event(&ev(5_000.0, at(0.0)));
        assert_eq!(snapshot(&e, 8_000.0).active_ms, 0);
        e.on_event(&ev(8_000.0, at(300.0)));
        assert_eq!(snapshot(&e, 9_000.0).active_ms, 1_000);
    }

    #[test]
    fn late_snapshot_time_never_goes_backwards() {
        let mut e = Engagement::new(0.0, 15_000.0, true, true);
        e.on_event(&ev(3_000.0, EventKind::Wheel));
        let a = snapshot(&e, 4_000.0);
        let b = snapshot(&e, 2_000.0); // clock reading older than the last event
        assert!(b.total_ms >= 3_000 && a.active_ms >= b.active_ms);
    }
}
