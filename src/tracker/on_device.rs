//! What the tracker keeps across page views of one document, for the
//! on-device features: the document's page-view and route-change counts, the
//! session's page views (from the session record, analytics consent), the
//! page the visitor left last (quick backs), the `navigator.webdriver`
//! reading, the visitor's history (only with `personalization` consent) and
//! the last segment announced to the page.

use crate::catalog::Features;
use crate::features::clicks::QUICK_BACK_MS;
use crate::features::history::History;
use crate::features::segments::segment;
use crate::pageview::PageView;
use alloc::string::String;

/// What the session record says of the session's page views (kept next to
/// the session id with analytics consent; see `storage::encode_session`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct SessionPages {
    /// Page views of the session so far, the latest included.
    pub count: u32,
    /// Wall-clock start of the session's latest page view (Unix ms).
    pub last_start: u64,
}

#[derive(Debug, Clone, Default)]
pub(super) struct OnDevice {
    pub webdriver: bool,
    /// Page views started in this document, and SPA route changes.
    pub doc_pageviews: u32,
    pub route_changes: u32,
    /// Page views of the session so far, the current one included.
    pub session_pageviews: u32,
    /// Wall-clock start of the current page view (Unix ms).
    pub pv_start_wall: f64,
    /// Time from the start of the session's latest earlier page view to this
    /// document's time origin (ms), while a back/forward arrival may still
    /// make it a quick back.
    away_ms: Option<f64>,
    /// Path of the page view before the current one (the page the visitor
    /// left when the current one started).
    left_path: Option<String>,
    /// When the segment was last evaluated (page clock, ms).
    pub segment_checked_at: f64,
    /// The visitor's history; `Some` only while personalization is allowed.
    pub history: Option<History>,
    /// A history record may be in storage (read at start, or written since).
    pub stored: bool,
    /// The current page view already taught the baseline.
    learned: bool,
    /// The last segment announced (`None` before the first evaluation).
    announced: Option<Option<&'static str>>,
}

impl OnDevice {
    /// This document continues a stored session (`pages`); `origin_wall`:
    /// the document's time origin, Unix ms.
    pub(super) fn continue_session(&mut self, pages: SessionPages, origin_wall: f64) {
        self.session_pageviews = pages.count;
        self.away_ms = Some(origin_wall - pages.last_start as f64);
    }

    /// The document was reached by back/forward: when that happened within
    /// [`QUICK_BACK_MS`] of the start of the session's latest page view (the
    /// moment the visitor left this page for it), it is a quick back.
    pub(super) fn returned_by_history(&mut self, pv: &mut PageView) {
        if let Some(away) = self.away_ms.take() {
            if self.route_changes == 0 && (0.0..=QUICK_BACK_MS).contains(&away) {
                pv.quick_back();
            }
        }
    }

    /// The session was renewed (after inactivity): the current page view is
    /// its first (the current page view's count stays as it is: counts never
    /// go down within a page view).
    pub(super) fn new_session(&mut self) {
        self.session_pageviews = 1;
    }

    /// What the session record keeps of this document's page views.
    pub(super) fn session_pages(&self) -> SessionPages {
        SessionPages {
            count: self.session_pageviews,
            last_start: self.pv_start_wall.max(0.0) as u64,
        }
    }

    /// An SPA route change at `now` (page clock) ended page view `left` and
    /// started `pv`: going back to the page left just before `left` within
    /// [`QUICK_BACK_MS`] of leaving it is a quick back.
    pub(super) fn leave(&mut self, left: &PageView, pv: &mut PageView, now: f64) {
        if self.left_path.as_deref() == Some(pv.ctx.path.as_str())
            && now - left.start() <= QUICK_BACK_MS
        {
            pv.quick_back();
        }
        self.left_path = Some(left.ctx.path.clone());
    }

    /// Sets up a page view that starts at wall-clock `wall_ms`.
    pub(super) fn begin(&mut self, pv: &mut PageView, wall_ms: f64) {
        self.doc_pageviews = self.doc_pageviews.saturating_add(1);
        self.session_pageviews = self.session_pageviews.saturating_add(1);
        self.pv_start_wall = wall_ms;
        self.learned = false;
        pv.full.set_webdriver(self.webdriver);
        pv.nav.route_changes = self.route_changes;
        pv.history = self
            .history_mut()
            .map(|h| h.begin_pageview(wall_ms.max(0.0) as u64));
        self.set_pageviews(pv);
    }

    fn set_pageviews(&self, pv: &mut PageView) {
        // History counts this document's page views too, once it is allowed.
        let in_visit = pv
            .history
            .map_or(0, |h| h.earlier_pageviews.saturating_add(1));
        pv.nav.pageviews = self.doc_pageviews.max(in_visit).max(self.session_pageviews);
    }

    /// Personalization consent was granted (`raw`: the stored history, if
    /// any, as pairs text) or withdrawn (`allowed` false: history forgotten).
    pub(super) fn set_personalization(
        &mut self,
        allowed: bool,
        raw: Option<&str>,
        pv: &mut PageView,
        wall_ms: f64,
    ) {
        match (allowed, self.history.is_some()) {
            // The `lite` build keeps no history.
            (true, false) if cfg!(feature = "full") => {
                let mut h = raw.and_then(History::decode).unwrap_or_default();
                pv.history = Some(h.begin_pageview(wall_ms.max(0.0) as u64));
                self.history = Some(h);
                self.set_pageviews(pv);
            }
            (false, true) => {
                self.history = None;
                pv.history = None;
                self.set_pageviews(pv);
            }
            _ => {}
        }
    }

    /// The visitor's history (never in the `lite` build, which keeps none).
    #[cfg(feature = "full")]
    fn history_mut(&mut self) -> Option<&mut History> {
        self.history.as_mut()
    }

    /// The visitor's history (never in the `lite` build, which keeps none).
    #[cfg(not(feature = "full"))]
    fn history_mut(&mut self) -> Option<&mut History> {
        None
    }

    /// The page was hidden or ended: returns the history record to store.
    /// A page view that ended teaches the baseline its `active_ms` once.
    pub(super) fn on_hide(&mut self, pv: &PageView, now: f64, wall_ms: f64) -> Option<String> {
        if !cfg!(feature = "full") {
            return None;
        }
        let h = self.history.as_mut()?;
        self.stored = true;
        let wall = wall_ms.max(0.0) as u64;
        if pv.ended && !self.learned {
            self.learned = true;
            h.end_pageview(wall, f64::from(pv.features(now).active_ms));
        } else {
            h.touch(wall);
        }
        Some(h.encode())
    }

    /// The segment now, when it differs from the last one announced.
    pub(super) fn segment_change(&mut self, f: &Features) -> Option<Option<&'static str>> {
        let s = current_segment(f, self.history.is_some());
        if self.announced == Some(s) {
            return None;
        }
        self.announced = Some(s);
        Some(s)
    }
}

/// The on-device segment of a snapshot (`history`: personalization is
/// allowed); the `lite` build has no segments.
fn current_segment(f: &Features, history: bool) -> Option<&'static str> {
    if cfg!(feature = "full") {
        segment(f, history)
    } else {
        None
    }
}

/// The `features()` JSON: the snapshot plus `"segment"` (on the device only).
pub(super) fn features_json(f: &Features, history: bool) -> String {
    let mut json = f.to_json();
    if let Some(s) = current_segment(f, history) {
        json.pop();
        if json.len() > 1 {
            json.push(',');
        }
        json.push_str("\"segment\":\"");
        json.push_str(s);
        json.push_str("\"}");
    }
    json
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::consent::Purpose;
    use crate::event::{Event, EventKind};
    use crate::tracker::{Effect, PageEnv, Stored, Tracker};
    use alloc::boxed::Box;

    const DAY: f64 = 86_400_000.0;
    const WALL: f64 = 1.8e12;

    fn tracker(stored: Stored, wall: f64) -> Tracker {
        let env = PageEnv {
            href: "https://x.example/a".into(),
            host: "x.example".into(),
            visible: true,
            focused: true,
            ..PageEnv::default()
        };
        let mut n = 0u8;
        let rng = Box::new(move || {
            n = n.wrapping_add(1);
            [n; 16]
        });
        let Ok(cfg) =
            Config::from_json(r#"{"site":"demo","endpoint":"/i"}"#, crate::pairs_from_json)
        else {
            panic!("config")
        };
        Tracker::new(cfg, &env, stored, 0.0, wall, rng, crate::pairs_from_json)
    }

    fn stored_value(effects: &[Effect], key: &str) -> Option<String> {
        effects.iter().rev().find_map(|e| match e {
            Effect::Store { key: k, value } if k == key => Some(value.clone()),
            _ => None,
        })
    }

    #[test]
    fn history_needs_personalization_and_counts_visits_across_page_loads() {
        let key = Tracker::history_key("demo");
        // Analytics only: no history is kept or used.
        let mut t = tracker(Stored::default(), WALL);
        t.set_environment(false, None, WALL);
        t.choose(&[Purpose::Analytics], true, WALL);
        t.on_event(&Event {
            t: 10.0,
            kind: EventKind::PageEnd,
        });
        t.on_hide(20.0, WALL + 20.0);
        assert_eq!(stored_value(&t.take_effects(), &key), None);
        assert_eq!(t.features(30.0).visit_index, 0);

        // Personalization granted: visit 1 is recorded when the page ends.
        let mut t = tracker(Stored::default(), WALL);
        t.set_environment(false, None, WALL);
        t.choose(&[Purpose::Analytics, Purpose::Personalization], true, WALL);
        if !cfg!(feature = "full") {
            // The lite build keeps no history, even with personalization.
            t.on_event(&Event {
                t: 10.0,
                kind: EventKind::PageEnd,
            });
            t.on_hide(20.0, WALL + 20.0);
            assert_eq!(stored_value(&t.take_effects(), &key), None);
            let f = t.features(30.0);
            assert_eq!((f.visit_index, f.visits_30d), (0, 0));
            return;
        }
        assert_eq!(
            (t.features(0.0).visit_index, t.features(0.0).visits_30d),
            (1, 1)
        );
        t.on_event(&Event {
            t: 10.0,
            kind: EventKind::PageEnd,
        });
        t.on_hide(20.0, WALL + 20.0);
        let effects = t.take_effects();
        let Some(history) = stored_value(&effects, &key) else {
            panic!("history stored")
        };
        let Some(consent) = stored_value(&effects, "iob:demo:consent") else {
            panic!("consent stored")
        };

        // Two and a half days later: visit 2, its gap and the 30-day count; nothing raw in the payload.
        let later = WALL + 2.5 * DAY; // 2 whole days after the end of visit 1
        let mut t = tracker(
            Stored {
                consent: Some(consent),
                ..Stored::default()
            },
            later,
        );
        t.set_environment(false, Some(&history), later);
        let f = t.features(0.0);
        assert_eq!(
            (
                f.visit_index,
                f.days_since_last_visit,
                f.visits_30d,
                f.pageviews
            ),
            (2, 2, 2, 1)
        );
        assert!(t.features_json(0.0).contains("\"visit_index\":2"));

        // Refusing personalization forgets and removes it.
        t.choose(&[Purpose::Personalization], false, later);
        assert!(t.take_effects().contains(&Effect::Remove(key.clone())));
        assert_eq!(t.features(0.0).visit_index, 0);
    }

    #[test]
    fn spa_route_changes_count_page_views_and_track_counts_conversions() {
        let mut t = tracker(Stored::default(), WALL);
        t.set_environment(true, None, WALL);
        t.track(5.0);
        let f = t.features(10.0);
        assert_eq!(
            (f.pageviews, f.conversions, f.engaged, f.flag_webdriver),
            (1, 1, true, cfg!(feature = "full"))
        );
        t.start_page_view(100.0, WALL + 100.0, "https://x.example/b", true, true);
        let f = t.features(200.0);
        assert_eq!(
            (
                f.pageviews,
                f.route_changes,
                f.conversions,
                f.engaged,
                f.flag_webdriver
            ),
            (2, 1, 0, true, cfg!(feature = "full"))
        );
    }
}
