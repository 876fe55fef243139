//! Scroll: `scroll_depth_max_pct`, the maximum over the page view of
//! (scrollY + innerHeight) / scrollHeight, in whole percent, clamped to 0-100;
//! `scroll_distance_px`, the sum of |change of scrollY| between readings; and
//! `scroll_reversals`, how often the scrolling direction flips.

use super::{round_u32, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

#[derive(Debug, Clone, Default)]
pub(crate) struct Scroll {
    depth_max_pct: u32,
    last_y: Option<f32>,
    distance: f64,
    /// Direction of the last non-zero move: 1 down, -1 up, 0 none yet.
    dir: i8,
    reversals: u32,
}

const MAX_DISTANCE_PX: f64 = 10_000_000.0;

/// Depth of one reading in whole percent (0 when the document height is unknown).
pub(crate) fn depth_pct(scroll_y: f32, viewport_h: f32, doc_h: f32) -> u32 {
    if doc_h.is_nan() || doc_h <= 0.0 || !scroll_y.is_finite() || !viewport_h.is_finite() {
        return 0;
    }
    let pct = f64::from(scroll_y.max(0.0) + viewport_h.max(0.0)) / f64::from(doc_h) * 100.0;
    round_u32(pct).min(100)
}

impl Aggregator for Scroll {
    fn on_event(&mut self, ev: &Event) {
        if let EventKind::Scroll {
            scroll_y,
            viewport_h,
            doc_h,
        } = ev.kind
        {
            self.depth_max_pct = self
                .depth_max_pct
                .max(depth_pct(scroll_y, viewport_h, doc_h));
            if !scroll_y.is_finite() {
                return;
            }
            if let Some(prev) = self.last_y {
                let d = scroll_y - prev;
                if d != 0.0 {
                    self.distance += f64::from(d.abs());
                    let dir = if d > 0.0 { 1 } else { -1 };
                    if self.dir != 0 && dir != self.dir {
                        self.reversals = self.reversals.saturating_add(1);
                    }
                    self.dir = dir;
                }
            }
            self.last_y = Some(scroll_y);
        }
    }

    fn write(&self, _now: f64, out: &mut Features) {
        out.scroll_depth_max_pct = self.depth_max_pct;
        out.scroll_distance_px = round_u32(self.distance.min(MAX_DISTANCE_PX));
        out.scroll_reversals = self.reversals.min(100_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_bottom_of_viewport_over_document_height() {
        assert_eq!(depth_pct(0.0, 800.0, 4000.0), 20);
        assert_eq!(depth_pct(3200.0, 800.0, 4000.0), 100);
        assert_eq!(depth_pct(5000.0, 800.0, 4000.0), 100, "overscroll clamps");
        assert_eq!(depth_pct(10.0, 800.0, 0.0), 0, "unknown height");
        assert_eq!(depth_pct(f32::NAN, 800.0, 1000.0), 0);
    }

    #[test]
    fn keeps_the_maximum() {
        let mut s = Scroll::default();
        for y in [0.0, 1600.0, 400.0] {
            s.on_event(&Event {
                t: 0.0,
                kind: EventKind::Scroll {
                    scroll_y: y,
                    viewport_h: 800.0,
                    doc_h: 4000.0,
                },
            });
        }
        let mut f = Features::default();
        s.write(0.0, &mut f);
        assert_eq!(f.scroll_depth_max_pct, 60);
        assert_eq!((f.scroll_distance_px, f.scroll_reversals), (2800, 1));
    }
}
