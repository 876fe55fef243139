//! The one error type of the core: a field and the reason it was rejected.
//! A bad `init` option, a bad payload at the collector and malformed JSON all
//! report one, so every caller can name the field to the person who sent it.

use alloc::string::String;

/// A rejected value: which field (an option name such as `idleTimeoutMs`, a
/// payload path such as `f.clicks`, or `.` for the whole object), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// "`field` reason" (built without `format!`, which would cost the wasm kilobytes).
    pub fn message(&self) -> String {
        let mut m = String::from("`");
        m.push_str(&self.field);
        m.push_str("` ");
        m.push_str(&self.reason);
        m
    }
}

impl core::fmt::Display for FieldError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message())
    }
}

impl core::error::Error for FieldError {}
