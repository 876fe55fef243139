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

/// A non-negative value rounded half up to a saturating `u32` (0 for NaN).
/// Written out because `f64::round` is not in `core`.
pub(crate) fn round_u32(x: f64) -> u32 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        (x + 0.5) as u32
    }
}
