//! Delivery: periodic and final snapshots, the outbox and retries, driven by
//! a fake clock (explicit `now`) and seeded randomness.

use super::*;
use crate::consent::Purpose;
use crate::event::EventKind;
use crate::payload::Payload;

const WALL: f64 = 1.8e12;
const OPT_OUT: &str = r#"{"site":"demo","endpoint":"/v1/ingest","consent":"opt-out"}"#;

fn rng() -> Rng {
    let mut r = crate::seeded::SplitMix64::new(1);
    Box::new(move || r.id128())
}

fn tracker(json: &str, stored: Stored) -> Tracker {
    Tracker::new(
        Config::from_json(json, crate::pairs_from_json).unwrap(),
        &PageEnv {
            href: "https://x.example/a".into(),
            visible: true,
            focused: true,
            ..PageEnv::default()
        },
        stored,
        0.0,
        WALL,
        rng(),
        crate::pairs_from_json,
    )
}

fn click(t: &mut Tracker, at: f64) {
    t.on_event(&Event::click_at(at));
}

#[derive(Debug, Default)]
struct Out {
    beacons: Vec<Payload>,
    posts: Vec<(Payload, bool)>,
    probes: Vec<String>,
    outbox: Option<Option<String>>,
}

fn split(t: &mut Tracker) -> Out {
    let mut o = Out::default();
    for e in t.take_effects() {
        match e {
            Effect::Send(b) => o.beacons.push(crate::payload::parse(b.as_bytes()).unwrap()),
            Effect::Post { body, fresh } => o
                .posts
                .push((crate::payload::parse(body.as_bytes()).unwrap(), fresh)),
            Effect::Probe(url) => o.probes.push(url),
            Effect::Store { key, value } if key == "iob:demo:outbox" => {
                o.outbox = Some(Some(value))
            }
            Effect::Remove(key) if key == "iob:demo:outbox" => o.outbox = Some(None),
            _ => {}
        }
    }
    o
}

#[test]
fn periodic_snapshots_go_out_only_while_there_is_new_activity() {
    let mut t = tracker(OPT_OUT, Stored::default());
    assert_eq!(t.next_wake(), Some(60_000.0), "default interval 60 s");
    click(&mut t, 1_000.0);
    t.tick(59_999.0, WALL);
    assert!(split(&mut t).posts.is_empty(), "not yet");
    t.tick(60_000.0, WALL);
    let o = split(&mut t);
    assert_eq!(o.posts.len(), 1);
    let (p, fresh) = &o.posts[0];
    assert!(fresh, "a new snapshot is announced as a payload");
    assert_eq!((p.seq, p.f.clicks), (1, 1));
    assert!(
        o.outbox.clone().unwrap().is_some(),
        "queued and persisted until acknowledged"
    );
    t.on_post_result(204, None, 60_050.0);
    assert_eq!(
        split(&mut t).outbox,
        Some(None),
        "acknowledged: the outbox is emptied"
    );
    // A minute with no input: no snapshot.
    t.tick(120_000.0, WALL);
    assert!(
        split(&mut t).posts.is_empty(),
        "no new activity, no periodic snapshot"
    );
    assert_eq!(t.next_wake(), Some(180_000.0));
    t.on_event(&Event {
        t: 150_000.0,
        kind: EventKind::Key {
            class: crate::event::KeyClass::Char,
            trusted: true,
            field: false,
        },
    });
    t.tick(180_000.0, WALL);
    let o = split(&mut t);
    assert_eq!(o.posts.len(), 1);
    assert_eq!(
        o.posts[0].0.seq, 2,
        "cumulative snapshots keep one page view and count up"
    );
    assert_eq!(o.posts[0].0.pv, p.pv);
}

#[test]
fn the_interval_is_configurable() {
    let mut t = tracker(
        r#"{"site":"demo","endpoint":"/i","consent":"opt-out","snapshotIntervalMs":5000}"#,
        Stored::default(),
    );
    assert_eq!(t.next_wake(), Some(5_000.0));
    click(&mut t, 10.0);
    t.tick(5_000.0, WALL);
    assert_eq!(split(&mut t).posts.len(), 1);
    assert_eq!(t.next_wake(), Some(10_000.0));
}

/// How a test collector answers a probe for snapshot `seq` of page view `pv`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    /// 204 with `Iob-Stored: <pv>.<seq>`: it holds that snapshot.
    Names,
    /// 204 naming a later snapshot of the page view.
    NamesLater,
    /// 204 naming an older snapshot of the page view.
    NamesOlder,
    /// 204 naming another page view.
    NamesOther,
    /// 204 without the header: a server that answers every method.
    Bare,
    /// 404: the collector lacks it.
    Missing,
    /// A network error.
    Offline,
}

impl Answer {
    const ALL: [Answer; 7] = [
        Answer::Names,
        Answer::NamesLater,
        Answer::NamesOlder,
        Answer::NamesOther,
        Answer::Bare,
        Answer::Missing,
        Answer::Offline,
    ];
    fn status(self) -> u16 {
        match self {
            Answer::Missing => 404,
            Answer::Offline => 0,
            _ => 204,
        }
    }
    fn header(self, pv: &str, seq: u32) -> Option<String> {
        match self {
            Answer::Names => Some(format!("{pv}.{seq}")),
            Answer::NamesLater => Some(format!("{pv}.{}", seq + 1)),
            Answer::NamesOlder => Some(format!("{pv}.{}", seq - 1)),
            Answer::NamesOther => Some(format!("{}.{seq}", "f".repeat(32))),
            _ => None,
        }
    }
    fn confirms(self) -> bool {
        matches!(self, Answer::Names | Answer::NamesLater)
    }
}

fn answer(t: &mut Tracker, a: Answer, pv: &str, seq: u32, now: f64) {
    t.on_post_result(a.status(), a.header(pv, seq).as_deref(), now);
}

#[test]
fn the_final_beacon_stays_queued_and_is_confirmed_by_a_probe_if_the_page_lives_on() {
    for a in Answer::ALL {
        let mut t = tracker(OPT_OUT, Stored::default());
        click(&mut t, 100.0);
        t.flush(1_000.0, WALL);
        t.on_post_result(204, None, 1_001.0);
        split(&mut t);
        click(&mut t, 1_500.0);
        t.on_event(&Event {
            t: 2_000.0,
            kind: EventKind::Visibility(false),
        });
        t.on_hide(2_000.0, WALL);
        let o = split(&mut t);
        assert_eq!(o.beacons.len(), 1);
        assert!(o.posts.is_empty());
        let pv = o.beacons[0].pv.clone();
        let stored = o.outbox.unwrap().unwrap();
        assert!(
            stored.contains(&format!("\"{pv}.2\":")),
            "persisted before the beacon: {stored}"
        );
        // pagehide right after visibilitychange: nothing new, nothing sent twice.
        t.on_hide(2_010.0, WALL);
        assert!(split(&mut t).beacons.is_empty());
        // The page survives (a hidden tab): the collector is asked, the body is not re-sent.
        let wake = t.next_wake().unwrap();
        assert!(wake > 2_000.0 && wake <= 3_000.0, "{wake}");
        t.tick(wake, WALL);
        let o = split(&mut t);
        assert!(o.posts.is_empty(), "no blind repeat");
        assert_eq!(o.probes, [format!("/v1/ingest?site=demo&pv={pv}&seq=2")]);
        answer(&mut t, a, &pv, 2, wake + 5.0);
        let o = split(&mut t);
        if a.confirms() {
            assert!(o.posts.is_empty(), "{a:?}: confirmed, nothing re-sent");
            assert_eq!(o.outbox, Some(None), "{a:?}");
            continue;
        }
        assert!(o.probes.is_empty(), "{a:?}: asked once, never again");
        // Not confirmed: the same snapshot is posted, at once, or after the
        // backoff when the probe failed.
        let o = if a == Answer::Offline {
            assert!(o.posts.is_empty(), "a failed probe backs off");
            let next = t.next_wake().unwrap();
            assert!(next >= wake + 5.0 + 500.0, "{next}");
            t.tick(next, WALL);
            split(&mut t)
        } else {
            o
        };
        let (p, fresh) = &o.posts[0];
        assert_eq!(
            (p.pv.as_str(), p.seq, *fresh),
            (pv.as_str(), 2, false),
            "{a:?}: a repeat, not a new payload"
        );
        t.on_post_result(204, None, 10_000.0);
        assert_eq!(split(&mut t).outbox, Some(None), "{a:?}");
    }
}

#[test]
fn a_down_collector_gets_bounded_backed_off_retries_then_online_drains() {
    let mut t = tracker(OPT_OUT, Stored::default());
    click(&mut t, 10.0);
    t.flush(1_000.0, WALL);
    let mut now = 1_000.0;
    let mut posts = 0;
    let mut gaps = Vec::new();
    loop {
        let o = split(&mut t);
        let Some((p, _)) = o.posts.into_iter().next() else {
            break;
        };
        assert_eq!(p.seq, 1);
        posts += 1;
        t.on_post_result(0, None, now); // network error
        match t.next_wake() {
            Some(w) if w < 60_000.0 => {
                gaps.push(w - now);
                now = w;
                t.tick(now, WALL);
            }
            _ => break,
        }
    }
    assert_eq!(
        posts,
        RetryPolicy::default().max_attempts as usize,
        "bounded attempts"
    );
    for (i, g) in gaps.iter().enumerate() {
        let d = 1_000.0 * f64::from(1u32 << i);
        assert!(
            *g >= d / 2.0 && *g <= d,
            "exponential backoff with jitter: gap {i} = {g}"
        );
    }
    // Parked: the periodic timer still ticks, but no retry storm.
    t.tick(59_999.0, WALL);
    assert!(split(&mut t).posts.is_empty());
    // 503 and 429 are retried too; `online` drains at once.
    t.resume(70_000.0);
    let o = split(&mut t);
    assert_eq!(o.posts.len(), 1);
    t.on_post_result(503, None, 70_010.0);
    assert!(t.next_wake().unwrap() < 70_010.0 + 1_001.0);
    t.tick(71_010.0, WALL);
    assert_eq!(split(&mut t).posts.len(), 1, "retried after the 503");
    t.on_post_result(204, None, 71_020.0);
    assert_eq!(
        split(&mut t).outbox,
        Some(None),
        "delivered after the collector came back"
    );
}

/// A payload whose attempts all failed is parked, never dropped: it stays in
/// the stored outbox and the next page load sends it.
#[test]
fn a_payload_that_exhausts_its_retries_stays_stored_for_the_next_load() {
    let mut t = tracker(OPT_OUT, Stored::default());
    click(&mut t, 10.0);
    t.flush(100.0, WALL);
    let mut o = split(&mut t);
    let pv = o.posts[0].0.pv.clone();
    let stored = o.outbox.clone().unwrap().unwrap();
    let mut now = 100.0;
    let mut attempts = 0;
    while !o.posts.is_empty() {
        attempts += 1;
        t.on_post_result(0, None, now);
        let Some(w) = t.next_wake().filter(|w| *w < 60_000.0) else {
            break;
        };
        now = w;
        t.tick(now, WALL);
        o = split(&mut t);
        assert_eq!(o.outbox, None, "nothing removed while retrying");
    }
    assert_eq!(attempts, RetryPolicy::default().max_attempts);
    // Parked: an hour of periodic ticks sends nothing and removes nothing.
    for minute in 1..=60 {
        t.tick(now + f64::from(minute) * 60_000.0, WALL);
        let o = split(&mut t);
        assert!(o.posts.is_empty() && o.probes.is_empty());
        assert_eq!(o.outbox, None, "still stored");
    }
    let mut next = tracker(
        OPT_OUT,
        Stored {
            outbox: Some(stored),
            ..Stored::default()
        },
    );
    next.tick(0.0, WALL);
    assert_eq!(
        split(&mut next).probes,
        [format!("/v1/ingest?site=demo&pv={pv}&seq=1")]
    );
    next.on_post_result(404, None, 1.0);
    let o = split(&mut next);
    assert_eq!(
        (o.posts[0].0.pv.as_str(), o.posts[0].0.seq),
        (pv.as_str(), 1)
    );
}

#[test]
fn a_refused_payload_is_not_retried() {
    let mut t = tracker(OPT_OUT, Stored::default());
    t.flush(10.0, WALL);
    assert_eq!(split(&mut t).posts.len(), 1);
    t.on_post_result(400, None, 20.0);
    assert_eq!(split(&mut t).outbox, Some(None));
    assert_eq!(
        t.next_wake(),
        Some(60_010.0),
        "only the periodic timer remains (60 s after the flush)"
    );
}

#[test]
fn the_next_page_load_probes_for_the_persisted_outbox_first() {
    for a in Answer::ALL {
        let mut first = tracker(OPT_OUT, Stored::default());
        click(&mut first, 10.0);
        first.on_hide(500.0, WALL); // unload: beacon, fate unknown
        let o = split(&mut first);
        let left = o.outbox.unwrap();
        let mut second = tracker(
            OPT_OUT,
            Stored {
                outbox: left,
                ..Stored::default()
            },
        );
        assert_eq!(second.next_wake(), Some(0.0), "due at once");
        second.tick(0.0, WALL);
        let o = split(&mut second);
        assert!(o.posts.is_empty());
        let pv = first_pv(&first);
        assert_eq!(
            o.probes,
            [format!("/v1/ingest?site=demo&pv={pv}&seq=1")],
            "the previous page's final snapshot"
        );
        answer(&mut second, a, &pv, 1, 5.0);
        let o = split(&mut second);
        if a.confirms() {
            assert!(o.posts.is_empty(), "{a:?}: no body re-sent");
            assert_eq!(
                o.outbox,
                Some(None),
                "{a:?}: the confirmed entry leaves the stored outbox"
            );
        } else if a == Answer::Offline {
            assert!(o.posts.is_empty(), "backs off");
            assert!(o.outbox.is_none(), "kept");
            let next = second.next_wake().unwrap();
            second.tick(next, WALL);
            let o = split(&mut second);
            assert!(o.probes.is_empty(), "not asked again: the body goes");
            assert_eq!(
                (o.posts[0].0.pv.as_str(), o.posts[0].0.seq),
                (pv.as_str(), 1)
            );
        } else {
            assert_eq!(o.posts.len(), 1, "{a:?}: posted at once");
            assert_eq!(
                (o.posts[0].0.pv.as_str(), o.posts[0].0.seq),
                (pv.as_str(), 1)
            );
            assert!(!o.posts[0].1, "not a new payload of this page");
        }
    }
}

/// The snapshot the tracker made last.
fn last(t: &Tracker) -> Payload {
    crate::payload::parse(t.last_sent.as_deref().unwrap().as_bytes()).unwrap()
}

fn first_pv(t: &Tracker) -> String {
    to_hex(&t.pv.id)
}

#[test]
fn outbox_drops_are_counted_and_reported_in_the_next_payload() {
    let mut t = tracker(OPT_OUT, Stored::default());
    t.outbox = Outbox::new(
        Bounds {
            max_count: 1,
            max_bytes: 100_000,
        },
        RetryPolicy::default(),
    );
    click(&mut t, 10.0);
    t.flush(100.0, WALL); // pv 1, seq 1: in flight, never acknowledged (offline)
    assert_eq!(split(&mut t).posts.len(), 1);
    t.on_post_result(0, None, 110.0);
    t.start_page_view(200.0, WALL, "https://x.example/b", true, true); // an SPA route change
    assert!(
        split(&mut t).posts.is_empty(),
        "the old page view had nothing new"
    );
    click(&mut t, 300.0);
    t.flush(400.0, WALL); // pv 2, seq 1: evicts pv 1's unacknowledged snapshot
    let p = last(&t);
    assert_eq!(
        (p.ctx.path.as_str(), p.seq, p.f.clicks),
        ("/b", 1, 1),
        "a fresh page view"
    );
    assert_eq!(
        p.f.outbox_dropped, 0,
        "the drop happened after this one was made"
    );
    click(&mut t, 500.0);
    t.flush(600.0, WALL);
    assert_eq!(last(&t).f.outbox_dropped, 1, "reported in the next payload");
    click(&mut t, 700.0);
    t.flush(800.0, WALL);
    assert_eq!(
        last(&t).f.outbox_dropped,
        1,
        "cumulative per page view, not counted twice"
    );
}

#[test]
fn an_spa_route_change_sends_the_last_snapshot_of_the_old_page_view() {
    let mut t = tracker(OPT_OUT, Stored::default());
    click(&mut t, 10.0);
    t.start_page_view(
        1_000.0,
        WALL,
        "https://x.example/next?utm_source=n&q=secret",
        true,
        true,
    );
    let o = split(&mut t);
    assert_eq!(o.posts.len(), 1);
    let old = &o.posts[0].0;
    assert_eq!(
        (old.ctx.path.as_str(), old.f.clicks, old.f.total_ms),
        ("/a", 1, 1_000)
    );
    t.on_hide(3_000.0, WALL);
    let o = split(&mut t);
    let new = &o.beacons[0];
    assert_ne!(new.pv, old.pv);
    assert_eq!(
        (new.ctx.path.as_str(), new.seq, new.f.clicks, new.f.total_ms),
        ("/next?utm_source=n", 1, 0, 2_000)
    );
}

#[test]
fn no_outbox_without_storage_consent_and_revoke_wipes_it() {
    // Opt-in, no choice yet: nothing queued, nothing stored.
    let mut t = tracker(r#"{"site":"demo","endpoint":"/i"}"#, Stored::default());
    click(&mut t, 10.0);
    t.on_hide(100.0, WALL);
    t.tick(60_000.0, WALL);
    assert!(t.take_effects().is_empty());
    assert_eq!(t.next_wake(), None, "no timer without consent");
    // A stored outbox is not even read without consent.
    let raw = r#"{"dropped":0,"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.1":"x"}"#.to_string();
    let mut t = tracker(
        r#"{"site":"demo","endpoint":"/i"}"#,
        Stored {
            outbox: Some(raw),
            ..Stored::default()
        },
    );
    t.tick(0.0, WALL);
    assert!(t.take_effects().is_empty());
    // Granted, queued, then revoked: the queue and its key go, nothing more is sent.
    t.choose(&[Purpose::Analytics], true, WALL);
    click(&mut t, 20.0);
    t.flush(30.0, WALL);
    split(&mut t);
    t.revoke(WALL);
    let effects = t.take_effects();
    assert!(effects.contains(&Effect::Remove("iob:demo:outbox".into())));
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::Send(_) | Effect::Post { .. })));
    t.on_post_result(0, None, 40.0);
    t.resume(50.0);
    t.tick(1e6, WALL);
    assert!(t.take_effects().is_empty(), "nothing after withdrawal");
}

#[test]
fn the_final_snapshot_carries_visible_time_since_the_last_one_even_without_input() {
    let mut t = tracker(OPT_OUT, Stored::default());
    click(&mut t, 100.0);
    t.tick(60_000.0, WALL);
    assert_eq!(split(&mut t).posts.len(), 1);
    t.on_post_result(204, None, 60_010.0);
    // Read for two more minutes without input, then leave.
    t.on_hide(180_000.0, WALL);
    let o = split(&mut t);
    assert_eq!(o.beacons.len(), 1, "the final snapshot goes out");
    assert_eq!((o.beacons[0].seq, o.beacons[0].f.total_ms), (2, 180_000));
    t.on_event(&Event {
        t: 180_000.5,
        kind: EventKind::Visibility(false),
    });
    t.on_hide(180_001.0, WALL);
    assert!(
        split(&mut t).beacons.is_empty(),
        "pagehide + visibilitychange: one snapshot"
    );
}

#[cfg(feature = "full")]
fn interaction(t: &mut Tracker, at: f64, id: u32, duration: f32, start: f32) {
    t.on_event(&Event {
        t: at,
        kind: EventKind::Interaction {
            id,
            duration,
            start,
        },
    });
}

/// A click at 950 ms, then an SPA route change at 1 000 ms whose post (the
/// old page view's snapshot) is acknowledged at `acked`: returns that payload.
#[cfg(feature = "full")]
fn route_change_after_a_click(t: &mut Tracker, acked: f64) -> Payload {
    click(t, 950.0);
    t.start_page_view(1_000.0, WALL + 1_000.0, "https://x.example/b", true, true);
    let old = split(t).posts.remove(0).0;
    t.on_post_result(204, None, acked);
    old
}

/// The click whose handler changes the route: its event-timing entry comes
/// with the next paint, after the change. It started in the old page view,
/// so that page view's snapshot goes again with the click in its INP, at
/// the next wake (the timer is due at once); the new page view leaves it out.
#[cfg(feature = "full")]
#[test]
fn a_late_entry_of_the_click_that_changed_the_route_is_sent_again_with_the_old_page_view() {
    let mut t = tracker(OPT_OUT, Stored::default());
    let old = route_change_after_a_click(&mut t, 1_100.0);
    assert_eq!((old.seq, old.f.inp_ms), (1, 0));
    interaction(&mut t, 1_300.0, 7, 280.0, 950.0);
    assert!(
        split(&mut t).posts.is_empty(),
        "sent from the timer, not the observer"
    );
    assert_eq!(t.next_wake(), Some(1_300.0), "the timer is due at once");
    t.tick(1_301.0, WALL + 1_301.0);
    let o = split(&mut t);
    assert_eq!(o.posts.len(), 1, "the old page view's snapshot again");
    let again = &o.posts[0].0;
    assert_eq!(
        (again.pv.as_str(), again.seq, again.ctx.path.as_str()),
        (old.pv.as_str(), 2, "/a")
    );
    assert_eq!(
        (again.f.inp_ms, again.f.total_ms, again.f.clicks),
        (280, old.f.total_ms, 1),
        "the click in its INP, the rest as it was at the change"
    );
    assert_eq!(again.sid, old.sid, "the same session");
    assert_eq!(t.features(1_400.0).inp_ms, 0, "not the new page view's");
    t.on_post_result(204, None, 1_350.0);
    // The new page view's own interaction changes only its own INP.
    interaction(&mut t, 1_500.0, 8, 120.0, 1_350.0);
    // A shorter late entry of the old page view does not change its INP.
    interaction(&mut t, 1_500.0, 9, 40.0, 900.0);
    assert_ne!(t.next_wake(), Some(1_500.0));
    t.tick(1_501.0, WALL + 1_501.0);
    assert!(
        split(&mut t).posts.is_empty(),
        "nothing changed for the old page view"
    );
    assert_eq!(t.features(1_600.0).inp_ms, 120);
    // Leaving the page with a late entry still unsent: it goes by beacon.
    interaction(&mut t, 1_700.0, 10, 400.0, 990.0);
    t.on_hide(1_701.0, WALL + 1_701.0);
    let o = split(&mut t);
    let old_again: Vec<_> = o.beacons.iter().filter(|p| p.pv == old.pv).collect();
    assert_eq!(old_again.len(), 1, "{o:?}");
    assert_eq!((old_again[0].seq, old_again[0].f.inp_ms), (3, 400));
}

/// Only the page view just left gets late entries: after a second route
/// change, an entry that started in the first page view goes nowhere.
#[cfg(feature = "full")]
#[test]
fn a_late_entry_older_than_the_page_view_just_left_goes_nowhere() {
    let mut t = tracker(OPT_OUT, Stored::default());
    click(&mut t, 100.0);
    t.start_page_view(1_000.0, WALL + 1_000.0, "https://x.example/b", true, true);
    click(&mut t, 1_100.0);
    t.start_page_view(2_000.0, WALL + 2_000.0, "https://x.example/c", true, true);
    split(&mut t);
    t.on_post_result(204, None, 2_010.0);
    split(&mut t);
    t.on_post_result(204, None, 2_020.0);
    interaction(&mut t, 2_100.0, 3, 300.0, 500.0);
    t.tick(2_101.0, WALL + 2_101.0);
    assert!(split(&mut t).posts.is_empty());
    assert_eq!(t.features(2_200.0).inp_ms, 0);
}

/// Withdrawal forgets the page view just left with the rest: granted again,
/// a late entry does not send it under the new identifiers (which would
/// link them to the old ones through its page-view id).
#[cfg(feature = "full")]
#[test]
fn withdrawal_forgets_the_page_view_just_left() {
    let mut t = tracker(OPT_OUT, Stored::default());
    let old = route_change_after_a_click(&mut t, 1_040.0);
    t.revoke(WALL + 1_050.0);
    t.choose(&[Purpose::Analytics], true, WALL + 1_060.0);
    split(&mut t);
    interaction(&mut t, 1_300.0, 7, 280.0, 950.0);
    t.tick(1_301.0, WALL + 1_301.0);
    t.on_hide(1_400.0, WALL + 1_400.0);
    let o = split(&mut t);
    assert_eq!(o.beacons.len(), 1, "the current page view is sent: {o:?}");
    assert!(
        o.posts
            .iter()
            .map(|p| &p.0)
            .chain(&o.beacons)
            .all(|p| p.pv != old.pv),
        "{o:?}"
    );
}

/// A late entry that comes in another pseudonym period: the page view just
/// left is not sent under the new period's identifiers, and it is dropped,
/// so the timer does not keep firing for it.
#[cfg(feature = "full")]
#[test]
fn a_late_entry_in_another_pseudonym_period_is_dropped() {
    let mut t = tracker(OPT_OUT, Stored::default());
    let old = route_change_after_a_click(&mut t, 1_010.0);
    interaction(&mut t, 1_300.0, 7, 280.0, 950.0);
    // 24 h later (the default rotation): another period.
    let later = WALL + 86_400_000.0;
    t.tick(1_301.0, later);
    let o = split(&mut t);
    assert!(o.posts.iter().all(|p| p.0.pv != old.pv), "{o:?}");
    assert_ne!(
        t.next_wake(),
        Some(t.clock()),
        "no timer at once, again and again"
    );
}

/// Withdrawing personalization keeps the on-device history out of every
/// later payload, the page view just left's too.
#[cfg(feature = "full")]
#[test]
fn withdrawing_personalization_keeps_history_out_of_the_page_view_just_left() {
    let mut t = tracker(OPT_OUT, Stored::default());
    t.choose(&[Purpose::Personalization], true, WALL + 10.0);
    let old = route_change_after_a_click(&mut t, 1_010.0);
    assert!(old.f.visit_index > 0, "history was on: {:?}", old.f);
    t.choose(&[Purpose::Personalization], false, WALL + 1_050.0);
    split(&mut t);
    interaction(&mut t, 1_300.0, 7, 280.0, 950.0);
    t.tick(1_301.0, WALL + 1_301.0);
    t.on_hide(1_400.0, WALL + 1_400.0);
    let o = split(&mut t);
    let sent: Vec<_> = o.posts.iter().map(|p| &p.0).chain(&o.beacons).collect();
    assert!(!sent.is_empty());
    for p in sent {
        assert_eq!(
            (p.f.visit_index, p.f.visits_30d, p.f.days_since_last_visit),
            (0, 0, 0),
            "{p:?}"
        );
    }
}

/// The page view just left, beaconed at a hide long after the route change:
/// like any final snapshot, it is confirmed by a probe a little after the
/// hide, not at once (the beacon may not have landed yet), and it is not
/// posted again while the beacon's fate is unknown.
#[cfg(feature = "full")]
#[test]
fn the_page_view_just_left_beaconed_at_a_hide_is_probed_after_the_hide() {
    let mut t = tracker(OPT_OUT, Stored::default());
    let old = route_change_after_a_click(&mut t, 1_010.0);
    interaction(&mut t, 9_000.0, 7, 280.0, 950.0);
    t.on_hide(9_001.0, WALL + 9_001.0);
    let o = split(&mut t);
    assert!(o.beacons.iter().any(|p| p.pv == old.pv), "{o:?}");
    // The page lives on (a hidden tab).
    let wake = t.next_wake().unwrap();
    assert!(wake > 9_001.0, "not due before the hide: {wake}");
    t.tick(9_002.0, WALL + 9_002.0);
    let o = split(&mut t);
    assert!(
        o.probes.is_empty() && o.posts.is_empty(),
        "nothing asked or re-sent right after the beacon: {o:?}"
    );
}
