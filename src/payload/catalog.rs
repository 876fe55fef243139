//! The feature catalog: one table that defines every feature's name, JSON
//! type, unit, upper bound, definition and purpose. The `Features` struct,
//! its validation, the JSON Schema and the data dictionary are all generated
//! from this table, so they cannot drift apart.

use super::SchemaError;
use crate::json_out::{push_u64, ObjectWriter};
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// How a feature value is encoded in JSON.
pub trait FeatureValue: Copy + Default + PartialEq {
    /// JSON Schema type name.
    const JSON_TYPE: &'static str;
    /// `true` when the value is the default and can be left out of the payload.
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
    /// Checks `0 <= value <= max` (booleans always pass).
    fn in_bounds(&self, max: f64) -> bool;
    /// Appends the JSON value.
    fn write_json(&self, buf: &mut String);
    /// The value as a whole number (flags 0/1, fractions rounded), for LDP.
    fn as_u64(&self) -> u64;
}

impl FeatureValue for u32 {
    const JSON_TYPE: &'static str = "integer";
    fn in_bounds(&self, max: f64) -> bool {
        f64::from(*self) <= max
    }
    fn write_json(&self, buf: &mut String) {
        push_u64(buf, u64::from(*self));
    }
    fn as_u64(&self) -> u64 {
        u64::from(*self)
    }
}

/// Decimal places kept for fractional features (scores, means): they are
/// quantised to 1e-4 when written.
pub const FRACTION_DIGITS: u32 = 4;

impl FeatureValue for f32 {
    const JSON_TYPE: &'static str = "number";
    fn as_u64(&self) -> u64 {
        if self.is_finite() && *self > 0.0 { (*self + 0.5) as u64 } else { 0 }
    }
    fn in_bounds(&self, max: f64) -> bool {
        self.is_finite() && *self >= 0.0 && f64::from(*self) <= max
    }
    fn write_json(&self, buf: &mut String) {
        let scale = 10u64.pow(FRACTION_DIGITS);
        let v = if self.is_finite() && *self > 0.0 { f64::from(*self) } else { 0.0 };
        let scaled = (v * scale as f64 + 0.5) as u64;
        push_u64(buf, scaled / scale);
        let mut frac = scaled % scale;
        if frac > 0 {
            buf.push('.');
            let mut width = FRACTION_DIGITS;
            while frac % 10 == 0 {
                frac /= 10;
                width -= 1;
            }
            let mut digits = String::new();
            push_u64(&mut digits, frac);
            for _ in digits.len() as u32..width {
                buf.push('0');
            }
            buf.push_str(&digits);
        }
    }
}

impl FeatureValue for bool {
    const JSON_TYPE: &'static str = "boolean";
    fn as_u64(&self) -> u64 {
        u64::from(*self)
    }
    fn in_bounds(&self, _max: f64) -> bool {
        true
    }
    fn write_json(&self, buf: &mut String) {
        buf.push_str(if *self { "true" } else { "false" });
    }
}

/// One row of the data dictionary.
#[derive(Debug, Clone, Copy)]
pub struct FeatureDoc {
    pub name: &'static str,
    pub json_type: &'static str,
    pub unit: &'static str,
    pub max: f64,
    pub definition: &'static str,
    pub purpose: &'static str,
}

/// What runtime validation needs to know of one feature.
#[derive(Debug, Clone, Copy)]
pub struct FeatureSpec {
    pub name: &'static str,
    pub json_type: &'static str,
    pub max: f64,
}

/// Retention that applies to every feature (stated once in the dictionary).
pub const RETENTION: &str = "On the device: the page view only (no raw events are kept). \
At the reference collector: 25 months by default (`--retention-days`), then deleted by the retention job.";

macro_rules! feature_catalog {
    ($( $name:ident : $ty:ty, $unit:literal, max $max:expr, $def:literal, $purpose:literal; )*) => {
        /// Per-page-view cumulative feature snapshot. Fields equal to their
        /// default are omitted from the JSON payload.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Features {
            $(
                #[doc = $def]
                #[serde(default, skip_serializing_if = "FeatureValue::is_default")]
                pub $name: $ty,
            )*
        }

        /// Name, JSON type and bound of every feature, in payload order: what
        /// runtime code needs. (The prose of [`CATALOG`] is referenced only by
        /// the docs generators and tests, so it stays out of the wasm.)
        pub const SPECS: &[FeatureSpec] = &[
            $( FeatureSpec {
                name: stringify!($name),
                json_type: <$ty as FeatureValue>::JSON_TYPE,
                max: $max as f64,
            }, )*
        ];

        /// The data dictionary, in payload order.
        pub const CATALOG: &[FeatureDoc] = &[
            $( FeatureDoc {
                name: stringify!($name),
                json_type: <$ty as FeatureValue>::JSON_TYPE,
                unit: $unit,
                max: $max as f64,
                definition: $def,
                purpose: $purpose,
            }, )*
        ];

        impl Features {
            /// The JSON object of the non-default features, in catalog order.
            pub fn to_json(&self) -> String {
                let mut w = ObjectWriter::new();
                $(
                    if !FeatureValue::is_default(&self.$name) {
                        FeatureValue::write_json(&self.$name, w.key(stringify!($name)));
                    }
                )*
                w.finish()
            }

            /// Removes the feature `name` (resets it to its default, so it is
            /// not sent) and returns its value as a whole number (flags 0/1,
            /// fractions rounded); `None` for an unknown name. Used by LDP.
            pub fn take(&mut self, name: &str) -> Option<u64> {
                $(
                    if name == stringify!($name) {
                        let v = FeatureValue::as_u64(&self.$name);
                        self.$name = Default::default();
                        return Some(v);
                    }
                )*
                None
            }

            /// Checks every feature against its bound; the error names the field.
            pub fn validate(&self) -> Result<(), SchemaError> {
                $(
                    if !FeatureValue::in_bounds(&self.$name, $max as f64) {
                        return Err(SchemaError::new(concat!("f.", stringify!($name)), "out of range"));
                    }
                )*
                Ok(())
            }
        }
    };
}

/// One day in milliseconds: the bound for every duration feature.
pub const DAY_MS: u32 = 86_400_000;

feature_catalog! {
    active_ms: u32, "ms", max DAY_MS,
        "Time the page was visible AND focused AND within idle_timeout_ms (default 15000) of the last user input (pointer move, click, key, wheel/scroll, touch). An idle gap counts only up to the timeout; before the first input nothing counts.",
        "Engaged time: the honest measure of attention, unlike time-on-page.";
    visible_ms: u32, "ms", max DAY_MS,
        "Time the document's visibilityState was 'visible' during the page view.",
        "Denominator for attention share; detects background tabs.";
    total_ms: u32, "ms", max DAY_MS,
        "Time from the start of the page view to the snapshot.",
        "Classic time on page, for comparison with other tools.";
    scroll_depth_max_pct: u32, "percent", max 100,
        "Maximum over the page view of (scrollY + innerHeight) / scrollHeight, as a whole percentage clamped to 0-100.",
        "How far readers get: content length and placement decisions.";
    clicks: u32, "count", max 100_000,
        "Number of click events on the page (trusted or not).",
        "Interaction volume; denominator of frustration rates.";
    outbox_dropped: u32, "count", max 100_000,
        "Unacknowledged payloads (of any page view of this site) that the SDK's bounded outbox dropped, oldest first, because it was full; counted on the device and reported once, by the page view that was current when the drop was seen. Cumulative within the page view.",
        "Delivery health: shows when payloads were lost (long offline periods, an unreachable collector) instead of hiding it.";
}
