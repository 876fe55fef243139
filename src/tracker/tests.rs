use super::*;
use crate::consent::Purpose;
use crate::event::EventKind;
use crate::payload::Payload;

fn rng(start: u8) -> Rng {
    let mut n: u8 = start;
    Box::new(move || {
        n = n.wrapping_add(1);
        [n; 16]
    })
}

fn env() -> PageEnv {
    PageEnv {
        href: "https://shop.example/cart/12345?email=jane@example.com&utm_source=x#frag".into(),
        host: "shop.example".into(),
        referrer: "https://search.example/?q=secret".into(),
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36".into(),
        visible: true,
        focused: true,
    }
}

fn tracker(json: &str, stored: Stored) -> Tracker {
    tracker_from(json, stored, 0)
}

fn tracker_from(json: &str, stored: Stored, rng_start: u8) -> Tracker {
    Tracker::new(
        Config::from_json(json, crate::pairs_from_json).unwrap(),
        &env(),
        stored,
        0.0,
        WALL,
        rng(rng_start),
        crate::pairs_from_json,
    )
}

const OPT_IN: &str = r#"{"site":"demo","endpoint":"/v1/ingest"}"#;
const WALL: f64 = 1.8e12;

fn sends(effects: &[Effect]) -> Vec<Payload> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(b) | Effect::Post { body: b, .. } => {
                Some(crate::payload::parse(b.as_bytes()).unwrap())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn opt_in_sends_and_stores_nothing_before_consent() {
    let mut t = tracker(OPT_IN, Stored::default());
    t.on_event(&Event::click_at(10.0));
    t.on_hide(5_000.0, WALL);
    t.flush(5_000.0, WALL);
    assert!(t.take_effects().is_empty());
}

#[test]
fn grant_then_hide_sends_a_valid_payload_with_normalised_context() {
    let mut t = tracker(OPT_IN, Stored::default());
    t.choose(&[Purpose::Analytics], true, WALL);
    t.on_event(&Event::click_at(1_000.0));
    t.on_hide(3_000.0, WALL + 3_000.0);
    let effects = t.take_effects();
    let keys: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Store { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        keys,
        [
            "iob:demo:consent",
            "iob:demo:seed",
            "iob:demo:session",
            "iob:demo:outbox"
        ]
    );
    let p = &sends(&effects)[0];
    assert_eq!(p.seq, 1);
    assert_eq!(p.f.clicks, 1);
    assert_eq!(p.f.active_ms, 2_000);
    assert_eq!(p.ctx.path, "/cart/:id?utm_source=x");
    assert_eq!(p.ctx.referrer_domain.as_deref(), Some("search.example"));
    assert_eq!(p.hour % 3600, 0);
    assert_ne!(
        p.consent.reference,
        t.consent().record().unwrap().id,
        "the record id never leaves the device"
    );
    assert_eq!(
        Some(p.consent.reference.clone()),
        t.consent_reference(WALL),
        "the device recomputes the reference"
    );
    assert_eq!((p.rot, p.build), (Some(24), crate::payload::Build::CURRENT));
    assert_eq!(
        p.build.as_str(),
        if cfg!(feature = "full") {
            "full"
        } else {
            "lite"
        }
    );
    // Unload fires both pagehide and visibilitychange(hidden): one snapshot only.
    t.on_event(&Event {
        t: 3_050.0,
        kind: EventKind::Visibility(false),
    });
    t.on_hide(3_100.0, WALL + 3_100.0);
    assert!(sends(&t.take_effects()).is_empty());
    // Coming back and leaving again sends the updated snapshot.
    t.on_event(&Event {
        t: 9_000.0,
        kind: EventKind::Visibility(true),
    });
    t.on_hide(9_500.0, WALL + 9_500.0);
    assert_eq!(sends(&t.take_effects())[0].seq, 2);
}

#[test]
fn revoke_wipes_storage_drops_pending_sends_and_stops_sending() {
    let stored = Stored {
        ldp: Some("20000.500".into()),
        ..Stored::default()
    };
    let mut t = tracker(OPT_IN, stored);
    let mut storage = crate::tracker::storage_sim::Storage::with(&[("iob:demo:ldp", "20000.500")]);
    t.choose(&[Purpose::Analytics], true, WALL);
    t.flush(100.0, WALL);
    storage.apply(&t.take_effects());
    assert!(
        storage.len() >= 4,
        "consent, seed, session, outbox and the budget: {storage:?}"
    );
    t.flush(150.0, WALL);
    t.revoke(WALL);
    let effects = t.take_effects();
    assert!(sends(&effects).is_empty(), "queued payload dropped");
    storage.apply(&effects);
    assert_eq!(
        storage.len(),
        0,
        "every key of the site is removed, including one found at start: {storage:?}"
    );
    t.on_event(&Event {
        t: 200.0,
        kind: EventKind::Key {
            class: crate::event::KeyClass::Char,
            trusted: true,
            field: false,
        },
    });
    t.on_hide(300.0, WALL);
    assert!(t.take_effects().is_empty());
}

#[test]
fn stored_consent_and_ids_are_restored_on_the_next_page() {
    let mut first = tracker(OPT_IN, Stored::default());
    first.choose(&[Purpose::Analytics], true, WALL);
    first.flush(10.0, WALL);
    let mut stored = Stored::default();
    for e in first.take_effects() {
        if let Effect::Store { key, value } = e {
            match key.as_str() {
                "iob:demo:consent" => stored.consent = Some(value),
                "iob:demo:seed" => stored.seed = Some(value),
                "iob:demo:session" => stored.session = Some(value),
                "iob:demo:outbox" => stored.outbox = Some(value),
                _ => unreachable!(),
            }
        }
    }
    let p1 = first.last_sent.clone().unwrap();
    let mut second = tracker_from(OPT_IN, stored, 100);
    assert!(second.consent().allows(Purpose::Analytics));
    second.flush(10.0, WALL + 60_000.0);
    // The first page's unacknowledged payload is probed for first (one
    // request out at a time), then the new one is posted.
    let effects = second.take_effects();
    assert!(sends(&effects).is_empty(), "one request out at a time");
    let first = crate::payload::parse(p1.as_bytes()).unwrap();
    let p1_pv = first.pv;
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Probe(u) if u.contains(&p1_pv))),
        "{effects:?}"
    );
    // The collector names the snapshot it holds: confirmed, not re-sent.
    let stored = format!("{p1_pv}.{}", first.seq);
    second.on_post_result(204, Some(&stored), 20.0);
    let p2 = &sends(&second.take_effects())[0];
    let p1 = crate::payload::parse(p1.as_bytes()).unwrap();
    assert_eq!(p1.vid, p2.vid, "same seed and day give the same pseudonym");
    assert_eq!(p1.sid, p2.sid, "session continues within 30 minutes");
    assert_ne!(p1.pv, p2.pv, "a new page view");
}

#[test]
fn no_identifier_mode_sends_no_ids() {
    let mut t = tracker(
        r#"{"site":"demo","endpoint":"/i","consent":"opt-out","identity":"none"}"#,
        Stored::default(),
    );
    t.flush(10.0, WALL);
    let effects = t.take_effects();
    let p = &sends(&effects)[0];
    assert_eq!((p.vid.as_ref(), p.sid.as_ref()), (None, None));
    // No identifier is stored (the outbox of unacknowledged payloads, which
    // carry no ids in this mode, is).
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::Store { key, .. } if key != "iob:demo:outbox")));
}
