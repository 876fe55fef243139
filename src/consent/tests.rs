use super::*;

fn id(n: u8) -> String {
    format!("{n:032x}")
}

#[test]
fn modes_have_the_documented_defaults() {
    let opt_in = Consent::new(Mode::OptIn, true, "1".into());
    assert_eq!(opt_in.effective().to_vec(), vec![Purpose::Security]);
    let opt_out = Consent::new(Mode::OptOut, true, "1".into());
    assert_eq!(
        opt_out.effective().to_vec(),
        vec![
            Purpose::Security,
            Purpose::Analytics,
            Purpose::Personalization
        ]
    );
    let exempt = Consent::new(Mode::Exempt, true, "1".into());
    assert_eq!(
        exempt.effective().to_vec(),
        vec![Purpose::Security, Purpose::Analytics]
    );
}

#[test]
fn api_choice_wins_and_the_latest_choice_wins() {
    let mut c = Consent::new(Mode::OptIn, true, "v7".into());
    assert!(c.choose(&[Purpose::Analytics], true, 1, id(1)));
    assert!(c.allows(Purpose::Analytics));
    let r = c.record().unwrap();
    assert_eq!(
        (r.id.as_str(), r.source, r.policy_version.as_str()),
        (id(1).as_str(), Source::Api, "v7")
    );
    assert!(c.choose(&[Purpose::Analytics], false, 2, id(2)));
    assert!(!c.allows(Purpose::Analytics));
    assert_eq!(
        c.record().unwrap().denied,
        vec![
            Purpose::Analytics,
            Purpose::Personalization,
            Purpose::Marketing
        ]
    );
}

#[test]
fn gpc_and_dnt_refuse_analytics_in_opt_out_unless_configured() {
    let signals = Signals {
        gpc: true,
        ..Signals::default()
    };
    let mut c = Consent::new(Mode::OptOut, true, "1".into());
    assert!(c.set_signals(signals.clone(), 1, id(1)));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Gpc));
    assert!(
        !c.allows(Purpose::Personalization),
        "GPC means do not track: no history either (nothing persistent is written)"
    );
    // An explicit grant still wins over the signal.
    c.choose(&[Purpose::Analytics], true, 2, id(2));
    assert!(c.allows(Purpose::Analytics));
    let mut ignoring = Consent::new(Mode::OptOut, false, "1".into());
    ignoring.set_signals(
        Signals {
            dnt: true,
            ..Signals::default()
        },
        1,
        id(3),
    );
    assert!(ignoring.allows(Purpose::Analytics));
}

#[test]
fn tcf_then_consent_mode_then_default() {
    let mut c = Consent::new(Mode::OptOut, true, "1".into());
    c.set_signals(
        Signals {
            tcf: TcfSignal::Answered {
                purpose1: true,
                purpose8: false,
            },
            gcm_analytics: Some(true),
            ..Signals::default()
        },
        1,
        id(1),
    );
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Tcf));
    c.set_signals(
        Signals {
            tcf: TcfSignal::NoAnswer,
            ..Signals::default()
        },
        2,
        id(2),
    );
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Tcf));
    c.set_signals(
        Signals {
            gcm_analytics: Some(false),
            ..Signals::default()
        },
        3,
        id(3),
    );
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

fn read(json: &str, gdpr: GdprApplies, prev: &Signals) -> Signals {
    signals_from_readings(&crate::flat::pairs(json), gdpr, prev)
}

#[test]
fn gpc_and_every_legacy_dnt_form_are_read() {
    let none = Signals::default();
    assert!(read(r#"{"gpc":true}"#, GdprApplies::Auto, &none).gpc);
    assert!(!read(r#"{"gpc":false,"dnt":",,"}"#, GdprApplies::Auto, &none).dnt);
    for dnt in [
        r#""1,,""#,
        r#""unspecified,yes,""#,
        r#"",,1""#,
        r#""null,,YES""#,
    ] {
        assert!(
            read(&format!(r#"{{"dnt":{dnt}}}"#), GdprApplies::Auto, &none).dnt,
            "{dnt}"
        );
    }
    assert!(!read(r#"{"dnt":"0,no,unspecified"}"#, GdprApplies::Auto, &none).dnt);
    // Malformed readings are no signal at all, never a panic.
    assert_eq!(read("{not json", GdprApplies::Auto, &none), none);
}

#[test]
fn tcf_acts_only_on_tcloaded_and_useractioncomplete_and_needs_purposes_1_and_8() {
    let none = Signals::default();
    let granted = read(
        r#"{"cmp":true,"status":"tcloaded","gdpr":true,"tc":"CPgranted","pub1":true,"pub8":true}"#,
        GdprApplies::Auto,
        &none,
    );
    assert_eq!(
        granted.tcf,
        TcfSignal::Answered {
            purpose1: true,
            purpose8: true
        }
    );
    assert_eq!(granted.tc_string.as_deref(), Some("CPgranted"));
    // cmpuishown is not acted on: the previous answer stands.
    let shown = read(
        r#"{"cmp":true,"status":"cmpuishown","gdpr":true,"pub1":false,"pub8":false}"#,
        GdprApplies::Auto,
        &granted,
    );
    assert_eq!(shown.tcf, granted.tcf);
    // The visitor changes their mind: re-evaluated on every callback.
    let refused = read(
        r#"{"cmp":true,"status":"useractioncomplete","gdpr":true,"tc":"CPrefused","pub1":true,"pub8":false}"#,
        GdprApplies::Auto,
        &shown,
    );
    assert_eq!(
        refused.tcf,
        TcfSignal::Answered {
            purpose1: true,
            purpose8: false
        }
    );
    let mut c = Consent::new(Mode::OptOut, true, "1".into());
    c.set_signals(refused, 1, id(1));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Tcf));
    assert_eq!(c.record().unwrap().tc_string.as_deref(), Some("CPrefused"));
}

#[test]
fn tcf_vendor_consent_is_required_when_a_vendor_id_is_configured() {
    let none = Signals::default();
    let no_vendor = read(
        r#"{"status":"tcloaded","gdpr":true,"pub1":true,"pub8":true,"pur1":true,"pur8":true,"ven":false}"#,
        GdprApplies::Auto,
        &none,
    );
    assert_eq!(
        no_vendor.tcf,
        TcfSignal::Answered {
            purpose1: false,
            purpose8: false
        }
    );
    let vendor = read(
        r#"{"status":"tcloaded","gdpr":true,"pur1":true,"pur8":true,"ven":true}"#,
        GdprApplies::Auto,
        &none,
    );
    assert_eq!(
        vendor.tcf,
        TcfSignal::Answered {
            purpose1: true,
            purpose8: true
        }
    );
}

#[test]
fn gdpr_applies_config_decides_what_silence_means() {
    let none = Signals::default();
    // No CMP: 'auto' does not restrict, true means no consent, false never restricts.
    assert_eq!(read("{}", GdprApplies::Auto, &none).tcf, TcfSignal::Silent);
    // With true, silence is a pause until tcfTimeoutMs, then no consent.
    assert_eq!(read("{}", GdprApplies::Yes, &none).tcf, TcfSignal::Pending);
    assert_eq!(
        read(r#"{"waited":true}"#, GdprApplies::Yes, &none).tcf,
        TcfSignal::NoAnswer
    );
    assert_eq!(
        read(r#"{"waited":true}"#, GdprApplies::No, &none).tcf,
        TcfSignal::Silent
    );
    // A CMP that answered ping but not (yet) tcloaded, under 'auto': no
    // consent, pending until the timeout.
    assert_eq!(
        read(r#"{"cmp":true}"#, GdprApplies::Auto, &none).tcf,
        TcfSignal::Pending
    );
    assert_eq!(
        read(r#"{"cmp":true,"waited":true}"#, GdprApplies::Auto, &none).tcf,
        TcfSignal::NoAnswer
    );
    // The CMP says GDPR does not apply (update(null)): TCF does not restrict, even when configured true.
    let not_applying = read(
        r#"{"cmp":true,"status":"tcloaded","gdpr":false,"tc":""}"#,
        GdprApplies::Yes,
        &none,
    );
    assert_eq!(
        (not_applying.tcf, not_applying.tc_string.as_deref()),
        (TcfSignal::Silent, None)
    );
    // A CMP's own answer wins over the configuration: with gdprApplies false,
    // a CMP that says GDPR applies and consent is refused still refuses.
    let refused = read(
        r#"{"status":"tcloaded","gdpr":true,"pub1":false,"pub8":true}"#,
        GdprApplies::No,
        &none,
    );
    assert_eq!(
        refused.tcf,
        TcfSignal::Answered {
            purpose1: false,
            purpose8: true
        }
    );
    let mut site_says_no_gdpr = Consent::new(Mode::OptOut, true, "1".into());
    site_says_no_gdpr.set_signals(refused, 1, id(1));
    assert_eq!(
        site_says_no_gdpr.decide(Purpose::Analytics),
        (false, Source::Tcf)
    );
    let mut c = Consent::new(Mode::OptOut, true, "1".into());
    c.set_signals(read("{}", GdprApplies::Yes, &none), 1, id(1));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Tcf));
    assert!(c.pending(), "no answer yet: a pause");
    c.set_signals(
        read(r#"{"waited":true}"#, GdprApplies::Yes, &none),
        2,
        id(2),
    );
    assert_eq!(
        (c.decide(Purpose::Analytics), c.pending()),
        ((false, Source::Tcf), false)
    );
}

#[test]
fn consent_mode_last_entry_wins_and_ranks_below_tcf_and_gpc() {
    let none = Signals::default();
    let denied = read(r#"{"gcmd":"denied"}"#, GdprApplies::Auto, &none);
    let granted = read(
        r#"{"gcmd":"denied","gcmu":"granted"}"#,
        GdprApplies::Auto,
        &denied,
    );
    let mut c = Consent::new(Mode::OptIn, true, "1".into());
    c.set_signals(denied, 1, id(1));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Gcm));
    assert!(
        c.set_signals(granted.clone(), 2, id(2)),
        "granted later: a change and a record"
    );
    assert_eq!(c.decide(Purpose::Analytics), (true, Source::Gcm));
    assert_eq!(c.record().unwrap().source, Source::Gcm);
    // GPC outranks Consent Mode; TCF outranks it too.
    c.set_signals(
        Signals {
            gpc: true,
            ..granted.clone()
        },
        3,
        id(3),
    );
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Gpc));
    c.set_signals(
        Signals {
            tcf: TcfSignal::Answered {
                purpose1: false,
                purpose8: true,
            },
            ..granted
        },
        4,
        id(4),
    );
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Tcf));
    // And the visitor's explicit API choice outranks everything.
    c.choose(&[Purpose::Analytics], true, 5, id(5));
    assert_eq!(c.decide(Purpose::Analytics), (true, Source::Api));
}

#[test]
fn every_change_makes_exactly_one_record_with_the_signal_snapshot() {
    let mut c = Consent::new(Mode::OptOut, true, "v2".into());
    c.ensure_record(0, id(0));
    let signals = Signals {
        dnt: true,
        gpc: true,
        tc_string: Some("CPx".into()),
        ..Signals::default()
    };
    assert!(c.set_signals(signals, 10, id(1)));
    let r = c.record().unwrap().clone();
    assert_eq!(
        (
            r.id.as_str(),
            r.at_ms,
            r.gpc,
            r.dnt,
            r.tc_string.as_deref(),
            r.source
        ),
        (id(1).as_str(), 10, true, true, Some("CPx"), Source::Gpc)
    );
    assert_eq!(r.granted, vec![Purpose::Security]);
    assert_eq!(
        r.denied,
        vec![
            Purpose::Analytics,
            Purpose::Personalization,
            Purpose::Marketing
        ]
    );
    assert!(r.to_json().contains(r#""policy_version":"v2""#));
    // Revoking is one call and one record; granting back is one call too.
    // (GPC already refused everything: the set does not change, the record does.)
    assert!(!c.revoke(20, id(2)));
    assert_eq!(
        (c.record().unwrap().id.as_str(), c.record().unwrap().source),
        (id(2).as_str(), Source::Api)
    );
    assert_eq!(c.record().unwrap().granted, vec![Purpose::Security]);
    assert!(c.choose(
        &[Purpose::Analytics, Purpose::Personalization],
        true,
        30,
        id(3)
    ));
    assert_eq!(c.record().unwrap().id, id(3));
}

#[test]
fn exempt_mode_analytics_is_on_but_signals_and_opt_out_stop_it() {
    let mut c = Consent::new(Mode::Exempt, true, "1".into());
    assert_eq!(c.decide(Purpose::Analytics), (true, Source::Default));
    assert!(
        !c.allows(Purpose::Personalization),
        "exempt covers audience measurement only"
    );
    c.set_signals(
        Signals {
            gpc: true,
            ..Signals::default()
        },
        1,
        id(1),
    );
    assert!(!c.allows(Purpose::Analytics));
    let mut d = Consent::new(Mode::Exempt, true, "1".into());
    d.revoke(2, id(2));
    assert!(!d.allows(Purpose::Analytics), "one-call opt-out");
}

/// Google's documented pattern: a region-scoped `default` denial for the EEA,
/// then a global `default` grant. The visitor's region is unknown on the
/// device, so the region-scoped denial must fail closed until an `update`
/// grants.
#[test]
fn a_region_scoped_consent_mode_denial_fails_closed_until_an_update_grants() {
    let none = Signals::default();
    let eea_then_global = read(
        r#"{"gcmd":"granted","gcmr":true}"#,
        GdprApplies::Auto,
        &none,
    );
    assert_eq!(eea_then_global.gcm_analytics, Some(false));
    let mut c = Consent::new(Mode::OptIn, true, "1".into());
    c.set_signals(eea_then_global, 1, id(1));
    assert_eq!(c.decide(Purpose::Analytics), (false, Source::Gcm));
    assert!(
        !c.allows(Purpose::Personalization),
        "a denial writes nothing"
    );
    let updated = read(
        r#"{"gcmd":"granted","gcmr":true,"gcmu":"granted"}"#,
        GdprApplies::Auto,
        &none,
    );
    c.set_signals(updated, 2, id(2));
    assert_eq!(c.decide(Purpose::Analytics), (true, Source::Gcm));
    let updated_denied = read(
        r#"{"gcmd":"granted","gcmu":"denied"}"#,
        GdprApplies::Auto,
        &none,
    );
    assert_eq!(
        updated_denied.gcm_analytics,
        Some(false),
        "an update wins over a default"
    );
    assert_eq!(
        read(r#"{"gcmd":"granted"}"#, GdprApplies::Auto, &none).gcm_analytics,
        Some(true)
    );
}

/// A refusing signal refuses every optional purpose (nothing is written);
/// a granting one grants only analytics.
#[test]
fn refusing_signals_refuse_personalization_too_and_granting_ones_only_analytics() {
    for signals in [
        Signals {
            dnt: true,
            ..Signals::default()
        },
        Signals {
            tcf: TcfSignal::NoAnswer,
            ..Signals::default()
        },
        Signals {
            tcf: TcfSignal::Answered {
                purpose1: true,
                purpose8: false,
            },
            ..Signals::default()
        },
        Signals {
            gcm_analytics: Some(false),
            ..Signals::default()
        },
    ] {
        let mut c = Consent::new(Mode::OptOut, true, "1".into());
        c.set_signals(signals.clone(), 1, id(1));
        for p in [
            Purpose::Analytics,
            Purpose::Personalization,
            Purpose::Marketing,
        ] {
            assert!(!c.allows(p), "{signals:?} must refuse {p:?}");
        }
    }
    let mut c = Consent::new(Mode::OptIn, true, "1".into());
    c.set_signals(
        Signals {
            gcm_analytics: Some(true),
            ..Signals::default()
        },
        1,
        id(1),
    );
    assert!(c.allows(Purpose::Analytics));
    assert!(
        !c.allows(Purpose::Personalization),
        "Consent Mode's analytics_storage says nothing about personalization"
    );
}

/// A CMP's answer is recorded with its TC string even when it does not
/// change the purposes (a refusal after the pause of a CMP not yet answered).
#[test]
fn a_new_tc_string_makes_a_record_even_without_a_change() {
    let none = Signals::default();
    let mut c = Consent::new(Mode::OptOut, true, "1".into());
    let pending = read(r#"{"cmp":true}"#, GdprApplies::Auto, &none);
    assert!(
        c.set_signals(pending.clone(), 1, id(1)),
        "paused: analytics off"
    );
    assert_eq!(c.record().unwrap().tc_string, None);
    let refused = read(
        r#"{"cmp":true,"status":"tcloaded","gdpr":true,"tc":"CPrefused","pub1":true}"#,
        GdprApplies::Auto,
        &pending,
    );
    assert!(!c.set_signals(refused, 2, id(2)), "still off");
    let r = c.record().unwrap();
    assert_eq!(
        (r.id.as_str(), r.tc_string.as_deref(), r.source),
        (id(2).as_str(), Some("CPrefused"), Source::Tcf)
    );
}
