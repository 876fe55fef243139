//! The scroll reader: a `scroll` event only asks for a reading, taken at the
//! next animation frame (at most one per frame), so the page's layout is
//! never read in the event's hot path.

use crate::handle::Frame;
use crate::instance::{act_weak, Inner, Shared};
use alloc::rc::Rc;
use iob_sdk::{Event, EventKind};
use wasm_bindgen::prelude::*;

/// Creates the frame callback; the first reading is requested at once.
pub(crate) fn start(shared: &Shared, i: &mut Inner) {
    let weak = Rc::downgrade(shared);
    i.scroll_read = Some(Closure::new(move || act_weak(&weak, read)));
    request_read(i);
}

/// Asks for a reading at the next frame, unless one is pending.
pub(crate) fn request_read(i: &mut Inner) {
    if i.scroll_frame.is_some() {
        return;
    }
    if let Some(cb) = &i.scroll_read {
        i.scroll_frame = Frame::request(&i.window, cb);
    }
}

/// Reads the scroll position (the frame's callback).
fn read(i: &mut Inner) {
    if let Some(f) = i.scroll_frame.take() {
        f.fired();
    }
    let w = &i.window;
    let doc_h = w
        .document()
        .and_then(|d| d.document_element())
        .map_or(0, |e| e.scroll_height());
    let viewport_h = w
        .inner_height()
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let scroll_y = w.scroll_y().unwrap_or(0.0);
    let t = i.now();
    i.tracker.on_event(&Event {
        t,
        kind: EventKind::Scroll {
            scroll_y: scroll_y as f32,
            viewport_h: viewport_h as f32,
            doc_h: doc_h as f32,
        },
    });
}
