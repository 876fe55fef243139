//! The running instance and the one path every entry point takes:
//! [`act`] brings in the pointer moves waiting in `js/listen.js`, borrows
//! it, does nothing once it is stopped, runs the step,
//! carries out the effects the core left (requests, storage, the delivery
//! timer) and then, outside the borrow, emits the page notifications.

use crate::browser;
use crate::transport::Delivery;
use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use iob_sdk::Tracker;
use wasm_bindgen::prelude::*;

pub(crate) type Shared = Rc<RefCell<Inner>>;

/// A notification for the page: (`"payload"` | `"consent"` | `"segment"`, JSON).
pub(crate) type Emit = (&'static str, String);

/// Everything one SDK instance holds, behind one `RefCell`.
pub(crate) struct Inner {
    pub(crate) tracker: Tracker,
    pub(crate) endpoint: String,
    /// Set by `shutdown()`: no entry point acts any more.
    pub(crate) stopped: bool,
    /// The page's `emit(name, json)` callback (the facade's dispatcher).
    emit: crate::browser::Function,
    /// Notifications of this turn, emitted by [`act`] after the borrow ends.
    emits: Vec<Emit>,
    /// Requests, their results and the delivery timer (set once at start).
    pub(crate) delivery: Option<Delivery>,
    /// `location.pathname + location.hash` of the current page view.
    pub(crate) route: String,
    /// When the segment was last evaluated on an event (page clock, ms).
    pub(crate) segment_at: f64,
}

impl Inner {
    pub(crate) fn new(
        tracker: Tracker,
        endpoint: String,
        emit: crate::browser::Function,
        route: String,
    ) -> Inner {
        Inner {
            tracker,
            endpoint,
            stopped: false,
            emit,
            emits: Vec::new(),
            delivery: None,
            route,
            segment_at: f64::NEG_INFINITY,
        }
    }

    /// The page clock, `performance.now()`, ms.
    pub(crate) fn now(&self) -> f64 {
        browser::now()
    }

    /// Queues a notification for the end of this turn.
    pub(crate) fn notify(&mut self, name: &'static str, json: String) {
        self.emits.push((name, json));
    }

    /// Queues a `consent` notification with the current state.
    pub(crate) fn notify_consent(&mut self) {
        let json = self.tracker.consent_state_json();
        self.notify("consent", json);
    }

    /// Queues a `segment` notification when the on-device segment changed.
    pub(crate) fn check_segment(&mut self, now: f64) {
        if let Some(json) = self.tracker.segment_change_json(now) {
            self.notify("segment", json);
        }
    }

    /// Carries out the effects the core left, announces a segment that time
    /// alone changed, and keeps the one timer armed for the core's next
    /// wake-up: delivery, or the next moment the segment may change (rounded
    /// up to a whole second, so the deadline is stable between events).
    fn carry_out(&mut self) {
        if browser::random_failed() {
            self.tracker.randomness_failed();
        }
        if self.tracker.has_effects() {
            // Before any write or send: another tab may have withdrawn
            // consent a moment ago (its `storage` event not yet here).
            let key = iob_sdk::Tracker::storage_key(&self.tracker.config().site, "consent");
            let current = crate::storage::read(&key);
            if self
                .tracker
                .recheck_consent(current.as_deref(), browser::wall())
            {
                self.notify_consent();
            }
        }
        let effects = self.tracker.take_effects();
        let mut segment = self.tracker.next_segment_check();
        let clock = self.tracker.clock();
        if segment.is_some_and(|at| at <= clock) {
            self.check_segment(clock);
            segment = self.tracker.next_segment_check();
        }
        let next = if self.stopped {
            None
        } else {
            match (self.tracker.next_wake(), segment.map(whole_second_after)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        let Some(delivery) = self.delivery.as_mut() else {
            return;
        };
        if !effects.is_empty() {
            delivery.run(&self.endpoint, effects, &mut self.emits);
        }
        delivery.reschedule(next);
    }
}

/// The first whole second (page clock, ms) at or after `at`.
fn whole_second_after(at: f64) -> f64 {
    let mut ms = at.max(0.0) as u64;
    if (ms as f64) < at {
        ms += 1;
    }
    (ms.div_ceil(1000) * 1000) as f64
}

/// Runs `step` on the running instance, carries out the effects it left and
/// emits the notifications. Does nothing once the instance is stopped, or
/// while it is busy (a re-entrant call from a page callback).
pub(crate) fn act(shared: &Shared, step: impl FnOnce(&mut Inner)) {
    crate::deferred::drain();
    {
        let Ok(mut inner) = shared.try_borrow_mut() else {
            return;
        };
        if inner.stopped {
            return;
        }
        step(&mut inner);
    }
    finish(shared);
}

/// [`act`], also after `shutdown()`: for a withdrawal, which must still
/// wipe storage (a stopped instance sends nothing and arms no timer).
pub(crate) fn act_even_stopped(shared: &Shared, step: impl FnOnce(&mut Inner)) {
    crate::deferred::drain();
    {
        let Ok(mut inner) = shared.try_borrow_mut() else {
            return;
        };
        step(&mut inner);
    }
    finish(shared);
}

/// The second half of every [`act`], kept out of line so the generic part
/// stays small: effects, then the notifications outside the borrow.
#[inline(never)]
fn finish(shared: &Shared) {
    let (emits, emit) = {
        let Ok(mut inner) = shared.try_borrow_mut() else {
            return;
        };
        inner.carry_out();
        if inner.emits.is_empty() {
            return;
        }
        (core::mem::take(&mut inner.emits), inner.emit.clone())
    };
    for (name, json) in emits {
        // A throwing page callback must not break the SDK either.
        emit.call2(&JsValue::NULL, name, &json);
    }
}

/// [`act`] through a weak reference held by a callback: nothing happens once
/// the instance is gone.
pub(crate) fn act_weak(weak: &Weak<RefCell<Inner>>, step: impl FnOnce(&mut Inner)) {
    if let Some(shared) = weak.upgrade() {
        act(&shared, step);
    }
}
