//! The outbox shared by tabs (`persisted.rs`), on a model of `localStorage`:
//! each tab is an `Outbox`; a write stores its `encode()` and queues a
//! `storage` event for every other tab, delivered only when the test says so,
//! so a tab can write before another's write reached it (a stale write).

use super::*;
use crate::flat::pairs as read_json;
use std::collections::VecDeque;

const PV_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const PV_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const PV_C: &str = "cccccccccccccccccccccccccccccccc";

/// Tabs sharing one stored outbox.
struct Tabs {
    stored: Option<String>,
    tabs: Vec<Outbox>,
    /// Per tab, the `storage` events not yet delivered (new values).
    events: Vec<VecDeque<Option<String>>>,
    /// Closed tabs get no events and never act again.
    closed: Vec<bool>,
    writes: usize,
}

impl Tabs {
    fn new(n: usize, bounds: Bounds) -> Tabs {
        Tabs {
            stored: None,
            tabs: (0..n)
                .map(|_| Outbox::new(bounds, RetryPolicy::default()))
                .collect(),
            events: vec![VecDeque::new(); n],
            closed: vec![false; n],
            writes: 0,
        }
    }

    /// Tab `i` writes its view (or removes the key when it is empty), as
    /// `Tracker::persist_outbox` does.
    fn write(&mut self, i: usize) {
        let value = self.tabs[i].persisted();
        self.stored = value.clone();
        self.writes += 1;
        for (j, q) in self.events.iter_mut().enumerate() {
            if j != i && !self.closed[j] {
                q.push_back(value.clone());
            }
        }
    }

    /// Tab `i` is a new page load: it reads the stored outbox at start-up
    /// (events from before then are moot).
    fn load(&mut self, i: usize) {
        let left = self.stored.clone().unwrap();
        self.events[i].clear();
        self.tabs[i].restore(&read_json(&left), 0.0);
    }

    fn close(&mut self, i: usize) {
        self.closed[i] = true;
        self.events[i].clear();
    }

    /// Delivers tab `i`'s oldest pending event (with what the key holds
    /// now); it writes back when the merge says so.
    fn deliver(&mut self, i: usize) {
        if let Some(v) = self.events[i].pop_front() {
            let current = self.stored.clone();
            let (v, current) = (
                v.as_deref().map(read_json),
                current.as_deref().map(read_json),
            );
            if self.tabs[i].merge(v.as_deref(), current.as_deref()) {
                self.write(i);
            }
        }
    }

    /// Delivers every pending event, in turn, until none is left.
    fn settle(&mut self) {
        for _ in 0..1_000 {
            if self.events.iter().all(VecDeque::is_empty) {
                return;
            }
            for i in 0..self.tabs.len() {
                self.deliver(i);
            }
        }
        panic!("the tabs never stop rewriting the outbox");
    }

    /// `(pv, seq)` of every entry stored, sorted.
    fn stored_entries(&self) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = self
            .stored
            .as_deref()
            .map(|raw| {
                crate::flat::parse(&read_json(raw))
                    .unwrap()
                    .into_iter()
                    .filter_map(|(k, _)| {
                        let (pv, seq) = k.split_once('.')?;
                        Some((pv.to_string(), seq.parse().ok()?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

fn pairs(list: &[(&str, u32)]) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = list.iter().map(|(p, s)| (p.to_string(), *s)).collect();
    v.sort();
    v
}

/// The body of a due post.
fn post(d: Option<Due>) -> Option<String> {
    match d {
        Some(Due::Post(b)) => Some(b),
        _ => None,
    }
}

#[test]
fn a_write_that_missed_another_tabs_entry_is_repaired_by_that_tab() {
    let mut t = Tabs::new(2, Bounds::default());
    t.tabs[0].push(PV_A, 1, "a1".into(), 0.0, false);
    t.write(0);
    // Tab 1 writes before tab 0's write reached it: the stored value lacks a1.
    t.tabs[1].push(PV_B, 1, "b1".into(), 0.0, false);
    t.write(1);
    assert_eq!(t.stored_entries(), pairs(&[(PV_B, 1)]), "last writer wins");
    t.settle();
    assert_eq!(
        t.stored_entries(),
        pairs(&[(PV_A, 1), (PV_B, 1)]),
        "tab 0 wrote its entry back"
    );
    assert!(t.writes <= 4, "a few writes, not a loop: {}", t.writes);
    // Each tab sends only its own entry; the other's is known, never due here.
    assert_eq!(post(t.tabs[0].take_due(1e9)).as_deref(), Some("a1"));
    assert_eq!(post(t.tabs[1].take_due(1e9)).as_deref(), Some("b1"));
    assert!(t.tabs[0].on_result(204, None, 1.0, 0.0));
    t.write(0);
    t.settle();
    assert_eq!(
        t.stored_entries(),
        pairs(&[(PV_B, 1)]),
        "a1 is done everywhere"
    );
    assert!(t.tabs[1].on_result(204, None, 1.0, 0.0));
    t.write(1);
    t.settle();
    assert_eq!(t.stored, None, "nothing queued: the key is gone");
}

/// Tab 0 writes its last snapshot and closes; tab 1, which has not seen
/// that write yet, writes its own next snapshot over it. Tab 0 cannot write
/// a2 back: tab 1 does when tab 0's write reaches it, since the key lacks it.
#[test]
fn a_write_that_hid_a_closed_tabs_last_snapshot_is_undone_by_its_writer() {
    let mut t = Tabs::new(2, Bounds::default());
    t.tabs[0].push(PV_A, 1, "a1".into(), 0.0, false);
    t.write(0);
    t.tabs[1].push(PV_B, 1, "b1".into(), 0.0, false);
    t.write(1);
    t.deliver(0); // tab 0 writes a1 back: {b1, a1}
    t.tabs[0].push(PV_A, 2, "a2".into(), 0.0, true);
    t.write(0);
    t.close(0);
    t.tabs[1].push(PV_B, 2, "b2".into(), 0.0, false);
    t.write(1);
    assert_eq!(t.stored_entries(), pairs(&[(PV_B, 2)]), "a2 is hidden");
    t.settle();
    assert_eq!(t.stored_entries(), pairs(&[(PV_A, 2), (PV_B, 2)]));
}

#[test]
fn a_removed_key_is_written_back_by_a_tab_with_undelivered_entries() {
    let mut t = Tabs::new(2, Bounds::default());
    t.tabs[1].push(PV_B, 1, "b1".into(), 0.0, false);
    t.write(1);
    t.settle();
    // Tab 0 queues a1; tab 1, before seeing it, has b1 acknowledged: its
    // view is empty, so it removes the key.
    t.tabs[0].push(PV_A, 1, "a1".into(), 0.0, false);
    t.write(0);
    assert_eq!(post(t.tabs[1].take_due(0.0)).as_deref(), Some("b1"));
    assert!(t.tabs[1].on_result(204, None, 1.0, 0.0));
    assert!(!t.tabs[0].is_empty());
    t.write(1);
    assert_eq!(t.stored, None);
    t.settle();
    assert_eq!(t.stored_entries(), pairs(&[(PV_A, 1)]));
}

/// Tab 1 (a page load) adopts tab 0's a1, learns it is stored and, with
/// nothing else queued, removes the key; tab 0 still holds a1 and writes it
/// back. Tab 1 then writes its done list instead of removing the key again,
/// and tab 0 lets a1 go: no endless rewriting.
#[test]
fn an_owner_writing_back_a_finished_entry_is_settled_by_the_done_list() {
    let mut t = Tabs::new(2, Bounds::default());
    t.tabs[0].push(PV_A, 1, "a1".into(), 0.0, false);
    t.write(0);
    t.load(1);
    assert!(matches!(t.tabs[1].take_due(0.0), Some(Due::Probe { .. })));
    assert!(t.tabs[1].on_result(204, Some(&format!("{PV_A}.1")), 1.0, 0.0));
    t.write(1);
    assert_eq!(t.stored, None);
    t.settle();
    assert_eq!(t.stored_entries(), []);
    assert_eq!(t.tabs[0].take_due(1e9), None, "tab 0 let a1 go");
    assert!(t.tabs[0].is_empty());
}

/// An adopted copy finished at seq 1 never removes the owner's seq 2, and an
/// adopted entry whose owner writes a newer snapshot goes back to the owner.
#[test]
fn done_up_to_a_seq_never_removes_a_newer_snapshot_of_the_page_view() {
    let mut t = Tabs::new(2, Bounds::default());
    t.tabs[0].push(PV_A, 1, "a1".into(), 0.0, false);
    t.write(0);
    // Tab 1 starts (a page load): it adopts a1 and will probe for it.
    t.load(1);
    assert_eq!(
        t.tabs[1].take_due(0.0),
        Some(Due::Probe {
            pv: PV_A.into(),
            seq: 1
        })
    );
    // Meanwhile the owner makes a2; the adopter learns a1 is stored.
    t.tabs[0].push(PV_A, 2, "a2".into(), 0.0, false);
    t.write(0);
    assert!(t.tabs[1].on_result(204, Some(&format!("{PV_A}.1")), 1.0, 0.0));
    t.write(1); // a stale write: it has not seen a2, and it says a1 is done
    t.settle();
    assert_eq!(t.stored_entries(), pairs(&[(PV_A, 2)]), "a2 survives");
    assert_eq!(t.tabs[1].take_due(1e9), None, "a2 is the owner's to send");
    assert_eq!(post(t.tabs[0].take_due(1e9)).as_deref(), Some("a2"));
    // `online` in tab 1: it takes on a2 too, unconfirmed, a second later.
    t.tabs[1].wake(10.0);
    assert_eq!(t.tabs[1].take_due(10.0), None);
    assert_eq!(
        t.tabs[1].take_due(10.0 + RetryPolicy::default().base_ms),
        Some(Due::Probe {
            pv: PV_A.into(),
            seq: 2
        })
    );
}

#[test]
fn the_bound_is_global_the_oldest_is_dropped_once_and_never_written_back() {
    let bounds = Bounds {
        max_count: 2,
        max_bytes: 100_000,
    };
    let mut t = Tabs::new(2, bounds);
    t.tabs[0].push(PV_A, 1, "a1".into(), 0.0, false);
    t.write(0);
    t.settle();
    t.tabs[1].push(PV_B, 1, "b1".into(), 0.0, false);
    t.write(1);
    t.settle();
    // A third page view (an SPA route change in tab 1): over the bound of 2
    // across tabs, so the oldest, tab 0's a1, is dropped.
    t.tabs[1].push(PV_C, 1, "c1".into(), 0.0, false);
    t.write(1);
    t.settle();
    assert_eq!(t.stored_entries(), pairs(&[(PV_B, 1), (PV_C, 1)]));
    assert_eq!(t.tabs[0].take_due(1e9), None, "tab 0 accepts the drop");
    assert_eq!(t.tabs[0].take_dropped(), 1, "counted once, shared");
    t.write(0); // tab 0's next snapshot reports it and clears the count
    t.settle();
    assert_eq!(t.tabs[1].take_dropped(), 0, "not reported twice");
    // Tab 0's stale write still holding a1 does not bring it back.
    let mut stale = Outbox::new(bounds, RetryPolicy::default());
    stale.push(PV_A, 1, "a1".into(), 0.0, false);
    t.stored = Some(stale.encode());
    t.events[1].push_back(t.stored.clone());
    t.settle();
    assert_eq!(t.stored_entries(), pairs(&[(PV_B, 1), (PV_C, 1)]));
}

#[test]
fn the_persisted_form_carries_done_page_views_and_reads_older_forms() {
    let mut o = Outbox::new(Bounds::default(), RetryPolicy::default());
    o.push(PV_A, 1, "a".into(), 0.0, false);
    o.push(PV_B, 4, "b".into(), 0.0, false);
    o.take_due(0.0);
    assert!(o.on_result(204, None, 0.0, 0.0));
    assert_eq!(
        o.encode(),
        format!(r#"{{"dropped":0,"{PV_B}.4":"b","done":"{PV_A}.1"}}"#)
    );
    let mut next = Outbox::new(Bounds::default(), RetryPolicy::default());
    // A value that still holds a finished entry (and junk in its done list).
    let raw = format!(
        r#"{{"dropped":2,"{PV_A}.1":"again","{PV_B}.3":"b3","{PV_B}.4":"b","done":"{PV_A}.1 junk {PV_C}.x"}}"#
    );
    assert!(
        next.merge(Some(&read_json(&raw)), Some(&read_json(&raw))),
        "it holds a finished entry: rewrite it"
    );
    assert_eq!(
        next.encode(),
        format!(r#"{{"dropped":2,"{PV_B}.4":"b","done":"{PV_A}.1"}}"#),
        "a1 is done, b3 is superseded by b4"
    );
    assert_eq!(next.take_dropped(), 2);
    // An older SDK's value (no done list, a bare page-view key) is read.
    let mut old = Outbox::new(Bounds::default(), RetryPolicy::default());
    old.restore(&read_json(&format!(r#"{{"dropped":0,"{PV_C}":"c"}}"#)), 0.0);
    assert_eq!(post(old.take_due(0.0)).as_deref(), Some("c"));
}
