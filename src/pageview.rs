//! One page view: its id, its snapshot sequence and its feature aggregators.

use crate::catalog::Features;
use crate::event::{Event, EventKind};
use crate::features::full_only::FullOnly;
use crate::features::history::{shift_bucket, Longitudinal};
use crate::features::navigation::{Navigation, ENGAGED_ACTIVE_MS};
use crate::features::segments::{BOUNCER_MS, READER_ACTIVE_MS};
use crate::features::{clicks::Clicks, engagement::Engagement, scroll::Scroll, Aggregator};
use crate::ids::Id128;
use crate::payload::Context;

/// Performance-timeline reports: they change the snapshot only through the vitals.
fn is_entry(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Lcp(_)
            | EventKind::Fcp(_)
            | EventKind::PageTimes { .. }
            | EventKind::LayoutShift { .. }
            | EventKind::Interaction { .. }
            | EventKind::InteractionCount(_)
            | EventKind::LongTask
    )
}

#[derive(Debug, Clone)]
pub(crate) struct PageView {
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
    /// Forms, typing, pointer, automation (the tracker sets `webdriver`) and
    /// vitals: empty in the `lite` build.
    pub full: FullOnly,
    /// `pageviews`, `route_changes`, `conversions`, `engaged` (the tracker sets the counts).
    pub nav: Navigation,
    /// What on-device history says, when personalization consent allows it.
    pub history: Option<Longitudinal>,
    /// The page view has ended (pagehide or route change).
    pub ended: bool,
}

impl PageView {
    pub(crate) fn new(
        id: Id128,
        start: f64,
        idle_timeout_ms: f64,
        visible: bool,
        focused: bool,
        ctx: Context,
    ) -> Self {
        let engagement = Engagement::new(start, idle_timeout_ms, visible, focused);
        PageView::with(id, ctx, engagement, FullOnly::default())
    }

    /// The document's next page view (an SPA route change at `start`): what
    /// belongs to the document rather than to a page view carries over (the
    /// last input, the performance timeline's document times, the
    /// interaction count), the rest starts afresh.
    pub(crate) fn next(
        &self,
        id: Id128,
        start: f64,
        visible: bool,
        focused: bool,
        ctx: Context,
    ) -> Self {
        let engagement = self.engagement.next(start, visible, focused);
        PageView::with(id, ctx, engagement, self.full.next(start))
    }

    /// A fresh page view with the given engagement and full-build families
    /// (one construction, out of line, for both callers).
    #[inline(never)]
    fn with(id: Id128, ctx: Context, engagement: Engagement, full: FullOnly) -> Self {
        PageView {
            id,
            seq: 0,
            ctx,
            dirty: true,
            dropped: 0,
            engagement,
            scroll: Scroll::default(),
            clicks: Clicks::default(),
            full,
            nav: Navigation::new(1, 0),
            history: None,
            ended: false,
        }
    }

    /// Whether the document is visible and focused now.
    pub(crate) fn visible_focused(&self) -> (bool, bool) {
        self.engagement.visible_focused()
    }

    /// When the page view started (page clock, ms).
    pub(crate) fn start(&self) -> f64 {
        self.engagement.start()
    }

    /// The visitor came back to this page within the quick-back window (the
    /// tracker decides: it sees page views come and go).
    pub(crate) fn quick_back(&mut self) {
        self.clicks.quick_back();
        self.dirty = true;
    }

    /// The next time after `after` (page clock, ms) at which the on-device
    /// segment may change with no event: `total_ms` reaching 5 s, `active_ms`
    /// reaching 10 s or 30 s, a waiting click turning dead.
    pub(crate) fn next_segment_check(&self, after: f64) -> Option<f64> {
        let e = &self.engagement;
        let verdict = self
            .clicks
            .next_verdict()
            .map_or(f64::INFINITY, |t| t + 1.0);
        let mut next = f64::INFINITY;
        for at in [
            e.start() + BOUNCER_MS,
            e.active_reaches(f64::from(ENGAGED_ACTIVE_MS)),
            e.active_reaches(READER_ACTIVE_MS),
            verdict,
        ] {
            if at > after && at < next {
                next = at;
            }
        }
        next.is_finite().then_some(next)
    }

    /// Feeds one event to every aggregator (the hot path: no allocation).
    #[inline]
    pub(crate) fn on_event(&mut self, ev: &Event) {
        self.engagement.on_event(ev);
        self.scroll.on_event(ev);
        self.clicks.on_event(ev);
        let entry = is_entry(&ev.kind);
        let changed = self.full.on_event(ev, entry);
        self.nav.on_event(ev);
        let quiet = match ev.kind {
            // The end changes the snapshot only when it abandons a form.
            EventKind::PageEnd => {
                self.ended = true;
                !changed
            }
            // Performance entries arrive on their own; only a changed value is new.
            _ if entry => !changed,
            EventKind::Visibility(false)
            | EventKind::Focus(false)
            | EventKind::PageFrozen
            | EventKind::NavigationStart
            | EventKind::Mutation
            | EventKind::Selection
            | EventKind::Press => true,
            _ => false,
        };
        if !quiet {
            self.dirty = true;
        }
    }

    /// The cumulative snapshot as of `now`.
    pub(crate) fn features(&self, now: f64) -> Features {
        let mut f = Features::default();
        self.engagement.write(now, &mut f);
        self.scroll.write(now, &mut f);
        self.clicks.write(now, &mut f);
        self.full.write(now, &mut f);
        if let (true, Some(h)) = (cfg!(feature = "full"), &self.history) {
            f.visit_index = h.visit_index.min(1_000_000);
            f.days_since_last_visit = h.days_since_last_visit.min(400);
            f.visits_30d = h.visits_30d.min(1_080);
            f.behaviour_shift = shift_bucket(h, f64::from(f.active_ms));
        }
        // Navigation last: `engaged` reads `active_ms`.
        self.nav.write(now, &mut f);
        f.outbox_dropped = self.dropped;
        f
    }
}
