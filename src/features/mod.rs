//! Feature aggregators: one per family, each O(1) memory, no allocation per event.

pub mod clicks;
pub mod engagement;
pub mod scroll;

use crate::event::Event;
use crate::payload::Features;

/// A streaming aggregator over one page view's events.
pub trait Aggregator {
    /// Feeds one event. Events arrive in non-decreasing time order.
    fn on_event(&mut self, ev: &Event);
    /// Writes this family's cumulative values as of `now` (ms) into `out`.
    fn write(&self, now: f64, out: &mut Features);
}

/// Milliseconds as a saturating `u32` (for feature fields).
pub(crate) fn ms_u32(ms: f64) -> u32 {
    if ms.is_nan() || ms <= 0.0 {
        0
    } else if ms >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        ms.round() as u32
    }
}
