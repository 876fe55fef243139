//! Experience quality from `PerformanceObserver` entries, exactly as
//! Google's `web-vitals` (v5) computes it:
//! - `lcp_ms`: start time of the last `largest-contentful-paint` entry that
//!   started before the first trusted click or key press and before the
//!   document was first hidden, minus `activationStart` (prerendered pages),
//!   at least 0. Not reported for a page that loaded hidden. Both stops are
//!   the document's: an SPA page view has the entries delivered during it,
//!   so only one started during the load (before any input) gets one;
//! - `cls`: the largest session window of `layout-shift` values without
//!   recent input, a window being shifts less than 1 s apart and spanning
//!   less than 5 s; reported only when the first contentful paint came
//!   before the document was first hidden (web-vitals waits for FCP);
//! - `inp_ms`: over the interactions of the page view, counted by the
//!   browser (`performance.interactionCount`), the 98th percentile latency.
//!   An interaction belongs to the page view it started in: an entry that
//!   started before the SPA route change is not the new page view's, even
//!   when it arrives after it (entries come with the next paint; the shell
//!   takes the ones already made before the change):
//!   of the 10 longest interactions (entries grouped by `interactionId`,
//!   only entries of >= 40 ms and `first-input` are seen), the one at index
//!   `min(9, floor(interactions / 50))`, so one per 50 interactions is ignored;
//! - `long_tasks`: the number of `longtask` entries (tasks over 50 ms).

use super::{clamp_f32, clamp_u32, round_u32, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

/// INP candidates kept (web-vitals' `MAX_INTERACTIONS_TO_CONSIDER`).
const KEEP: usize = 10;

/// What the document's performance timeline says: one per document, carried
/// from page view to page view.
#[derive(Debug, Clone, Copy)]
struct DocumentTimes {
    /// `activationStart` (ms): LCP is measured from it.
    activation_start: f64,
    /// When the document was first hidden (ms; infinite while it never was).
    first_hidden: f64,
    /// Start time of the first contentful paint (ms), once seen.
    fcp: Option<f64>,
    /// LCP entries count only when they started before this (ms): the first
    /// trusted click or key press.
    lcp_stop: f64,
    /// Latest reading of the document's interaction count.
    interactions: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Vitals {
    doc: DocumentTimes,
    /// Start time of the last LCP entry of this page view that counts (ms).
    lcp: Option<f64>,
    cls_max: f64,
    window_sum: f64,
    window_start: f64,
    window_last: f64,
    /// The longest interactions, (id, latency), longest first; ties keep
    /// their arrival order (web-vitals sorts stably).
    longest: [(u32, f32); KEEP],
    n_longest: usize,
    /// The document's interaction count when this page view started.
    interactions_before: f64,
    /// When this page view started (ms; the route change's time, or
    /// -infinity for the document's first): earlier interactions are not its.
    since: f64,
    long_tasks: u32,
}

impl Default for Vitals {
    fn default() -> Self {
        Vitals {
            doc: DocumentTimes {
                activation_start: 0.0,
                first_hidden: f64::INFINITY,
                fcp: None,
                lcp_stop: f64::INFINITY,
                interactions: 0.0,
            },
            lcp: None,
            cls_max: 0.0,
            window_sum: 0.0,
            window_start: 0.0,
            window_last: 0.0,
            longest: [(0, 0.0); KEEP],
            n_longest: 0,
            interactions_before: 0.0,
            since: f64::NEG_INFINITY,
            long_tasks: 0,
        }
    }
}

impl Vitals {
    /// The vitals of the document's next page view (an SPA route change):
    /// the document's times carry over (and with them where LCP stops), and
    /// INP counts the interactions from `at` (ms, the change's time) on.
    pub(crate) fn next(&self, at: f64) -> Vitals {
        Vitals {
            doc: self.doc,
            interactions_before: self.doc.interactions,
            since: at,
            ..Vitals::default()
        }
    }

    fn interaction(&mut self, id: u32, latency: f32) {
        let n = self.n_longest;
        let list = &mut self.longest;
        let at = match list.iter().take(n).position(|e| e.0 == id) {
            Some(i) => {
                if list.get(i).is_none_or(|e| latency <= e.1) {
                    return;
                }
                i
            }
            None if n < KEEP => {
                self.n_longest += 1;
                n
            }
            None if list.last().is_some_and(|e| latency > e.1) => KEEP - 1,
            None => return,
        };
        if let Some(e) = list.get_mut(at) {
            *e = (id, latency);
        }
        // Move it ahead of every shorter one (a stable sort, descending).
        let mut i = at;
        while i > 0 && list.get(i - 1).map(|e| e.1) < Some(latency) {
            if let Some([a, b]) = list.get_mut(i - 1..=i) {
                core::mem::swap(a, b);
            }
            i -= 1;
        }
    }

    /// What the snapshot shows of these vitals (to tell whether an entry changed it).
    pub(crate) fn shown(&self) -> (u32, u32, f32, u32) {
        let f = self.values();
        (f.0, f.1.to_bits(), f.2, self.long_tasks)
    }

    /// (LCP ms, CLS, INP ms) as reported.
    fn values(&self) -> (u32, f32, f32) {
        let hidden = self.doc.first_hidden;
        let lcp = match self.lcp {
            Some(at) if at < hidden => round_u32(at - self.doc.activation_start),
            _ => 0,
        };
        let cls = match self.doc.fcp {
            Some(fcp) if fcp < hidden => clamp_f32(self.cls_max, 100.0),
            _ => 0.0,
        };
        (lcp, cls, self.inp())
    }

    pub(crate) fn inp(&self) -> f32 {
        let count = (self.doc.interactions - self.interactions_before).max(0.0);
        let i = ((count / 50.0) as usize).min(self.n_longest.saturating_sub(1));
        self.longest
            .get(..self.n_longest)
            .and_then(|l| l.get(i))
            .map_or(0.0, |e| e.1)
    }
}

impl Aggregator for Vitals {
    fn on_event(&mut self, ev: &Event) {
        match ev.kind {
            EventKind::Lcp(at) => {
                let at = f64::from(at);
                if at < self.doc.lcp_stop && at < self.doc.first_hidden {
                    self.lcp = Some(at);
                }
            }
            EventKind::Click { trusted: true, .. } | EventKind::Key { trusted: true, .. } => {
                self.doc.lcp_stop = self.doc.lcp_stop.min(ev.t)
            }
            EventKind::Visibility(false) => self.doc.first_hidden = self.doc.first_hidden.min(ev.t),
            EventKind::PageTimes {
                activation_start,
                first_hidden,
                ..
            } => {
                self.doc.activation_start = f64::from(activation_start).max(0.0);
                self.doc.first_hidden = self.doc.first_hidden.min(f64::from(first_hidden));
            }
            EventKind::Fcp(at) => {
                self.doc.fcp.get_or_insert(f64::from(at));
            }
            EventKind::LayoutShift { value, at } if value.is_finite() && value >= 0.0 => {
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
            EventKind::Interaction {
                id,
                duration,
                start,
            } if duration.is_finite() && duration >= 0.0 && f64::from(start) >= self.since => {
                self.interaction(id, duration)
            }
            EventKind::InteractionCount(n) if n.is_finite() => {
                self.doc.interactions = f64::from(n).max(0.0)
            }
            EventKind::LongTask => self.long_tasks = self.long_tasks.saturating_add(1),
            _ => {}
        }
    }

    fn write(&self, _now: f64, out: &mut Features) {
        let (lcp, cls, inp) = self.values();
        out.lcp_ms = lcp.min(crate::catalog::DAY_MS);
        out.cls = cls;
        out.inp_ms = round_u32(f64::from(inp)).min(crate::catalog::DAY_MS);
        out.long_tasks = clamp_u32(self.long_tasks, 100_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(v: &mut Vitals, t: f64, kind: EventKind) {
        v.on_event(&Event { t, kind });
    }

    fn snap(v: &Vitals) -> Features {
        let mut f = Features::default();
        v.write(0.0, &mut f);
        f
    }

    fn click() -> EventKind {
        EventKind::Click {
            x: 0.0,
            y: 0.0,
            trusted: true,
            link: false,
            keyboard: false,
        }
    }

    fn times(activation_start: f32, first_hidden: f32) -> EventKind {
        EventKind::PageTimes {
            activation_start,
            first_hidden,
            back_forward: false,
        }
    }

    /// An interaction entry that started at 0 ms (the document's first page view).
    fn interaction(id: u32, duration: f32) -> EventKind {
        started(id, duration, 0.0)
    }

    /// An interaction entry that started at `start` ms.
    fn started(id: u32, duration: f32, start: f32) -> EventKind {
        EventKind::Interaction {
            id,
            duration,
            start,
        }
    }

    #[test]
    fn lcp_stops_at_the_first_input_by_the_entries_start_time() {
        let mut v = Vitals::default();
        at(&mut v, 500.0, EventKind::Lcp(400.0));
        at(&mut v, 1300.0, EventKind::Lcp(1200.0));
        at(&mut v, 2000.0, click());
        // Delivered after the click but painted before it: it counts.
        at(&mut v, 2010.0, EventKind::Lcp(1500.0));
        // Painted after the click: it does not.
        at(&mut v, 2600.0, EventKind::Lcp(2500.0));
        assert_eq!(snap(&v).lcp_ms, 1500);
        // An untrusted click does not stop LCP.
        let mut v = Vitals::default();
        at(
            &mut v,
            100.0,
            EventKind::Click {
                x: 0.0,
                y: 0.0,
                trusted: false,
                link: false,
                keyboard: false,
            },
        );
        at(&mut v, 900.0, EventKind::Lcp(800.0));
        assert_eq!(snap(&v).lcp_ms, 800);
    }

    #[test]
    fn lcp_stops_when_the_page_is_first_hidden_and_is_absent_for_a_page_loaded_hidden() {
        let mut v = Vitals::default();
        at(&mut v, 0.0, times(0.0, f32::INFINITY));
        at(&mut v, 3000.0, EventKind::Visibility(false));
        at(&mut v, 3005.0, EventKind::Lcp(2800.0));
        at(&mut v, 4000.0, EventKind::Visibility(true));
        at(&mut v, 4500.0, EventKind::Lcp(4400.0));
        assert_eq!(snap(&v).lcp_ms, 2800);

        let mut v = Vitals::default();
        at(&mut v, 10.0, times(0.0, 0.0));
        at(&mut v, 20.0, EventKind::Fcp(300.0));
        at(&mut v, 500.0, EventKind::Lcp(450.0));
        at(
            &mut v,
            600.0,
            EventKind::LayoutShift {
                value: 0.2,
                at: 590.0,
            },
        );
        let f = snap(&v);
        assert_eq!(
            (f.lcp_ms, f.cls),
            (0, 0.0),
            "loaded hidden: neither LCP nor CLS"
        );
    }

    #[test]
    fn lcp_of_a_prerendered_page_counts_from_activation() {
        let mut v = Vitals::default();
        at(&mut v, 0.0, times(500.0, f32::INFINITY));
        at(&mut v, 1300.0, EventKind::Lcp(1200.4));
        assert_eq!(snap(&v).lcp_ms, 700);
        let mut v = Vitals::default();
        at(&mut v, 0.0, times(500.0, f32::INFINITY));
        at(&mut v, 400.0, EventKind::Lcp(300.0));
        assert_eq!(
            snap(&v).lcp_ms,
            0,
            "painted while prerendering: clamped at 0"
        );
    }

    #[test]
    fn cls_is_the_largest_session_window_once_the_first_paint_was_seen() {
        let mut v = Vitals::default();
        let shift = |value, at| EventKind::LayoutShift { value, at };
        // Window 1: 0.1 + 0.1 (900 ms apart); a gap of >= 1 s starts window 2.
        at(&mut v, 0.0, shift(0.1, 100.0));
        at(&mut v, 0.0, shift(0.1, 1000.0));
        at(&mut v, 0.0, shift(0.05, 2000.0));
        // Window 3 spans less than 5 s: 0.05 every 900 ms from 10 s.
        for i in 0..8 {
            at(&mut v, 0.0, shift(0.05, 10_000.0 + 900.0 * i as f32));
        }
        assert_eq!(snap(&v).cls, 0.0, "no first contentful paint yet");
        at(&mut v, 0.0, EventKind::Fcp(90.0));
        // 10000..14500 holds 6 shifts (0.30) before 5 s is reached.
        assert!((snap(&v).cls - 0.3).abs() < 1e-6, "{}", snap(&v).cls);
        // A first paint after the page was first hidden: web-vitals reports no CLS.
        let mut v = Vitals::default();
        at(&mut v, 0.0, times(0.0, 50.0));
        at(&mut v, 0.0, EventKind::Fcp(90.0));
        at(&mut v, 0.0, shift(0.1, 100.0));
        assert_eq!(snap(&v).cls, 0.0);
    }

    #[test]
    fn inp_is_the_98th_percentile_over_all_interactions_counted_by_the_browser() {
        // 100 interactions, of which only two were slow enough (>= 40 ms)
        // for the observer to see: index min(1, floor(100 / 50)) = 1.
        let mut v = Vitals::default();
        at(&mut v, 0.0, interaction(7, 900.0));
        at(&mut v, 0.0, interaction(63, 200.0));
        at(&mut v, 0.0, EventKind::InteractionCount(100.0));
        assert_eq!(snap(&v).inp_ms, 200);
        at(&mut v, 0.0, EventKind::InteractionCount(49.0));
        assert_eq!(snap(&v).inp_ms, 900, "under 50 interactions: the longest");
    }

    #[test]
    fn inp_groups_entries_by_interaction_and_entries_do_not_count_interactions() {
        let mut v = Vitals::default();
        at(&mut v, 0.0, interaction(1, 40.0));
        at(&mut v, 0.0, interaction(1, 72.0));
        at(&mut v, 0.0, interaction(1, 48.0));
        assert_eq!(
            v.inp(),
            72.0,
            "an interaction's latency is its longest entry"
        );
        for id in 2..=10 {
            at(&mut v, 0.0, interaction(id, 100.0 + id as f32));
        }
        // Five more interactions, too short for the top 10, each seen in
        // several entries (pointerdown, pointerup, click).
        for id in 11..=15 {
            for _ in 0..8 {
                at(&mut v, 0.0, interaction(id, 56.0));
            }
        }
        at(&mut v, 0.0, EventKind::InteractionCount(15.0));
        assert_eq!(v.inp(), 110.0, "15 interactions: the longest");
    }

    #[test]
    fn the_top_10_breaks_ties_like_a_stable_sort() {
        let mut v = Vitals::default();
        for id in 1..=8 {
            at(&mut v, 0.0, interaction(id, 200.0));
        }
        at(&mut v, 0.0, interaction(9, 48.0));
        at(&mut v, 0.0, interaction(10, 48.0));
        // Longer than the shortest: 10 (the later of the two 48 ms) leaves.
        at(&mut v, 0.0, interaction(11, 56.0));
        let ids: Vec<u32> = v.longest.iter().map(|e| e.0).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7, 8, 11, 9]);
        // 9 grows to 200: it moves ahead of 11 but stays behind the earlier 200s.
        at(&mut v, 0.0, interaction(9, 200.0));
        let ids: Vec<u32> = v.longest.iter().map(|e| e.0).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]);
        // Not longer than the shortest: ignored.
        at(&mut v, 0.0, interaction(12, 56.0));
        assert_eq!(v.longest[9], (11, 56.0));
    }

    #[test]
    fn an_interaction_that_started_before_the_route_change_is_not_the_new_page_views() {
        let mut v = Vitals::default();
        at(&mut v, 0.0, EventKind::InteractionCount(4.0));
        let mut next = v.next(6060.0);
        // The click that made the change: it started at 5800, its entry
        // arrives with the next paint, after the change.
        at(&mut next, 6075.0, started(12, 264.0, 5800.0));
        assert_eq!(snap(&next).inp_ms, 0);
        // One that started at the change's time is the new page view's.
        at(&mut next, 7100.0, started(19, 96.0, 6060.0));
        at(&mut next, 7101.0, EventKind::InteractionCount(5.0));
        assert_eq!(snap(&next).inp_ms, 96);
        // The document's first page view has every interaction.
        at(&mut v, 1.0, interaction(3, 48.0));
        assert_eq!(snap(&v).inp_ms, 48);
    }

    #[test]
    fn an_spa_page_view_counts_interactions_from_its_start_and_lcp_stops_for_the_document() {
        let mut v = Vitals::default();
        at(&mut v, 0.0, EventKind::Fcp(100.0));
        at(&mut v, 0.0, EventKind::Lcp(300.0));
        at(&mut v, 1000.0, click());
        at(&mut v, 0.0, EventKind::InteractionCount(120.0));
        let mut next = v.next(2000.0);
        at(&mut next, 5000.0, EventKind::Lcp(5000.0));
        at(&mut next, 0.0, started(90, 300.0, 2100.0));
        at(&mut next, 0.0, started(91, 80.0, 2100.0));
        at(&mut next, 0.0, EventKind::InteractionCount(150.0));
        at(
            &mut next,
            0.0,
            EventKind::LayoutShift {
                value: 0.2,
                at: 6000.0,
            },
        );
        let f = snap(&next);
        assert_eq!(
            (f.lcp_ms, f.inp_ms),
            (0, 300),
            "LCP stopped at the click; 30 interactions since the route change"
        );
        assert!(
            (f.cls - 0.2).abs() < 1e-6,
            "the document's first paint carries over"
        );
        // A route change during the load (before any input): the new page
        // view has the LCP entries delivered during it.
        let mut v = Vitals::default();
        at(&mut v, 50.0, EventKind::Lcp(40.0));
        let mut next = v.next(2000.0);
        at(&mut next, 700.0, EventKind::Lcp(650.0));
        assert_eq!((snap(&v).lcp_ms, snap(&next).lcp_ms), (40, 650));
    }
}
