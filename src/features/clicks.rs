//! Clicks: `clicks`, the number of click events in the page view.

use super::Aggregator;
use crate::event::{Event, EventKind};
use crate::payload::Features;

/// Upper bound of `clicks` in the payload schema.
const MAX_CLICKS: u32 = 100_000;

#[derive(Debug, Clone, Default)]
pub struct Clicks {
    clicks: u32,
}

impl Aggregator for Clicks {
    fn on_event(&mut self, ev: &Event) {
        if let EventKind::Click { .. } = ev.kind {
            self.clicks = self.clicks.saturating_add(1);
        }
    }

    fn write(&self, _now: f64, out: &mut Features) {
        out.clicks = self.clicks.min(MAX_CLICKS);
    }
}
