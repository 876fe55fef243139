//! The privacy guarantees of the tracker, checked against a stand-in for
//! `localStorage` (the effects carried out as the shell would): what is
//! stored, what the consent state says and what `explain()` lists agree
//! after every transition; refusing signals and an exempt-mode opt-out write
//! nothing; stored identifiers survive until a refusal takes effect.

use super::storage_sim::Storage;
use super::*;
use crate::consent::Purpose;
use crate::event::EventKind;

const WALL: f64 = 1.8e12;
const SITE: &str = "demo";

fn rng(seed: u64) -> Rng {
    let mut r = crate::seeded::SplitMix64::new(seed);
    Box::new(move || r.id128())
}

fn env() -> PageEnv {
    PageEnv {
        href: "https://shop.example/a".into(),
        host: "shop.example".into(),
        visible: true,
        focused: true,
        ..PageEnv::default()
    }
}

fn config(mode: &str) -> Config {
    Config::from_json(
        &format!(r#"{{"site":"{SITE}","endpoint":"/i","consent":"{mode}"}}"#),
        crate::pairs_from_json,
    )
    .unwrap()
}

/// A page load with what `storage` holds.
fn load(mode: &str, storage: &Storage, wall: f64, seed: u64) -> Tracker {
    let (stored, history) = storage.stored(SITE);
    let mut t = Tracker::new(
        config(mode),
        &env(),
        stored,
        0.0,
        wall,
        rng(seed),
        crate::pairs_from_json,
    );
    t.set_environment(false, history.as_deref(), wall);
    t
}

fn activity(t: &mut Tracker, at: f64) {
    t.on_event(&Event::click_at(at));
    t.on_event(&Event {
        t: at + 1.0,
        kind: EventKind::Wheel,
    });
}

/// Everything a page does that could store or send: input, a flush, a
/// route change, a delivery result, the end of the page.
fn live_a_page(t: &mut Tracker, storage: &mut Storage, wall: f64) {
    activity(t, 100.0);
    t.flush(200.0, wall + 200.0);
    t.on_post_result(204, None, 300.0);
    t.start_page_view(400.0, wall + 400.0, "https://shop.example/b", true, true);
    activity(t, 500.0);
    t.tick(70_000.0, wall + 70_000.0);
    t.on_event(&Event {
        t: 80_000.0,
        kind: EventKind::PageEnd,
    });
    t.on_hide(80_000.0, wall + 80_000.0);
    storage.apply(&t.take_effects());
}

/// `explain()`'s `stored_keys`.
fn explained(t: &Tracker) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&t.explain_json(0.0)).unwrap();
    let mut keys: Vec<String> = json["stored_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

/// Storage, consent state and `explain()` agree: the keys listed are the
/// keys stored; something is stored only while a purpose that stores is
/// allowed, except a bare refusal (no id, no time) in opt-out/exempt mode.
fn agree(t: &Tracker, storage: &Storage, step: &str) {
    assert_eq!(
        explained(t),
        storage.keys(),
        "{step}: explain() lists exactly what is stored"
    );
    let allowed =
        t.consent().allows(Purpose::Analytics) || t.consent().allows(Purpose::Personalization);
    if !allowed {
        let consent_only = storage.keys().iter().all(|k| k == "iob:demo:consent");
        assert!(
            consent_only,
            "{step}: with nothing allowed, at most the refusal stays: {storage:?}"
        );
        if let Some(v) = storage.items.get("iob:demo:consent") {
            assert!(
                !v.contains("\"id\"") && !v.contains("\"at\""),
                "{step}: a kept refusal holds no id and no time: {v}"
            );
        }
    }
    if !t.consent().allows(Purpose::Analytics) {
        for name in ["seed", "session", "outbox", "ldp"] {
            let key = format!("iob:demo:{name}");
            assert!(
                !storage.items.contains_key(&key) || t.consent().pending(),
                "{step}: {key} stored without analytics"
            );
        }
    }
    if !t.consent().allows(Purpose::Personalization) && !t.consent().pending() {
        assert!(
            !storage.items.contains_key("iob:demo:history"),
            "{step}: history stored without personalization"
        );
    }
}

/// Every transition the visitor and the signals can make, in each mode;
/// after each one (and a page's worth of activity), storage, consent state
/// and `explain()` agree.
#[test]
fn storage_consent_state_and_explain_agree_after_every_transition() {
    // (name, the API call, or the signal readings the page now reports: the
    // CMP and Consent Mode answer the same on the next page load).
    type Step = (&'static str, Option<fn(&mut Tracker)>, Option<&'static str>);
    let steps: [Step; 10] = [
        (
            "grant analytics",
            Some(|t| t.choose(&[Purpose::Analytics], true, WALL)),
            None,
        ),
        (
            "grant personalization",
            Some(|t| t.choose(&[Purpose::Personalization], true, WALL)),
            None,
        ),
        (
            "deny analytics",
            Some(|t| t.choose(&[Purpose::Analytics], false, WALL)),
            None,
        ),
        ("GPC on", None, Some(r#"{"gpc":true}"#)),
        ("GPC off", None, Some(r#"{"gpc":false}"#)),
        (
            "TCF refusal",
            None,
            Some(r#"{"cmp":true,"status":"tcloaded","gdpr":true,"pub1":true,"pub8":false}"#),
        ),
        (
            "TCF consent",
            None,
            Some(
                r#"{"cmp":true,"status":"useractioncomplete","gdpr":true,"pub1":true,"pub8":true}"#,
            ),
        ),
        ("Consent Mode denial", None, Some(r#"{"gcmu":"denied"}"#)),
        (
            "deny personalization",
            Some(|t| t.choose(&[Purpose::Personalization], false, WALL)),
            None,
        ),
        ("revoke", Some(|t| t.revoke(WALL)), None),
    ];
    for mode in ["opt-in", "opt-out", "exempt"] {
        // Each step once as the first transition, and the whole sequence in order and reversed.
        let mut sequences: Vec<Vec<usize>> = (0..steps.len()).map(|i| vec![i]).collect();
        sequences.push((0..steps.len()).collect());
        sequences.push((0..steps.len()).rev().collect());
        for seq in sequences {
            let mut storage = Storage::default();
            let mut readings = "{}";
            let mut t = load(mode, &storage, WALL, 1);
            t.on_signal_readings(readings, WALL);
            live_a_page(&mut t, &mut storage, WALL);
            agree(&t, &storage, &format!("{mode}, start"));
            for &i in &seq {
                let (name, call, signal) = steps[i];
                if let Some(call) = call {
                    call(&mut t);
                }
                if let Some(r) = signal {
                    readings = r;
                    t.on_signal_readings(readings, WALL);
                }
                storage.apply(&t.take_effects());
                let label = format!("{mode}, after {name} (sequence {seq:?})");
                agree(&t, &storage, &label);
                live_a_page(&mut t, &mut storage, WALL);
                agree(&t, &storage, &format!("{label}, then a page of activity"));
                // The next page load reads the same storage and the same signals.
                let mut next = load(mode, &storage, WALL + 1_000.0, 2);
                next.on_signal_readings(readings, WALL + 1_000.0);
                storage.apply(&next.take_effects());
                agree(&next, &storage, &format!("{label}, next page load"));
                live_a_page(&mut next, &mut storage, WALL + 1_000.0);
                agree(
                    &next,
                    &storage,
                    &format!("{label}, next page load after activity"),
                );
                t = next;
            }
        }
    }
}

/// GPC, DNT, a TCF refusal (or silence past the timeout while GDPR applies)
/// and a Consent Mode denial mean zero storage writes, in every mode,
/// whatever the page does; the consent state and `explain()` say so.
#[test]
fn refusing_signals_mean_zero_storage_writes() {
    let signals = [
        r#"{"gpc":true}"#,
        r#"{"dnt":"1,,"}"#,
        r#"{"cmp":true,"status":"tcloaded","gdpr":true,"pub1":false,"pub8":true}"#,
        r#"{"cmp":true,"waited":true}"#,
        r#"{"cmp":true}"#,
        r#"{"gcmd":"denied"}"#,
        r#"{"gcmd":"granted","gcmr":true}"#,
    ];
    for mode in ["opt-in", "opt-out", "exempt"] {
        for readings in signals {
            let mut storage = Storage::default();
            let mut t = load(mode, &storage, WALL, 3);
            t.on_signal_readings(readings, WALL);
            live_a_page(&mut t, &mut storage, WALL);
            // personalization-style activity: segments and history evaluated.
            let _ = t.features_json(1_000.0);
            t.on_hide(90_000.0, WALL + 90_000.0);
            storage.apply(&t.take_effects());
            assert_eq!(
                (storage.writes, storage.len()),
                (0, 0),
                "{mode} with {readings}: {storage:?}"
            );
            assert!(explained(&t).is_empty());
            assert!(
                t.last_sent.is_none(),
                "{mode} with {readings}: nothing sent"
            );
        }
    }
}

/// An exempt-mode opt-out keeps one value, the refusal itself (no id, no
/// time), and writes nothing afterwards, on this page or the next.
#[test]
fn an_exempt_opt_out_keeps_a_bare_refusal_and_writes_nothing_afterwards() {
    let mut storage = Storage::default();
    let mut t = load("exempt", &storage, WALL, 4);
    live_a_page(&mut t, &mut storage, WALL);
    assert!(
        storage.len() >= 3,
        "exempt measures by default: {storage:?}"
    );
    t.choose(&[Purpose::Analytics], false, WALL + 1.0);
    storage.apply(&t.take_effects());
    assert_eq!(storage.keys(), ["iob:demo:consent"]);
    let refusal = storage.items["iob:demo:consent"].clone();
    assert!(
        !refusal.contains("id") && !refusal.contains("at"),
        "no identifier-like value: {refusal}"
    );
    let writes = storage.writes;
    live_a_page(&mut t, &mut storage, WALL + 2.0);
    let mut next = load("exempt", &storage, WALL + 86_400_000.0, 5);
    assert!(
        !next.consent().allows(Purpose::Analytics),
        "the next page honours the refusal"
    );
    live_a_page(&mut next, &mut storage, WALL + 86_400_000.0);
    assert_eq!(storage.writes, writes, "nothing written after the opt-out");
    assert_eq!(storage.items["iob:demo:consent"], refusal);
    assert!(next.last_sent.is_none());
}

/// Opt-in, personalization only: the consent record is stored with the
/// history, and `explain()` lists both (it used to say nothing is stored).
/// The `lite` build keeps no history: the record alone, and it says so.
#[test]
fn a_personalization_only_grant_stores_the_record_and_the_history_and_says_so() {
    let mut storage = Storage::default();
    let mut t = load("opt-in", &storage, WALL, 6);
    t.choose(&[Purpose::Personalization], true, WALL);
    live_a_page(&mut t, &mut storage, WALL);
    let kept: &[&str] = if cfg!(feature = "full") {
        &["iob:demo:consent", "iob:demo:history"]
    } else {
        &["iob:demo:consent"]
    };
    assert_eq!(storage.keys(), kept);
    assert_eq!(explained(&t), storage.keys());
    assert!(t.last_sent.is_none(), "no analytics: nothing sent");
    let next = load("opt-in", &storage, WALL + 1_000.0, 7);
    assert!(
        next.consent().allows(Purpose::Personalization),
        "the choice is remembered"
    );
    assert!(
        (next.features(0.0).visit_index >= 1) == cfg!(feature = "full"),
        "and the history is used (full build only)"
    );
}

/// A visitor who consented through TCF keeps the seed and the outbox across
/// page loads: they are kept while the CMP has not answered yet, and used
/// once it grants (they used to be discarded before the signals were read).
#[test]
fn a_tcf_consented_visitor_keeps_seed_and_outbox_across_page_loads() {
    let tcf_yes = r#"{"cmp":true,"status":"tcloaded","gdpr":true,"pub1":true,"pub8":true}"#;
    let mut storage = Storage::default();
    let mut t = load("opt-in", &storage, WALL, 8);
    t.on_signal_readings(tcf_yes, WALL);
    activity(&mut t, 100.0);
    t.flush(200.0, WALL + 200.0);
    storage.apply(&t.take_effects());
    let seed = storage.items["iob:demo:seed"].clone();
    assert!(
        storage.items.contains_key("iob:demo:outbox"),
        "the post is not answered: the payload waits"
    );
    for mode in ["opt-in", "opt-out"] {
        let mut next = load(mode, &storage, WALL + 60_000.0, 9);
        // The CMP is detected before it answers (a pause, nothing removed).
        next.on_signal_readings(r#"{"cmp":true}"#, WALL + 60_000.0);
        storage.apply(&next.take_effects());
        assert_eq!(
            storage.items.get("iob:demo:seed"),
            Some(&seed),
            "{mode}: kept while the CMP has not answered"
        );
        assert!(storage.items.contains_key("iob:demo:outbox"));
        next.on_signal_readings(tcf_yes, WALL + 60_000.0);
        next.tick(61_000.0, WALL + 61_000.0);
        let effects = next.take_effects();
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Post { .. } | Effect::Probe(_))),
            "{mode}: the earlier payload goes out: {effects:?}"
        );
        storage.apply(&effects);
        activity(&mut next, 62_000.0);
        next.flush(62_100.0, WALL + 62_100.0);
        storage.apply(&next.take_effects());
        assert_eq!(
            storage.items.get("iob:demo:seed"),
            Some(&seed),
            "{mode}: the same seed, so the same pseudonym"
        );
    }
}

/// A stored seed dated in the future (a clock set back, or tampering) never
/// ages: it is invalid and replaced.
#[test]
fn a_seed_created_in_the_future_is_replaced() {
    let future = format!("{}.{}", "ab".repeat(16), (WALL + 86_400_000.0) as u64);
    let stored = Stored {
        consent: None,
        seed: Some(future.clone()),
        ..Stored::default()
    };
    let mut t = Tracker::new(
        config("opt-out"),
        &env(),
        stored,
        0.0,
        WALL,
        rng(10),
        crate::pairs_from_json,
    );
    activity(&mut t, 100.0);
    t.flush(200.0, WALL);
    let written = t.take_effects().into_iter().find_map(|e| match e {
        Effect::Store { key, value } if key == "iob:demo:seed" => Some(value),
        _ => None,
    });
    let written = written.expect("a new seed is written");
    assert_ne!(written, future);
    assert!(
        written.ends_with(&format!(".{}", WALL as u64)),
        "created now: {written}"
    );
}

/// Without secure randomness the SDK sends nothing and stores no identifier
/// (never a `Math.random` fallback), and says why.
#[test]
fn without_secure_randomness_nothing_is_sent_and_no_identifier_stored() {
    let mut storage = Storage::default();
    let mut t = load("opt-out", &storage, WALL, 11);
    activity(&mut t, 100.0);
    t.flush(200.0, WALL);
    // The shell noticed the failure during this step.
    t.randomness_failed();
    live_a_page(&mut t, &mut storage, WALL);
    assert!(t.take_effects().is_empty());
    assert!(
        !storage.items.contains_key("iob:demo:seed")
            && !storage.items.contains_key("iob:demo:session"),
        "{storage:?}"
    );
    assert!(
        !storage.items.contains_key("iob:demo:outbox"),
        "no payload queued: {storage:?}"
    );
    assert!(t.explain_json(0.0).contains("no secure random numbers"));
    assert_eq!(explained(&t), storage.keys());
}

/// Every leaf of a payload's JSON as `(path, value)`.
fn leaves(v: &serde_json::Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| leaves(x, &format!("{path}.{k}"), out)),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| leaves(x, &format!("{path}[{i}]"), out)),
        other => out.push((path.to_string(), other.to_string())),
    }
}

/// Values allowed to repeat across periods, documented in
/// docs/consent-and-privacy.md ("Unlinkability"): constants of the site or
/// the page (schema, build, site, rotation period, purposes, page context),
/// low-entropy buckets (the visit counters, `behaviour_shift`, every flag),
/// and the measurements of one page view and its snapshot number, which
/// start again with every page view (a page view that crosses a boundary
/// continues under a new id with fresh ones). Everything else (payload, page-view and session ids, the
/// pseudonym, the consent reference, the hour) must never repeat.
fn may_repeat(path: &str, value: &str) -> bool {
    const CONSTANTS: [&str; 6] = [
        ".v",
        ".build",
        ".site",
        ".rot",
        ".consent.purposes",
        ".ctx.",
    ];
    if CONSTANTS.iter().any(|c| path == *c || path.starts_with(c)) {
        return true;
    }
    if value == "true" || value == "false" {
        return true;
    }
    path == ".seq" || path.starts_with(".f.") || path.starts_with(".ldp")
}

/// One visitor over 40 days with a fake clock: several visits a day at
/// seeded random times (some crossing the UTC midnight boundary inside a
/// page view), consent granted once. Across any two pseudonym periods, no
/// payload value repeats except the documented constants and buckets.
#[test]
fn payloads_of_different_periods_share_no_linking_value() {
    for rotation in [24u32, 6] {
        let mode = format!(
            r#"{{"site":"{SITE}","endpoint":"/i","consent":"opt-in","rotationHours":{rotation}}}"#
        );
        let mut rand = crate::seeded::SplitMix64::new(u64::from(rotation));
        let mut storage = Storage::default();
        let mut payloads: Vec<serde_json::Value> = Vec::new();
        let day0 = 1_800_000_000_000f64 - (1_800_000_000_000u64 % 86_400_000) as f64; // a UTC midnight
        let mut collect = |effects: &[Effect], storage: &mut Storage| {
            storage.apply(effects);
            for e in effects {
                if let Effect::Send(b) | Effect::Post { body: b, .. } = e {
                    payloads.push(serde_json::from_str(b).unwrap());
                }
            }
        };
        let mut seed = 100;
        for day in 0..40u64 {
            let visits = 1 + rand.next_u64() % 4;
            for v in 0..visits {
                // The last visit of some days starts just before midnight and runs past it.
                let start = if v + 1 == visits && day % 3 == 0 {
                    day0 + (day + 1) as f64 * 86_400_000.0 - 90_000.0
                } else {
                    day0 + day as f64 * 86_400_000.0 + (rand.next_u64() % 80_000_000) as f64
                };
                seed += 1;
                let (stored, history) = storage.stored(SITE);
                let mut t = Tracker::new(
                    Config::from_json(&mode, crate::pairs_from_json).unwrap(),
                    &env(),
                    stored,
                    0.0,
                    start,
                    rng(seed),
                    crate::pairs_from_json,
                );
                t.set_environment(false, history.as_deref(), start);
                if day == 0 && v == 0 {
                    t.choose(&[Purpose::Analytics, Purpose::Personalization], true, start);
                }
                // A page view of 3 minutes: input every 20 s, periodic snapshots, then the end.
                for k in 0..9 {
                    let at = 1_000.0 + f64::from(k) * 20_000.0 + (rand.next_u64() % 5_000) as f64;
                    activity(&mut t, at);
                    t.tick(at, start + at);
                    let effects = t.take_effects();
                    let posted = effects.iter().any(|e| matches!(e, Effect::Post { .. }));
                    collect(&effects, &mut storage);
                    if posted {
                        t.on_post_result(204, None, at + 1.0);
                        collect(&t.take_effects(), &mut storage);
                    }
                }
                t.on_event(&Event {
                    t: 185_000.0,
                    kind: EventKind::PageEnd,
                });
                t.on_hide(185_000.0, start + 185_000.0);
                collect(&t.take_effects(), &mut storage);
            }
        }
        assert!(payloads.len() > 60, "{} payloads", payloads.len());
        let period_s = u64::from(rotation) * 3600;
        let mut by_period: std::collections::BTreeMap<u64, Vec<(String, String)>> =
            Default::default();
        for p in &payloads {
            let period = p["hour"].as_u64().unwrap() / period_s;
            let mut l = Vec::new();
            leaves(p, "", &mut l);
            by_period.entry(period).or_default().extend(l);
        }
        assert!(by_period.len() >= 35, "{} periods", by_period.len());
        let periods: Vec<_> = by_period.iter().collect();
        for (i, (pa, a)) in periods.iter().enumerate() {
            let linking: std::collections::BTreeSet<&str> = a
                .iter()
                .filter(|(path, v)| !may_repeat(path, v))
                .map(|(_, v)| v.as_str())
                .collect();
            for (pb, b) in periods.iter().skip(i + 1) {
                for (path, v) in b.iter().filter(|(path, v)| !may_repeat(path, v)) {
                    assert!(
                        !linking.contains(v.as_str()),
                        "rotation {rotation} h: {path} = {v} appears in periods {pa} and {pb}"
                    );
                }
            }
        }
        // Within a period, the pseudonym is stable (the collector can count visitors).
        for (period, l) in &by_period {
            let vids: std::collections::BTreeSet<&String> = l
                .iter()
                .filter(|(p, _)| p == ".vid")
                .map(|(_, v)| v)
                .collect();
            assert_eq!(vids.len(), 1, "period {period}: one pseudonym");
        }
    }
}

/// A page view open across a pseudonym boundary: its snapshots before the
/// boundary keep the old period's ids; after it, it continues under a new
/// page-view id, a new session, the new pseudonym and consent reference,
/// with features counted afresh (they used to keep the same `pv` and `sid`).
#[test]
fn a_page_view_crossing_a_period_boundary_continues_under_new_ids() {
    let midnight = 1_800_000_000_000f64 - (1_800_000_000_000u64 % 86_400_000) as f64 + 86_400_000.0;
    let start = midnight - 60_000.0;
    let mut t = Tracker::new(
        config("opt-out"),
        &env(),
        Stored::default(),
        0.0,
        start,
        rng(21),
        crate::pairs_from_json,
    );
    let mut sent = Vec::new();
    let mut run = |t: &mut Tracker, at: f64| {
        activity(t, at);
        t.flush(at + 10.0, start + at + 10.0);
        // Every post is answered, which lets the next queued one go.
        while let Some(body) = t.take_effects().into_iter().find_map(|e| match e {
            Effect::Post { body, .. } => Some(body),
            _ => None,
        }) {
            sent.push(crate::payload::parse(body.as_bytes()).unwrap());
            t.on_post_result(204, None, at + 20.0);
        }
    };
    run(&mut t, 1_000.0); // 59 s before midnight
    run(&mut t, 30_000.0); // 30 s before
    run(&mut t, 90_000.0); // 30 s after: the boundary is crossed here
    run(&mut t, 120_000.0);
    let before: Vec<_> = sent
        .iter()
        .filter(|p| p.hour * 1000 < midnight as u64)
        .collect();
    let after: Vec<_> = sent
        .iter()
        .filter(|p| p.hour * 1000 >= midnight as u64)
        .collect();
    assert!(
        before.len() >= 2 && !after.is_empty(),
        "{} before, {} after",
        before.len(),
        after.len()
    );
    for b in &before {
        for a in &after {
            assert_ne!(a.pv, b.pv);
            assert_ne!(a.sid, b.sid);
            assert_ne!(a.vid, b.vid);
            assert_ne!(a.consent.reference, b.consent.reference);
        }
    }
    assert_eq!(
        after[0].seq, 1,
        "the continued page view starts its own sequence"
    );
    assert!(
        after[0].f.total_ms < before.last().unwrap().f.total_ms,
        "and its own measurements"
    );
    // The last changes before the boundary were sent under the old period.
    assert!(
        before.iter().any(|p| p.f.clicks >= 2),
        "the old page view's last snapshot is complete"
    );
}

/// Two tabs of the site: a withdrawal in one reaches the other through the
/// stored consent, which then sends nothing more and writes nothing back;
/// a grant in one starts the other.
#[test]
fn a_withdrawal_in_one_tab_silences_the_other() {
    let mut storage = Storage::default();
    let mut a = load("opt-in", &storage, WALL, 30);
    let mut b = load("opt-in", &storage, WALL, 31);
    a.choose(&[Purpose::Analytics], true, WALL);
    storage.apply(&a.take_effects());
    // Tab B hears the grant (storage event) and starts.
    assert!(b.on_consent_stored(
        storage.items.get("iob:demo:consent").map(String::as_str),
        WALL
    ));
    live_a_page(&mut b, &mut storage, WALL);
    assert!(b.last_sent.is_some(), "the grant reached tab B");
    // B left a page: its last words reach A as a `storage` event.
    for (name, value) in super::storage_sim::last_words(&storage.items, "demo") {
        a.on_storage_change(&name, Some(&value), Some(&value), 10.0, WALL);
    }
    live_a_page(&mut a, &mut storage, WALL);
    // Tab A withdraws; B hears the removal.
    a.revoke(WALL + 1.0);
    storage.apply(&a.take_effects());
    assert_eq!(storage.len(), 0);
    let writes = storage.writes;
    assert!(b.on_consent_stored(None, WALL + 2.0));
    b.last_sent = None;
    live_a_page(&mut b, &mut storage, WALL + 3.0);
    let effects = b.take_effects();
    storage.apply(&effects);
    assert!(
        b.last_sent.is_none(),
        "tab B sends nothing after the withdrawal"
    );
    assert_eq!(
        (storage.len(), storage.writes),
        (0, writes),
        "and writes nothing: {storage:?}"
    );
    assert!(!b.consent().allows(Purpose::Analytics));
}

/// The daily ε budget is per visitor: what one tab spends, another tab of
/// the same visitor counts (through the `storage` event) before it sends.
#[test]
fn the_ldp_budget_is_shared_by_the_tabs() {
    let cfg = r#"{"site":"demo","endpoint":"/i","consent":"opt-out","ldp":"engaged","ldpEpsilon":1,"ldpDailyEpsilon":2}"#;
    let mut storage = Storage::default();
    let mut tabs: Vec<Tracker> = (0..2)
        .map(|i| {
            Tracker::new(
                Config::from_json(cfg, crate::pairs_from_json).unwrap(),
                &env(),
                Stored::default(),
                0.0,
                WALL,
                rng(40 + i),
                crate::pairs_from_json,
            )
        })
        .collect();
    let mut sent = 0;
    for round in 0..3 {
        for i in 0..2 {
            let t = &mut tabs[i];
            t.last_sent = None;
            activity(t, 100.0 + f64::from(round * 10 + i as u32));
            t.flush(200.0 + f64::from(round), WALL + f64::from(round));
            sent += usize::from(t.last_sent.is_some());
            let effects = t.take_effects();
            storage.apply(&effects);
            // The other tab hears the budget write.
            let current = storage.items.get("iob:demo:ldp").cloned();
            tabs[1 - i].on_storage_change(
                "ldp",
                current.as_deref(),
                current.as_deref(),
                300.0,
                WALL,
            );
        }
    }
    assert_eq!(
        sent, 2,
        "a daily budget of 2 ε buys two payloads for the visitor, not two per tab"
    );
}

/// The re-check before a write or send adopts another tab's withdrawal
/// whose `storage` event has not arrived yet, but never undoes this tab's
/// own change that is about to be written.
#[test]
fn the_recheck_before_writing_adopts_another_tabs_withdrawal_only() {
    let mut t = load("opt-in", &Storage::default(), WALL, 52);
    t.choose(&[Purpose::Analytics], true, WALL);
    // The grant's own write is pending: what storage holds now (nothing) is older.
    assert!(!t.recheck_consent(None, WALL));
    assert!(t.consent().allows(Purpose::Analytics));
    let mut storage = Storage::default();
    storage.apply(&t.take_effects());
    activity(&mut t, 100.0);
    t.flush(200.0, WALL + 200.0);
    // Another tab withdrew meanwhile: the key is gone, the event not yet here.
    assert!(t.recheck_consent(None, WALL + 300.0));
    let effects = t.take_effects();
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::Post { .. } | Effect::Send(_))),
        "{effects:?}"
    );
    assert!(!t.consent().allows(Purpose::Analytics));
}
