//! RAII handles: dropping one removes what it stands for from the page
//! (gloo's `EventListener` pattern), so teardown cannot forget anything.
//! `Iob::shutdown()` simply drops them.

use js_sys::Function;
use wasm_bindgen::closure::{Closure, WasmClosure};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Window;

/// Something a JS file attached to the page (listeners, observers, signal
/// readers): the function that detaches it, and the Rust callback it calls,
/// kept alive exactly as long as the attachment.
pub(crate) struct Attachment<F: ?Sized + WasmClosure> {
    detach: Option<Function>,
    _callback: Closure<F>,
}

impl<F: ?Sized + WasmClosure> Attachment<F> {
    /// `attach` gets the callback and returns the detach function (`Err` when
    /// attaching failed: nothing to undo).
    pub(crate) fn new(
        callback: Closure<F>,
        attach: impl FnOnce(&Closure<F>) -> Result<Function, JsValue>,
    ) -> Self {
        let detach = attach(&callback).ok();
        Attachment {
            detach,
            _callback: callback,
        }
    }
}

impl<F: ?Sized + WasmClosure> Drop for Attachment<F> {
    fn drop(&mut self) {
        if let Some(f) = self.detach.take() {
            // A throwing page script must not break teardown.
            let _ = f.call0(&JsValue::NULL);
        }
    }
}

/// An armed `setTimeout`, cleared on drop (unless it has [`Timer::fired`]).
pub(crate) struct Timer {
    window: Window,
    handle: Option<i32>,
    /// The deadline on the page clock, ms.
    pub(crate) at: f64,
}

impl Timer {
    /// Arms `callback` to run at `at` (page clock, ms), `now` being the page clock.
    pub(crate) fn arm(
        window: &Window,
        callback: &Closure<dyn FnMut()>,
        at: f64,
        now: f64,
    ) -> Option<Timer> {
        let delay = (at - now).clamp(0.0, 2_147_483_647.0);
        let cb = callback.as_ref().unchecked_ref();
        let handle = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(cb, delay as i32 + 1)
            .ok()?;
        Some(Timer {
            window: window.clone(),
            handle: Some(handle),
            at,
        })
    }

    /// The timer ran: nothing to clear.
    pub(crate) fn fired(mut self) {
        self.handle = None;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(h) = self.handle {
            self.window.clear_timeout_with_handle(h);
        }
    }
}
