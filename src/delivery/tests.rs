use super::*;
use crate::flat::pairs;

/// A seeded xorshift: deterministic "randomness" in [0, 1).
struct Seeded(u64);
impl Seeded {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const PV_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const PV_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const PV_C: &str = "cccccccccccccccccccccccccccccccc";

/// The body of a due post (`None` for nothing due, or a probe).
fn post(d: Option<Due>) -> Option<String> {
    match d {
        Some(Due::Post(b)) => Some(b),
        _ => None,
    }
}

fn outbox() -> Outbox {
    Outbox::new(Bounds::default(), RetryPolicy::default())
}

#[test]
fn backoff_doubles_is_capped_and_jitter_stays_in_the_upper_half() {
    let p = RetryPolicy {
        base_ms: 1_000.0,
        max_delay_ms: 8_000.0,
        max_attempts: 10,
    };
    assert_eq!(p.delay(1, 0.0), 500.0);
    assert_eq!(p.delay(1, 1.0), 1_000.0);
    assert_eq!(p.delay(2, 0.0), 1_000.0);
    assert_eq!(p.delay(3, 0.5), 3_000.0);
    assert_eq!(p.delay(4, 1.0), 8_000.0);
    assert_eq!(p.delay(9, 1.0), 8_000.0, "capped");
    assert_eq!(p.delay(500, 0.0), 4_000.0, "no overflow on absurd counts");
    let mut rng = Seeded(42);
    let delays: Vec<f64> = (0..200).map(|_| p.delay(3, rng.next())).collect();
    assert!(delays.iter().all(|d| (2_000.0..=4_000.0).contains(d)));
    let distinct = delays
        .iter()
        .map(|d| *d as u64)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(
        distinct > 100,
        "jitter spreads retries: {distinct} distinct delays"
    );
}

#[test]
fn status_codes_map_to_outcomes() {
    assert_eq!(Outcome::from_status(204), Outcome::Delivered);
    assert_eq!(Outcome::from_status(200), Outcome::Delivered);
    assert_eq!(Outcome::from_status(0), Outcome::Failed);
    assert_eq!(Outcome::from_status(429), Outcome::Failed);
    assert_eq!(Outcome::from_status(408), Outcome::Failed);
    assert_eq!(Outcome::from_status(503), Outcome::Failed);
    assert_eq!(Outcome::from_status(400), Outcome::Refused);
    assert_eq!(Outcome::from_status(413), Outcome::Refused);
}

/// A fake clock drives the whole retry machine: fail, back off, fail until
/// parked, wake on `online`, deliver.
#[test]
fn retry_machine_backs_off_parks_after_bounded_attempts_and_wakes_online() {
    let policy = RetryPolicy {
        base_ms: 1_000.0,
        max_delay_ms: 60_000.0,
        max_attempts: 4,
    };
    let mut o = Outbox::new(Bounds::default(), policy);
    let mut rng = Seeded(7);
    let mut now = 100.0;
    o.push(PV_A, 1, "body-1".into(), now, false);
    assert_eq!(o.next_due(), Some(100.0));
    assert_eq!(o.take_due(99.0), None, "not due yet");
    let mut attempts = 0;
    let mut gaps = Vec::new();
    while let Some(Due::Post(body)) = o.take_due(now) {
        assert_eq!(body, "body-1");
        assert_eq!(o.next_due(), None, "in flight: nothing else goes out");
        assert_eq!(o.take_due(now + 1e9), None);
        attempts += 1;
        assert!(!o.on_result(0, None, now, rng.next()));
        let Some(next) = o.next_due() else { break };
        gaps.push(next - now);
        // The clock jumps to just before the deadline, then to it.
        assert_eq!(o.take_due(next - 1.0), None);
        now = next;
    }
    assert_eq!(attempts, 4, "bounded attempts");
    assert_eq!(gaps.len(), 3);
    for (i, g) in gaps.iter().enumerate() {
        let d = 1_000.0 * f64::from(1u32 << i);
        assert!(
            *g >= d / 2.0 && *g <= d,
            "gap {i}: {g} not within [{}, {d}]",
            d / 2.0
        );
    }
    assert_eq!(o.len(), 1, "a parked entry is kept, not lost");
    now += 3_600_000.0;
    assert_eq!(
        o.take_due(now),
        None,
        "parked: no retry storm however long we wait"
    );
    o.wake(now);
    assert_eq!(
        post(o.take_due(now)).as_deref(),
        Some("body-1"),
        "online makes it due at once"
    );
    assert!(o.on_result(204, None, now, 0.5));
    assert!(o.is_empty());
    assert_eq!(o.next_due(), None);
}

/// `online` while an attempt is out: that attempt began offline, so its
/// failure does not count against the fresh budget, and the entry goes again
/// at once instead of after a backoff.
#[test]
fn an_attempt_out_at_wake_that_fails_goes_again_at_once() {
    let mut o = outbox();
    o.push(PV_A, 1, "body-1".into(), 0.0, false);
    assert_eq!(post(o.take_due(0.0)).as_deref(), Some("body-1"));
    o.wake(100.0);
    assert_eq!(o.take_due(100.0), None, "still one post at a time");
    assert!(!o.on_result(0, None, 150.0, 1.0));
    assert_eq!(o.next_due(), Some(150.0), "due at once after the failure");
    assert_eq!(post(o.take_due(150.0)).as_deref(), Some("body-1"));
    // This attempt began online: its failure backs off from a fresh budget
    // (the first step), and the wake is not remembered any longer.
    assert!(!o.on_result(0, None, 200.0, 1.0));
    assert_eq!(
        o.next_due(),
        Some(200.0 + RetryPolicy::default().delay(1, 1.0))
    );
}

/// A wake with nothing out leaves no mark on a later attempt's failure.
#[test]
fn a_wake_with_nothing_out_does_not_hasten_a_later_failure() {
    let mut o = outbox();
    o.push(PV_A, 1, "body-1".into(), 50.0, false);
    o.wake(10.0);
    assert_eq!(post(o.take_due(10.0)).as_deref(), Some("body-1"));
    assert!(!o.on_result(0, None, 20.0, 1.0));
    assert_eq!(
        o.next_due(),
        Some(20.0 + RetryPolicy::default().delay(1, 1.0))
    );
}

#[test]
fn one_post_at_a_time_oldest_first_and_refusals_leave() {
    let mut o = outbox();
    o.push(PV_A, 1, "a".into(), 0.0, false);
    o.push(PV_B, 1, "b".into(), 0.0, false);
    assert!(
        !o.on_result(204, None, 0.0, 0.0),
        "no post out: nothing to record"
    );
    assert_eq!(post(o.take_due(0.0)).as_deref(), Some("a"));
    assert_eq!(o.take_due(0.0), None, "b waits for a's result");
    assert!(o.on_result(400, None, 0.0, 0.0), "a 4xx is final");
    assert_eq!(post(o.take_due(0.0)).as_deref(), Some("b"));
    assert!(o.on_result(204, None, 1.0, 0.0));
    assert!(o.is_empty());
}

#[test]
fn a_newer_snapshot_replaces_the_queued_one_of_its_page_view() {
    let mut o = outbox();
    o.push(PV_A, 1, "a1".into(), 0.0, false);
    o.push(PV_B, 1, "b1".into(), 0.0, false);
    assert_eq!(post(o.take_due(0.0)).as_deref(), Some("a1"));
    o.push(PV_A, 1, "a2".into(), 10.0, false);
    assert_eq!(o.len(), 2);
    assert_eq!(o.take_dropped(), 0, "a replacement is not a drop");
    // The superseded post comes back late: it only frees the slot.
    assert!(!o.on_result(204, None, 20.0, 0.0));
    assert_eq!(o.len(), 2, "a2 is not acknowledged by a1's answer");
    assert_eq!(post(o.take_due(20.0)).as_deref(), Some("b1"));
    assert!(o.on_result(204, None, 21.0, 0.0));
    assert_eq!(post(o.take_due(21.0)).as_deref(), Some("a2"));
}

#[test]
fn bounded_in_count_and_bytes_oldest_dropped_first_and_counted() {
    let mut o = Outbox::new(
        Bounds {
            max_count: 3,
            max_bytes: 1_000,
        },
        RetryPolicy::default(),
    );
    for i in 0..5u8 {
        o.push(&format!("{:032x}", i), 1, format!("body{i}"), 0.0, false);
    }
    assert_eq!(o.len(), 3);
    assert_eq!(o.take_dropped(), 2);
    assert_eq!(o.take_dropped(), 0, "reported once");
    let mut bodies = Vec::new();
    while let Some(Due::Post(b)) = o.take_due(0.0) {
        bodies.push(b);
        o.on_result(204, None, 0.0, 0.0);
    }
    assert_eq!(bodies, ["body2", "body3", "body4"], "oldest dropped first");

    let mut o = Outbox::new(
        Bounds {
            max_count: 100,
            max_bytes: 1_000,
        },
        RetryPolicy::default(),
    );
    for i in 0..6u8 {
        o.push(&format!("{:032x}", i), 1, "x".repeat(300), 0.0, false);
    }
    assert_eq!(o.len(), 3, "3 x 300 bytes fit in 1000");
    assert_eq!(o.take_dropped(), 3);
    // A single entry larger than the byte bound is still kept (never drop the newest).
    o.push(PV_A, 1, "y".repeat(5_000), 0.0, false);
    assert_eq!(o.len(), 1);
    assert_eq!(o.take_dropped(), 3);
}

#[test]
fn persisted_form_round_trips_oldest_first_with_the_drop_count_and_restored_entries_are_probed() {
    let mut o = Outbox::new(
        Bounds {
            max_count: 2,
            max_bytes: 10_000,
        },
        RetryPolicy::default(),
    );
    o.push(PV_C, 1, "lost".into(), 0.0, false);
    o.push(PV_A, 3, r#"{"v":1,"q":"a\"b"}"#.into(), 0.0, false);
    o.push(PV_B, 1, "second".into(), 0.0, true);
    let raw = o.encode();
    assert_eq!(
        raw,
        format!(
            r#"{{"dropped":1,"{PV_A}.3":"{{\"v\":1,\"q\":\"a\\\"b\"}}","{PV_B}.1":"second","done":"{PV_C}.1"}}"#
        ),
        "the dropped entry is recorded as done"
    );
    let mut next = outbox();
    next.restore(&pairs(&raw), 5_000.0);
    assert_eq!(next.len(), 2);
    assert_eq!(
        next.next_due(),
        Some(5_000.0),
        "drained at once on the next load"
    );
    // An earlier page may have delivered it: ask first; the collector lacks it (404), so post it.
    assert_eq!(
        next.take_due(5_000.0),
        Some(Due::Probe {
            pv: PV_A.into(),
            seq: 3
        })
    );
    assert!(!next.on_result(404, None, 5_000.0, 0.0));
    assert_eq!(
        post(next.take_due(5_000.0)).as_deref(),
        Some(r#"{"v":1,"q":"a\"b"}"#)
    );
    assert!(next.on_result(204, None, 5_001.0, 0.0));
    // The collector holds the second one: it leaves without being posted again.
    assert_eq!(
        next.take_due(5_001.0),
        Some(Due::Probe {
            pv: PV_B.into(),
            seq: 1
        })
    );
    assert!(next.on_result(204, Some(&format!("{PV_B}.1")), 5_002.0, 0.0));
    assert!(next.is_empty());
    assert_eq!(
        next.take_dropped(),
        1,
        "drops survive the reload and are reported"
    );
    // An older SDK's form (no `.seq`) is posted without a probe.
    let mut old = outbox();
    old.restore(&pairs(&format!(r#"{{"{PV_A}":"body"}}"#)), 0.0);
    assert_eq!(post(old.take_due(0.0)).as_deref(), Some("body"));
    for junk in [
        "",
        "{",
        "[1]",
        r#"{"dropped":"x","nothex":"b","a.1":3}"#,
        &format!(r#"{{"{PV_A}.x":"b","{PV_B}.-1":"b"}}"#),
    ] {
        let mut o = outbox();
        o.restore(&pairs(junk), 0.0);
        assert!(o.is_empty(), "{junk}");
    }
    // Pairs text that is not what JSON.parse makes.
    for junk in ["a.1", "\0", "\0o", "a.1\0", "a.1\0q"] {
        let mut o = outbox();
        o.restore(junk, 0.0);
        assert!(o.is_empty(), "{junk:?}");
    }
}

/// Only a 2xx whose `Iob-Stored` names the page view at the asked seq or
/// later confirms a snapshot: a bare 2xx (a server that answers every
/// method), another page view, an older seq, a malformed header or a
/// non-2xx status confirm nothing.
#[test]
fn a_probe_answer_confirms_only_when_it_names_the_snapshot() {
    let cases: [(u16, Option<String>, Option<u32>); 14] = [
        (204, Some(format!("{PV_A}.2")), Some(2)),
        (200, Some(format!("{PV_A}.2")), Some(2)),
        (204, Some(format!("{PV_A}.7")), Some(7)),
        (204, None, None),
        (200, None, None),
        (204, Some(format!("{PV_A}.1")), None),
        (204, Some(format!("{PV_B}.2")), None),
        (204, Some(String::new()), None),
        (204, Some(PV_A.into()), None),
        (204, Some(format!("{PV_A}.")), None),
        (204, Some(format!("{PV_A}.-3")), None),
        (204, Some(format!(" {PV_A}.2")), None),
        (404, Some(format!("{PV_A}.2")), None),
        (503, Some(format!("{PV_A}.2")), None),
    ];
    for (status, header, expected) in cases {
        assert_eq!(
            confirmed_seq(status, header.as_deref(), PV_A, 2),
            expected,
            "{status} {header:?}"
        );
    }
}

/// A beaconed snapshot is probed, never blindly re-posted; it is asked once:
/// a confirming answer removes it, any other answer makes the body go next
/// (at once, or after the backoff when the probe failed).
#[test]
fn unconfirmed_entries_are_probed_once_before_any_repeat() {
    let mut o = outbox();
    o.push(PV_A, 2, "a".into(), 1_000.0, true);
    assert_eq!(o.take_due(999.0), None);
    assert_eq!(
        o.take_due(1_000.0),
        Some(Due::Probe {
            pv: PV_A.into(),
            seq: 2
        })
    );
    assert_eq!(o.take_due(1_000.0), None, "one request out at a time");
    assert!(
        o.on_result(204, Some(&format!("{PV_A}.3")), 1_000.0, 0.0),
        "confirmed: leaves without a repeat"
    );
    assert!(o.is_empty());

    // A bare 2xx, a 404 or any other 4xx: the body is due at once.
    for (status, header) in [
        (204, None),
        (200, Some(format!("{PV_B}.2"))),
        (204, Some(format!("{PV_A}.1"))),
        (404, None),
        (405, None),
        (400, None),
        (403, None),
    ] {
        let mut o = outbox();
        o.push(PV_A, 2, "a".into(), 0.0, true);
        assert!(matches!(o.take_due(0.0), Some(Due::Probe { .. })));
        assert!(
            !o.on_result(status, header.as_deref(), 10.0, 0.0),
            "{status}: still queued"
        );
        assert_eq!(
            o.next_due(),
            Some(10.0),
            "{status}: the body is due at once"
        );
        assert_eq!(post(o.take_due(10.0)).as_deref(), Some("a"), "{status}");
        assert!(
            o.on_result(204, None, 11.0, 0.0),
            "{status}: the post's 2xx"
        );
    }

    // A failed probe backs off like a post, and then the body goes.
    for failure in [0, 503, 429, 408] {
        let mut o = outbox();
        o.push(PV_A, 2, "a".into(), 0.0, true);
        o.take_due(0.0);
        assert!(!o.on_result(failure, None, 0.0, 0.5));
        let next = o.next_due().unwrap();
        assert!(
            (500.0..=1_000.0).contains(&next),
            "{failure}: backs off like a post: {next}"
        );
        assert_eq!(post(o.take_due(next)).as_deref(), Some("a"), "{failure}");
        assert!(!o.on_result(0, None, next, 0.0));
        assert!(
            post(o.take_due(1e9)).is_some(),
            "{failure}: the retries post, never probe again"
        );
    }

    // A newer snapshot of the page view replaces the unconfirmed one and is posted.
    let mut o = outbox();
    o.push(PV_A, 2, "a".into(), 0.0, true);
    assert!(matches!(o.take_due(0.0), Some(Due::Probe { .. })));
    o.push(PV_A, 3, "a3".into(), 5.0, false);
    assert!(
        !o.on_result(204, Some(&format!("{PV_A}.2")), 5.0, 0.0),
        "the probe's late answer only frees the slot"
    );
    assert_eq!(post(o.take_due(5.0)).as_deref(), Some("a3"));
    // seq 0 (unknown) is never probed.
    let mut o = outbox();
    o.push(PV_A, 0, "z".into(), 0.0, true);
    assert_eq!(post(o.take_due(0.0)).as_deref(), Some("z"));
}

#[test]
fn probe_url_adds_the_query_before_any_fragment() {
    assert_eq!(
        probe_url("/v1/ingest", "demo", PV_A, 2),
        format!("/v1/ingest?site=demo&pv={PV_A}&seq=2")
    );
    assert_eq!(
        probe_url("https://c.example/i?k=1#frag", "a.b-c_d", PV_B, 100_000),
        format!("https://c.example/i?k=1&site=a.b-c_d&pv={PV_B}&seq=100000#frag")
    );
}

#[test]
fn clear_forgets_entries_and_drops() {
    let mut o = Outbox::new(
        Bounds {
            max_count: 1,
            max_bytes: 100,
        },
        RetryPolicy::default(),
    );
    o.push(PV_A, 1, "a".into(), 0.0, false);
    o.push(PV_B, 1, "b".into(), 0.0, false);
    o.clear();
    assert!(o.is_empty());
    assert_eq!(o.take_dropped(), 0);
}
