//! Feature aggregators: one per family, each O(1) memory, no allocation per
//! event. [`crate::pageview::PageView`] feeds every event to each of them and
//! asks each to write its part of the snapshot.

#[cfg(feature = "full")]
pub(crate) mod automation;
pub(crate) mod clicks;
pub(crate) mod engagement;
// `field_ids` (the shell's form events) is in every build; the aggregator
// is linked only where `full_only` uses it.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) mod forms;
pub(crate) mod full_only;
pub(crate) mod history;
pub(crate) mod navigation;
#[cfg(feature = "full")]
pub(crate) mod pointer;
#[cfg(test)]
mod props;
pub(crate) mod scroll;
pub(crate) mod segments;
// `sqrt` serves the history in every build; `Welford` only the full build.
#[cfg_attr(not(feature = "full"), allow(dead_code))]
pub(crate) mod stats;
#[cfg(feature = "full")]
pub(crate) mod typing;
#[cfg(feature = "full")]
pub(crate) mod vitals;

use crate::catalog::Features;
use crate::event::Event;

/// A streaming aggregator over one page view's events.
pub(crate) trait Aggregator {
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

/// A count clamped to the schema bound.
pub(crate) fn clamp_u32(n: u32, max: u32) -> u32 {
    n.min(max)
}

#[cfg(feature = "full")]
/// A fraction or mean clamped to `0..=max` (0 for NaN), as written to the payload.
pub(crate) fn clamp_f32(x: f64, max: f64) -> f32 {
    if x.is_nan() || x <= 0.0 {
        0.0
    } else if x >= max {
        max as f32
    } else {
        x as f32
    }
}
