//! Passive DOM listeners that translate browser events into core events.
//! Nothing here reads layout except the scroll reader, which runs at most
//! once per animation frame.

use super::{browser, Shared};
use crate::event::{Event, EventKind};
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;
use web_sys::{AddEventListenerOptions, EventTarget, MouseEvent, VisibilityState};

type Handler = Closure<dyn FnMut(web_sys::Event)>;

/// Every listener the SDK added, so `shutdown()` can remove them all.
pub struct Listeners {
    added: Vec<(EventTarget, &'static str, bool, Handler)>,
}

/// What a DOM event means for the core.
#[derive(Clone, Copy)]
enum Kind {
    Pointer,
    Click,
    Key,
    Wheel,
    Touch,
    Scroll,
    Focus(bool),
    Visibility,
    PageHide,
}

const WINDOW_EVENTS: [(&str, Kind); 9] = [
    ("pointermove", Kind::Pointer),
    ("click", Kind::Click),
    ("keydown", Kind::Key),
    ("wheel", Kind::Wheel),
    ("touchstart", Kind::Touch),
    ("scroll", Kind::Scroll),
    ("focus", Kind::Focus(true)),
    ("blur", Kind::Focus(false)),
    ("pagehide", Kind::PageHide),
];

fn mouse_xy(e: &web_sys::Event) -> (f32, f32) {
    e.dyn_ref::<MouseEvent>().map_or((0.0, 0.0), |m| (m.client_x() as f32, m.client_y() as f32))
}

fn handle(shared: &Shared, kind: Kind, e: &web_sys::Event) {
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    let t = browser::now(&inner.window);
    let core = match kind {
        Kind::Pointer => {
            let (x, y) = mouse_xy(e);
            EventKind::PointerMove { x, y }
        }
        Kind::Click => {
            let (x, y) = mouse_xy(e);
            EventKind::Click { x, y, trusted: e.is_trusted() }
        }
        Kind::Key => EventKind::Key,
        Kind::Wheel => EventKind::Wheel,
        Kind::Touch => EventKind::Touch,
        Kind::Focus(f) => EventKind::Focus(f),
        Kind::Scroll => {
            inner.request_scroll_read();
            return;
        }
        Kind::Visibility => {
            let visible = inner.window.document().is_none_or(|d| d.visibility_state() == VisibilityState::Visible);
            inner.tracker.on_event(&Event { t, kind: EventKind::Visibility(visible) });
            if !visible {
                let emits = inner.hide(t);
                drop(inner);
                super::emit_all(shared, emits);
            }
            return;
        }
        Kind::PageHide => {
            let emits = inner.hide(t);
            drop(inner);
            super::emit_all(shared, emits);
            return;
        }
    };
    inner.tracker.on_event(&Event { t, kind: core });
}

impl Listeners {
    /// Adds every listener (passive, so the SDK never delays scrolling).
    pub fn attach(shared: &Shared) -> Listeners {
        let mut l = Listeners { added: Vec::new() };
        let Ok(inner) = shared.try_borrow() else { return l };
        let window: EventTarget = inner.window.clone().into();
        let document: Option<EventTarget> = inner.window.document().map(Into::into);
        drop(inner);
        for (name, kind) in WINDOW_EVENTS {
            l.add(shared, &window, name, kind);
        }
        if let Some(doc) = document {
            l.add(shared, &doc, "visibilitychange", Kind::Visibility);
        }
        l
    }

    fn add(&mut self, shared: &Shared, target: &EventTarget, name: &'static str, kind: Kind) {
        let s = shared.clone();
        let handler: Handler = Closure::new(move |e: web_sys::Event| handle(&s, kind, &e));
        let opts = AddEventListenerOptions::new();
        opts.set_passive(true);
        // Inputs are observed in the capture phase, so a page that stops
        // propagation still counts; window focus/blur must not capture, or
        // element focus changes would look like window focus changes.
        let capture = !matches!(kind, Kind::Focus(_));
        opts.set_capture(capture);
        if target
            .add_event_listener_with_callback_and_add_event_listener_options(name, handler.as_ref().unchecked_ref(), &opts)
            .is_ok()
        {
            self.added.push((target.clone(), name, capture, handler));
        }
    }

    /// Removes every listener; dropping the closures frees them.
    pub fn detach(&mut self) {
        for (target, name, capture, handler) in self.added.drain(..) {
            let _ = target.remove_event_listener_with_callback_and_bool(name, handler.as_ref().unchecked_ref(), capture);
        }
    }
}
