//! Pointer kinematics from `pointermove` positions.
//!
//! Moves are cut into *strokes*: a stroke ends at a pause longer than
//! [`PAUSE_MS`] or at a click. `pointer_distance_px` is the summed length of
//! all movement; `pointer_straightness` is, over strokes of at least
//! [`MIN_STROKE_PX`], total straight-line displacement over total path
//! length (1 = perfectly straight); `pointer_speed_mean` is distance over
//! moving time (intervals between moves, zero-length ones included, of up to
//! [`PAUSE_MS`]), px/s; `direction_changes`
//! counts turns of more than 90 degrees between consecutive movement
//! segments of at least [`MIN_SEGMENT_PX`].

use super::{clamp_f32, round_u32, stats::sqrt, Aggregator};
use crate::catalog::Features;
use crate::event::{Event, EventKind};

pub(crate) const PAUSE_MS: f64 = 250.0;
pub(crate) const MIN_STROKE_PX: f64 = 50.0;
pub(crate) const MIN_SEGMENT_PX: f64 = 2.0;
/// A segment longer than 100 px covered faster than this (px/ms) is superhuman.
pub(crate) const SUPERHUMAN_PX_PER_MS: f64 = 20.0;

#[derive(Debug, Clone, Copy, Default)]
struct Stroke {
    start: (f32, f32),
    length: f64,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Pointer {
    last: Option<(f64, f32, f32)>,
    stroke: Option<Stroke>,
    distance: f64,
    moving_ms: f64,
    /// Summed displacement and length of completed strokes >= MIN_STROKE_PX.
    disp_sum: f64,
    len_sum: f64,
    /// Completed long strokes, and how many were perfectly straight.
    pub long_strokes: u32,
    pub straight_strokes: u32,
    /// Last movement segment of at least MIN_SEGMENT_PX, for turns.
    heading: Option<(f32, f32)>,
    turns: u32,
    /// A superhuman segment was seen.
    pub superhuman: bool,
}

fn dist(a: (f32, f32), b: (f32, f32)) -> f64 {
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    sqrt(dx * dx + dy * dy)
}

impl Pointer {
    /// (displacement, length) of the open stroke when it is long enough.
    fn open_stroke(&self) -> Option<(f64, f64)> {
        let (s, (_, x, y)) = (self.stroke?, self.last?);
        (s.length >= MIN_STROKE_PX).then(|| (dist(s.start, (x, y)), s.length))
    }

    fn end_stroke(&mut self) {
        if let Some((d, l)) = self.open_stroke() {
            self.disp_sum += d;
            self.len_sum += l;
            self.long_strokes = self.long_strokes.saturating_add(1);
            if d >= l * 0.999 {
                self.straight_strokes = self.straight_strokes.saturating_add(1);
            }
        }
        self.stroke = None;
        self.heading = None;
    }
}

impl Aggregator for Pointer {
    fn on_event(&mut self, ev: &Event) {
        match ev.kind {
            EventKind::PointerMove { x, y, .. } if x.is_finite() && y.is_finite() => {
                if let Some((lt, lx, ly)) = self.last {
                    let dt = ev.t - lt;
                    if dt > PAUSE_MS {
                        self.end_stroke();
                    } else {
                        // A move of zero length is still a move: it keeps
                        // the stroke going and its interval is moving time.
                        let seg = dist((lx, ly), (x, y));
                        self.distance += seg;
                        self.moving_ms += dt.max(0.0);
                        if seg > 100.0 && seg > SUPERHUMAN_PX_PER_MS * dt.max(0.0) {
                            self.superhuman = true;
                        }
                        if let Some(s) = self.stroke.as_mut() {
                            s.length += seg;
                        }
                        if seg >= MIN_SEGMENT_PX {
                            let h = (x - lx, y - ly);
                            if let Some(p) = self.heading {
                                if p.0 * h.0 + p.1 * h.1 < 0.0 {
                                    self.turns = self.turns.saturating_add(1);
                                }
                            }
                            self.heading = Some(h);
                        }
                    }
                }
                if self.stroke.is_none() {
                    self.stroke = Some(Stroke {
                        start: (x, y),
                        length: 0.0,
                    });
                }
                self.last = Some((ev.t, x, y));
            }
            EventKind::Click { .. } => self.end_stroke(),
            _ => {}
        }
    }

    fn write(&self, _now: f64, out: &mut Features) {
        let (mut d, mut l) = (self.disp_sum, self.len_sum);
        if let Some((od, ol)) = self.open_stroke() {
            d += od;
            l += ol;
        }
        out.pointer_distance_px = round_u32(self.distance.min(100_000_000.0));
        out.pointer_straightness = if l > 0.0 { clamp_f32(d / l, 1.0) } else { 0.0 };
        out.pointer_speed_mean = if self.moving_ms > 0.0 {
            clamp_f32(self.distance / self.moving_ms * 1000.0, 100_000.0)
        } else {
            0.0
        };
        out.direction_changes = self.turns.min(1_000_000);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(p: &mut Pointer, t: f64, x: f32, y: f32) {
        p.on_event(&Event {
            t,
            kind: EventKind::PointerMove {
                x,
                y,
                trusted: true,
            },
        });
    }

    fn snap(p: &Pointer) -> Features {
        let mut f = Features::default();
        p.write(0.0, &mut f);
        f
    }

    #[test]
    fn straight_path_distance_speed() {
        let mut p = Pointer::default();
        for i in 0..=10 {
            mv(&mut p, f64::from(i) * 10.0, i as f32 * 10.0, 0.0);
        }
        let f = snap(&p);
        assert_eq!(f.pointer_distance_px, 100);
        assert_eq!(f.pointer_straightness, 1.0);
        assert_eq!(f.pointer_speed_mean, 1000.0);
        assert_eq!(f.direction_changes, 0);
        p.on_event(&Event {
            t: 200.0,
            kind: EventKind::Click {
                x: 100.0,
                y: 0.0,
                trusted: true,
                link: false,
                keyboard: false,
            },
        });
        assert_eq!((p.long_strokes, p.straight_strokes), (1, 1));
    }

    #[test]
    fn a_detour_lowers_straightness_and_turns_count() {
        let mut p = Pointer::default();
        mv(&mut p, 0.0, 0.0, 0.0);
        mv(&mut p, 10.0, 60.0, 0.0);
        mv(&mut p, 20.0, 30.0, 0.0); // back: one turn
        mv(&mut p, 30.0, 30.0, 40.0);
        let f = snap(&p);
        assert_eq!(f.direction_changes, 1);
        assert_eq!(f.pointer_distance_px, 130);
        assert!((f.pointer_straightness - 50.0 / 130.0).abs() < 1e-4);
    }

    #[test]
    fn pauses_split_strokes_and_teleports_are_superhuman() {
        let mut p = Pointer::default();
        mv(&mut p, 0.0, 0.0, 0.0);
        mv(&mut p, 1000.0, 500.0, 0.0); // after a pause: not movement
        assert_eq!(snap(&p).pointer_distance_px, 0);
        mv(&mut p, 1004.0, 900.0, 0.0); // 400 px in 4 ms
        assert!(p.superhuman);
    }
}
