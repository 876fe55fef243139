//! External consent signals (GPC, DNT, IAB TCF, Google Consent Mode): the
//! snapshot the state machine reads, and how the shell's raw readings become
//! one. Pure: the browser readers only report values; every rule is here.

use crate::flat::{get, parse, Scalar};
use alloc::string::String;

/// Whether the GDPR applies, for the TCF reader (`gdprApplies`, `data-gdpr-applies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GdprApplies {
    /// Ask the CMP (its `gdprApplies`); with no CMP, TCF does not restrict.
    #[default]
    Auto,
    /// GDPR applies: no CMP answer within `tcfTimeoutMs` means no consent.
    Yes,
    /// GDPR does not apply: TCF never restricts.
    No,
}

/// Which signal decided a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Api,
    Gpc,
    Dnt,
    Tcf,
    Gcm,
    Default,
}

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Api,
        Source::Gpc,
        Source::Dnt,
        Source::Tcf,
        Source::Gcm,
        Source::Default,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Gpc => "gpc",
            Source::Dnt => "dnt",
            Source::Tcf => "tcf",
            Source::Gcm => "gcm",
            Source::Default => "default",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What the TCF CMP said, once it has said something actionable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TcfSignal {
    /// No CMP detected (yet), or GDPR configured as not applying: TCF does not restrict.
    #[default]
    Silent,
    /// GDPR applies and the CMP has not answered yet (within `tcfTimeoutMs`):
    /// nothing is sent or written, but nothing stored is removed either.
    Pending,
    /// GDPR applies and no CMP answered in time: no consent.
    NoAnswer,
    /// `tcloaded` / `useractioncomplete` with `gdprApplies` true.
    Answered { purpose1: bool, purpose8: bool },
}

/// A snapshot of the external signals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    pub gpc: bool,
    pub dnt: bool,
    pub tcf: TcfSignal,
    /// The TC string of the last actionable TCF answer, kept in the record.
    pub tc_string: Option<String>,
    /// Google Consent Mode's `analytics_storage` in effect (`Some(true)` =
    /// granted): the last `update` if any; else denied when a region-scoped
    /// `default` denied it (the visitor's region is unknown on the device, so
    /// it fails closed); else the last global `default`.
    pub gcm_analytics: Option<bool>,
    /// A CMP has given an actionable answer (`tcloaded`/`useractioncomplete`) on this page.
    pub tcf_answered: bool,
}

/// Turns the shell's raw signal readings into a [`Signals`] snapshot.
///
/// `readings` is a flat JSON object written by the shell's reader
/// (`web/js/signals.js`); every member is optional:
/// - `gpc` (bool): `navigator.globalPrivacyControl`;
/// - `dnt` (string): `navigator.doNotTrack`, `window.doNotTrack` and
///   `navigator.msDoNotTrack` joined by `,`; `"1"` or `"yes"` in any of them is DNT;
/// - `cmp` (bool): a TCF CMP was detected (`__tcfapi` answered `ping`);
/// - `waited` (bool): `tcfTimeoutMs` has passed;
/// - `status` (string), `gdpr` (bool), `tc` (string), `pub1`, `pub8`,
///   `pur1`, `pur8` (bool) and `ven` (bool, only with a configured vendor
///   id): the latest `addEventListener` callback's `eventStatus`,
///   `gdprApplies`, `tcString`, `publisher.consents[1|8]`,
///   `purpose.consents[1|8]` and `vendor.consents[id]`;
/// - `gcmu` (string): the `analytics_storage` of the last Consent Mode
///   `update` in `dataLayer`; `gcmd` (string): that of the last `default`
///   without `region`; `gcmr` (bool): some `default` scoped with `region`
///   denied it.
///
/// TCF rules: only `tcloaded` and `useractioncomplete` are acted on (any
/// other status keeps the previous TCF state); `gdprApplies === false` means
/// TCF does not restrict; analytics needs purposes 1 and 8 (from
/// `publisher.consents`, or from `purpose.consents` and the vendor's consent
/// when a vendor id is configured). A CMP's own answer always wins over the
/// configuration: `gdprApplies: false` only decides what silence means. With
/// no actionable answer, TCF means "no consent" when GDPR applies:
/// `gdprApplies: true` in the configuration, or `'auto'` and a CMP was detected.
pub fn signals_from_readings(readings: &str, gdpr: GdprApplies, prev: &Signals) -> Signals {
    let pairs = parse(readings).unwrap_or_default();
    let flag = |k: &str| matches!(get(&pairs, k), Some(Scalar::Bool(true)));
    let text = |k: &str| match get(&pairs, k) {
        Some(Scalar::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let dnt = text("dnt").is_some_and(|d| {
        crate::split::pieces(d, b",").any(|v| v == "1" || v.eq_ignore_ascii_case("yes"))
    });
    let actionable = matches!(
        text("status"),
        Some("tcloaded") | Some("useractioncomplete")
    );
    let mut next = Signals {
        gpc: flag("gpc"),
        dnt,
        tcf: prev.tcf,
        tc_string: prev.tc_string.clone(),
        tcf_answered: prev.tcf_answered,
        gcm_analytics: {
            let value = |k: &str| match text(k) {
                Some("granted") => Some(true),
                Some("denied") => Some(false),
                _ => None,
            };
            value("gcmu").or(if flag("gcmr") {
                Some(false)
            } else {
                value("gcmd")
            })
        },
    };
    if actionable {
        let gdpr_applies = !matches!(get(&pairs, "gdpr"), Some(Scalar::Bool(false)));
        next.tc_string = text("tc")
            .filter(|t| !t.is_empty() && t.len() <= 4096)
            .map(String::from);
        next.tcf = if !gdpr_applies {
            TcfSignal::Silent
        } else if get(&pairs, "ven").is_some() {
            let vendor = flag("ven");
            TcfSignal::Answered {
                purpose1: flag("pur1") && vendor,
                purpose8: flag("pur8") && vendor,
            }
        } else {
            TcfSignal::Answered {
                purpose1: flag("pub1"),
                purpose8: flag("pub8"),
            }
        };
        next.tcf_answered = true;
    }
    if !next.tcf_answered {
        let applies = match gdpr {
            GdprApplies::Yes => true,
            GdprApplies::No => false,
            GdprApplies::Auto => flag("cmp"),
        };
        next.tcf = match (applies, flag("waited")) {
            (false, _) => TcfSignal::Silent,
            (true, false) => TcfSignal::Pending,
            (true, true) => TcfSignal::NoAnswer,
        };
    }
    next
}
