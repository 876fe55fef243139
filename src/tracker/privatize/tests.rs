use super::super::*;
use crate::consent::{Signals, TcfSignal};
use crate::tracker::snapshot::SEED_MAX_AGE_MS;

const WALL: f64 = 1.8e12;
const DAY: f64 = 86_400_000.0;

fn counter_rng(start: u8) -> Rng {
    let mut r = crate::seeded::SplitMix64::new(u64::from(start));
    Box::new(move || r.id128())
}

fn env(href: &str, referrer: &str) -> PageEnv {
    PageEnv {
        href: href.into(),
        host: "shop.example".into(),
        referrer: referrer.into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36".into(),
        visible: true,
        focused: true,
    }
}

fn make(json: &str, href: &str, stored: Stored, wall: f64, seed: u8) -> Tracker {
    Tracker::new(
        Config::from_json(json, crate::pairs_from_json).unwrap(),
        &env(href, ""),
        stored,
        0.0,
        wall,
        counter_rng(seed),
        crate::pairs_from_json,
    )
}

/// Flushes and returns the payload sent, if any (`last_sent` is set by every
/// snapshot, however the shell is then told to deliver it).
fn flush(t: &mut Tracker, now: f64, wall: f64) -> Option<String> {
    t.last_sent = None;
    t.flush(now, wall);
    t.last_sent.take()
}

/// Only storage effects: nothing is delivered in any way.
fn only_storage(effects: &[Effect]) -> bool {
    effects
        .iter()
        .all(|e| matches!(e, Effect::Store { .. } | Effect::Remove(_)))
}

fn wheel(t: &mut Tracker, at: f64) {
    t.on_event(&crate::event::Event {
        t: at,
        kind: crate::event::EventKind::Wheel,
    });
}

/// Feeds the stored values of the pending effects into `stored`, like localStorage would.
fn keep(stored: &mut Stored, t: &mut Tracker) {
    for e in t.take_effects() {
        if let Effect::Store { key, value } = e {
            match key.rsplit(':').next().unwrap() {
                "consent" => stored.consent = Some(value),
                "seed" => stored.seed = Some(value),
                "session" => stored.session = Some(value),
                "ldp" => stored.ldp = Some(value),
                _ => {}
            }
        }
    }
}

const OPT_OUT: &str = r#"{"site":"demo","endpoint":"/i","consent":"opt-out"}"#;

#[test]
fn sent_strings_are_scrubbed() {
    let hostile = "https://shop.example/u/jane/reset?utm_source=jane.doe%40example.com&utm_content=4111111111111111&utm_term=+33612345678&token=abc#x";
    let mut t = Tracker::new(
        Config::from_json(OPT_OUT, crate::pairs_from_json).unwrap(),
        &env(hostile, "http://10.0.0.7/admin"),
        Stored::default(),
        0.0,
        WALL,
        counter_rng(1),
        crate::pairs_from_json,
    );
    let body = flush(&mut t, 10.0, WALL).unwrap();
    for canary in [
        "jane.doe",
        "example.com",
        "4111",
        "612345678",
        "abc",
        "10.0.0.7",
    ] {
        assert!(!body.contains(canary), "{canary} leaked: {body}");
    }
    let p = crate::payload::parse(body.as_bytes()).unwrap();
    assert_eq!(
        p.ctx.path,
        "/u/jane/reset?utm_source=:email&utm_content=:card&utm_term=:phone"
    );
    assert_eq!(p.ctx.referrer_domain, None, "an IP referrer is dropped");
}

#[test]
fn ldp_features_leave_only_as_noisy_reports_within_the_daily_budget() {
    let cfg = r#"{"site":"demo","endpoint":"/i","consent":"opt-out","ldp":"total_ms:60000","ldpEpsilon":1,"ldpDailyEpsilon":"2.5"}"#;
    let mut stored = Stored::default();
    let mut t = make(cfg, "https://shop.example/", Stored::default(), WALL, 2);
    let sent = flush(&mut t, 5_000.0, WALL).unwrap();
    keep(&mut stored, &mut t);
    let p = crate::payload::parse(sent.as_bytes()).unwrap();
    assert_eq!(p.f.total_ms, 0, "the clear value is not sent");
    assert!(!sent.contains("\"total_ms\":5000"), "{sent}");
    assert_eq!(p.ldp.len(), 1);
    assert_eq!(
        (
            p.ldp[0].f.as_str(),
            p.ldp[0].m,
            p.ldp[0].eps_milli,
            p.ldp[0].hi
        ),
        (
            "total_ms",
            crate::payload::Mechanism::Geo,
            1000,
            Some(60_000)
        )
    );
    wheel(&mut t, 6_000.0);
    assert!(
        flush(&mut t, 7_000.0, WALL + 1.0).is_some(),
        "second payload: 2.0 of 2.5 spent"
    );
    keep(&mut stored, &mut t);
    // A new page the same day: the stored budget refuses a third payload.
    let mut next = make(
        cfg,
        "https://shop.example/b",
        Stored {
            ldp: stored.ldp.clone(),
            ..Stored::default()
        },
        WALL + 2.0,
        3,
    );
    assert_eq!(
        flush(&mut next, 50.0, WALL + 2.0),
        None,
        "budget spent: nothing is sent"
    );
    assert!(only_storage(&next.take_effects()));
    assert!(next.explain_json(60.0).contains("iob:demo:ldp"));
    // The next UTC day it sends again.
    assert!(flush(&mut next, 60.0, WALL + DAY).is_some());
}

#[test]
fn exempt_identifiers_live_at_most_13_months_and_are_not_extended_by_visits() {
    let cfg = r#"{"site":"demo","endpoint":"/i","consent":"exempt"}"#;
    let mut stored = Stored::default();
    let mut first = make(cfg, "https://shop.example/", Stored::default(), WALL, 4);
    assert!(flush(&mut first, 10.0, WALL).is_some());
    keep(&mut stored, &mut first);
    let created = stored.seed.clone().unwrap();
    let mut seeds = vec![created.clone()];
    // Monthly visits for a year: the same seed, its creation time never moves.
    for month in 1..=12 {
        let wall = WALL + f64::from(month) * 30.0 * DAY;
        let mut t = make(
            cfg,
            "https://shop.example/",
            stored.clone(),
            wall,
            10 + month as u8,
        );
        assert!(flush(&mut t, 10.0, wall).is_some());
        keep(&mut stored, &mut t);
        seeds.push(stored.seed.clone().unwrap());
    }
    assert!(
        seeds.iter().all(|s| *s == created),
        "not re-written with a later time: {seeds:?}"
    );
    // Past 13 months after creation (not after the last visit): a new seed.
    let wall = WALL + SEED_MAX_AGE_MS + 1.0;
    let mut late = make(cfg, "https://shop.example/", stored.clone(), wall, 40);
    assert!(flush(&mut late, 10.0, wall).is_some());
    keep(&mut stored, &mut late);
    assert_ne!(stored.seed.as_deref(), Some(created.as_str()));
    const { assert!(SEED_MAX_AGE_MS <= 13.0 * 30.44 * DAY) };
}

#[test]
fn pseudonyms_rotate_daily_and_cannot_be_linked_without_the_seed() {
    let mut stored = Stored::default();
    let vid = |stored: &mut Stored, wall: f64, seed: u8| {
        let mut t = make(OPT_OUT, "https://shop.example/", stored.clone(), wall, seed);
        let body = flush(&mut t, 10.0, wall).unwrap();
        keep(stored, &mut t);
        crate::payload::parse(body.as_bytes()).unwrap().vid.unwrap()
    };
    let day0 = (WALL / DAY).floor() * DAY;
    let a = vid(&mut stored, day0 + 1_000.0, 5);
    let b = vid(&mut stored, day0 + 20.0 * 3_600_000.0, 6);
    let c = vid(&mut stored, day0 + DAY + 1_000.0, 7);
    assert_eq!(a, b, "same UTC day, same pseudonym");
    assert_ne!(a, c, "next day, a new pseudonym");
    // The two pseudonyms share no structure: about half of their bits differ.
    let (x, y) = (
        crate::ids::from_hex(&a).unwrap(),
        crate::ids::from_hex(&c).unwrap(),
    );
    let differing: u32 = x
        .iter()
        .zip(y.iter())
        .map(|(p, q)| (p ^ q).count_ones())
        .sum();
    assert!(
        (40..=88).contains(&differing),
        "{differing} of 128 bits differ"
    );
}

#[test]
fn a_signal_that_withdraws_wipes_storage_and_stops_sending_in_the_same_call() {
    let mut t = make(OPT_OUT, "https://shop.example/", Stored::default(), WALL, 8);
    let mut storage = crate::tracker::storage_sim::Storage::default();
    assert!(flush(&mut t, 10.0, WALL).is_some());
    storage.apply(&t.take_effects());
    assert!(storage.len() >= 3);
    let refused = Signals {
        tcf: TcfSignal::Answered {
            purpose1: true,
            purpose8: false,
        },
        tc_string: Some("CP-refused".into()),
        ..Signals::default()
    };
    wheel(&mut t, 15.0);
    assert!(flush(&mut t, 20.0, WALL).is_some()); // queued, not yet carried out
    assert!(t.set_signals(refused.clone(), WALL + 5.0));
    let effects = t.take_effects();
    assert!(
        only_storage(&effects),
        "queued payloads dropped: {effects:?}"
    );
    storage.apply(&effects);
    assert_eq!(
        storage.len(),
        0,
        "every key written is removed: {storage:?}"
    );
    let r = t.consent().record().unwrap();
    assert_eq!(
        (r.source, r.tc_string.as_deref()),
        (crate::consent::Source::Tcf, Some("CP-refused"))
    );
    assert!(
        !t.set_signals(refused, WALL + 6.0),
        "the same snapshot again changes nothing"
    );
    wheel(&mut t, 25.0);
    t.on_hide(30.0, WALL + 7.0);
    assert!(t.last_sent.is_none(), "no final snapshot either");
    assert_eq!(flush(&mut t, 40.0, WALL + 8.0), None);
    assert!(only_storage(&t.take_effects()));
}

#[test]
fn no_identity_mode_sends_no_ids_even_with_ldp() {
    let mut t = make(
        r#"{"site":"demo","endpoint":"/i","consent":"opt-out","identity":"none","ldp":"clicks:5"}"#,
        "https://shop.example/",
        Stored::default(),
        WALL,
        9,
    );
    let p = crate::payload::parse(flush(&mut t, 10.0, WALL).unwrap().as_bytes()).unwrap();
    assert_eq!((p.vid, p.sid), (None, None));
    assert_eq!(p.ldp.len(), 1);
}

#[test]
fn a_refusal_is_remembered_in_opt_out_and_exempt_but_nothing_is_kept_in_opt_in() {
    for (mode, kept) in [("opt-out", true), ("exempt", true), ("opt-in", false)] {
        let cfg = format!(r#"{{"site":"demo","endpoint":"/i","consent":"{mode}"}}"#);
        let mut stored = Stored::default();
        let mut t = make(&cfg, "https://shop.example/", Stored::default(), WALL, 20);
        t.choose(&[crate::consent::Purpose::Analytics], true, WALL);
        assert!(flush(&mut t, 10.0, WALL).is_some());
        keep(&mut stored, &mut t);
        t.revoke(WALL + 1.0);
        let effects = t.take_effects();
        let last_consent_write = effects.iter().rev().find(|e| matches!(e, Effect::Store { key, .. } | Effect::Remove(key) if key.as_str() == "iob:demo:consent"));
        assert_eq!(
            matches!(last_consent_write, Some(Effect::Store { .. })),
            kept,
            "{mode}: {effects:?}"
        );
        assert!(
            !effects.iter().any(
                |e| matches!(e, Effect::Store { key, .. } if key.as_str() != "iob:demo:consent")
            ),
            "{mode}: no identifier is kept"
        );
        // The next page, with what storage now holds.
        let mut next_stored = Stored::default();
        for e in effects {
            if let Effect::Store { key, value } = e {
                assert_eq!(key, "iob:demo:consent");
                next_stored.consent = Some(value);
            }
        }
        let mut next = make(
            &cfg,
            "https://shop.example/",
            next_stored,
            WALL + 60_000.0,
            21,
        );
        let sends = flush(&mut next, 10.0, WALL + 60_000.0).is_some();
        let default_on = mode != "opt-in";
        assert_eq!(
            sends,
            default_on && !kept,
            "{mode}: the refusal holds on the next page"
        );
        assert!(!sends);
    }
}

/// Privatising a feature keeps what reveals it out of the clear part of the
/// payload: `ldp: "engaged"` used to send `active_ms` (which says whether
/// it is >= 10 s), `ldp: "clicks"` the clear `dead_clicks` (a lower bound).
#[test]
fn privatising_a_feature_drops_the_features_that_reveal_it() {
    let click = |t: &mut Tracker, at: f64| {
        t.on_event(&crate::event::Event {
            t: at,
            kind: crate::event::EventKind::Click {
                x: 5.0,
                y: 5.0,
                trusted: true,
                link: false,
                keyboard: false,
            },
        })
    };
    for (ldp, hidden) in [
        ("engaged", ["active_ms"].as_slice()),
        ("clicks:20", ["dead_clicks", "frustration_score"].as_slice()),
    ] {
        let cfg = format!(r#"{{"site":"demo","endpoint":"/i","consent":"opt-out","ldp":"{ldp}"}}"#);
        let mut t = make(&cfg, "https://shop.example/", Stored::default(), WALL, 12);
        wheel(&mut t, 100.0);
        click(&mut t, 200.0);
        let sent = flush(&mut t, 12_000.0, WALL).unwrap();
        let p = crate::payload::parse(sent.as_bytes()).expect("the collector accepts it");
        let clear = t.features(12_000.0);
        assert!(
            clear.active_ms > 0 && clear.dead_clicks > 0,
            "the page has what could reveal it"
        );
        let f = serde_json::to_value(p.f).unwrap();
        for h in hidden {
            assert!(
                f.get(h).is_none(),
                "ldp {ldp}: {h} must not be sent in the clear: {sent}"
            );
        }
    }
    // The collector refuses a payload that sends a revealing feature in the clear.
    let cfg = r#"{"site":"demo","endpoint":"/i","consent":"opt-out","ldp":"engaged"}"#;
    let mut t = make(cfg, "https://shop.example/", Stored::default(), WALL, 13);
    wheel(&mut t, 100.0);
    let sent = flush(&mut t, 12_000.0, WALL).unwrap();
    let mut p = crate::payload::parse(sent.as_bytes()).unwrap();
    p.f.active_ms = 11_900;
    let e = crate::payload::parse(p.to_json().as_bytes()).unwrap_err();
    assert_eq!(e.field, "ldp");
}

/// The daily ε budget is per visitor, so it needs storage: without it the
/// LDP features are not sent at all (they used to go out with a fresh
/// budget on every page load).
#[test]
fn without_storage_ldp_features_are_not_sent() {
    let cfg =
        r#"{"site":"demo","endpoint":"/i","consent":"opt-out","ldp":"engaged,total_ms:60000"}"#;
    let mut t = make(cfg, "https://shop.example/", Stored::default(), WALL, 14);
    t.storage_unavailable();
    wheel(&mut t, 100.0);
    let sent = flush(&mut t, 12_000.0, WALL).expect("the rest is still sent");
    let p = crate::payload::parse(sent.as_bytes()).unwrap();
    assert!(p.ldp.is_empty(), "{sent}");
    assert_eq!(
        (p.f.total_ms, p.f.engaged, p.f.active_ms),
        (0, false, 0),
        "neither clear nor noisy: {sent}"
    );
    assert!(p.f.visible_ms > 0);
}
