//! iob-collector: the reference collector for iob-sdk payloads.
//!
//! - [`server`]: axum routes (ingest, read API, dashboard, static files).
//! - [`storage`]: the [`storage::Storage`] trait and its SQLite backend.
//! - [`stats`]: backend-independent aggregation with k-anonymity, counted
//!   within one pseudonym period ([`period`]).
//! - [`http1`], [`client`], [`simulate`], [`bench`]: HTTP/1.1 messages, a tiny
//!   async client and the tools built on it (demo data, load test).
//!
//! Payloads are parsed and validated only by `iob_sdk::parse`, the
//! SDK crate's schema, so there is one source of truth.

// Payload features are built with `..Features::default()` on purpose: the
// SDK's catalog grows, and new features must default rather than break us.
#![allow(clippy::needless_update)]

pub mod bench;
pub mod client;
pub mod config;
pub mod dashboard;
pub mod days;
pub mod http1;
pub mod log;
pub mod period;
pub mod ratelimit;
pub mod sample;
pub mod server;
pub mod simulate;
pub mod stats;
pub mod storage;
