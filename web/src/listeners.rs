//! Passive DOM listeners that translate browser events into core events.
//! One small JS snippet (`iobListen`) adds them and reads each event where
//! reading is cheap (no wasm-JS crossing per field): the time, coordinates,
//! `isTrusted`, and only for the event types that need it, the target's
//! selectors, the key's class, the selection or the visibility. The wasm gets
//! numbers and, for form events only, the form name, field name and input
//! type, which are hashed here at once. Nothing reads layout except the
//! scroll reader, which runs at most once per animation frame. Elements
//! inside `[data-iob-ignore]`, password and hidden inputs are not observed at
//! all; a key's value never leaves the snippet (only its class does); form
//! fields are reduced to a hash of form name, field name and input type.

use super::{browser, emit_all, observers::Observers, Emit, Shared};
use crate::event::{Event, EventKind, KeyClass};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;

/// The one handler of every feature listener: (index in [`EVENTS`], time
/// (page clock, ms), x or the key class, y, flag bits ([`TRUSTED`] …), and
/// for form events `form name NUL field name NUL input type`).
type Handler = Closure<dyn FnMut(u32, f64, f64, f64, u32, Option<String>)>;

/// Flag bits set by the snippet.
const TRUSTED: u32 = 1;
const NATIVE: u32 = 4;
const FIELD: u32 = 8;
const VISIBLE: u32 = 64;

/// What the snippet reads for an event type (bit mask, one column of [`EVENTS`]).
const XY: u32 = 1;
const ELEMENT: u32 = 2;
const KEY: u32 = 4;
const FORM: u32 = 8;
const SELECTION: u32 = 16;
const VISIBILITY: u32 = 32;

/// Shell state of the feature listeners, shared by their closures.
pub struct Local {
    /// `location.pathname + location.hash` of the current page view.
    pub route: RefCell<String>,
    /// When the segment was last evaluated (page clock, ms).
    segment_at: Cell<f64>,
}

/// Every listener and observer the SDK added, so `shutdown()` can remove them all.
pub struct Listeners {
    /// Removes every listener `iobListen` added.
    off: Option<js_sys::Function>,
    _handler: Option<Handler>,
    observers: Option<Observers>,
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
    Input,
    Submit,
    Error,
    Selection,
    Route,
}

/// (event, kind, capture, on `document` rather than `window`, what the
/// snippet reads). Inputs are observed in the capture phase, so a page that
/// stops propagation still counts; window focus/blur and `error` must not
/// capture (element focus and resource errors would look alike).
const EVENTS: [(&str, Kind, bool, bool, u32); 17] = [
    ("pointermove", Kind::Pointer, true, false, XY),
    ("click", Kind::Click, true, false, XY | ELEMENT),
    ("keydown", Kind::Key, true, false, ELEMENT | KEY),
    ("wheel", Kind::Wheel, true, false, 0),
    ("touchstart", Kind::Touch, true, false, 0),
    ("scroll", Kind::Scroll, true, false, 0),
    ("focus", Kind::Focus(true), false, false, 0),
    ("blur", Kind::Focus(false), false, false, 0),
    ("pagehide", Kind::PageHide, true, false, 0),
    ("input", Kind::Input, true, false, ELEMENT | FORM),
    ("submit", Kind::Submit, true, false, ELEMENT | FORM),
    ("error", Kind::Error, false, false, 0),
    ("unhandledrejection", Kind::Error, false, false, 0),
    ("popstate", Kind::Route, false, false, 0),
    ("hashchange", Kind::Route, false, false, 0),
    ("visibilitychange", Kind::Visibility, true, true, VISIBILITY),
    ("selectionchange", Kind::Selection, false, true, SELECTION),
];

/// Not observed at all; form fields; targets whose native action answers a
/// click (never dead clicks). Newline-separated, in that order.
const SELECTORS: &str = "[data-iob-ignore],input[type=password i],input[type=hidden i]\ninput,textarea,select,[contenteditable]\na[href],area[href],input,select,textarea,label,summary,[contenteditable]";

#[wasm_bindgen(inline_js = r#"
export function iobListen(names, captures, onDocument, reads, selectors, handler) {
  const [ignored, field, native] = selectors.split('\n');
  const within = (el, sel) => { try { return el.closest(sel) !== null; } catch (_) { return false; } };
  const attr = (el, a) => el.getAttribute(a) || '';
  const named = (el) => attr(el, 'name') || attr(el, 'id');
  const keys = { Backspace: 1, Delete: 1, Enter: 3, Tab: 2, Escape: 2, Home: 2, End: 2, PageUp: 2, PageDown: 2, ArrowUp: 2, ArrowDown: 2, ArrowLeft: 2, ArrowRight: 2 };
  const perf = performance, masks = reads.split(',');
  const offs = names.split(',').map((name, k) => {
    const target = (onDocument >>> k) & 1 ? document : window;
    const capture = ((captures >>> k) & 1) === 1;
    const r = +masks[k];
    const f = (e) => {
      let x = 0, y = 0, flags = e.isTrusted ? 1 : 0, text;
      if (r & 1) { x = e.clientX; y = e.clientY; }
      if (r & 2) {
        const el = e.target instanceof Element ? e.target : null;
        if (el) {
          if (within(el, ignored)) return;
          if (within(el, native)) flags |= 4;
          if (within(el, field)) flags |= 8;
          if (r & 8) {
            const form = el.closest('form'), tag = el.tagName;
            text = (form ? named(form) : '') + '\0' + named(el) + '\0' + (tag.toLowerCase() === 'input' ? attr(el, 'type') : tag);
          }
        } else if (r & 8) return;
      }
      if (r & 4) {
        if (e.repeat || typeof e.key !== 'string') return;
        const c = keys[e.key] ?? ([...e.key].length === 1 ? 0 : -1);
        if (c < 0) return;
        x = c;
      }
      if (r & 16) { const s = getSelection(); if (!s || s.isCollapsed) return; }
      if (r & 32 && document.visibilityState === 'visible') flags |= 64;
      handler(k, perf.now(), x, y, flags, text);
    };
    target.addEventListener(name, f, { passive: true, capture });
    return () => target.removeEventListener(name, f, capture);
  });
  return () => offs.forEach((off) => off());
}
"#)]
extern "C" {
    /// Adds one passive listener per name (comma-separated; bit k of
    /// `captures` / `on_document` is name k's capture flag / target; item k
    /// of the comma-separated `reads` is what to read for it), each calling
    /// `handler`. Returns the function that removes them all. One call and
    /// one Rust closure instead of one per event type; one wasm-JS crossing
    /// per event instead of one per field read.
    #[wasm_bindgen(js_name = iobListen, catch)]
    fn iob_listen(names: &str, captures: u32, on_document: u32, reads: &str, selectors: &str, handler: &Handler) -> Result<js_sys::Function, JsValue>;
}

/// 32-bit FNV-1a of `bytes`.
fn fnv(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h: u32, b| (h ^ u32::from(*b)).wrapping_mul(0x0100_0193))
}

/// (form hash, field hash) from `form name NUL field name NUL input type`:
/// names and type only, never a value.
fn field_ids(text: &str) -> (u32, u32) {
    let form = text.split('\0').next().unwrap_or("");
    (fnv(form.as_bytes()), fnv(text.as_bytes()))
}

/// What the snippet read from one event (see [`Handler`]).
struct Reading {
    t: f64,
    x: f64,
    y: f64,
    flags: u32,
    text: Option<String>,
}

fn handle(shared: &Shared, local: &Local, kind: Kind, r: Reading) {
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    let Reading { t, x, y, flags, text } = r;
    let trusted = flags & TRUSTED != 0;
    let core = match kind {
        Kind::Pointer => EventKind::PointerMove { x: x as f32, y: y as f32, trusted },
        Kind::Click => EventKind::Click { x: x as f32, y: y as f32, trusted, link: flags & NATIVE != 0 },
        Kind::Key => {
            let class = [KeyClass::Char, KeyClass::Delete, KeyClass::Navigation, KeyClass::Enter][(x as usize) & 3];
            EventKind::Key { class, trusted, field: flags & FIELD != 0 }
        }
        Kind::Wheel => EventKind::Wheel,
        Kind::Touch => EventKind::Touch,
        Kind::Focus(f) => EventKind::Focus(f),
        Kind::Error => EventKind::Error,
        Kind::Selection => EventKind::Selection,
        Kind::Input => {
            let Some(text) = text.filter(|_| flags & FIELD != 0) else { return };
            let (form, field) = field_ids(&text);
            EventKind::FieldInput { form, field }
        }
        Kind::Submit => {
            let Some(text) = text else { return };
            EventKind::FormSubmit { form: field_ids(&text).0 }
        }
        Kind::Scroll => {
            inner.request_scroll_read();
            return;
        }
        Kind::Visibility => {
            let visible = flags & VISIBLE != 0;
            inner.tracker.on_event(&Event { t, kind: EventKind::Visibility(visible) });
            if !visible {
                let emits = inner.hide(t);
                drop(inner);
                emit_all(shared, emits);
            }
            return;
        }
        Kind::PageHide => {
            inner.tracker.on_event(&Event { t, kind: EventKind::PageEnd });
            let emits = inner.hide(t);
            drop(inner);
            emit_all(shared, emits);
            return;
        }
        Kind::Route => {
            drop(inner);
            route_check(shared, local);
            return;
        }
    };
    inner.tracker.on_event(&Event { t, kind: core });
    // At most once a second: has the segment changed?
    if t - local.segment_at.get() >= 1000.0 {
        local.segment_at.set(t);
        let emits = segment_emit(&mut inner.tracker, t);
        drop(inner);
        emit_all(shared, emits);
    }
}

/// A `segment` notification when the segment changed.
pub fn segment_emit(tracker: &mut crate::tracker::Tracker, t: f64) -> Vec<Emit> {
    match tracker.segment_change(t) {
        Some(s) => {
            let mut json = String::new();
            match s {
                Some(name) => crate::json_out::push_str_literal(&mut json, name),
                None => json.push_str("null"),
            }
            alloc::vec![("segment", json)]
        }
        None => Vec::new(),
    }
}

/// `location.pathname + location.hash`.
pub fn current_route(w: &web_sys::Window) -> String {
    let loc = w.location();
    let mut r = loc.pathname().unwrap_or_default();
    r.push_str(&loc.hash().unwrap_or_default());
    r
}

/// After pushState/replaceState/popstate/hashchange: a changed path or
/// fragment is an SPA route change, which starts a fresh page view (the old
/// one's final snapshot goes first).
pub fn route_check(shared: &Shared, local: &Local) {
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    if inner.stopped {
        return;
    }
    let route = current_route(&inner.window);
    if *local.route.borrow() == route {
        return;
    }
    *local.route.borrow_mut() = route;
    let t = browser::now(&inner.window);
    let env = browser::page_env(&inner.window);
    inner.tracker.start_page_view(t, browser::wall(), &env.href, env.visible, env.focused);
    let mut emits = inner.run_effects();
    emits.extend(segment_emit(&mut inner.tracker, t));
    drop(inner);
    emit_all(shared, emits);
}

impl Listeners {
    /// Adds every listener and observer (passive, so the SDK never delays scrolling).
    pub fn attach(shared: &Shared) -> Listeners {
        let mut l = Listeners { off: None, _handler: None, observers: None };
        let Ok(inner) = shared.try_borrow() else { return l };
        let local = Rc::new(Local { route: RefCell::new(current_route(&inner.window)), segment_at: Cell::new(f64::NEG_INFINITY) });
        drop(inner);
        let (s, loc) = (shared.clone(), local.clone());
        let handler: Handler = Closure::new(move |k: u32, t: f64, x: f64, y: f64, flags: u32, text: Option<String>| {
            if let Some((_, kind, _, _, _)) = EVENTS.get(k as usize) {
                handle(&s, &loc, *kind, Reading { t, x, y, flags, text });
            }
        });
        let (mut names, mut reads) = (String::new(), String::new());
        let (mut captures, mut on_document) = (0u32, 0u32);
        for (k, (name, _, capture, doc, read)) in EVENTS.iter().enumerate() {
            if k > 0 {
                names.push(',');
                reads.push(',');
            }
            names.push_str(name);
            crate::json_out::push_u64(&mut reads, u64::from(*read));
            captures |= u32::from(*capture) << k;
            on_document |= u32::from(*doc) << k;
        }
        l.off = iob_listen(&names, captures, on_document, &reads, SELECTORS, &handler).ok();
        l._handler = Some(handler);
        l.observers = Some(Observers::attach(shared, &local));
        l
    }

    /// Removes every listener and observer; dropping the closure frees it.
    pub fn detach(&mut self) {
        if let Some(off) = self.off.take() {
            let _ = off.call0(&JsValue::NULL);
        }
        self._handler = None;
        if let Some(o) = self.observers.take() {
            o.detach();
        }
    }
}
