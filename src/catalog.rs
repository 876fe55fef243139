//! The feature catalog: one table that defines every feature's name, JSON
//! type, unit, upper bound, definition and purpose. The `Features` struct,
//! its validation, the JSON Schema and the data dictionary are all generated
//! from this table, so they cannot drift apart.

use crate::error::FieldError;
use crate::json_out::{push_u64, ObjectWriter};
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// How a feature value is encoded in JSON.
pub(crate) trait FeatureValue: Copy + Default + PartialEq {
    /// JSON type (its Schema name is [`JsonType::as_str`]).
    const TYPE: JsonType;
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
    /// The value as a [`Num`].
    fn num(self) -> Num;
}

impl FeatureValue for u32 {
    const TYPE: JsonType = JsonType::Integer;
    fn num(self) -> Num {
        Num::Int(self)
    }
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

/// Significant decimal digits that always survive a round trip through f32.
pub(crate) const F32_DIGITS: u32 = 6;

impl FeatureValue for f32 {
    const TYPE: JsonType = JsonType::Number;
    fn num(self) -> Num {
        Num::Frac(self)
    }
    fn as_u64(&self) -> u64 {
        if self.is_finite() && *self > 0.0 {
            (*self + 0.5) as u64
        } else {
            0
        }
    }
    fn in_bounds(&self, max: f64) -> bool {
        self.is_finite() && *self >= 0.0 && f64::from(*self) <= max
    }
    fn write_json(&self, buf: &mut String) {
        let v = if self.is_finite() && *self > 0.0 {
            f64::from(*self)
        } else {
            0.0
        };
        // At most FRACTION_DIGITS decimals and at most F32_DIGITS significant
        // digits, so the text parses back to an f32 that prints the same (the
        // collector stores f32): 5370.3062 is written 5370.31.
        let mut int_digits = 1;
        let mut bound = 10.0;
        while v >= bound && int_digits < F32_DIGITS {
            int_digits += 1;
            bound *= 10.0;
        }
        let decimals = F32_DIGITS.saturating_sub(int_digits).min(FRACTION_DIGITS);
        let scale = 10u64.pow(decimals).max(1);
        let scaled = (v * scale as f64 + 0.5) as u64;
        push_u64(buf, scaled / scale);
        let mut frac = scaled % scale;
        if frac > 0 {
            buf.push('.');
            let mut width = decimals;
            while frac.is_multiple_of(10) {
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
    const TYPE: JsonType = JsonType::Boolean;
    fn num(self) -> Num {
        Num::Flag(self)
    }
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

/// A feature's JSON type, as [`FeatureSpec`] stores it (one byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    Integer,
    Number,
    Boolean,
}

impl JsonType {
    /// The JSON Schema type name.
    pub const fn as_str(self) -> &'static str {
        match self {
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
        }
    }
}

/// What runtime validation needs to know of one feature (16 bytes in the
/// wasm: a name, a whole-number bound and a one-byte type).
#[derive(Debug, Clone, Copy)]
pub struct FeatureSpec {
    pub name: &'static str,
    /// Upper bound, in the feature's unit (every bound is a whole number).
    pub max: u32,
    pub json_type: JsonType,
}

/// The features the `lite` build computes (engagement, scroll, clicks and
/// frustration, navigation, delivery); it leaves every other feature at its
/// default, so out of the payload. The data dictionary marks them.
pub const LITE_FEATURES: &[&str] = &[
    "active_ms",
    "visible_ms",
    "total_ms",
    "scroll_depth_max_pct",
    "clicks",
    "engaged",
    "scroll_distance_px",
    "scroll_reversals",
    "rage_clicks",
    "dead_clicks",
    "error_clicks",
    "quick_backs",
    "frustration_score",
    "pageviews",
    "route_changes",
    "conversions",
    "outbox_dropped",
];

/// Whether the build this crate was compiled as computes feature `name`.
pub fn computed_by_this_build(name: &str) -> bool {
    cfg!(feature = "full") || LITE_FEATURES.contains(&name)
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
                json_type: <$ty as FeatureValue>::TYPE,
                max: $max as u32,
            }, )*
        ];

        /// The data dictionary, in payload order.
        pub const CATALOG: &[FeatureDoc] = &[
            $( FeatureDoc {
                name: stringify!($name),
                json_type: <$ty as FeatureValue>::TYPE.as_str(),
                unit: $unit,
                max: $max as f64,
                definition: $def,
                purpose: $purpose,
            }, )*
        ];

        /// Reads each feature as a [`Num`], in [`SPECS`] order: one small
        /// accessor per field, so the loops below are written once.
        const GET: &[fn(&Features) -> Num] = &[ $( |f| FeatureValue::num(f.$name), )* ];
        /// Resets each feature to its default, in [`SPECS`] order.
        const RESET: &[fn(&mut Features)] = &[ $( |f| f.$name = Default::default(), )* ];
    };
}

/// One feature as the run-time loops see it: its spec, its reader and its
/// resetter.
pub(crate) type Built = (FeatureSpec, fn(&Features) -> Num, fn(&mut Features));

/// `a == b`, usable in constants.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// [`computed_by_this_build`], usable in constants.
const fn computed(name: &str) -> bool {
    if cfg!(feature = "full") {
        return true;
    }
    let mut i = 0;
    while i < LITE_FEATURES.len() {
        if same(LITE_FEATURES[i], name) {
            return true;
        }
        i += 1;
    }
    false
}

/// How many features this build computes.
const BUILT_LEN: usize = {
    let (mut i, mut n) = (0, 0);
    while i < SPECS.len() {
        if computed(SPECS[i].name) {
            n += 1;
        }
        i += 1;
    }
    n
};

/// The features this build computes, in payload order, chosen when the
/// crate is compiled: every feature in the full build, [`LITE_FEATURES`]
/// in lite, whose wasm then holds no name, reader or resetter of a feature
/// it never computes. (A feature left out is always at its default: never
/// written, always in bounds.)
pub(crate) const BUILT: &[Built] = &{
    let mut out: [Built; BUILT_LEN] = [(SPECS[0], GET[0], RESET[0]); BUILT_LEN];
    let (mut i, mut n) = (0, 0);
    while i < SPECS.len() {
        if computed(SPECS[i].name) {
            out[n] = (SPECS[i], GET[i], RESET[i]);
            n += 1;
        }
        i += 1;
    }
    out
};

/// The row of feature `name` in [`BUILT`] (and [`BUILT_REVEALERS`]), if
/// this build computes it.
fn built_index(name: &str) -> Option<usize> {
    BUILT.iter().position(|b| b.0.name == name)
}

/// The spec of feature `name` if this build computes it.
pub(crate) fn built_spec(name: &str) -> Option<&'static FeatureSpec> {
    BUILT.get(built_index(name)?).map(|b| &b.0)
}

impl Features {
    /// The JSON object of the non-default features this build computes
    /// (every feature in the full build, which the collector uses), in
    /// catalog order.
    pub fn to_json(&self) -> String {
        let mut w = ObjectWriter::new();
        for (spec, get, _) in BUILT {
            let v = get(self);
            if !v.is_default() {
                v.write_json(w.key(spec.name));
            }
        }
        w.finish()
    }

    /// Removes the feature `name` (resets it to its default, so it is
    /// not sent) and returns its value as a whole number (flags 0/1,
    /// fractions rounded); `None` for a name this build does not compute.
    /// Used by LDP.
    pub fn take(&mut self, name: &str) -> Option<u64> {
        let (_, get, reset) = BUILT.get(built_index(name)?)?;
        let v = get(self);
        reset(self);
        Some(v.as_u64())
    }

    /// Checks every feature this build computes (every one in the full
    /// build) against its bound; the error names the field.
    pub fn validate(&self) -> Result<(), FieldError> {
        for (spec, get, _) in BUILT {
            if !get(self).in_bounds(f64::from(spec.max)) {
                let mut field = String::from("f.");
                field.push_str(spec.name);
                return Err(FieldError::new(field, "out of range"));
            }
        }
        Ok(())
    }
}

/// A feature's value, whatever its type (what the table-driven loops of
/// [`Features`] handle).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(u32),
    Frac(f32),
    Flag(bool),
}

impl Num {
    fn is_default(self) -> bool {
        match self {
            Num::Int(v) => v.is_default(),
            Num::Frac(v) => v.is_default(),
            Num::Flag(v) => v.is_default(),
        }
    }
    fn in_bounds(self, max: f64) -> bool {
        match self {
            Num::Int(v) => v.in_bounds(max),
            Num::Frac(v) => v.in_bounds(max),
            Num::Flag(v) => v.in_bounds(max),
        }
    }
    fn write_json(self, buf: &mut String) {
        match self {
            Num::Int(v) => v.write_json(buf),
            Num::Frac(v) => v.write_json(buf),
            Num::Flag(v) => v.write_json(buf),
        }
    }
    fn as_u64(self) -> u64 {
        match self {
            Num::Int(v) => v.as_u64(),
            Num::Frac(v) => v.as_u64(),
            Num::Flag(v) => v.as_u64(),
        }
    }
}

/// Which features reveal which: `(feature, the features a reader could infer
/// it from, exactly or as a bound)`. Privatising a feature under LDP drops
/// every feature that reveals it (and, in turn, what reveals those) from the
/// clear part of the payload, unless that one is privatised too; the
/// collector refuses a payload that breaks this.
pub const REVEALED_BY: &[(&str, &[&str])] = &[
    ("active_ms", &["engaged", "behaviour_shift"]),
    ("engaged", &["active_ms", "conversions", "pageviews"]),
    ("clicks", &["rage_clicks", "dead_clicks", "error_clicks"]),
    ("rage_clicks", &["frustration_score"]),
    ("dead_clicks", &["frustration_score"]),
    ("error_clicks", &["frustration_score"]),
    ("quick_backs", &["frustration_score"]),
    (
        "frustration_score",
        &["rage_clicks", "dead_clicks", "error_clicks", "quick_backs"],
    ),
    ("forms_started", &["forms_submitted", "forms_abandoned"]),
    (
        "forms_submitted",
        &["forms_started", "forms_abandoned", "time_to_submit_ms"],
    ),
    ("forms_abandoned", &["forms_started", "forms_submitted"]),
    ("keystrokes", &["delete_ratio"]),
    ("pointer_distance_px", &["pointer_speed_mean"]),
    (
        "automation_score",
        &[
            "flag_webdriver",
            "flag_untrusted",
            "flag_click_no_path",
            "flag_regular_timing",
            "flag_straight_path",
            "flag_superhuman",
        ],
    ),
    ("flag_webdriver", &["automation_score"]),
    ("flag_untrusted", &["automation_score"]),
    ("flag_click_no_path", &["automation_score"]),
    ("flag_regular_timing", &["automation_score"]),
    ("flag_straight_path", &["automation_score"]),
    ("flag_superhuman", &["automation_score"]),
];

/// Every feature that reveals `name`, directly or through another one that
/// does (the transitive closure of [`REVEALED_BY`]), in catalog order.
pub fn revealers(name: &str) -> alloc::vec::Vec<&'static str> {
    let mut out: alloc::vec::Vec<&'static str> = alloc::vec::Vec::new();
    let mut todo: alloc::vec::Vec<&str> = alloc::vec![name];
    while let Some(n) = todo.pop() {
        for (_, by) in REVEALED_BY.iter().filter(|(f, _)| *f == n) {
            for r in *by {
                if *r != name && !out.contains(r) {
                    out.push(r);
                    todo.push(r);
                }
            }
        }
    }
    out
}

/// The position of feature `name` in [`SPECS`]; a compile error when a
/// constant names no feature.
const fn spec_index(name: &str) -> usize {
    let mut i = 0;
    while i < SPECS.len() {
        if same(SPECS[i].name, name) {
            return i;
        }
        i += 1;
    }
    panic!("REVEALED_BY names a feature that is not in the catalog")
}

/// Per feature of [`BUILT`], the rows of [`BUILT`] that reveal it (bit `j`
/// set: row `j`), directly or transitively: [`revealers`] worked out when
/// the crate is compiled, restricted to what this build computes (a
/// feature it does not compute is always at its default, so withholding it
/// changes nothing). The wasm then holds neither [`REVEALED_BY`] nor its
/// names.
const BUILT_REVEALERS: [u64; BUILT_LEN] = {
    assert!(SPECS.len() <= 64, "one bit per feature");
    // Direct revealers over every feature, then their transitive closure.
    let mut all = [0u64; SPECS.len()];
    let mut k = 0;
    while k < REVEALED_BY.len() {
        let (name, by) = REVEALED_BY[k];
        let mut r = 0;
        while r < by.len() {
            all[spec_index(name)] |= 1 << spec_index(by[r]);
            r += 1;
        }
        k += 1;
    }
    let mut round = 0;
    while round < SPECS.len() {
        let mut i = 0;
        while i < SPECS.len() {
            let mut j = 0;
            while j < SPECS.len() {
                if all[i] >> j & 1 == 1 {
                    all[i] |= all[j];
                }
                j += 1;
            }
            i += 1;
        }
        round += 1;
    }
    // The same sets over the rows of BUILT, without the feature itself.
    let mut out = [0u64; BUILT_LEN];
    let mut row = 0;
    while row < BUILT_LEN {
        let i = spec_index(BUILT[row].0.name);
        let mut col = 0;
        while col < BUILT_LEN {
            let j = spec_index(BUILT[col].0.name);
            if j != i && all[i] >> j & 1 == 1 {
                out[row] |= 1 << col;
            }
            col += 1;
        }
        row += 1;
    }
    out
};

/// [`revealers`] of `name` among the features this build computes (none
/// for a name it does not compute), from the table worked out at compile
/// time: what the tracker withholds next to an LDP feature.
pub(crate) fn built_revealers(name: &str) -> impl Iterator<Item = &'static str> {
    let mask = built_index(name)
        .and_then(|i| BUILT_REVEALERS.get(i).copied())
        .unwrap_or(0);
    BUILT
        .iter()
        .enumerate()
        .filter(move |(j, _)| mask >> j & 1 == 1)
        .map(|(_, b)| b.0.name)
}

/// The features whose privatisation keeps `name` out of the clear: `name`
/// itself and every feature it reveals. A payload whose `ldp` reports any
/// of them sends `name` only as its 0 placeholder, which is not a
/// measurement (collectors leave it out of the clear statistics).
pub fn withheld_by(name: &str) -> alloc::vec::Vec<&'static str> {
    CATALOG
        .iter()
        .map(|d| d.name)
        .filter(|n| *n == name || revealers(n).contains(&name))
        .collect()
}

/// One day in milliseconds: the bound for every duration feature.
pub const DAY_MS: u32 = 86_400_000;

feature_catalog! {
    active_ms: u32, "ms", max DAY_MS,
        "Time the page was visible AND focused AND within idle_timeout_ms (default 15000) of the last trusted user input (pointer move, click, key, wheel, touch, form input including IME and virtual keyboards, or a change of the scroll position). An idle gap counts only up to the timeout; before the first input nothing counts. Input just before an SPA route change still counts for the new page view; events dispatched by script do not count; focus moving into an embedded iframe is not leaving the page.",
        "Engaged time: the honest measure of attention, unlike time-on-page.";
    visible_ms: u32, "ms", max DAY_MS,
        "Time the document's visibilityState was 'visible' during the page view (for the first page view of a document, from the page's time origin, taking the visibility at SDK start-up as the state before it).",
        "Denominator for attention share; detects background tabs.";
    total_ms: u32, "ms", max DAY_MS,
        "Time from the start of the page view to the snapshot: from the page's time origin (navigation start) for the first page view of a document, from the route change for an SPA page view.",
        "Classic time on page, for comparison with other tools.";
    scroll_depth_max_pct: u32, "percent", max 100,
        "Maximum over the page view of (scrollY + innerHeight) / scrollHeight, as a whole percentage clamped to 0-100.",
        "How far readers get: content length and placement decisions.";
    clicks: u32, "count", max 100_000,
        "Number of click events on the page (trusted or not).",
        "Interaction volume; denominator of frustration rates.";
    engaged: bool, "flag", max 1,
        "True when active_ms >= 10000, or a conversion (track) happened, or the session has >= 2 page views (pageviews >= 2, earlier page views of the session included).",
        "The engaged-session rate, robust to background tabs and bounces.";
    scroll_distance_px: u32, "px", max 10_000_000,
        "Sum over consecutive scroll readings (at most one per animation frame) of |change of scrollY|, CSS pixels.",
        "How much scrolling it took: long distances with low depth suggest searching.";
    scroll_reversals: u32, "count", max 100_000,
        "Number of times the vertical scrolling direction flips (down to up or up to down) between consecutive readings.",
        "Back-and-forth scrolling signals searching or confusion.";
    rage_clicks: u32, "count", max 100_000,
        "Bursts of >= 3 clicks, each <= 1000 ms and <= 30 px (CSS) from the previous click; one burst counts once however long it lasts.",
        "Frustration: elements that do not respond as expected.";
    dead_clicks: u32, "count", max 100_000,
        "Clicks on an element that has no native action of its own (not inside a[href], area[href], input, select, textarea, label, summary or a contenteditable element; a button is judged like any element, its form submission or the page's reaction answers it) followed within 2500 ms by no DOM mutation (open shadow roots on the click's path included), no navigation (one starting, page end, back/forward cache, SPA route change, form submission), no scroll and no selection change (for a pointer click, none since its press either: a press removes or starts a selection as the button goes down, before the click). Judged once 2500 ms have passed; up to 16 waiting clicks are judged one by one, more join the latest and are judged with it.",
        "Frustration: things that look clickable but are not.";
    error_clicks: u32, "count", max 100_000,
        "Clicks followed within 1000 ms by an uncaught error or unhandled promise rejection: an error counts every click of the 1000 ms before it that has not counted yet, so each click counts at most once.",
        "Broken interactions, with the page that has them.";
    quick_backs: u32, "count", max 100_000,
        "Returns to a page within 5000 ms of leaving it, counted on the page view returned to: the page hidden (another tab or app) and visible again; or, after leaving it for another page of the site, the page reached again by back/forward (the session record tells when the visitor left; analytics consent) or by an SPA route back to the page view before the last.",
        "Content that sent visitors away and back: a sign they did not find what they expected.";
    frustration_score: f32, "score 0-1", max 1,
        "x / (1 + x) with x = rage_clicks + error_clicks + 0.5 * (dead_clicks + quick_backs): 0 without frustration, 0.5 after one rage burst or error click, tending to 1.",
        "One comparable frustration number per page.";
    forms_started: u32, "count", max 10_000,
        "Forms with at least one edit in an observed field (at most 8 distinct forms per page view). A field is identified only by a hash of form name, field name and input type; password, hidden and data-iob-ignore fields are not observed.",
        "Top of the form funnel.";
    forms_submitted: u32, "count", max 10_000,
        "Started forms that fired a submit event (each form counts once).",
        "Form completion.";
    forms_abandoned: u32, "count", max 10_000,
        "Forms started and not submitted when the page view ends (pagehide, except into the back/forward cache, from which the page view may continue; or an SPA route change).",
        "Form drop-off, to find the forms that lose people.";
    field_corrections: u32, "count", max 10_000,
        "Runs of Backspace/Delete presses inside form fields, plus edits of a field after the visitor had moved on to another field (fields told apart by their 32-bit hash; the first 64 distinct fields of the page view are remembered).",
        "Form friction: confusing fields make people correct their input.";
    time_to_submit_ms: u32, "ms", max DAY_MS,
        "For the first submitted form: time from its first edit to its submit event.",
        "Form effort.";
    keystrokes: u32, "count", max 1_000_000,
        "Key presses (auto-repeats and lone modifier keys excluded; keys reported as Unidentified or Process, as Android keyboards and IME composition do, count as characters). Keys are classified char/delete/navigation/enter; the key value is never kept. Keys in password, hidden and data-iob-ignore fields are not observed.",
        "Typing volume; denominator of the rhythm features.";
    interkey_mean_ms: f32, "ms", max 2000,
        "Mean interval between consecutive key presses, over intervals of at most 2000 ms (longer gaps are pauses).",
        "Typing rhythm (adherence and fraud use cases), without any key value.";
    interkey_cv: f32, "ratio", max 10,
        "Coefficient of variation (population standard deviation / mean) of the same intervals; near 0 means machine-regular typing.",
        "Human typing is irregular; scripts are not.";
    delete_ratio: f32, "ratio 0-1", max 1,
        "Backspace/Delete presses divided by keystrokes.",
        "Typing effort and hesitation.";
    pointer_distance_px: u32, "px", max 100_000_000,
        "Summed length of pointer movement (pointermove positions), counting only moves less than 250 ms apart (a longer pause is a jump, not movement).",
        "Mouse activity volume.";
    pointer_straightness: f32, "ratio 0-1", max 1,
        "Over pointer strokes (movement between pauses > 250 ms or clicks) of >= 50 px: total straight-line displacement / total path length. 1 = perfectly straight.",
        "Humans curve; scripted pointers move in straight lines.";
    pointer_speed_mean: f32, "px/s", max 100_000,
        "pointer_distance_px divided by the time spent moving (intervals between moves of at most 250 ms, moves of zero length included), in px per second.",
        "Pointer kinematics for accessibility and bot detection.";
    direction_changes: u32, "count", max 1_000_000,
        "Turns of more than 90 degrees between consecutive pointer movement segments of >= 2 px.",
        "Hesitation and search behaviour.";
    pageviews: u32, "count", max 100_000,
        "Page views of the session so far, this one included: this document's (1 + SPA route changes), plus earlier ones in the same session (from the session record, kept with analytics consent) or visit (on-device history, personalization consent), whichever knows more.",
        "Session depth.";
    route_changes: u32, "count", max 100_000,
        "SPA route changes in this document so far (pushState, replaceState, popstate or hashchange changing the path, or the fragment of a hash route: #/... or #!...; an in-page anchor such as #section is not one); each starts a new page view.",
        "Single-page-app navigation that classic page-load analytics miss.";
    conversions: u32, "count", max 100_000,
        "Calls of track(name, props) in the page view; the name and props are never stored or sent.",
        "Custom conversions.";
    automation_score: f32, "score 0-1", max 1,
        "min(1, 0.5 webdriver + 0.5 untrusted_share + 0.3 no_path_share + 0.2 regular + 0.2 straight + 0.2 superhuman): untrusted_share is untrusted input events (pointer moves, clicks, keys) over input events, no_path_share is pointer clicks without a path over clicks, the others are the flags below as 0/1.",
        "Fraud and bot detection, computed on the device.";
    flag_webdriver: bool, "flag", max 1,
        "navigator.webdriver is true.",
        "Automation signal (browser driven by WebDriver, Playwright, Puppeteer).";
    flag_untrusted: bool, "flag", max 1,
        "At least one input event (pointer move, click, key) had isTrusted false: it was dispatched by script.",
        "Automation signal.";
    flag_click_no_path: bool, "flag", max 1,
        "At least one pointer click had no pointer move or touch in the 1000 ms before it (clicks activated from the keyboard, event.detail 0, are not judged).",
        "Automation signal (clicks that teleport).";
    flag_regular_timing: bool, "flag", max 1,
        "Near-zero timing variance: >= 10 key intervals with interkey_cv < 0.05, or >= 5 click intervals (each <= 10 s) with a CV < 0.05.",
        "Automation signal.";
    flag_straight_path: bool, "flag", max 1,
        ">= 3 pointer strokes of >= 50 px, all perfectly straight (displacement >= 0.999 of path length).",
        "Automation signal.";
    flag_superhuman: bool, "flag", max 1,
        "A pointer movement segment longer than 100 px covered at more than 20 px/ms.",
        "Automation signal.";
    lcp_ms: u32, "ms", max DAY_MS,
        "Largest Contentful Paint, as Google's web-vitals: start time of the last largest-contentful-paint entry that started before the first trusted click or key press and before the page was first hidden, minus activationStart (prerendered pages), at least 0. Not reported for a page loaded hidden. An SPA page view has the entries delivered during it (LCP stops at the first input, so only a route change during the load gets one).",
        "Loading experience.";
    cls: f32, "score", max 100,
        "Cumulative Layout Shift, as Google's web-vitals: the largest session window of layout-shift values without recent input (shifts < 1 s apart, window < 5 s). Reported only when the first contentful paint came before the page was first hidden.",
        "Visual stability.";
    inp_ms: u32, "ms", max DAY_MS,
        "Interaction to Next Paint, as Google's web-vitals: the 98th percentile of interaction latency over all interactions of the page view, counted by the browser (performance.interactionCount, or web-vitals' estimate from interaction ids): of the 10 longest interactions (event timing entries of >= 40 ms and first-input, grouped by interactionId), the one at index min(9, floor(interactions / 50)). An interaction counts in the page view it started in: at an SPA route change the entries the browser has made go into the old page view's last snapshot, and one that started before the change but whose entry comes later (with the next paint: the click that made the change, say) is the old page view's, whose snapshot is then sent again with the next seq (only the page view just left), never the new page view's.",
        "Responsiveness.";
    long_tasks: u32, "count", max 100_000,
        "longtask entries (main-thread tasks over 50 ms) observed during the page view.",
        "Main-thread congestion.";
    visit_index: u32, "bucket", max 8,
        "Number of this visit for the visitor on this site (1 = first; a visit ends after 30 min without activity, or when the wall clock moved more than 30 min back), sent as the lower bound of its bucket: 1, 2 (2-3), 4 (4-7) or 8 (8 or more); exact on the device (features()). Needs personalization consent (history on the device), else absent.",
        "New vs returning, without a cross-session identifier or an exact counter leaving the device.";
    days_since_last_visit: u32, "bucket of days", max 30,
        "Whole days between the end of the previous visit and the start of this one, sent as the lower bound of its bucket: 0, 1, 2 (2-6), 7 (7-29) or 30 (30 or more); exact on the device. Personalization consent only.",
        "Recency.";
    visits_30d: u32, "bucket", max 8,
        "Visits that started in the last 30 UTC days, this one included, sent as the lower bound of its bucket: 1, 2 (2-3), 4 (4-7) or 8 (8 or more); exact on the device. Personalization consent only.",
        "Frequency.";
    behaviour_shift: u32, "bucket 0-5", max 5,
        "Bucket of the z-score of this visit's active_ms so far (its page views summed, this one included) against the visitor's own rolling baseline (exponentially weighted mean and variance, weight 0.3, of earlier visits' active_ms; sd floored at 10% of the mean and 1 s): 0 no baseline (< 3 earlier visits), 1 z <= -2, 2 -2 < z <= -1, 3 -1 < z < 1, 4 1 <= z < 2, 5 z >= 2. Personalization consent only.",
        "Change in the visitor's own behaviour (the health-adherence pattern), without sending history.";
    outbox_dropped: u32, "count", max 100_000,
        "Unacknowledged payloads (of any page view of this site) that the SDK's bounded outbox dropped, oldest first, because it was full; counted on the device and reported once, by the page view that was current when the drop was seen. Cumulative within the page view.",
        "Delivery health: shows when payloads were lost (long offline periods, an unreachable collector) instead of hiding it.";
}

#[cfg(test)]
mod tests {
    use super::{computed_by_this_build, Features, BUILT, CATALOG, LITE_FEATURES, SPECS};

    #[test]
    fn the_revealers_worked_out_at_compile_time_are_the_catalogs() {
        for spec in SPECS {
            let mut built: alloc::vec::Vec<_> = super::built_revealers(spec.name).collect();
            let mut expected: alloc::vec::Vec<_> = if computed_by_this_build(spec.name) {
                super::revealers(spec.name)
                    .into_iter()
                    .filter(|r| computed_by_this_build(r))
                    .collect()
            } else {
                alloc::vec::Vec::new()
            };
            built.sort_unstable();
            expected.sort_unstable();
            assert_eq!(built, expected, "revealers of {}", spec.name);
        }
        // Transitive: rage_clicks reveals frustration_score, which reveals
        // quick_backs (through frustration_score).
        assert!(super::built_revealers("quick_backs").any(|r| r == "rage_clicks"));
        assert_eq!(super::built_revealers("no_such_feature").count(), 0);
    }

    #[test]
    fn the_built_table_holds_exactly_what_this_build_computes() {
        let built: alloc::vec::Vec<_> = BUILT.iter().map(|b| b.0.name).collect();
        let expected: alloc::vec::Vec<_> = SPECS
            .iter()
            .map(|s| s.name)
            .filter(|n| computed_by_this_build(n))
            .collect();
        assert_eq!(built, expected);
        let want = if cfg!(feature = "full") {
            SPECS.len()
        } else {
            LITE_FEATURES.len()
        };
        assert_eq!(built.len(), want);
        // Each row's reader and resetter belong to its feature: set every
        // feature through serde, then read and reset one row at a time.
        for (i, (spec, get, reset)) in BUILT.iter().enumerate() {
            let mut f = Features::default();
            let mut json = alloc::string::String::from("{\"");
            json.push_str(spec.name);
            json.push_str(match spec.json_type {
                super::JsonType::Boolean => "\":true}",
                _ => "\":1}",
            });
            f = serde_json::from_str(&json).unwrap_or(f);
            assert_ne!(
                f,
                Features::default(),
                "row {i} ({}) was not set",
                spec.name
            );
            assert!(
                !get(&f).is_default(),
                "row {i} reads another field than {}",
                spec.name
            );
            reset(&mut f);
            assert_eq!(
                f,
                Features::default(),
                "row {i} resets another field than {}",
                spec.name
            );
        }
    }

    #[test]
    fn the_runtime_specs_match_the_catalog() {
        let specs: alloc::vec::Vec<_> = SPECS
            .iter()
            .map(|s| (s.name, s.json_type.as_str(), f64::from(s.max)))
            .collect();
        let catalog: alloc::vec::Vec<_> = CATALOG
            .iter()
            .map(|d| (d.name, d.json_type, d.max))
            .collect();
        assert_eq!(specs, catalog);
    }
}
