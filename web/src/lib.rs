//! # iob-web: the browser shell of iob-sdk
//!
//! The imperative shell around the pure core ([`iob_sdk`]): it translates
//! browser events into core events and carries out the core's effects, and
//! nothing else. Every decision (what an event means, what is counted, sent
//! or stored) is made and tested in the core.
//!
//! - [`api`]: the `#[wasm_bindgen]` `Iob` class the JS facade wraps;
//! - `instance`: the running instance and [`instance::act`], the one path of
//!   every entry point (bring in deferred events, borrow, skip when stopped,
//!   run, carry out effects, emit);
//! - `deferred`: the events `js/listen.js` holds back (pointer moves, wheel,
//!   touch, keys, selection changes, scroll readings), handed over in batches;
//! - `listeners`, `observers`, `routes`: DOM events, scroll readings, performance
//!   entries and SPA routes into core events (JS in `js/listen.js`, `js/observe.js`);
//! - `signals`: consent signal readers (`js/signals.js`);
//! - `transport`, `storage`: requests (`js/request.js`), `localStorage`, the delivery timer;
//! - `cross_tab`: other tabs' changes to the SDK's keys (`js/cross-tab.js`);
//! - `handle`: RAII handles, so dropping one removes it from the page;
//! - `codes`: the numeric codes shared with the JS files (checked by a test);
//! - `runtime`: the no-std allocator and panic handler of the shipped wasm.
//!
//! Only compiled for `wasm32`, except `codes`, whose test runs natively.

#![cfg_attr(all(target_arch = "wasm32", feature = "standalone"), no_std)]
#![warn(unreachable_pub)]

extern crate alloc;

mod codes;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod cross_tab;
#[cfg(target_arch = "wasm32")]
mod deferred;
#[cfg(target_arch = "wasm32")]
mod handle;
#[cfg(target_arch = "wasm32")]
mod instance;
#[cfg(target_arch = "wasm32")]
mod listeners;
#[cfg(target_arch = "wasm32")]
mod observers;
#[cfg(target_arch = "wasm32")]
mod page;
#[cfg(target_arch = "wasm32")]
mod routes;
#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod signals;
#[cfg(target_arch = "wasm32")]
mod storage;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
pub use api::Iob;
/// The JS function type `Iob::new` takes as `emit`.
#[cfg(target_arch = "wasm32")]
pub use browser::Function;
