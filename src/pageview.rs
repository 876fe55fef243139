//! One page view: its id, its snapshot sequence and its feature aggregators.

use crate::event::{Event, EventKind};
use crate::features::{clicks::Clicks, engagement::Engagement, scroll::Scroll, Aggregator};
use crate::ids::Id128;
use crate::payload::{Context, Features};

#[derive(Debug, Clone)]
pub struct PageView {
    pub id: Id128,
    /// Sequence number of the last snapshot sent (0 = none yet).
    pub seq: u32,
    pub ctx: Context,
    /// Something that changes the snapshot happened since the last one was
    /// sent. Leaving (hidden, blur) does not count: otherwise `pagehide` and
    /// `visibilitychange` at unload would send two snapshots.
    pub dirty: bool,
    /// Outbox drops reported by this page view so far (`outbox_dropped`).
    pub dropped: u32,
    engagement: Engagement,
    scroll: Scroll,
    clicks: Clicks,
}

impl PageView {
    pub fn new(id: Id128, start: f64, idle_timeout_ms: f64, visible: bool, focused: bool, ctx: Context) -> Self {
        PageView {
            id,
            seq: 0,
            ctx,
            dirty: true,
            dropped: 0,
            engagement: Engagement::new(start, idle_timeout_ms, visible, focused),
            scroll: Scroll::default(),
            clicks: Clicks::default(),
        }
    }

    /// Feeds one event to every aggregator (the hot path: no allocation).
    #[inline]
    pub fn on_event(&mut self, ev: &Event) {
        self.engagement.on_event(ev);
        self.scroll.on_event(ev);
        self.clicks.on_event(ev);
        if !matches!(ev.kind, EventKind::Visibility(false) | EventKind::Focus(false)) {
            self.dirty = true;
        }
    }

    /// The cumulative snapshot as of `now`.
    pub fn features(&self, now: f64) -> Features {
        let mut f = Features::default();
        self.engagement.write(now, &mut f);
        self.scroll.write(now, &mut f);
        self.clicks.write(now, &mut f);
        f.outbox_dropped = self.dropped;
        f
    }
}
