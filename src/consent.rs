//! Consent state machine: purposes, modes, signals merged in SPEC order, and
//! the local consent record. Pure: time and record ids are inputs.
//!
//! Precedence, per purpose (first that speaks wins):
//! 1. the visitor's explicit choice through the API (latest wins);
//! 2. GPC / DNT: a refusal of `analytics` and `marketing` (unless the site
//!    configured `respectGpc: false`);
//! 3. IAB TCF (analytics needs purposes 1 and 8);
//! 4. Google Consent Mode (`analytics_storage`, last entry wins);
//! 5. the mode's default.

use crate::config::GdprApplies;
use crate::json_out::ObjectWriter;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// What data use a visitor can allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Local automation/fraud signals; nothing leaves the device, no consent needed.
    Security,
    /// Sending aggregated payloads to the collector.
    Analytics,
    /// On-device history and segments.
    Personalization,
    /// Never used by the SDK; exists so that a denial is recorded.
    Marketing,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [Purpose::Security, Purpose::Analytics, Purpose::Personalization, Purpose::Marketing];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Security => "security",
            Purpose::Analytics => "analytics",
            Purpose::Personalization => "personalization",
            Purpose::Marketing => "marketing",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The site's consent mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Nothing stored or sent before consent (default).
    #[default]
    OptIn,
    /// On unless the visitor refuses or a signal says no.
    OptOut,
    /// CNIL-style exempt audience measurement: analytics on by default,
    /// identifier lifetime capped at 13 months, one-click opt-out.
    Exempt,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::OptIn => "opt-in",
            Mode::OptOut => "opt-out",
            Mode::Exempt => "exempt",
        }
    }
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
    pub const ALL: [Source; 6] = [Source::Api, Source::Gpc, Source::Dnt, Source::Tcf, Source::Gcm, Source::Default];

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
    /// Last Google Consent Mode `analytics_storage` value (`Some(true)` = granted).
    pub gcm_analytics: Option<bool>,
    /// A CMP has given an actionable answer (`tcloaded`/`useractioncomplete`) on this page.
    pub tcf_answered: bool,
}

/// Turns the shell's raw signal readings into a [`Signals`] snapshot.
///
/// `readings` is a flat JSON object written by the shell's reader
/// (`src/shell/signals.rs`); every member is optional:
/// - `gpc` (bool): `navigator.globalPrivacyControl`;
/// - `dnt` (string): `navigator.doNotTrack`, `window.doNotTrack` and
///   `navigator.msDoNotTrack` joined by `,`; `"1"` or `"yes"` in any of them is DNT;
/// - `cmp` (bool): a TCF CMP was detected (`__tcfapi` answered `ping`);
/// - `status` (string), `gdpr` (bool), `tc` (string), `pub1`, `pub8`,
///   `pur1`, `pur8` (bool) and `ven` (bool, only with a configured vendor
///   id): the latest `addEventListener` callback's `eventStatus`,
///   `gdprApplies`, `tcString`, `publisher.consents[1|8]`,
///   `purpose.consents[1|8]` and `vendor.consents[id]`;
/// - `gcm` (string): the last Consent Mode `analytics_storage` in `dataLayer`.
///
/// TCF rules: only `tcloaded` and `useractioncomplete` are acted on (any
/// other status keeps the previous TCF state); `gdprApplies === false` means
/// TCF does not restrict; analytics needs purposes 1 and 8 (from
/// `publisher.consents`, or from `purpose.consents` and the vendor's consent
/// when a vendor id is configured). With no actionable answer, TCF means "no
/// consent" when GDPR applies: `gdprApplies: true` in the configuration, or
/// `'auto'` and a CMP was detected.
pub fn signals_from_readings(readings: &str, gdpr: GdprApplies, prev: &Signals) -> Signals {
    use crate::flat_json::{get, parse, Scalar};
    let pairs = parse(readings).unwrap_or_default();
    let flag = |k: &str| matches!(get(&pairs, k), Some(Scalar::Bool(true)));
    let text = |k: &str| match get(&pairs, k) {
        Some(Scalar::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let dnt = text("dnt").is_some_and(|d| d.split(',').any(|v| v == "1" || v.eq_ignore_ascii_case("yes")));
    let actionable = matches!(text("status"), Some("tcloaded") | Some("useractioncomplete"));
    let mut next = Signals {
        gpc: flag("gpc"),
        dnt,
        tcf: prev.tcf,
        tc_string: prev.tc_string.clone(),
        tcf_answered: prev.tcf_answered,
        gcm_analytics: match text("gcm") {
            Some("granted") => Some(true),
            Some("denied") => Some(false),
            _ => None,
        },
    };
    if actionable {
        let gdpr_applies = !matches!(get(&pairs, "gdpr"), Some(Scalar::Bool(false)));
        next.tc_string = text("tc").filter(|t| !t.is_empty() && t.len() <= 4096).map(String::from);
        next.tcf = if !gdpr_applies {
            TcfSignal::Silent
        } else if get(&pairs, "ven").is_some() {
            let vendor = flag("ven");
            TcfSignal::Answered { purpose1: flag("pur1") && vendor, purpose8: flag("pur8") && vendor }
        } else {
            TcfSignal::Answered { purpose1: flag("pub1"), purpose8: flag("pub8") }
        };
        next.tcf_answered = true;
    }
    if !next.tcf_answered {
        let applies = match gdpr {
            GdprApplies::Yes => true,
            GdprApplies::No => false,
            GdprApplies::Auto => flag("cmp"),
        };
        next.tcf = if applies { TcfSignal::NoAnswer } else { TcfSignal::Silent };
    }
    if gdpr == GdprApplies::No {
        next.tcf = TcfSignal::Silent;
    }
    next
}

/// A set of purposes, as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PurposeSet(u8);

impl PurposeSet {
    pub fn contains(self, p: Purpose) -> bool {
        self.0 & (1 << p.index()) != 0
    }
    pub fn insert(&mut self, p: Purpose) {
        self.0 |= 1 << p.index();
    }
    pub fn to_vec(self) -> Vec<Purpose> {
        Purpose::ALL.into_iter().filter(|p| self.contains(*p)).collect()
    }
    pub fn from_list(list: &[Purpose]) -> PurposeSet {
        let mut s = PurposeSet::default();
        list.iter().for_each(|p| s.insert(*p));
        s
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn from_bits(bits: u8) -> PurposeSet {
        PurposeSet(bits & 0b1111)
    }
}

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

/// The consent state machine for one page.
#[derive(Debug, Clone)]
pub struct Consent {
    mode: Mode,
    respect_gpc: bool,
    policy_version: String,
    api: [Option<bool>; 4],
    signals: Signals,
    effective: PurposeSet,
    record: Option<ConsentRecord>,
}

impl Consent {
    pub fn new(mode: Mode, respect_gpc: bool, policy_version: String) -> Self {
        let mut c = Consent {
            mode,
            respect_gpc,
            policy_version,
            api: [None; 4],
            signals: Signals::default(),
            effective: PurposeSet::default(),
            record: None,
        };
        c.effective = c.compute();
        c
    }

    /// The purposes in effect now.
    pub fn effective(&self) -> PurposeSet {
        self.effective
    }

    pub fn allows(&self, p: Purpose) -> bool {
        self.effective.contains(p)
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The latest consent record, if any change happened on this page.
    pub fn record(&self) -> Option<&ConsentRecord> {
        self.record.as_ref()
    }

    /// Restores a visitor's earlier explicit choices (from storage) without a new record.
    pub fn restore(&mut self, chose_yes: PurposeSet, chose_no: PurposeSet, record: ConsentRecord) {
        for p in Purpose::ALL {
            if chose_yes.contains(p) {
                self.api[p.index()] = Some(true);
            } else if chose_no.contains(p) {
                self.api[p.index()] = Some(false);
            }
        }
        self.effective = self.compute();
        self.record = Some(record);
    }

    /// The visitor's explicit choices (granted, denied), for persisting.
    pub fn choices(&self) -> (PurposeSet, PurposeSet) {
        let (mut yes, mut no) = (PurposeSet::default(), PurposeSet::default());
        for p in Purpose::ALL {
            match self.api[p.index()] {
                Some(true) => yes.insert(p),
                Some(false) => no.insert(p),
                None => {}
            }
        }
        (yes, no)
    }

    /// Records an explicit choice and makes a new record (`record_id`, `now_ms`).
    /// Returns `true` when the effective set changed.
    pub fn choose(&mut self, purposes: &[Purpose], granted: bool, now_ms: u64, record_id: String) -> bool {
        for p in purposes {
            if *p != Purpose::Security {
                self.api[p.index()] = Some(granted);
            }
        }
        let changed = self.update_effective();
        self.make_record(now_ms, record_id);
        changed
    }

    /// Withdraws everything: all optional purposes denied through the API.
    pub fn revoke(&mut self, now_ms: u64, record_id: String) -> bool {
        self.choose(&[Purpose::Analytics, Purpose::Personalization, Purpose::Marketing], false, now_ms, record_id)
    }

    /// Replaces the external signal snapshot. When the effective set changes,
    /// a new record is made and `true` is returned.
    pub fn set_signals(&mut self, signals: Signals, now_ms: u64, record_id: String) -> bool {
        self.signals = signals;
        let changed = self.update_effective();
        if changed {
            self.make_record(now_ms, record_id);
        }
        changed
    }

    pub fn signals(&self) -> &Signals {
        &self.signals
    }

    /// Makes the initial record (source: the mode's default or a signal) when none exists.
    pub fn ensure_record(&mut self, now_ms: u64, record_id: String) {
        if self.record.is_none() {
            self.make_record(now_ms, record_id);
        }
    }

    fn update_effective(&mut self) -> bool {
        let next = self.compute();
        let changed = next != self.effective;
        self.effective = next;
        changed
    }

    fn make_record(&mut self, now_ms: u64, record_id: String) {
        let set = self.effective;
        self.record = Some(ConsentRecord {
            id: record_id,
            at_ms: now_ms,
            granted: set.to_vec(),
            denied: Purpose::ALL.into_iter().filter(|p| !set.contains(*p)).collect(),
            source: self.decide(Purpose::Analytics).1,
            policy_version: self.policy_version.clone(),
            gpc: self.signals.gpc,
            dnt: self.signals.dnt,
            tc_string: self.signals.tc_string.clone(),
        });
    }

    fn compute(&self) -> PurposeSet {
        let mut set = PurposeSet::default();
        for p in Purpose::ALL {
            if self.decide(p).0 {
                set.insert(p);
            }
        }
        set
    }

    /// Decides one purpose and names the signal that decided it.
    pub fn decide(&self, p: Purpose) -> (bool, Source) {
        if p == Purpose::Security {
            return (true, Source::Default);
        }
        if let Some(v) = self.api[p.index()] {
            return (v, Source::Api);
        }
        let refusable = matches!(p, Purpose::Analytics | Purpose::Marketing);
        if refusable && self.respect_gpc {
            if self.signals.gpc {
                return (false, Source::Gpc);
            }
            if self.signals.dnt {
                return (false, Source::Dnt);
            }
        }
        if p == Purpose::Analytics {
            match self.signals.tcf {
                TcfSignal::Silent => {}
                TcfSignal::NoAnswer => return (false, Source::Tcf),
                TcfSignal::Answered { purpose1, purpose8 } => return (purpose1 && purpose8, Source::Tcf),
            }
            if let Some(v) = self.signals.gcm_analytics {
                return (v, Source::Gcm);
            }
        }
        let default = match (self.mode, p) {
            (Mode::OptIn, _) => false,
            (Mode::OptOut, Purpose::Marketing) => false,
            (Mode::OptOut, _) => true,
            (Mode::Exempt, Purpose::Analytics) => true,
            (Mode::Exempt, _) => false,
        };
        (default, Source::Default)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
