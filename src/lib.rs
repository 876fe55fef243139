//! iob-sdk: a privacy-first behaviour SDK.
//!
//! The crate is a functional core with an imperative shell:
//! - everything outside [`shell`] is pure Rust, driven by explicit time
//!   (milliseconds, `f64`) and explicit randomness, and unit-tested natively;
//! - `shell` (wasm32 only) turns browser events into [`event::Event`]s and
//!   carries out the core's decisions (send, store, wipe).
//!
//! The payload schema in [`payload`] is the single source of truth: the
//! reference collector imports it, and `docs/features.md` and
//! `docs/payload.schema.json` are generated from it (see `make docs`).

#![cfg_attr(all(target_arch = "wasm32", feature = "standalone"), no_std)]

extern crate alloc;

pub mod config;
pub mod consent;
pub mod event;
pub mod features;
pub mod flat_json;
pub mod ids;
pub mod json_out;
pub mod pageview;
pub mod payload;
pub mod privacy;
pub mod seeded;
pub mod tracker;
pub mod transport;

#[cfg(all(target_arch = "wasm32", feature = "standalone"))]
mod runtime;
#[cfg(all(target_arch = "wasm32", not(feature = "size-floor")))]
mod shell;
#[cfg(all(target_arch = "wasm32", not(feature = "size-floor")))]
pub use shell::Iob;
#[cfg(all(target_arch = "wasm32", feature = "size-floor"))]
mod size_floor;
