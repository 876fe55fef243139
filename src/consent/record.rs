//! The local consent record: one per change of the purposes in effect.

use super::purpose::Purpose;
use super::signals::Source;
use crate::json_out::ObjectWriter;
use alloc::string::String;
use alloc::vec::Vec;

/// One local consent record, made on every change of the effective purposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// Random 128-bit id, 32 hex digits.
    pub id: String,
    /// UTC time of the change, Unix milliseconds.
    pub at_ms: u64,
    pub granted: Vec<Purpose>,
    pub denied: Vec<Purpose>,
    /// The signal that decided `analytics`.
    pub source: Source,
    pub policy_version: String,
    pub gpc: bool,
    pub dnt: bool,
    pub tc_string: Option<String>,
}

impl ConsentRecord {
    /// The record as JSON (what `consent.state().record` shows).
    pub fn to_json(&self) -> String {
        ObjectWriter::new()
            .str("id", &self.id)
            .uint("at_ms", self.at_ms)
            .str_list("granted", self.granted.iter().map(|p| p.as_str()))
            .str_list("denied", self.denied.iter().map(|p| p.as_str()))
            .str("source", self.source.as_str())
            .str("policy_version", &self.policy_version)
            .bool("gpc", self.gpc)
            .bool("dnt", self.dnt)
            .opt_str("tc_string", self.tc_string.as_deref())
            .finish()
    }
}
