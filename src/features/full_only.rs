//! The feature families only the full build has: forms, typing rhythm,
//! pointer kinematics, automation signals and experience quality (web
//! vitals). [`FullOnly`] holds their aggregators for one page view.
//!
//! The `lite` build (the core without its Cargo feature `full`) has an empty
//! [`FullOnly`]: it takes no events and writes nothing, so these features
//! keep their defaults and are left out of the payload, and none of their
//! code is linked into the wasm.

use crate::catalog::Features;
use crate::event::Event;
#[cfg(feature = "full")]
use crate::event::EventKind;
#[cfg(feature = "full")]
use crate::features::{
    automation::Automation, forms::Forms, pointer::Pointer, typing::Typing, vitals::Vitals,
    Aggregator,
};

/// One page view's full-build aggregators.
#[cfg(feature = "full")]
#[derive(Debug, Clone, Default)]
pub(crate) struct FullOnly {
    forms: Forms,
    typing: Typing,
    pointer: Pointer,
    automation: Automation,
    vitals: Vitals,
}

/// The `lite` build: no full-build families.
#[cfg(not(feature = "full"))]
#[derive(Debug, Clone, Default)]
pub(crate) struct FullOnly {}

#[cfg(feature = "full")]
impl FullOnly {
    /// The document's next page view (an SPA route change): the vitals keep
    /// the document's times, the rest starts afresh; `at` is the change's
    /// time (ms).
    pub(crate) fn next(&self, at: f64) -> FullOnly {
        FullOnly {
            vitals: self.vitals.next(at),
            ..FullOnly::default()
        }
    }

    /// Sets the `navigator.webdriver` reading (automation signals).
    pub(crate) fn set_webdriver(&mut self, webdriver: bool) {
        self.automation.webdriver = webdriver;
    }

    /// Feeds one event; returns whether it changed what these families show
    /// for the events that change the snapshot only through them (`entry`: a
    /// performance-timeline report, through the vitals; the page's end,
    /// when it abandons a form).
    pub(crate) fn on_event(&mut self, ev: &Event, entry: bool) -> bool {
        let abandoned = self.forms.abandoned();
        let vitals = entry.then(|| self.vitals.shown());
        self.forms.on_event(ev);
        self.typing.on_event(ev);
        self.pointer.on_event(ev);
        self.automation.on_event(ev);
        self.vitals.on_event(ev);
        match ev.kind {
            EventKind::PageEnd => self.forms.abandoned() != abandoned,
            _ => entry && vitals != Some(self.vitals.shown()),
        }
    }

    /// Writes these families' cumulative values as of `now` (ms).
    pub(crate) fn write(&self, now: f64, f: &mut Features) {
        self.forms.write(now, f);
        self.typing.write(now, f);
        self.pointer.write(now, f);
        self.automation.write_with(&self.pointer, &self.typing, f);
        self.vitals.write(now, f);
    }
}

#[cfg(not(feature = "full"))]
impl FullOnly {
    pub(crate) fn next(&self, _at: f64) -> FullOnly {
        FullOnly {}
    }

    pub(crate) fn set_webdriver(&mut self, _webdriver: bool) {}

    pub(crate) fn on_event(&mut self, _ev: &Event, _entry: bool) -> bool {
        false
    }

    pub(crate) fn write(&self, _now: f64, _f: &mut Features) {}
}
