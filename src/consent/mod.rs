//! Consent state machine: the visitor's choices and the external signals
//! merged in SPEC order into the purposes in effect, with a local record of
//! every change. Pure: time and record ids are inputs.
//!
//! Precedence, per purpose (first that speaks wins):
//! 1. the visitor's explicit choice through the API (latest wins);
//! 2. GPC / DNT (unless the site configured `respectGpc: false`);
//! 3. IAB TCF (analytics needs purposes 1 and 8);
//! 4. Google Consent Mode (`analytics_storage`; an `update` wins over
//!    `default`s, and a region-scoped denial fails closed);
//! 5. the mode's default.
//!
//! A signal that says no (GPC, DNT, a TCF refusal or a CMP that has not
//! answered while GDPR applies, a Consent Mode denial) refuses every
//! optional purpose, personalization included: nothing is sent and nothing
//! is written. A signal that says yes grants only analytics.

mod purpose;
mod record;
mod signals;

pub use purpose::Purpose;
pub(crate) use purpose::PurposeSet;
pub use record::ConsentRecord;
pub use signals::{signals_from_readings, GdprApplies, Signals};
pub(crate) use signals::{Source, TcfSignal};

use alloc::string::String;

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

    /// Restores a visitor's earlier explicit choices (from storage) without a
    /// new record (`None`: a bare refusal was stored, without a record).
    pub fn restore(
        &mut self,
        chose_yes: PurposeSet,
        chose_no: PurposeSet,
        record: Option<ConsentRecord>,
    ) {
        for p in Purpose::ALL {
            self.api[p.index()] = if chose_yes.contains(p) {
                Some(true)
            } else if chose_no.contains(p) {
                Some(false)
            } else {
                None
            };
        }
        self.effective = self.compute();
        if record.is_some() {
            self.record = record;
        }
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
    pub fn choose(
        &mut self,
        purposes: &[Purpose],
        granted: bool,
        now_ms: u64,
        record_id: String,
    ) -> bool {
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
        self.choose(
            &[
                Purpose::Analytics,
                Purpose::Personalization,
                Purpose::Marketing,
            ],
            false,
            now_ms,
            record_id,
        )
    }

    /// Replaces the external signal snapshot. When the effective set changes, or a CMP hands a new TC string,
    /// a new record is made and `true` is returned.
    pub fn set_signals(&mut self, signals: Signals, now_ms: u64, record_id: String) -> bool {
        // A new TC string is a new consent decision even when it leaves the
        // purposes as they were (a refusal after a pause): it gets a record.
        let new_tc = signals.tc_string.is_some() && signals.tc_string != self.signals.tc_string;
        self.signals = signals;
        let changed = self.update_effective();
        if changed || new_tc {
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
            denied: set.complement().to_vec(),
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

    /// Analytics is refused only because a TCF CMP has not answered yet:
    /// a pause, not a refusal that removes anything.
    pub fn pending(&self) -> bool {
        self.decide(Purpose::Analytics) == (false, Source::Tcf)
            && self.signals.tcf == TcfSignal::Pending
    }

    /// Decides one purpose and names the signal that decided it.
    pub fn decide(&self, p: Purpose) -> (bool, Source) {
        if p == Purpose::Security {
            return (true, Source::Default);
        }
        if let Some(v) = self.api[p.index()] {
            return (v, Source::Api);
        }
        // A signal that says no refuses every optional purpose (nothing is
        // sent and nothing is written); one that says yes grants analytics.
        if self.respect_gpc {
            if self.signals.gpc {
                return (false, Source::Gpc);
            }
            if self.signals.dnt {
                return (false, Source::Dnt);
            }
        }
        match self.signals.tcf {
            TcfSignal::Silent => {}
            TcfSignal::Pending
            | TcfSignal::NoAnswer
            | TcfSignal::Answered {
                purpose1: false, ..
            }
            | TcfSignal::Answered {
                purpose8: false, ..
            } => return (false, Source::Tcf),
            TcfSignal::Answered { .. } if p == Purpose::Analytics => return (true, Source::Tcf),
            TcfSignal::Answered { .. } => {}
        }
        match self.signals.gcm_analytics {
            Some(false) => return (false, Source::Gcm),
            Some(true) if p == Purpose::Analytics => return (true, Source::Gcm),
            _ => {}
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

#[cfg(test)]
mod tests;
