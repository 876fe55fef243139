//! Passive DOM listeners that translate browser events into core events.
//! Nothing here reads layout except the scroll reader, which runs at most
//! once per animation frame. Elements inside `[data-iob-ignore]`, password
//! and hidden inputs are not observed at all; key values are classified and
//! dropped at once; form fields are reduced to a hash of form name, field
//! name and input type.

use super::{browser, emit_all, observers::Observers, Emit, Shared};
use crate::event::{Event, EventKind, KeyClass};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use web_sys::{Element, KeyboardEvent, MouseEvent, VisibilityState};

/// The one handler of every feature listener: (index in [`EVENTS`], event).
type Handler = Closure<dyn FnMut(u32, web_sys::Event)>;

/// Shell state of the feature listeners, shared by their closures.
pub struct Local {
    /// `location.pathname + location.hash` of the current page view.
    pub route: RefCell<String>,
    /// When the segment was last evaluated (page clock, ms).
    segment_at: Cell<f64>,
    /// `window.performance`, looked up once (the getter is slow in the hot path).
    perf: Option<web_sys::Performance>,
    selectors: Selectors,
}

impl Local {
    fn now(&self) -> f64 {
        self.perf.as_ref().map_or(0.0, |p| p.now())
    }
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

/// (event, kind, capture, on `document` rather than `window`). Inputs are
/// observed in the capture phase, so a page that stops propagation still
/// counts; window focus/blur and `error` must not capture (element focus and
/// resource errors would look alike).
const EVENTS: [(&str, Kind, bool, bool); 17] = [
    ("pointermove", Kind::Pointer, true, false),
    ("click", Kind::Click, true, false),
    ("keydown", Kind::Key, true, false),
    ("wheel", Kind::Wheel, true, false),
    ("touchstart", Kind::Touch, true, false),
    ("scroll", Kind::Scroll, true, false),
    ("focus", Kind::Focus(true), false, false),
    ("blur", Kind::Focus(false), false, false),
    ("pagehide", Kind::PageHide, true, false),
    ("input", Kind::Input, true, false),
    ("submit", Kind::Submit, true, false),
    ("error", Kind::Error, false, false),
    ("unhandledrejection", Kind::Error, false, false),
    ("popstate", Kind::Route, false, false),
    ("hashchange", Kind::Route, false, false),
    ("visibilitychange", Kind::Visibility, true, true),
    ("selectionchange", Kind::Selection, false, true),
];

#[wasm_bindgen(inline_js = r#"
export function iobListen(names, captures, onDocument, handler) {
  const offs = names.split(',').map((name, k) => {
    const target = (onDocument >>> k) & 1 ? document : window;
    const capture = ((captures >>> k) & 1) === 1;
    const f = (e) => handler(k, e);
    target.addEventListener(name, f, { passive: true, capture });
    return () => target.removeEventListener(name, f, capture);
  });
  return () => offs.forEach((off) => off());
}
"#)]
extern "C" {
    /// Adds one passive listener per name (comma-separated; bit k of
    /// `captures` / `on_document` is name k's capture flag / target), each
    /// calling `handler(k, event)`. Returns the function that removes them all.
    /// One call and one Rust closure instead of one per event type: less
    /// wasm, and fewer wasm-JS crossings while the SDK starts.
    #[wasm_bindgen(js_name = iobListen, catch)]
    fn iob_listen(names: &str, captures: u32, on_document: u32, handler: &Handler) -> Result<js_sys::Function, JsValue>;
}

/// Only called for `pointermove` and `click`, which are always `MouseEvent`s
/// (no `instanceof` check in the hot path).
fn mouse_xy(e: &web_sys::Event) -> (f32, f32) {
    let m = e.unchecked_ref::<MouseEvent>();
    (m.client_x() as f32, m.client_y() as f32)
}

fn target(e: &web_sys::Event) -> Option<Element> {
    e.target().and_then(|t| t.dyn_into::<Element>().ok())
}

fn attr(el: &Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

#[wasm_bindgen]
extern "C" {
    /// An element, seen only through `closest`.
    type Closest;
    /// `Element.closest` with a selector kept as a JS string (no string
    /// conversion per event); a bad selector throws, which is caught.
    #[wasm_bindgen(method, catch, js_name = closest)]
    fn closest_js(this: &Closest, selector: &js_sys::JsString) -> Result<JsValue, JsValue>;
}

/// Selectors, converted to JS strings once.
struct Selectors {
    /// Not observed at all: inside `[data-iob-ignore]`, or a password or hidden input.
    ignored: js_sys::JsString,
    /// Form fields.
    field: js_sys::JsString,
    /// Targets whose native action answers a click: never dead clicks.
    native: js_sys::JsString,
}

impl Selectors {
    fn new() -> Selectors {
        Selectors {
            ignored: "[data-iob-ignore],input[type=password i],input[type=hidden i]".into(),
            field: "input,textarea,select,[contenteditable]".into(),
            native: "a[href],area[href],input,select,textarea,label,summary,[contenteditable]".into(),
        }
    }
}

fn matches(el: &Element, sel: &js_sys::JsString) -> bool {
    el.unchecked_ref::<Closest>().closest_js(sel).is_ok_and(|m| !m.is_null())
}

/// 32-bit FNV-1a over parts separated by NUL.
fn fnv(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h = h.wrapping_mul(0x0100_0193); // a NUL byte between parts
        }
        for b in p.bytes() {
            h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
    h
}

/// (form hash, field hash): names and type only, never a value.
fn field_ids(el: &Element) -> (u32, u32) {
    let form_name = el.closest("form").ok().flatten().map(|f| {
        let n = attr(&f, "name");
        if n.is_empty() { attr(&f, "id") } else { n }
    });
    let form_name = form_name.unwrap_or_default();
    let mut name = attr(el, "name");
    if name.is_empty() {
        name = attr(el, "id");
    }
    let ty = if el.tag_name().eq_ignore_ascii_case("input") { attr(el, "type") } else { el.tag_name() };
    (fnv(&[&form_name]), fnv(&[&form_name, &name, &ty]))
}

/// The class of a pressed key; `None` for lone modifiers and other keys that
/// are not typing (the value is dropped either way).
fn key_class(key: &str) -> Option<KeyClass> {
    Some(match key {
        "Backspace" | "Delete" => KeyClass::Delete,
        "Enter" => KeyClass::Enter,
        "Tab" | "Escape" | "Home" | "End" | "PageUp" | "PageDown" | "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight" => KeyClass::Navigation,
        // One character (`chars().count()` would pull in a large counting routine).
        k if { let mut c = k.chars(); c.next().is_some() && c.next().is_none() } => KeyClass::Char,
        _ => return None,
    })
}

fn handle(shared: &Shared, local: &Local, kind: Kind, e: &web_sys::Event) {
    // Only events about an element look at it (motion and page events do not:
    // cheaper, and they carry nothing of the element).
    let el = if matches!(kind, Kind::Click | Kind::Key | Kind::Input | Kind::Submit) { target(e) } else { None };
    let sel = &local.selectors;
    if el.as_ref().is_some_and(|el| matches(el, &sel.ignored)) {
        return;
    }
    let Ok(mut inner) = shared.try_borrow_mut() else { return };
    let t = local.now();
    let core = match kind {
        Kind::Pointer => {
            let (x, y) = mouse_xy(e);
            EventKind::PointerMove { x, y, trusted: e.is_trusted() }
        }
        Kind::Click => {
            let (x, y) = mouse_xy(e);
            let link = el.as_ref().is_some_and(|el| matches(el, &sel.native));
            EventKind::Click { x, y, trusted: e.is_trusted(), link }
        }
        Kind::Key => {
            let Some(k) = e.dyn_ref::<KeyboardEvent>() else { return };
            if k.repeat() {
                return;
            }
            let Some(class) = key_class(&k.key()) else { return };
            EventKind::Key { class, trusted: e.is_trusted(), field: el.as_ref().is_some_and(|el| matches(el, &sel.field)) }
        }
        Kind::Wheel => EventKind::Wheel,
        Kind::Touch => EventKind::Touch,
        Kind::Focus(f) => EventKind::Focus(f),
        Kind::Error => EventKind::Error,
        Kind::Selection => {
            let range = inner.window.get_selection().ok().flatten().is_some_and(|s| !s.is_collapsed());
            if !range {
                return;
            }
            EventKind::Selection
        }
        Kind::Input => {
            let Some(el) = el.as_ref().filter(|el| matches(el, &sel.field)) else { return };
            let (form, field) = field_ids(el);
            EventKind::FieldInput { form, field }
        }
        Kind::Submit => {
            let Some(el) = el.as_ref() else { return };
            let (form, _) = field_ids(el);
            EventKind::FormSubmit { form }
        }
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
        let local = Rc::new(Local {
            route: RefCell::new(current_route(&inner.window)),
            segment_at: Cell::new(f64::NEG_INFINITY),
            perf: inner.window.performance(),
            selectors: Selectors::new(),
        });
        drop(inner);
        let (s, loc) = (shared.clone(), local.clone());
        let handler: Handler = Closure::new(move |k: u32, e: web_sys::Event| {
            if let Some((_, kind, _, _)) = EVENTS.get(k as usize) {
                handle(&s, &loc, *kind, &e);
            }
        });
        let mut names = String::new();
        let (mut captures, mut on_document) = (0u32, 0u32);
        for (k, (name, _, capture, doc)) in EVENTS.iter().enumerate() {
            if k > 0 {
                names.push(',');
            }
            names.push_str(name);
            captures |= u32::from(*capture) << k;
            on_document |= u32::from(*doc) << k;
        }
        l.off = iob_listen(&names, captures, on_document, &handler).ok();
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
