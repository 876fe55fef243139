//! Observers for the feature engine, set up by `js/observe.js`: a
//! `MutationObserver` (dead clicks; open shadow roots on a click's path
//! too), a `PerformanceObserver` (LCP, FCP, CLS, INP, long tasks), the
//! document's load times and interaction count, and hooks on
//! `history.pushState` / `replaceState` (SPA route changes) and the
//! Navigation API (a navigation starting); the two observers one task
//! after `new Iob`, or sooner when a click, a route change or leaving needs
//! them. Leaving the page and a route change first take the entries the
//! browser has made but not yet delivered, so they count in the page view
//! that ends. The `lite` build starts no `PerformanceObserver`. Each entry arrives as numbers and
//! becomes a core event here; the wasm holds no observer or entry bindings,
//! and nothing reads layout.

use crate::codes::{
    DOM_CHANGED, FCP, HISTORY_CHANGED, INTERACTION, INTERACTION_COUNT, LAYOUT_SHIFT, LCP,
    LONG_TASK, NAVIGATE, PAGE_TIMES,
};
use crate::handle::Attachment;
use crate::instance::{act_weak, Shared};
use crate::routes;
use alloc::rc::Rc;
use alloc::string::String;
use iob_sdk::{Event, EventKind};
use wasm_bindgen::prelude::*;

/// The observers' one callback: (kind, a, b, c) as documented in
/// `js/observe.js`; the snippet passes 0, 0 and `undefined` for the last
/// three, which are not read here.
pub(crate) type Report = crate::browser::Callback;

#[wasm_bindgen(module = "/js/observe.js")]
extern "C" {
    /// Starts the observers and hooks (the performance timeline only when
    /// `vitals`); returns the function that stops them all.
    #[wasm_bindgen(js_name = iobObserve)]
    fn iob_observe(report: &Closure<Report>, vitals: bool) -> crate::browser::Function;
}

/// Starts every observer; dropping the result stops them (and unhooks
/// `history`, unless another script wrapped it since).
pub(crate) fn attach(shared: &Shared) -> Attachment {
    let weak = Rc::downgrade(shared);
    let report: Closure<Report> = Closure::new(
        move |kind: u32, a: f64, b: f64, c: f64, _: f64, _: u32, _: Option<String>| {
            act_weak(&weak, |i| {
                let ev = match kind {
                    DOM_CHANGED => EventKind::Mutation,
                    LCP => EventKind::Lcp(a as f32),
                    LAYOUT_SHIFT => EventKind::LayoutShift {
                        value: a as f32,
                        at: b as f32,
                    },
                    INTERACTION => EventKind::Interaction {
                        id: a as u32,
                        duration: b as f32,
                        start: c as f32,
                    },
                    LONG_TASK => EventKind::LongTask,
                    FCP => EventKind::Fcp(a as f32),
                    INTERACTION_COUNT => EventKind::InteractionCount(a as f32),
                    PAGE_TIMES => EventKind::PageTimes {
                        activation_start: a as f32,
                        first_hidden: b as f32,
                        back_forward: c != 0.0,
                    },
                    NAVIGATE => EventKind::NavigationStart,
                    HISTORY_CHANGED => return routes::check(i),
                    _ => return,
                };
                let t = i.now();
                i.tracker.on_event(&Event { t, kind: ev });
            })
        },
    );
    // The `lite` build has no experience-quality features: no performance observer.
    Attachment::new(report, |r| iob_observe(r, cfg!(feature = "full")))
}
