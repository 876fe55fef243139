//! The size floor, a tool of the core (built only by `scripts/size-floor.sh`):
//! the whole core behind a bare C ABI, with no browser shell and no
//! wasm-bindgen, so `make size-floor` can print what the core alone weighs
//! in the wasm. It links the same runtime as the shipped wasm
//! (`web/src/runtime.rs`). Every public entry point of the tracker is reachable from an
//! export, so nothing the shipped SDK uses is left out; numbers in, one
//! string buffer in and out. Not a product API and never shipped.

#![cfg(all(target_arch = "wasm32", not(test)))]
#![no_std]

extern crate alloc;

#[path = "../../../web/src/runtime.rs"]
mod runtime;

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use iob_sdk::{
    field_ids, route_fragment, Config, Effect, Event, EventKind, KeyClass, PageEnv, Purpose,
    SplitMix64, Stored, Tracker,
};

struct State {
    tracker: Option<Tracker>,
    /// Strings in (`buf`) and out (`out`).
    buf: Vec<u8>,
    out: String,
}

struct Global(RefCell<State>);
// SAFETY: wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for Global {}
static STATE: Global = Global(RefCell::new(State {
    tracker: None,
    buf: Vec::new(),
    out: String::new(),
}));

fn with<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    STATE.0.try_borrow_mut().ok().map(|mut s| f(&mut s))
}

fn input(s: &State) -> &str {
    core::str::from_utf8(&s.buf).unwrap_or("")
}

/// Reserves `n` bytes of input; returns where to write them.
#[no_mangle]
pub extern "C" fn buf(n: usize) -> *mut u8 {
    with(|s| {
        s.buf.clear();
        s.buf.resize(n, 0);
        s.buf.as_mut_ptr()
    })
    .unwrap_or(core::ptr::null_mut())
}

/// Where the last output string is.
#[no_mangle]
pub extern "C" fn out_ptr() -> *const u8 {
    with(|s| s.out.as_ptr()).unwrap_or(core::ptr::null())
}

fn run(f: impl FnOnce(&mut Tracker) -> Option<String>) -> usize {
    with(|s| {
        let out = s.tracker.as_mut().and_then(f).unwrap_or_default();
        s.out = out;
        s.out.len()
    })
    .unwrap_or(0)
}

/// The core reads JSON as pairs text (`iob_sdk::JsonPairs`); this tool's
/// caller hands it pairs text already (`tests/bench/worker/worker.js` makes
/// it with `web/js/flat.js`), so the conversion is the text itself.
fn given(pairs: &str) -> Option<String> {
    Some(pairs.into())
}

/// Input: config (as pairs text, like the stored consent, outbox and
/// history), href, host, referrer, user agent, stored consent, seed,
/// session, outbox, ldp, history and the last-words keys (as
/// `Stored::last_words`), separated by U+0001. Returns the length of
/// the error message (0: started).
#[no_mangle]
pub extern "C" fn start(now: f64, wall: f64, seed: u64) -> usize {
    with(|s| {
        let all = String::from(input(s));
        let mut p = all.split('\u{1}');
        let mut next = || p.next().unwrap_or("");
        let cfg = match Config::from_json(next(), given) {
            Ok(c) => c,
            Err(e) => {
                s.out = e.message();
                return s.out.len();
            }
        };
        let env = PageEnv {
            href: next().into(),
            host: next().into(),
            referrer: next().into(),
            user_agent: next().into(),
            visible: true,
            focused: true,
        };
        let mut opt = || Some(String::from(next())).filter(|v| !v.is_empty());
        let mut stored = Stored {
            consent: opt(),
            seed: opt(),
            session: opt(),
            outbox: opt(),
            ldp: opt(),
            last_words: String::new(),
        };
        let history = opt();
        stored.last_words = opt().unwrap_or_default();
        let mut rng = SplitMix64::new(seed);
        let mut t = Tracker::new(
            cfg,
            &env,
            stored,
            now,
            wall,
            Box::new(move || rng.id128()),
            given,
        );
        t.set_environment(false, history.as_deref(), wall);
        s.tracker = Some(t);
        0
    })
    .unwrap_or(0)
}

/// One event: `kind` indexes the core event kinds; `a`, `b`, `c` and the
/// flag bits carry its fields.
#[no_mangle]
pub extern "C" fn event(kind: u32, t: f64, a: f32, b: f32, c: f32, flags: u32) {
    let on = flags & 1 != 0;
    let k = match kind {
        0 => EventKind::PointerMove {
            x: a,
            y: b,
            trusted: on,
        },
        1 => EventKind::Click {
            x: a,
            y: b,
            trusted: on,
            link: flags & 2 != 0,
            keyboard: flags & 16 != 0,
        },
        2 => EventKind::Key {
            class: [
                KeyClass::Char,
                KeyClass::Delete,
                KeyClass::Navigation,
                KeyClass::Enter,
            ][(flags >> 2) as usize & 3],
            trusted: on,
            field: flags & 2 != 0,
        },
        3 => EventKind::Wheel,
        4 => EventKind::Touch,
        5 => EventKind::Scroll {
            scroll_y: a,
            viewport_h: b,
            doc_h: c,
        },
        6 => EventKind::Visibility(on),
        7 => EventKind::Focus(on),
        8 => EventKind::Mutation,
        9 => EventKind::Selection,
        10 => EventKind::Error,
        11 => EventKind::FieldInput {
            form: a as u32,
            field: b as u32,
            trusted: on,
        },
        12 => EventKind::FormSubmit { form: a as u32 },
        13 => EventKind::PageEnd,
        14 => EventKind::Lcp(a),
        15 => EventKind::LayoutShift { value: a, at: b },
        16 => EventKind::Interaction {
            id: flags,
            duration: a,
            start: b,
        },
        17 => EventKind::LongTask,
        18 => EventKind::PageFrozen,
        19 => EventKind::NavigationStart,
        20 => EventKind::Fcp(a),
        21 => EventKind::PageTimes {
            activation_start: a,
            first_hidden: b,
            back_forward: flags & 2 != 0,
        },
        22 => EventKind::InteractionCount(a),
        _ => EventKind::Conversion,
    };
    run(|tr| {
        tr.on_event(&Event { t, kind: k });
        None
    });
}

/// A tracker call without a string result: 0 hide, 1 tick, 2 flush, 3
/// resume, 4 track, 5 revoke, 6 HTTP result `arg`, 7 grant / 8 deny the
/// purposes in bit mask `arg`, 9 none. Returns the next wake-up (page
/// clock: delivery or a segment check, whichever comes first, as the shell
/// arms it; the tracker's clock when that has passed), or -1.
#[no_mangle]
pub extern "C" fn call(what: u32, now: f64, wall: f64, arg: u32) -> f64 {
    let mut wake = -1.0;
    run(|t| {
        match what {
            0 => t.on_hide(now, wall),
            1 => t.tick(now, wall),
            2 => t.flush(now, wall),
            3 => t.resume(now),
            4 => t.track(now),
            5 => t.revoke(wall),
            6 => t.on_post_result(arg as u16, None, now),
            9 => {}
            _ => {
                let ps: Vec<Purpose> = Purpose::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| arg >> i & 1 != 0)
                    .map(|(_, p)| p)
                    .collect();
                t.choose(&ps, what == 7, wall);
            }
        }
        let segment = t.next_segment_check();
        wake = match (t.next_wake(), segment) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(-1.0),
        };
        if segment.is_some_and(|at| at <= t.clock()) {
            wake = t.clock();
        }
        None
    });
    wake
}

/// A string result: 0 features, 1 explain, 2 consent state, 3 the segment
/// change, 4 the pending effects (one per line, tagged). Returns its length.
#[no_mangle]
pub extern "C" fn read(what: u32, now: f64) -> usize {
    run(|t| {
        Some(match what {
            0 => t.features_json(now),
            1 => t.explain_json(now),
            2 => t.consent_state_json(),
            3 => t.segment_change_json(now).unwrap_or_default(),
            _ => {
                let mut o = String::new();
                for e in t.take_effects() {
                    let (tag, a, b) = match e {
                        Effect::Send(body) => ("S", body, String::new()),
                        Effect::Post { body, fresh } => {
                            (if fresh { "P" } else { "p" }, body, String::new())
                        }
                        Effect::Probe(url) => ("H", url, String::new()),
                        Effect::Store { key, value } => ("W", key, value),
                        Effect::Remove(key) => ("R", key, String::new()),
                    };
                    o.push_str(tag);
                    o.push_str(&a);
                    o.push('\u{1}');
                    o.push_str(&b);
                    o.push('\n');
                }
                o
            }
        })
    })
}

/// Input: consent-signal readings (the signal reader's JSON, as pairs text), or,
/// when `route` is set, the href of an SPA route change.
#[no_mangle]
pub extern "C" fn page(route: u32, now: f64, wall: f64) {
    with(|s| {
        let text = String::from(input(s));
        if let Some(t) = s.tracker.as_mut() {
            if route != 0 {
                t.start_page_view(now, wall, &text, true, true);
            } else {
                t.on_signal_readings(&text, wall);
            }
        }
    });
}

/// Input: another tab's change to an SDK key, `name \u{1} written \u{1}
/// current` (an empty value stands for none).
#[no_mangle]
pub extern "C" fn storage(now: f64, wall: f64) {
    with(|s| {
        let text = String::from(input(s));
        let mut parts = text.split('\u{1}');
        let name = parts.next().unwrap_or("");
        let written = parts.next().filter(|v| !v.is_empty());
        let current = parts.next().filter(|v| !v.is_empty());
        if let Some(t) = s.tracker.as_mut() {
            t.on_storage_change(name, written, current, now, wall);
        }
    });
}

/// The shell's pure helpers on the input: `what` 0 hashes a form field
/// (`form NUL field NUL type`: returns the field hash), 1 the length of the
/// route fragment of a `location.hash`.
#[no_mangle]
pub extern "C" fn helper(what: u32) -> u32 {
    with(|s| {
        let text = input(s);
        if what == 0 {
            field_ids(text).1
        } else {
            route_fragment(text).len() as u32
        }
    })
    .unwrap_or(0)
}
