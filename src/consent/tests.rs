use super::*;

fn id(n: u8) -> String {
    format!("{n:032x}")
}

#[test]
fn modes_have_the_documented_defaults() {
    let opt_in = Consent::new(Mode::OptIn, true, "1".into());
    assert_eq!(opt_in.effective().to_vec(), vec![Purpose::Security]);
    let opt_out = Consent::new(Mode::OptOut, true, "1".into());
    assert_eq!(opt_out.effective().to_vec(), vec![Purpose::Security, Purpose::Analytics, Purpose::Personalization]);
    let exempt = Consent::new(Mode::Exempt, true, "1".into());
    assert_eq!(exempt.effective().to_vec(), vec![Purpose::Security, Purpose::Analytics]);
}

#[test]
fn api_choice_wins_and_the_latest_choice_wins() {
    let mut c = Consent::new(Mode::OptIn, true, "v7".into());
    assert!(c.choose(&[Purpose::Analytics], true, 1, id(1)));
    assert!(c.allows(Purpose::Analytics));
    let r = c.record().unwrap();
    assert_eq!((r.id.as_str(), r.source, r.policy_version.as_str()), (id(1).as_str(), Source::Api, "v7"));
    assert!(c.choose(&[Purpose::Analytics], false, 2, id(2)));
    assert!(!c.allows(Purpose::Analytics));
    assert_eq!(c.record().unwrap().denied, vec![Purpose::Analytics, Purpose::Personalization, Purpose::Marketing]);
}

#[test]
fn gpc_and_dnt_refuse_analytics_in_opt_out_unless_configured() {
    let signals = Signals { gpc: true, ..Signals::default() };
    let mut c = Consent::new(Mode::OptOut, true, "1".into());
    assert!(c.set_signals(signals.clone(), 1, id(1)));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Gpc));
    assert!(c.allows(Purpose::Personalization), "GPC concerns analytics and marketing");
    // An explicit grant still wins over the signal.
    c.choose(&[Purpose::Analytics], true, 2, id(2));
    assert!(c.allows(Purpose::Analytics));
    let mut ignoring = Consent::new(Mode::OptOut, false, "1".into());
    ignoring.set_signals(Signals { dnt: true, ..Signals::default() }, 1, id(3));
    assert!(ignoring.allows(Purpose::Analytics));
}

#[test]
fn tcf_then_consent_mode_then_default() {
    let mut c = Consent::new(Mode::OptOut, true, "1".into());
    c.set_signals(Signals { tcf: TcfSignal::Answered { purpose1: true, purpose8: false }, gcm_analytics: Some(true), ..Signals::default() }, 1, id(1));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Tcf));
    c.set_signals(Signals { tcf: TcfSignal::NoAnswer, ..Signals::default() }, 2, id(2));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Tcf));
    c.set_signals(Signals { gcm_analytics: Some(false), ..Signals::default() }, 3, id(3));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Gcm));
    c.set_signals(Signals::default(), 4, id(4));
    assert_eq!(c.decide(Purpose::Analytics), (true, Source::Default));
}

#[test]
fn security_cannot_be_denied_and_unchanged_signals_make_no_record() {
    let mut c = Consent::new(Mode::OptIn, true, "1".into());
    c.choose(&[Purpose::Security], false, 1, id(1));
    assert!(c.allows(Purpose::Security));
    let before = c.record().cloned();
    assert!(!c.set_signals(Signals::default(), 2, id(2)));
    assert_eq!(c.record().cloned(), before);
}
