//! The one table of `init` options. Everything that names or checks an
//! option is generated from it: the config parser's keys, kinds, bounds and
//! defaults ([`crate::Config::from_json`]), the error messages (built from the
//! bounds), and, by `make docs`, the TypeScript `IobConfig`, the script tag's
//! `data-*` mapping and the options table in `docs/api.md`.
//!
//! [`OPTIONS`] is what runs in the browser; the prose of [`OPTION_DOCS`] is
//! referenced only by the docs generator and tests, so it stays out of the wasm.

/// How an option's JSON value is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A string of `1..=max` bytes.
    Text { max: u32 },
    /// A list of strings: comma-separated text of `1..=max` bytes (an array
    /// in `init` is joined with commas by the JS facade).
    List { max: u32 },
    /// A whole number in `lo..=hi`.
    Int { lo: u32, hi: u32 },
    /// `true` or `false`.
    Bool,
    /// One of the listed words. When the list holds `"true"`/`"false"`, the
    /// JSON booleans are accepted for them too.
    Choice(&'static [&'static str]),
    /// A decimal number with at most 3 decimals, kept in thousandths, in
    /// `lo..=hi` thousandths; a JSON number or a string (`"0.5"`).
    Milli { lo: u32, hi: u32 },
}

/// An option's value before anything is set: what the parser starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionDefault {
    /// The option must be given.
    Required,
    /// Unset (no value).
    Unset,
    Text(&'static str),
    Int(u32),
    Bool(bool),
    /// Index into the [`OptionKind::Choice`] list.
    Word(u8),
    Milli(u32),
}

/// What the parser needs to know of one option.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OptionSpec {
    pub(crate) id: Opt,
    /// The camelCase JSON key (`idleTimeoutMs`); the script tag reads it from
    /// the kebab-case `data-*` attribute (`data-idle-timeout-ms`).
    pub(crate) name: &'static str,
    pub(crate) kind: OptionKind,
    pub(crate) default: OptionDefault,
}

/// One option's documentation (docs and generated TypeScript only).
#[derive(Debug, Clone, Copy)]
pub struct OptionDoc {
    pub name: &'static str,
    pub kind: OptionKind,
    pub default: OptionDefault,
    /// What the option does (Markdown, one sentence or two).
    pub meaning: &'static str,
}

macro_rules! option_table {
    ($( $id:ident $name:literal : $kind:expr, default $default:expr, $meaning:literal; )*) => {
        /// Names every option, in [`OPTIONS`] order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Opt { $( $id, )* }

        /// Every option, in documentation order.
        pub(crate) const OPTIONS: &[OptionSpec] = &[
            $( OptionSpec { id: Opt::$id, name: $name, kind: $kind, default: $default }, )*
        ];

        /// Every option with its documentation, in [`OPTIONS`] order.
        pub const OPTION_DOCS: &[OptionDoc] = &[
            $( OptionDoc { name: $name, kind: $kind, default: $default, meaning: $meaning }, )*
        ];
    };
}

use OptionDefault as D;
use OptionKind as K;

/// The consent modes, in [`crate::Mode`] order.
pub(crate) const CONSENT_MODES: &[&str] = &["opt-in", "opt-out", "exempt"];
/// The identity modes, in [`crate::Identity`] order.
pub(crate) const IDENTITIES: &[&str] = &["rotating", "none"];
/// The `gdprApplies` values, in [`crate::GdprApplies`] order.
pub(crate) const GDPR_APPLIES: &[&str] = &["auto", "true", "false"];

option_table! {
    Site "site": K::Text { max: 64 }, default D::Required,
        "Site key: 1-64 characters of `a-z 0-9 . _ -`.";
    Endpoint "endpoint": K::Text { max: 2048 }, default D::Required,
        "Collector ingest URL (`https://collector.example/v1/ingest`) or a same-origin path starting with `/`.";
    Consent "consent": K::Choice(CONSENT_MODES), default D::Word(0),
        "Consent mode: `opt-in` (nothing stored or sent before consent), `opt-out` (on unless refused) or `exempt` (CNIL-style audience measurement).";
    IdleTimeoutMs "idleTimeoutMs": K::Int { lo: 1_000, hi: 600_000 }, default D::Int(15_000),
        "Idle timeout of `active_ms`, ms: time more than this after the last input is not active.";
    PolicyVersion "policyVersion": K::Text { max: 32 }, default D::Text("1"),
        "Version of the site's privacy policy, copied into consent records.";
    RespectGpc "respectGpc": K::Bool, default D::Bool(true),
        "Treat GPC and DNT as refusals of analytics, marketing and personalization.";
    Identity "identity": K::Choice(IDENTITIES), default D::Word(0),
        "`rotating`: a pseudonym rotating every `rotationHours`; `none`: no visitor or session id at all.";
    RotationHours "rotationHours": K::Int { lo: 1, hi: 8_760 }, default D::Int(24),
        "How often the sent pseudonym rotates, hours.";
    SnapshotIntervalMs "snapshotIntervalMs": K::Int { lo: 1_000, hi: 86_400_000 }, default D::Int(60_000),
        "Periodic cumulative snapshots on long pages, only while there is new activity, ms.";
    GdprApplies "gdprApplies": K::Choice(GDPR_APPLIES), default D::Word(0),
        "Whether the GDPR applies, for IAB TCF: `auto` asks the CMP; `true`: no CMP answer within `tcfTimeoutMs` means no consent; `false`: TCF restricts only when a CMP itself says GDPR applies.";
    TcfTimeoutMs "tcfTimeoutMs": K::Int { lo: 0, hi: 60_000 }, default D::Int(3_000),
        "How long to look for a (late) TCF CMP and wait for its answer, ms.";
    TcfVendorId "tcfVendorId": K::Int { lo: 1, hi: 65_535 }, default D::Unset,
        "Read `vendor.consents[id]` (with `purpose.consents`) instead of `publisher.consents`.";
    Ldp "ldp": K::Text { max: 2048 }, default D::Unset,
        "Features reported under local differential privacy instead of in the clear: `name[:bound]`, comma-separated (`clicks:20,active_ms:600000`); each a count, duration or flag this build computes (the lite build refuses a full-only feature).";
    LdpEpsilon "ldpEpsilon": K::Milli { lo: 10, hi: 10_000 }, default D::Milli(1_000),
        "ε per LDP feature per payload.";
    LdpDailyEpsilon "ldpDailyEpsilon": K::Milli { lo: 10, hi: 1_000_000 }, default D::Milli(10_000),
        "The visitor's daily ε budget; a payload that would exceed it is not sent.";
    PathTemplates "pathTemplates": K::List { max: 2048 }, default D::Unset,
        "Route templates whose `:name` segments are replaced by `:name` in the sent path (`['/users/:name', '/search/:q']`): names in paths, which no pattern recognises, never leave. Each starts with `/`; a template matches a path with the same number of segments whose other segments are equal.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_and_specs_list_the_same_options_in_the_same_order() {
        assert_eq!(OPTIONS.len(), OPTION_DOCS.len());
        for (s, d) in OPTIONS.iter().zip(OPTION_DOCS) {
            assert_eq!((s.name, s.kind, s.default), (d.name, d.kind, d.default));
        }
    }

    #[test]
    fn defaults_fit_their_kinds() {
        for o in OPTIONS {
            let ok = match (o.kind, o.default) {
                (_, D::Required | D::Unset) => true,
                (K::Text { max } | K::List { max }, D::Text(t)) => {
                    !t.is_empty() && t.len() <= max as usize
                }
                (K::Int { lo, hi }, D::Int(n)) => (lo..=hi).contains(&n),
                (K::Bool, D::Bool(_)) => true,
                (K::Choice(words), D::Word(i)) => usize::from(i) < words.len(),
                (K::Milli { lo, hi }, D::Milli(m)) => (lo..=hi).contains(&m),
                _ => false,
            };
            assert!(ok, "default of {} does not fit its kind", o.name);
        }
    }
}
