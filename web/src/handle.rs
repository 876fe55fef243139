//! RAII handles: dropping one removes what it stands for from the page
//! (gloo's `EventListener` pattern), so teardown cannot forget anything.
//! `Iob::shutdown()` simply drops them.

use crate::browser::{Callback, Function};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

/// Something a JS file attached to the page (listeners, observers, signal
/// readers, the `storage` listener): the function that detaches it, and the
/// Rust callback it calls, kept alive exactly as long as the attachment.
pub(crate) struct Attachment {
    detach: Function,
    _callback: Closure<Callback>,
}

impl Attachment {
    /// `attach` gets the callback and returns the detach function (which
    /// undoes whatever attaching did, also after a failure half-way: see
    /// `attached` in `js/browser.js`).
    pub(crate) fn new(
        callback: Closure<Callback>,
        attach: impl FnOnce(&Closure<Callback>) -> Function,
    ) -> Self {
        let detach = attach(&callback);
        Attachment {
            detach,
            _callback: callback,
        }
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        // It never throws (`attached` runs each stop on its own and catches).
        self.detach.call0(&JsValue::NULL);
    }
}

/// An armed `setTimeout`, cleared on drop (unless it has [`Timer::fired`]).
pub(crate) struct Timer {
    /// The timer's id; 0 once it ran.
    id: u32,
    /// The deadline on the page clock, ms.
    pub(crate) at: f64,
}

impl Timer {
    /// Arms `callback` to run at `at` (page clock, ms), `now` being the page
    /// clock. It is called with zeros and no text.
    pub(crate) fn arm(callback: &Closure<Callback>, at: f64, now: f64) -> Option<Timer> {
        let delay = (at - now).clamp(0.0, 2_147_483_646.0);
        match crate::browser::set_timer(callback, delay + 1.0) {
            0 => None,
            id => Some(Timer { id, at }),
        }
    }

    /// The timer ran: nothing to clear.
    pub(crate) fn fired(mut self) {
        self.id = 0;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if self.id != 0 {
            crate::browser::clear_timer(self.id);
        }
    }
}
