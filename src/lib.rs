//! # iob-sdk: the pure core
//!
//! A privacy-first behaviour SDK: the browser computes engagement features
//! and the visitor's consent state, and only aggregated, pseudonymous
//! payloads leave the device. This crate is the **functional core**: no
//! browser dependency anywhere in its tree, `no_std` + `alloc` where it
//! ships, and every input (time, wall-clock time, randomness, what storage
//! held, what the consent signals said) is an argument, so everything here
//! is tested natively and deterministically. The browser shell is the
//! sibling crate `iob-web` (`web/`): it translates DOM events into
//! [`Event`]s and carries out the [`Effect`]s the core returns.
//!
//! ## Map: how data flows
//!
//! ```text
//!  DOM event ──(iob-web)──▶ Event ──▶ Tracker::on_event ──▶ page view ──▶ aggregators (one per family)
//!                                         │                                   │ write
//!  consent signals ──▶ Signals ──▶ Consent │                                   ▼
//!  (GPC, DNT, TCF, Consent Mode)           │                               Features ──▶ Payload (ids, context,
//!                                          │                                            consent reference)
//!                                          ▼                                   │ scrub + LDP
//!                                      Vec<Effect> ◀── outbox + retry policy ◀─┘
//!                                 (Send, Post, Probe, Store, Remove)
//!                                          │
//!                                  (iob-web) beacon / fetch / localStorage
//! ```
//!
//! - **Input**: [`Event`] and [`EventKind`] (times in ms on the page clock);
//!   [`Config`], parsed from the `init` options by the one option table
//!   (documented in [`OPTION_DOCS`]); consent [`Signals`] from [`signals_from_readings`].
//!   JSON (the options, stored values, signal readings) is read by the
//!   platform's `JSON.parse`: the core takes it through a [`JsonPairs`]
//!   function ([`pairs_from_json`] natively) and carries no JSON reader.
//! - **Decisions**: [`Tracker`] owns one page's consent state machine
//!   ([`Purpose`], [`Mode`]), its page view and feature aggregators, the
//!   visitor's identifiers and the delivery outbox.
//! - **Features**: one row per feature in the catalog ([`CATALOG`] for
//!   docs, [`SPECS`] at run time) defines the [`Features`] struct.
//! - **Payload**: [`Payload`] is the one JSON document per page-view
//!   snapshot; the collector validates it with [`parse`] (feature `std`).
//! - **Output**: [`Tracker::take_effects`] returns the [`Effect`]s the shell
//!   must carry out, in order.
//!
//! Errors that name a field (bad config, bad payload, bad JSON) are one type,
//! [`FieldError`].

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(unreachable_pub, missing_debug_implementations)]

extern crate alloc;

mod catalog;
mod config;
mod consent;
mod delivery;
mod error;
mod event;
mod features;
mod flat;
mod ids;
mod json_out;
mod options;
mod pageview;
mod payload;
mod privacy;
mod seeded;
pub mod split;
#[cfg(test)]
mod traces;
mod tracker;

pub use catalog::{
    computed_by_this_build, revealers, withheld_by, FeatureDoc, FeatureSpec, Features, JsonType,
    CATALOG, DAY_MS, FRACTION_DIGITS, LITE_FEATURES, RETENTION, REVEALED_BY, SPECS,
};
pub use config::{Config, Identity};
pub use consent::{signals_from_readings, ConsentRecord, GdprApplies, Mode, Purpose, Signals};
pub use error::FieldError;
pub use event::{Event, EventKind, KeyClass};
pub use features::forms::field_ids;
pub use features::navigation::route_fragment;
pub use features::segments::{DICTIONARY_SECTION as SEGMENTS_DICTIONARY, SEGMENTS};
#[cfg(feature = "std")]
pub use flat::pairs_from_json;
pub use flat::JsonPairs;
pub use ids::Id128;
pub use options::{OptionDefault, OptionDoc, OptionKind, OPTION_DOCS};
#[cfg(feature = "std")]
pub use payload::parse;
pub use payload::{
    is_valid_site, BrowserFamily, ConsentRef, Context, DeviceClass, LdpReport, Mechanism, Payload,
    MAX_DOMAIN_BYTES, MAX_HOUR, MAX_PATH_BYTES, MAX_PAYLOAD_BYTES, MAX_SITE_BYTES, MIN_HOUR,
    SCHEMA_VERSION,
};
pub use seeded::SplitMix64;
pub use tracker::{Effect, PageEnv, Stored, Tracker};

/// Local differential privacy: the mechanisms the SDK applies
/// ([`ldp::privatize`]) and, with feature `std`, the collector's unbiased
/// estimators.
pub mod ldp {
    #[cfg(feature = "std")]
    pub use crate::privacy::ldp::{
        geometric_noise_variance, mean_estimate, rr_estimate, rr_keep_probability,
    };
    pub use crate::privacy::ldp::{parse_milli, privatize, LdpFeature, Settings};
}
