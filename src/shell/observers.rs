//! Observers for the feature engine: a `MutationObserver` (dead clicks), a
//! `PerformanceObserver` (LCP, CLS, INP, long tasks) and hooks on
//! `history.pushState` / `replaceState` (SPA route changes). Entries are
//! turned into core events; nothing reads layout.

use super::listeners::{route_check, Local};
use super::{browser, Shared};
use crate::event::{Event, EventKind};
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::Cell;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{MutationObserver, MutationObserverInit, PerformanceEntry, PerformanceObserver, Window};

type Callback = Closure<dyn FnMut(JsValue, JsValue)>;
type Wrapper = Closure<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>;

/// `navigator.webdriver`, and the stored on-device history of `site`.
pub fn environment(w: &Window, site: &str) -> (bool, Option<alloc::string::String>) {
    let webdriver = Reflect::get(&w.navigator(), &"webdriver".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    let history = browser::local_storage(w).and_then(|s| s.get_item(&crate::tracker::Tracker::history_key(site)).ok().flatten());
    (webdriver, history)
}

fn feed(shared: &Shared, kind: EventKind) {
    if let Ok(mut i) = shared.try_borrow_mut() {
        let t = browser::now(&i.window);
        i.tracker.on_event(&Event { t, kind });
    }
}

fn num(v: &JsValue, key: &str) -> f64 {
    Reflect::get(v, &key.into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
}

/// One performance entry as a core event.
fn perf_event(e: &PerformanceEntry) -> Option<EventKind> {
    Some(match e.entry_type().as_str() {
        "largest-contentful-paint" => EventKind::Lcp(e.start_time() as f32),
        "layout-shift" => {
            if Reflect::get(e, &"hadRecentInput".into()).ok().is_some_and(|v| v.is_truthy()) {
                return None;
            }
            EventKind::LayoutShift { value: num(e, "value") as f32, at: e.start_time() as f32 }
        }
        "event" | "first-input" => {
            let id = num(e, "interactionId");
            if id <= 0.0 {
                return None;
            }
            EventKind::Interaction { id: id as u32, duration: e.duration() as f32 }
        }
        "longtask" => EventKind::LongTask,
        _ => return None,
    })
}

/// A wrapped `history` method: calls the original, then checks the route.
struct Hook {
    name: &'static str,
    original: Function,
    wrapper: Wrapper,
    active: Rc<Cell<bool>>,
}

pub struct Observers {
    mutation: Option<(MutationObserver, Callback)>,
    performance: Option<(PerformanceObserver, Callback)>,
    history: Option<JsValue>,
    hooks: Vec<Hook>,
}

const PERF_TYPES: [&str; 5] = ["largest-contentful-paint", "layout-shift", "event", "first-input", "longtask"];

impl Observers {
    pub fn attach(shared: &Shared, local: &Rc<Local>) -> Observers {
        let mut o = Observers { mutation: None, performance: None, history: None, hooks: Vec::new() };
        let Ok(inner) = shared.try_borrow() else { return o };
        let window = inner.window.clone();
        drop(inner);

        // Any DOM change answers a pending click (dead clicks); records are not read.
        let s = shared.clone();
        let cb: Callback = Closure::new(move |_: JsValue, _: JsValue| feed(&s, EventKind::Mutation));
        if let (Ok(mo), Some(root)) = (MutationObserver::new(cb.as_ref().unchecked_ref()), window.document().and_then(|d| d.document_element())) {
            let init = MutationObserverInit::new();
            init.set_child_list(true);
            init.set_subtree(true);
            init.set_attributes(true);
            init.set_character_data(true);
            if mo.observe_with_options(&root, &init).is_ok() {
                o.mutation = Some((mo, cb));
            }
        }

        // Web vitals and long tasks, buffered so entries before init count.
        let s = shared.clone();
        let cb: Callback = Closure::new(move |list: JsValue, _: JsValue| {
            let Ok(entries) = Reflect::get(&list, &"getEntries".into()).and_then(|f| f.dyn_into::<Function>()?.call0(&list)) else { return };
            for e in Array::from(&entries).iter() {
                if let Some(kind) = e.dyn_ref::<PerformanceEntry>().and_then(perf_event) {
                    feed(&s, kind);
                }
            }
        });
        if let Ok(po) = PerformanceObserver::new(cb.as_ref().unchecked_ref()) {
            let supported = Reflect::get(&window, &"PerformanceObserver".into())
                .and_then(|c| Reflect::get(&c, &"supportedEntryTypes".into()))
                .map(|v| Array::from(&v))
                .unwrap_or_default();
            for ty in PERF_TYPES {
                if supported.includes(&ty.into(), 0) {
                    // `{ type, buffered }`: web-sys only knows the older `entryTypes` form.
                    let init = js_sys::Object::new();
                    let _ = Reflect::set(&init, &"type".into(), &ty.into());
                    let _ = Reflect::set(&init, &"buffered".into(), &JsValue::TRUE);
                    if ty == "event" {
                        let _ = Reflect::set(&init, &"durationThreshold".into(), &40.into());
                    }
                    if let Ok(observe) = Reflect::get(&po, &"observe".into()).and_then(|f| f.dyn_into::<Function>()) {
                        let _ = observe.call1(&po, &init);
                    }
                }
            }
            o.performance = Some((po, cb));
        }

        // SPA navigation through the history API (popstate and hashchange are listeners).
        if let Ok(history) = Reflect::get(&window, &"history".into()) {
            for name in ["pushState", "replaceState"] {
                let Some(original) = Reflect::get(&history, &name.into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) else { continue };
                let active = Rc::new(Cell::new(true));
                let (s, l, h, f, a) = (shared.clone(), local.clone(), history.clone(), original.clone(), active.clone());
                let wrapper: Wrapper = Closure::new(move |x: JsValue, y: JsValue, z: JsValue| {
                    let r = f.call3(&h, &x, &y, &z);
                    if a.get() && r.is_ok() {
                        route_check(&s, &l);
                    }
                    r
                });
                if Reflect::set(&history, &name.into(), wrapper.as_ref()).unwrap_or(false) {
                    o.hooks.push(Hook { name, original, wrapper, active });
                }
            }
            o.history = Some(history);
        }
        o
    }

    /// Disconnects the observers and unhooks `history`. A hook that another
    /// script wrapped in the meantime stays installed but inert (calling the
    /// original only), so that script keeps working.
    pub fn detach(self) {
        if let Some((mo, _)) = &self.mutation {
            mo.disconnect();
        }
        if let Some((po, _)) = &self.performance {
            po.disconnect();
        }
        for hook in self.hooks {
            hook.active.set(false);
            let ours = self.history.as_ref().and_then(|h| Reflect::get(h, &hook.name.into()).ok());
            let restored = ours.is_some_and(|f| f == *hook.wrapper.as_ref())
                && self.history.as_ref().is_some_and(|h| Reflect::set(h, &hook.name.into(), &hook.original).unwrap_or(false));
            if !restored {
                hook.wrapper.forget();
            }
        }
    }
}
