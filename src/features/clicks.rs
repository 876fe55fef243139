//! Clicks and frustration: `clicks`, `rage_clicks`, `dead_clicks`,
//! `error_clicks`, `quick_backs` and `frustration_score`.
//!
//! - A rage burst is >= [`RAGE_MIN`] clicks, each within [`RAGE_GAP_MS`] and
//!   [`RAGE_RADIUS_PX`] of the previous one; a burst counts once.
//! - A dead click is a click on a non-link after which, within
//!   [`DEAD_WINDOW_MS`], there is no DOM mutation, navigation (a navigation
//!   starting, page end, back/forward cache, SPA route change or form
//!   submission), scroll or selection change. A pointer click is also
//!   answered by a selection change since its press: the press removes or
//!   starts a selection as the button goes down, before the click.
//! - An error click is a click followed by an uncaught error within
//!   [`ERROR_WINDOW_MS`]: an error counts every click of the last second that
//!   has not counted yet, so each click counts at most once.
//! - A quick back is a return to the page within [`QUICK_BACK_MS`] of leaving
//!   it: hidden and visible again, or (decided by the tracker, which sees page
//!   views come and go) a page view that returns to the page the visitor left.
//!
//! Clicks awaiting a verdict wait in a [`ClickQueue`] (O(1) memory, none lost).

use super::{clamp_u32, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

pub(crate) const RAGE_MIN: u32 = 3;
pub(crate) const RAGE_GAP_MS: f64 = 1000.0;
pub(crate) const RAGE_RADIUS_PX: f32 = 30.0;
pub(crate) const DEAD_WINDOW_MS: f64 = 2500.0;
pub(crate) const ERROR_WINDOW_MS: f64 = 1000.0;
pub(crate) const QUICK_BACK_MS: f64 = 5000.0;
/// Slots of a [`ClickQueue`]: clicks judged one by one before they merge.
pub(crate) const PENDING: usize = 16;
const MAX_COUNT: u32 = 100_000;

/// Clicks awaiting a verdict, oldest first, in at most [`PENDING`] slots of
/// (time of the slot's newest click (ms), clicks in the slot). A click that
/// finds every slot taken joins the newest slot and is judged with the
/// newest click: more than [`PENDING`] waiting clicks are never lost.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ClickQueue {
    slots: [(f64, u32); PENDING],
    n: usize,
}

impl ClickQueue {
    fn waiting(&self) -> &[(f64, u32)] {
        self.slots.get(..self.n).unwrap_or(&[])
    }

    pub(crate) fn push(&mut self, t: f64) {
        if self.n < PENDING {
            if let Some(slot) = self.slots.get_mut(self.n) {
                *slot = (t, 1);
                self.n += 1;
            }
        } else if let Some(slot) = self.slots.last_mut() {
            *slot = (t, slot.1.saturating_add(1));
        }
    }

    /// (slots, clicks) more than `window` ms older than `t`: the first ones.
    fn older(&self, t: f64, window: f64) -> (usize, u32) {
        let (mut slots, mut clicks) = (0, 0u32);
        for s in self.waiting() {
            if t - s.0 <= window {
                break;
            }
            slots += 1;
            clicks = clicks.saturating_add(s.1);
        }
        (slots, clicks)
    }

    /// Clicks more than `window` ms older than `t`.
    pub(crate) fn older_than(&self, t: f64, window: f64) -> u32 {
        self.older(t, window).1
    }

    /// Removes the clicks more than `window` ms older than `t`; returns how many.
    pub(crate) fn take_older_than(&mut self, t: f64, window: f64) -> u32 {
        let (k, n) = self.older(t, window);
        if k > 0 {
            let old = self.slots;
            for (slot, kept) in self.slots.iter_mut().zip(old.iter().skip(k)) {
                *slot = *kept;
            }
            self.n = self.n.saturating_sub(k);
        }
        n
    }

    /// Forgets every waiting click; returns how many there were.
    pub(crate) fn clear(&mut self) -> u32 {
        let n = self.older(f64::INFINITY, 0.0).1;
        self.n = 0;
        n
    }

    /// Time of the oldest waiting slot.
    pub(crate) fn oldest(&self) -> Option<f64> {
        self.waiting().first().map(|s| s.0)
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Clicks {
    clicks: u32,
    rage: u32,
    dead: u32,
    error: u32,
    quick_backs: u32,
    /// Last click: time and position, and the length of its burst.
    last: Option<(f64, f32, f32)>,
    burst: u32,
    /// Clicks on non-links awaiting a dead-click verdict.
    pending: ClickQueue,
    /// Clicks of the last [`ERROR_WINDOW_MS`] not yet counted as error clicks.
    unerrored: ClickQueue,
    /// Since the last pointer press not yet followed by its click: whether
    /// the selection changed (`None`: no press waiting for its click).
    press: Option<bool>,
    hidden_at: Option<f64>,
}

/// The frustration score: `x / (1 + x)` with
/// `x = rage_clicks + error_clicks + 0.5 * (dead_clicks + quick_backs)`.
/// 0 with no signal, 0.5 after one rage burst or error click, tends to 1.
pub(crate) fn frustration_score(rage: u32, dead: u32, error: u32, quick_backs: u32) -> f32 {
    let x = f64::from(rage) + f64::from(error) + 0.5 * (f64::from(dead) + f64::from(quick_backs));
    (x / (1.0 + x)) as f32
}

impl Clicks {
    /// A return to the page that the tracker recognised (see the module doc).
    pub(crate) fn quick_back(&mut self) {
        self.quick_backs = self.quick_backs.saturating_add(1);
    }

    /// When the oldest waiting click turns dead if nothing answers it (ms).
    pub(crate) fn next_verdict(&self) -> Option<f64> {
        self.pending.oldest().map(|t| t + DEAD_WINDOW_MS)
    }
}

impl Aggregator for Clicks {
    fn on_event(&mut self, ev: &Event) {
        let t = ev.t;
        let dead = self.pending.take_older_than(t, DEAD_WINDOW_MS);
        self.dead = self.dead.saturating_add(dead);
        match ev.kind {
            EventKind::Click {
                x,
                y,
                link,
                keyboard,
                ..
            } => {
                self.clicks = self.clicks.saturating_add(1);
                let near = match self.last {
                    Some((lt, lx, ly)) => {
                        let (dx, dy) = (x - lx, y - ly);
                        t - lt <= RAGE_GAP_MS
                            && dx * dx + dy * dy <= RAGE_RADIUS_PX * RAGE_RADIUS_PX
                    }
                    None => false,
                };
                self.burst = if near { self.burst + 1 } else { 1 };
                if self.burst == RAGE_MIN {
                    self.rage = self.rage.saturating_add(1);
                }
                self.last = Some((t, x, y));
                self.unerrored.take_older_than(t, ERROR_WINDOW_MS);
                self.unerrored.push(t);
                let answered = self.press.take() == Some(true) && !keyboard;
                if !link && !answered {
                    self.pending.push(t);
                }
            }
            EventKind::Press => self.press = Some(false),
            EventKind::Selection => {
                if self.press.is_some() {
                    self.press = Some(true);
                }
                self.pending.clear();
            }
            EventKind::Mutation
            | EventKind::Scroll { .. }
            | EventKind::PageEnd
            | EventKind::PageFrozen
            | EventKind::NavigationStart
            | EventKind::FormSubmit { .. } => {
                self.pending.clear();
            }
            EventKind::Error => {
                self.unerrored.take_older_than(t, ERROR_WINDOW_MS);
                let n = self.unerrored.clear();
                self.error = self.error.saturating_add(n);
            }
            EventKind::Visibility(false) => self.hidden_at = Some(t),
            EventKind::Visibility(true) => {
                if let Some(h) = self.hidden_at.take() {
                    if t - h <= QUICK_BACK_MS {
                        self.quick_back();
                    }
                }
            }
            _ => {}
        }
    }

    fn write(&self, now: f64, out: &mut Features) {
        let dead = self
            .dead
            .saturating_add(self.pending.older_than(now, DEAD_WINDOW_MS));
        out.clicks = clamp_u32(self.clicks, MAX_COUNT);
        out.rage_clicks = clamp_u32(self.rage, MAX_COUNT);
        out.dead_clicks = clamp_u32(dead, MAX_COUNT);
        out.error_clicks = clamp_u32(self.error, MAX_COUNT);
        out.quick_backs = clamp_u32(self.quick_backs, MAX_COUNT);
        out.frustration_score = frustration_score(self.rage, dead, self.error, self.quick_backs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(c: &mut Clicks, t: f64, x: f32) {
        c.on_event(&Event {
            t,
            kind: EventKind::Click {
                x,
                y: 100.0,
                trusted: true,
                link: false,
                keyboard: false,
            },
        });
    }

    fn snap(c: &Clicks, now: f64) -> Features {
        let mut f = Features::default();
        c.write(now, &mut f);
        f
    }

    #[test]
    fn two_clicks_are_not_a_rage_burst_three_are() {
        let mut c = Clicks::default();
        click(&mut c, 0.0, 10.0);
        click(&mut c, 500.0, 10.0);
        assert_eq!(snap(&c, 600.0).rage_clicks, 0);
        click(&mut c, 1000.0, 10.0);
        assert_eq!(snap(&c, 1000.0).rage_clicks, 1);
        // The same burst continuing counts once.
        click(&mut c, 1200.0, 10.0);
        click(&mut c, 1300.0, 10.0);
        assert_eq!(snap(&c, 1300.0).rage_clicks, 1);
    }

    #[test]
    fn rage_edges_at_1000_ms_and_30_px() {
        // Exactly 1000 ms and exactly 30 px apart: still a burst.
        let mut c = Clicks::default();
        click(&mut c, 0.0, 0.0);
        click(&mut c, 1000.0, 30.0);
        click(&mut c, 2000.0, 60.0);
        assert_eq!(snap(&c, 2000.0).rage_clicks, 1);
        // Just beyond either edge: no burst.
        let mut c = Clicks::default();
        click(&mut c, 0.0, 0.0);
        click(&mut c, 1000.5, 0.0);
        click(&mut c, 2001.0, 0.0);
        assert_eq!(snap(&c, 2001.0).rage_clicks, 0);
        let mut c = Clicks::default();
        click(&mut c, 0.0, 0.0);
        click(&mut c, 100.0, 30.5);
        click(&mut c, 200.0, 61.0);
        assert_eq!(snap(&c, 200.0).rage_clicks, 0);
    }

    #[test]
    fn dead_click_with_and_without_a_mutation_at_2500_ms() {
        // No reaction: dead once more than 2500 ms have passed.
        let mut c = Clicks::default();
        click(&mut c, 1000.0, 0.0);
        assert_eq!(snap(&c, 3500.0).dead_clicks, 0, "exactly 2500 ms: not yet");
        assert_eq!(snap(&c, 3500.5).dead_clicks, 1);
        c.on_event(&Event {
            t: 9000.0,
            kind: EventKind::Key {
                class: crate::event::KeyClass::Char,
                trusted: true,
                field: false,
            },
        });
        assert_eq!(snap(&c, 9000.0).dead_clicks, 1, "settled once");
        // A mutation exactly 2500 ms later still answers the click.
        let mut c = Clicks::default();
        click(&mut c, 1000.0, 0.0);
        c.on_event(&Event {
            t: 3500.0,
            kind: EventKind::Mutation,
        });
        assert_eq!(snap(&c, 10_000.0).dead_clicks, 0);
        // A mutation just after the window does not.
        let mut c = Clicks::default();
        click(&mut c, 1000.0, 0.0);
        c.on_event(&Event {
            t: 3501.0,
            kind: EventKind::Mutation,
        });
        assert_eq!(snap(&c, 10_000.0).dead_clicks, 1);
        // Links are never dead; scroll and selection also answer a click.
        let mut c = Clicks::default();
        c.on_event(&Event {
            t: 0.0,
            kind: EventKind::Click {
                x: 0.0,
                y: 0.0,
                trusted: true,
                link: true,
                keyboard: false,
            },
        });
        click(&mut c, 100.0, 0.0);
        c.on_event(&Event {
            t: 200.0,
            kind: EventKind::Selection,
        });
        click(&mut c, 300.0, 0.0);
        c.on_event(&Event {
            t: 400.0,
            kind: EventKind::Scroll {
                scroll_y: 1.0,
                viewport_h: 1.0,
                doc_h: 2.0,
            },
        });
        assert_eq!(snap(&c, 10_000.0).dead_clicks, 0);
    }

    #[test]
    fn a_selection_change_since_its_press_answers_a_pointer_click() {
        use EventKind::{Press, Selection};
        let pointer = Event::click_at(0.0).kind;
        let keyboard = EventKind::Click {
            x: 0.0,
            y: 0.0,
            trusted: true,
            link: false,
            keyboard: true,
        };
        let dead = |events: &[(f64, EventKind)]| {
            let mut c = Clicks::default();
            for &(t, kind) in events {
                c.on_event(&Event { t, kind });
            }
            snap(&c, 10_000.0).dead_clicks
        };
        // The press removes the selection; the click comes with the release.
        let removed = [(1000.0, Press), (1010.0, Selection), (1100.0, pointer)];
        assert_eq!(dead(&removed), 0);
        // A selection change before the press answers nothing, and the next
        // press starts afresh.
        let before = [
            (900.0, Selection),
            (1000.0, Press),
            (1100.0, pointer),
            (4000.0, Press),
            (4100.0, pointer),
        ];
        assert_eq!(dead(&before), 2);
        // A keyboard click has no press: the selection change since the
        // last press answers nothing.
        let keys = [(1000.0, Press), (1010.0, Selection), (1100.0, keyboard)];
        assert_eq!(dead(&keys), 1);
    }

    #[test]
    fn error_clicks_within_1000_ms_count_once_per_click() {
        let mut c = Clicks::default();
        click(&mut c, 0.0, 0.0);
        c.on_event(&Event {
            t: 1000.0,
            kind: EventKind::Error,
        });
        c.on_event(&Event {
            t: 1000.0,
            kind: EventKind::Error,
        });
        assert_eq!(snap(&c, 1000.0).error_clicks, 1);
        click(&mut c, 5000.0, 0.0);
        c.on_event(&Event {
            t: 6000.5,
            kind: EventKind::Error,
        });
        assert_eq!(snap(&c, 7000.0).error_clicks, 1);
    }

    #[test]
    fn quick_back_is_a_return_within_5_s() {
        let mut c = Clicks::default();
        c.on_event(&Event {
            t: 0.0,
            kind: EventKind::Visibility(false),
        });
        c.on_event(&Event {
            t: 5000.0,
            kind: EventKind::Visibility(true),
        });
        c.on_event(&Event {
            t: 6000.0,
            kind: EventKind::Visibility(false),
        });
        c.on_event(&Event {
            t: 11_001.0,
            kind: EventKind::Visibility(true),
        });
        assert_eq!(snap(&c, 12_000.0).quick_backs, 1);
    }

    #[test]
    fn frustration_score_is_documented_combination() {
        assert_eq!(frustration_score(0, 0, 0, 0), 0.0);
        assert_eq!(frustration_score(1, 0, 0, 0), 0.5);
        assert_eq!(frustration_score(0, 2, 0, 0), 0.5);
        assert!(frustration_score(1000, 1000, 1000, 1000) < 1.0);
    }
}
