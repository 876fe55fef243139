//! Carries out the core's delivery and storage effects: beacons, posts and
//! probes through `js/request.js` (only the status, and a probe's
//! `Iob-Stored` header, come back), writes and
//! removals in `localStorage`, and the one delivery timer armed for
//! `Tracker::next_wake`. The retry and outbox policy lives in the core.
//! Nothing here throws into the page or logs: a full storage quota, a
//! refused beacon and an unreachable endpoint are all swallowed (a failed
//! request is reported to the core's retry machine as status 0).

use crate::browser::Callback;
use crate::codes::{BEACON, POST, PROBE};
use crate::handle::Timer;
use crate::storage;
use alloc::string::String;
use alloc::vec::Vec;
use iob_sdk::Effect;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/request.js")]
extern "C" {
    /// Sends one request (see `js/request.js`); a post or probe always gets
    /// its `done(status, stored)` call: the status, 0 when it failed, and a
    /// probe's `Iob-Stored` header.
    #[wasm_bindgen(js_name = iobRequest)]
    fn iob_request(kind: u32, url: &str, body: &str, done: &Closure<OnResult>);
}

/// The result of a post or probe: the HTTP status (0: failed) as the second
/// argument and, for a probe, its `Iob-Stored` header as the text.
pub(crate) type OnResult = crate::browser::Callback;

/// The delivery machinery of one instance: the request-result callback (one
/// post or probe is out at a time, so results need no matching), the timer
/// callback and the armed timer.
pub(crate) struct Delivery {
    on_result: Closure<OnResult>,
    tick: Closure<Callback>,
    timer: Option<Timer>,
}

impl Delivery {
    /// `on_result` receives each post's or probe's result; `tick` runs when
    /// the timer fires (it must call [`Delivery::timer_fired`]).
    pub(crate) fn new(on_result: Closure<OnResult>, tick: Closure<Callback>) -> Delivery {
        Delivery {
            on_result,
            tick,
            timer: None,
        }
    }

    /// The timer ran: it is no longer armed.
    pub(crate) fn timer_fired(&mut self) {
        if let Some(t) = self.timer.take() {
            t.fired();
        }
    }

    /// Executes `effects` in order; each new payload goes to `notify` as a
    /// `payload` notification.
    pub(crate) fn run(
        &self,
        endpoint: &str,
        effects: Vec<Effect>,
        notify: &mut Vec<(&'static str, String)>,
    ) {
        for e in effects {
            match e {
                Effect::Send(body) => {
                    iob_request(BEACON, endpoint, &body, &self.on_result);
                    notify.push(("payload", body));
                }
                Effect::Post { body, fresh } => {
                    iob_request(POST, endpoint, &body, &self.on_result);
                    if fresh {
                        notify.push(("payload", body));
                    }
                }
                Effect::Probe(url) => {
                    iob_request(PROBE, &url, "", &self.on_result);
                }
                Effect::Store { key, value } => storage::write(&key, &value),
                Effect::Remove(key) => storage::remove(&key),
            }
        }
    }

    /// Keeps the one timer armed for `next` (page clock), or none.
    pub(crate) fn reschedule(&mut self, next: Option<f64>) {
        if self.timer.as_ref().map(|t| t.at) == next {
            return;
        }
        self.timer = None;
        if let Some(at) = next {
            self.timer = Timer::arm(&self.tick, at, crate::browser::now());
        }
    }

    /// `shutdown()`: clears the timer. The result callback stays alive (a
    /// request may still answer) but acts no more.
    pub(crate) fn stop(&mut self) {
        self.timer = None;
    }
}
