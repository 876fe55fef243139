//! Project tooling for iob-sdk (`cargo run -p iob-xtask -- <command>`, or
//! `make docs`). One declarative source per subject lives in the core (the
//! feature catalog, the option table, the payload's bounds); this crate turns
//! them into the generated files and checks that what is committed is current.

pub mod cycles;
pub mod generated;
mod markdown;
mod options;
mod schema;
mod typescript;
