//! Passive DOM listeners that translate browser events into core events.
//! `js/listen.js` adds them and reads each event where reading is cheap (no
//! wasm-JS crossing per field): the time, coordinates, `isTrusted`, and only
//! for the event types that need it, the target's selectors, whether a click
//! came from the keyboard, the key's class, whether the page keeps focus,
//! the visibility, or whether a `pagehide` is into the back/forward cache.
//! The wasm gets numbers and, for form events of the full build only, the
//! form name, field name and input type, which are hashed here at once
//! (`iob_sdk::field_ids`); the lite build counts no forms, so it reads no
//! name at all (an edit still keeps the page active, a submit still answers
//! a click). Nothing reads layout except
//! the scroll reading, taken in JS at most once per animation frame after a
//! `scroll` event (and once at the start of each page view). Elements
//! inside `[data-iob-ignore]`, password and hidden inputs are not observed at
//! all; a key's value never leaves the snippet (only its class does). A
//! `wheel` or `touchstart` dispatched by script is not input and is dropped;
//! a window `blur` while the page keeps focus (focus moved into one of its
//! iframes) is not reported. Pointer moves, wheel, touch and key events,
//! selection changes and the scroll readings are read at once but handed
//! over in batches: at the next
//! other event or SDK entry point, after a second, or 64 at a time, each with
//! its own time, so every measure stays exact (see `crate::deferred`).

use crate::codes::{
    FIELD, KEYBOARD, KEY_CHAR, KEY_DELETE, KEY_ENTER, KEY_NAVIGATION, NATIVE, PERSISTED,
    READ_ELEMENT, READ_FOCUS, READ_FORM, READ_KEY, READ_PERSISTED, READ_SCROLL, READ_VISIBILITY,
    READ_XY, TRUSTED, VISIBLE,
};
use crate::handle::Attachment;
use crate::instance::{act_weak, Inner, Shared};
use crate::routes;
use alloc::rc::Rc;
use alloc::string::String;
#[cfg(feature = "full")]
use iob_sdk::field_ids;
use iob_sdk::{Event, EventKind, KeyClass};
use wasm_bindgen::prelude::*;

/// The one handler of every listener: (index in [`EVENTS`], time (page
/// clock, ms), x, the key class or scrollY, y or innerHeight, the document's
/// scrollHeight, flag bits, and for form events `form name NUL field name NUL
/// input type`); lengths in CSS pixels.
pub(crate) type Handler = crate::browser::Callback;

#[wasm_bindgen(module = "/js/listen.js")]
extern "C" {
    /// Adds one passive listener per name (see `js/listen.js`); returns the
    /// function that removes them all. One call and one Rust closure instead
    /// of one per event type; one wasm-JS crossing per event.
    #[wasm_bindgen(js_name = iobListen)]
    fn iob_listen(
        names: &str,
        captures: u32,
        on_document: u32,
        reads: &str,
        selectors: &str,
        handler: &Closure<Handler>,
        deferred: u32,
    ) -> crate::browser::Function;
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
    /// A pointer button went down.
    Press,
    Route,
    /// Back online, or shown again: the outbox is retried at once.
    Resume,
}

/// (event, kind, capture, on `document` rather than `window`, what the
/// snippet reads). Inputs are observed in the capture phase, so a page that
/// stops propagation still counts; window focus/blur and `error` must not
/// capture (element focus and resource errors would look alike); nor must
/// `pagehide`, so that `js/observe.js` (capturing) hands in the pending
/// performance entries before the final snapshot.
const EVENTS: &[(&str, Kind, bool, bool, u32)] = &[
    ("pointermove", Kind::Pointer, true, false, READ_XY),
    ("pointerdown", Kind::Press, true, false, 0),
    ("click", Kind::Click, true, false, READ_XY | READ_ELEMENT),
    ("keydown", Kind::Key, true, false, READ_ELEMENT | READ_KEY),
    ("wheel", Kind::Wheel, true, false, 0),
    ("touchstart", Kind::Touch, true, false, 0),
    ("scroll", Kind::Scroll, true, false, READ_SCROLL),
    ("focus", Kind::Focus(true), false, false, 0),
    ("blur", Kind::Focus(false), false, false, READ_FOCUS),
    ("pagehide", Kind::PageHide, false, false, READ_PERSISTED),
    ("input", Kind::Input, true, false, READ_ELEMENT | FORM_READ),
    (
        "submit",
        Kind::Submit,
        true,
        false,
        READ_ELEMENT | FORM_READ,
    ),
    ("error", Kind::Error, false, false, 0),
    ("unhandledrejection", Kind::Error, false, false, 0),
    ("popstate", Kind::Route, false, false, 0),
    ("hashchange", Kind::Route, false, false, 0),
    (
        "visibilitychange",
        Kind::Visibility,
        true,
        true,
        READ_VISIBILITY,
    ),
    ("selectionchange", Kind::Selection, false, true, 0),
    // Back online, or shown again (a page restored from the back/forward
    // cache, whose unload beacon may have been lost; the page view goes on).
    ("online", Kind::Resume, false, false, 0),
    ("pageshow", Kind::Resume, false, false, 0),
];

/// What form events read besides their target: the form and field names,
/// hashed into ids, only where forms are counted. The lite build counts
/// none, so it reads no name at all: an edit still keeps the page active
/// (typing with a virtual keyboard or an IME comes as `input` events only)
/// and a submit still answers a click.
const FORM_READ: u32 = if cfg!(feature = "full") { READ_FORM } else { 0 };

/// Not observed at all; form fields; targets whose native action answers a
/// click (never dead clicks). Newline-separated, in that order.
const SELECTORS: &str = "[data-iob-ignore],input[type=password i],input[type=hidden i]\ninput,textarea,select,[contenteditable]\na[href],area[href],input,select,textarea,label,summary,[contenteditable]";

/// The key class the snippet reported.
fn key_class(code: u32) -> KeyClass {
    match code {
        KEY_CHAR => KeyClass::Char,
        KEY_DELETE => KeyClass::Delete,
        KEY_NAVIGATION => KeyClass::Navigation,
        KEY_ENTER => KeyClass::Enter,
        _ => KeyClass::Char,
    }
}

/// One event as the snippet read it (see [`Handler`]).
struct Reading {
    t: f64,
    x: f64,
    y: f64,
    z: f64,
    flags: u32,
    /// Form events of the full build only (the lite build reads no names).
    #[cfg_attr(not(feature = "full"), allow(dead_code))]
    text: Option<String>,
}

/// The form and field ids of a form event: its names hashed, `None` when the
/// snippet read none.
#[cfg(feature = "full")]
fn form_ids(r: &Reading) -> Option<(u32, u32)> {
    r.text.as_deref().map(field_ids)
}

/// The lite build reads no names (it counts no forms): every form event
/// has the ids (0, 0).
#[cfg(not(feature = "full"))]
fn form_ids(_: &Reading) -> Option<(u32, u32)> {
    Some((0, 0))
}

/// The core event for a reading, or `None` when the shell handles it itself.
fn core_event(kind: Kind, r: &Reading) -> Option<EventKind> {
    let trusted = r.flags & TRUSTED != 0;
    Some(match kind {
        Kind::Pointer => EventKind::PointerMove {
            x: r.x as f32,
            y: r.y as f32,
            trusted,
        },
        Kind::Click => EventKind::Click {
            x: r.x as f32,
            y: r.y as f32,
            trusted,
            link: r.flags & NATIVE != 0,
            keyboard: r.flags & KEYBOARD != 0,
        },
        Kind::Key => EventKind::Key {
            class: key_class(r.x as u32),
            trusted,
            field: r.flags & FIELD != 0,
        },
        Kind::Wheel if trusted => EventKind::Wheel,
        Kind::Touch if trusted => EventKind::Touch,
        Kind::Wheel | Kind::Touch => return None,
        Kind::Scroll => EventKind::Scroll {
            scroll_y: r.x as f32,
            viewport_h: r.y as f32,
            doc_h: r.z as f32,
        },
        Kind::Focus(f) => EventKind::Focus(f),
        Kind::Error => EventKind::Error,
        Kind::Selection => EventKind::Selection,
        Kind::Press => EventKind::Press,
        Kind::Input if r.flags & FIELD != 0 => {
            let (form, field) = form_ids(r)?;
            EventKind::FieldInput {
                form,
                field,
                trusted,
            }
        }
        Kind::Input => return None,
        Kind::Submit => EventKind::FormSubmit {
            form: form_ids(r)?.0,
        },
        Kind::Visibility => EventKind::Visibility(r.flags & VISIBLE != 0),
        Kind::PageHide if r.flags & PERSISTED != 0 => EventKind::PageFrozen,
        Kind::PageHide => EventKind::PageEnd,
        Kind::Route | Kind::Resume => return None,
    })
}

/// One DOM event, on the running instance.
fn handle(i: &mut Inner, kind: Kind, r: Reading) {
    match kind {
        Kind::Route => return routes::check(i),
        Kind::Resume => return i.tracker.resume(r.t),
        _ => {}
    }
    let Some(core) = core_event(kind, &r) else {
        return;
    };
    i.tracker.on_event(&Event { t: r.t, kind: core });
    match core {
        // Leaving: the final snapshot goes out now.
        EventKind::Visibility(false) | EventKind::PageEnd | EventKind::PageFrozen => {
            i.tracker.on_hide(r.t, crate::browser::wall())
        }
        EventKind::Visibility(true) => {}
        // At most once a second: has the segment changed?
        _ if r.t - i.segment_at >= 1000.0 => {
            i.segment_at = r.t;
            i.check_segment(r.t);
        }
        _ => {}
    }
}

/// Adds every listener (passive, so the SDK never delays scrolling);
/// dropping the result removes them all.
pub(crate) fn attach(shared: &Shared) -> Attachment {
    let weak = Rc::downgrade(shared);
    let handler: Closure<Handler> = Closure::new(
        move |k: u32, t: f64, x: f64, y: f64, z: f64, flags: u32, text: Option<String>| {
            if let Some((_, kind, _, _, _)) = EVENTS.get(k as usize) {
                act_weak(&weak, |i| {
                    handle(
                        i,
                        *kind,
                        Reading {
                            t,
                            x,
                            y,
                            z,
                            flags,
                            text,
                        },
                    )
                });
            }
        },
    );
    let (mut names, mut reads) = (String::new(), String::new());
    let (mut captures, mut on_document, mut deferred) = (0u32, 0u32, 0u32);
    for (k, (name, kind, capture, doc, read)) in EVENTS.iter().enumerate() {
        if k > 0 {
            names.push(',');
            reads.push(',');
        }
        names.push_str(name);
        push_u32(&mut reads, *read);
        captures |= u32::from(*capture) << k;
        on_document |= u32::from(*doc) << k;
        deferred |= u32::from(matches!(
            kind,
            Kind::Pointer | Kind::Wheel | Kind::Touch | Kind::Key | Kind::Selection | Kind::Press
        )) << k;
    }
    Attachment::new(handler, |h| {
        iob_listen(
            &names,
            captures,
            on_document,
            &reads,
            SELECTORS,
            h,
            deferred,
        )
    })
}

/// Appends `n` in decimal.
fn push_u32(s: &mut String, n: u32) {
    if n >= 10 {
        push_u32(s, n / 10);
    }
    s.push(char::from(b'0' + (n % 10) as u8));
}
