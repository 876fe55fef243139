//! What the tracker keeps across page views of one document, for the
//! on-device features: the document's page-view and route-change counts, the
//! `navigator.webdriver` reading, the visitor's history (only with
//! `personalization` consent) and the last segment announced to the page.

use super::history::History;
use super::segments::segment;
use crate::pageview::PageView;
use crate::payload::Features;
use alloc::string::String;

#[derive(Debug, Clone, Default)]
pub struct OnDevice {
    pub webdriver: bool,
    /// Page views started in this document, and SPA route changes.
    pub doc_pageviews: u32,
    pub route_changes: u32,
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
    /// Sets up a page view that starts at wall-clock `wall_ms`.
    pub fn begin(&mut self, pv: &mut PageView, wall_ms: f64) {
        self.doc_pageviews = self.doc_pageviews.saturating_add(1);
        self.learned = false;
        pv.automation.webdriver = self.webdriver;
        pv.nav.route_changes = self.route_changes;
        pv.history = self.history.as_mut().map(|h| h.begin_pageview(wall_ms.max(0.0) as u64));
        self.set_pageviews(pv);
    }

    fn set_pageviews(&self, pv: &mut PageView) {
        // History counts this document's page views too, once it is allowed.
        let in_visit = pv.history.map_or(0, |h| h.earlier_pageviews.saturating_add(1));
        pv.nav.pageviews = self.doc_pageviews.max(in_visit);
    }

    /// Personalization consent was granted (`raw`: the stored history, if
    /// any) or withdrawn (`allowed` false: history forgotten).
    pub fn set_personalization(&mut self, allowed: bool, raw: Option<&str>, pv: &mut PageView, wall_ms: f64) {
        match (allowed, self.history.is_some()) {
            (true, false) => {
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

    /// The page was hidden or ended: returns the history record to store.
    /// A page view that ended teaches the baseline its `active_ms` once.
    pub fn on_hide(&mut self, pv: &PageView, now: f64, wall_ms: f64) -> Option<String> {
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
    pub fn segment_change(&mut self, f: &Features) -> Option<Option<&'static str>> {
        let s = segment(f, self.history.is_some());
        if self.announced == Some(s) {
            return None;
        }
        self.announced = Some(s);
        Some(s)
    }
}

/// The `features()` JSON: the snapshot plus `"segment"` (on the device only).
pub fn features_json(f: &Features, history: bool) -> String {
    let mut json = f.to_json();
    if let Some(s) = segment(f, history) {
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
