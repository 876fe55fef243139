//! The page view an SPA route change just ended, kept (full build) for the
//! event-timing entries of interactions that started in it but arrive after
//! the change. The click whose handler changes the route is one: its entry
//! comes with the next paint. Such an entry is that page view's (as in
//! Chromium's soft-navigation metrics, which split INP by time); when it
//! changes what the page view shows, its snapshot goes once more, at the
//! next wake, with the next seq.

use super::Tracker;
use crate::event::{Event, EventKind};
use crate::pageview::PageView;

/// The page view just left, and what the tracker knew of it at the change.
#[derive(Debug)]
pub(super) struct Left {
    pv: PageView,
    /// The route change's time (page clock, ms): its features are as of then.
    end: f64,
    /// Its pseudonym period: it is never sent under another one's identifiers.
    period: u64,
    /// `visible_ms` of its last snapshot.
    sent_visible_ms: u32,
}

impl Tracker {
    /// Keeps page view `pv`, which a route change at `end` just ended, with
    /// its pseudonym `period` and the `visible_ms` of its last snapshot.
    pub(super) fn keep_left(&mut self, pv: PageView, end: f64, period: u64, sent_visible_ms: u32) {
        self.left = Some(Left {
            pv,
            end,
            period,
            sent_visible_ms,
        });
    }

    /// Gives an interaction entry that started before the current page view
    /// to the page view just left.
    pub(super) fn late_entry(&mut self, ev: &Event) {
        if let (EventKind::Interaction { start, .. }, Some(left)) = (&ev.kind, &mut self.left) {
            if f64::from(*start) < left.end {
                // At the change's time: an ended page view's clock stops there.
                left.pv.on_event(&Event {
                    t: left.end,
                    kind: ev.kind,
                });
            }
        }
    }

    /// Personalization is not allowed: a page view just left that carries
    /// on-device history is dropped, as the current one forgets its history
    /// (its `pageviews` count was made with it too).
    pub(super) fn forget_left_history(&mut self) {
        if self.left.as_ref().is_some_and(|l| l.pv.history.is_some()) {
            self.left = None;
        }
    }

    /// Whether the page view just left has a change to send.
    pub(super) fn left_changed(&self) -> bool {
        self.left.as_ref().is_some_and(|l| l.pv.dirty)
    }

    /// Sends the page view just left again if it changed (by beacon when
    /// `final_`): its features as of the change, under the identifiers of
    /// now (`now`, page clock, and `wall_ms`), if that is still its
    /// pseudonym period (else it is dropped).
    pub(super) fn send_left(&mut self, now: f64, wall_ms: f64, final_: bool) {
        let Some(mut left) = self.left.take() else {
            return;
        };
        if !left.pv.dirty {
            self.left = Some(left);
            return;
        }
        if self.period(wall_ms.max(0.0) as u64) != left.period {
            // Its period is over: it is dropped, never sent under another's.
            return;
        }
        // The snapshot machinery works on the current page view: swap the
        // one just left in for the call, and keep the current one's timer.
        core::mem::swap(&mut self.pv, &mut left.pv);
        core::mem::swap(&mut self.pv_period, &mut left.period);
        core::mem::swap(&mut self.sent_visible_ms, &mut left.sent_visible_ms);
        let periodic = self.next_periodic;
        self.send_snapshot_as_of(left.end, now, wall_ms, final_);
        self.next_periodic = periodic;
        core::mem::swap(&mut self.pv, &mut left.pv);
        core::mem::swap(&mut self.pv_period, &mut left.period);
        core::mem::swap(&mut self.sent_visible_ms, &mut left.sent_visible_ms);
        // Not sent (no consent, no budget): it does not wait on.
        left.pv.dirty = false;
        self.left = Some(left);
    }
}
