//! Tabs of one site, one `Tracker` each, on a model of one browser: a shared
//! `localStorage` whose writes reach the other tabs as `storage` events
//! (in order, but only when the test delivers them, so tabs act on stale
//! views), and a collector that keeps the highest seq per page view, can be
//! down, and answers probes as the reference collector does or as a plain
//! server (204 to every request). Every page view must end up stored with
//! the last snapshot its tab made.

use super::*;
use crate::consent::Purpose;
use crate::seeded::SplitMix64;
use std::collections::{BTreeMap, VecDeque};

const WALL: f64 = 1.8e12;
const CONFIG: &str =
    r#"{"site":"demo","endpoint":"/i","consent":"opt-out","snapshotIntervalMs":1000}"#;

/// How the collector answers a probe.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Collector {
    /// 204 with `Iob-Stored: <pv>.<seq>` when it holds the snapshot, else 404.
    Reference,
    /// 204 without any header to every request; it stores what is posted.
    Plain,
}

/// A request a tab has out.
enum Request {
    Post(String),
    Probe { pv: String, seq: u32 },
}

struct Tab {
    tracker: Tracker,
    /// `storage` events not yet delivered: (key, new value).
    events: VecDeque<(String, Option<String>)>,
    request: Option<Request>,
    open: bool,
}

struct Browser {
    storage: BTreeMap<String, String>,
    tabs: Vec<Tab>,
    collector: Collector,
    up: bool,
    /// Highest seq stored per page view.
    stored: BTreeMap<String, u32>,
    /// Last seq made per page view (every snapshot the tabs sent or posted).
    made: BTreeMap<String, u32>,
    /// Page clock shared by the tabs, ms.
    now: f64,
    next_seed: u64,
    /// What happened, kept only when `logging` (for a failure message).
    log: Vec<String>,
    logging: bool,
}

/// Adds a line to the browser's log, when it keeps one.
macro_rules! note {
    ($b:expr, $($arg:tt)*) => {
        if $b.logging {
            let line = format!($($arg)*);
            $b.log.push(line);
        }
    };
}

fn short_pv(body: &str) -> String {
    let (pv, seq) = pv_seq(body);
    format!("{}.{seq}", &pv[..4])
}

fn pv_seq(body: &str) -> (String, u32) {
    let p = crate::payload::parse(body.as_bytes()).unwrap();
    (p.pv, p.seq)
}

/// A stored outbox in short: `pv.seq` of its entries (4 hex digits of the
/// pv), the drop count and the done list.
fn short(raw: Option<&str>) -> String {
    let Some(raw) = raw else {
        return "(removed)".into();
    };
    let mut out = String::new();
    for (k, v) in crate::flat::parse(&crate::flat::pairs(raw)).unwrap() {
        match (k.as_str(), v) {
            ("dropped", crate::flat::Scalar::Int(n)) => out.push_str(&format!("dropped {n}")),
            ("done", crate::flat::Scalar::Str(list)) => {
                let done: Vec<&str> = list.split(' ').map(|d| d.get(..4).unwrap_or(d)).collect();
                out.push_str(&format!(" done[{}]", done.join(" ")));
            }
            (k, _) => out.push_str(&format!(" {}{}", &k[..4], &k[32..])),
        }
    }
    out
}

/// `pv` and `seq` of a probe URL.
fn probe_of(url: &str) -> (String, u32) {
    let query = url.split_once('?').unwrap().1;
    let get = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(k))
            .unwrap()
            .to_string()
    };
    (get("pv="), get("seq=").parse().unwrap())
}

impl Browser {
    fn new(collector: Collector) -> Browser {
        Browser {
            storage: BTreeMap::new(),
            tabs: Vec::new(),
            collector,
            up: true,
            stored: BTreeMap::new(),
            made: BTreeMap::new(),
            now: 0.0,
            next_seed: 1,
            log: Vec::new(),
            logging: false,
        }
    }

    fn open_tabs(&self) -> Vec<usize> {
        (0..self.tabs.len())
            .filter(|i| self.tabs[*i].open)
            .collect()
    }

    /// A new tab: it reads the outbox (and ids) the others left.
    fn open(&mut self) -> usize {
        let mut r = SplitMix64::new(self.next_seed);
        self.next_seed += 1;
        let get = |name: &str| self.storage.get(&format!("iob:demo:{name}")).cloned();
        let stored = Stored {
            seed: get("seed"),
            session: get("session"),
            outbox: get("outbox"),
            last_words: super::storage_sim::last_words_read(&self.storage, "demo"),
            ..Stored::default()
        };
        let tracker = Tracker::new(
            Config::from_json(CONFIG, crate::pairs_from_json).unwrap(),
            &PageEnv {
                href: "https://x.example/a".into(),
                visible: true,
                focused: true,
                ..PageEnv::default()
            },
            stored,
            self.now,
            WALL + self.now,
            Box::new(move || r.id128()),
            crate::pairs_from_json,
        );
        self.tabs.push(Tab {
            tracker,
            events: VecDeque::new(),
            request: None,
            open: true,
        });
        let i = self.tabs.len() - 1;
        note!(self, "{}: open tab {i}", self.now);
        self.run(i);
        i
    }

    fn stores(&mut self, body: &str) {
        let (pv, seq) = pv_seq(body);
        let s = self.stored.entry(pv).or_default();
        *s = (*s).max(seq);
    }

    fn made(&mut self, body: &str) {
        let (pv, seq) = pv_seq(body);
        let m = self.made.entry(pv).or_default();
        *m = (*m).max(seq);
    }

    /// Carries out tab `i`'s effects: beacons arrive while the collector is
    /// up; storage writes reach every other open tab as events.
    fn run(&mut self, i: usize) {
        for e in self.tabs[i].tracker.take_effects() {
            match e {
                Effect::Send(body) => {
                    note!(self, "  tab {i} beacon {} up={}", short_pv(&body), self.up);
                    self.made(&body);
                    if self.up {
                        self.stores(&body);
                    }
                }
                Effect::Post { body, .. } => {
                    note!(self, "  tab {i} post {}", short_pv(&body));
                    self.made(&body);
                    assert!(self.tabs[i].request.is_none(), "one request out");
                    self.tabs[i].request = Some(Request::Post(body));
                }
                Effect::Probe(url) => {
                    let (pv, seq) = probe_of(&url);
                    note!(self, "  tab {i} probe {}.{seq}", &pv[..4]);
                    assert!(self.tabs[i].request.is_none(), "one request out");
                    self.tabs[i].request = Some(Request::Probe { pv, seq });
                }
                Effect::Store { key, value } => {
                    if key.ends_with("outbox") {
                        note!(self, "  tab {i} writes {}", short(Some(&value)));
                    }
                    self.storage.insert(key.clone(), value.clone());
                    self.broadcast(i, key, Some(value));
                }
                Effect::Remove(key) => {
                    note!(self, "  tab {i} removes {key}");
                    self.storage.remove(&key);
                    self.broadcast(i, key, None);
                }
            }
        }
    }

    fn broadcast(&mut self, from: usize, key: String, value: Option<String>) {
        for (j, t) in self.tabs.iter_mut().enumerate() {
            if j != from && t.open {
                t.events.push_back((key.clone(), value.clone()));
                assert!(t.events.len() < 2_000, "a storm of writes between tabs");
            }
        }
    }

    /// The collector answers tab `i`'s request, if it has one.
    fn answer(&mut self, i: usize) {
        let Some(req) = self.tabs[i].request.take() else {
            return;
        };
        let (status, header) = match (self.up, req) {
            (false, _) => (0, None),
            (true, Request::Post(body)) => {
                self.stores(&body);
                (204, None)
            }
            (true, Request::Probe { pv, seq }) => match self.collector {
                Collector::Plain => (204, None),
                Collector::Reference => match self.stored.get(&pv) {
                    Some(s) if *s >= seq => (204, Some(format!("{pv}.{s}"))),
                    _ => (404, None),
                },
            },
        };
        let now = self.now;
        note!(self, "{now}: tab {i} answer {status} {header:?}");
        self.tabs[i]
            .tracker
            .on_post_result(status, header.as_deref(), now);
        self.run(i);
    }

    /// Delivers tab `i`'s oldest pending `storage` event.
    fn deliver(&mut self, i: usize) {
        let Some((key, value)) = self.tabs[i].events.pop_front() else {
            return;
        };
        let name = key.strip_prefix("iob:demo:").unwrap();
        let current = self.storage.get(&key).cloned();
        let now = self.now;
        if name == "outbox" {
            note!(self, "{now}: tab {i} sees {}", short(value.as_deref()));
        }
        self.tabs[i].tracker.on_storage_change(
            name,
            value.as_deref(),
            current.as_deref(),
            now,
            WALL + now,
        );
        self.run(i);
    }

    fn deliver_all(&mut self, i: usize) {
        while !self.tabs[i].events.is_empty() {
            self.deliver(i);
        }
    }

    fn tick(&mut self, i: usize) {
        let now = self.now;
        if self.tabs[i].tracker.next_wake().is_some_and(|w| w <= now) {
            note!(self, "{now}: tab {i} tick");
            self.tabs[i].tracker.tick(now, WALL + now);
            self.run(i);
        }
    }

    fn click(&mut self, i: usize) {
        let now = self.now;
        self.tabs[i].tracker.on_event(&Event::click_at(now));
    }

    /// The tab leaves (its final snapshot goes by beacon) after it has seen
    /// the other tabs' writes so far. Its request in flight is lost with it.
    fn close(&mut self, i: usize) {
        self.deliver_all(i);
        self.close_unaware(i);
    }

    /// The tab leaves without having seen the other tabs' pending writes (a
    /// window of tabs closing together): its last write of the shared key
    /// can hide another closing tab's final snapshot.
    fn close_unaware(&mut self, i: usize) {
        let now = self.now;
        note!(self, "{now}: close tab {i}");
        self.click(i);
        self.tabs[i].tracker.on_event(&Event {
            t: now,
            kind: EventKind::PageEnd,
        });
        self.tabs[i].tracker.on_hide(now, WALL + now);
        self.run(i);
        let t = &mut self.tabs[i];
        t.open = false;
        t.events.clear();
        t.request = None;
    }

    /// With the collector up: every open tab sees every write, is back
    /// online and works off its queue; repeated until nothing is left.
    fn drain(&mut self) {
        self.up = true;
        for _ in 0..5 {
            self.now += 2_000.0;
            for i in self.open_tabs() {
                self.deliver_all(i);
                let now = self.now;
                self.tabs[i].tracker.resume(now);
                self.run(i);
                for _ in 0..100 {
                    self.answer(i);
                    self.deliver_all(i);
                    self.tick(i);
                    if self.tabs[i].request.is_none() {
                        break;
                    }
                }
            }
        }
    }

    /// The last-words keys in storage.
    fn last_words(&self) -> Vec<String> {
        super::storage_sim::last_words(&self.storage, "demo")
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    /// Page views whose last snapshot is not stored: (pv, stored, made).
    fn lost(&self) -> Vec<(String, Option<u32>, u32)> {
        self.made
            .iter()
            .filter(|(pv, seq)| self.stored.get(*pv) != Some(*seq))
            .map(|(pv, seq)| (pv.clone(), self.stored.get(pv).copied(), *seq))
            .collect()
    }
}

/// A browser whose collector is down, with `tabs` tabs opened one after
/// another: each is clicked, a second passes, then `after_open(browser, tab)`.
fn opened_while_down(
    collector: Collector,
    tabs: usize,
    mut after_open: impl FnMut(&mut Browser, usize),
) -> Browser {
    let mut b = Browser::new(collector);
    b.up = false;
    for _ in 0..tabs {
        let i = b.open();
        b.click(i);
        b.now += 1_000.0;
        after_open(&mut b, i);
    }
    b
}

/// The end-to-end scenario, natively: tabs open one after another while the
/// collector is down, each queues snapshots on a stale view of the others'
/// writes, all leave; the next visit drains the outbox they left.
#[test]
fn tabs_opened_while_the_collector_is_down_lose_nothing() {
    for collector in [Collector::Reference, Collector::Plain] {
        for tabs in [2, 3] {
            let mut b = opened_while_down(collector, tabs, |b, _| {
                for j in b.open_tabs() {
                    b.tick(j);
                    b.answer(j);
                }
            });
            for i in b.open_tabs() {
                b.click(i);
                b.now += 1_000.0;
                b.tick(i);
                b.answer(i);
            }
            for i in b.open_tabs() {
                b.close(i);
            }
            assert!(b.stored.is_empty(), "nothing arrived while down");
            assert_eq!(b.made.len(), tabs);
            b.open();
            b.drain();
            assert_eq!(b.lost(), [], "{collector:?}, {tabs} tabs");
        }
    }
}

/// Tabs closing together (a window closed): each writes its final snapshot
/// without having seen the others' final writes, so the last writer's
/// shared outbox lacks the others' finals, and no tab is left to repair it.
/// The next visit still delivers every page view's last snapshot.
#[test]
fn tabs_closing_together_lose_no_final_snapshot() {
    for collector in [Collector::Reference, Collector::Plain] {
        for tabs in [2, 3] {
            let mut b = opened_while_down(collector, tabs, |b, i| b.tick(i));
            for i in b.open_tabs() {
                b.deliver_all(i);
            }
            b.now += 1_000.0;
            // Oldest first and newest first: either order hides a final.
            let mut order = b.open_tabs();
            if collector == Collector::Plain {
                order.reverse();
            }
            for i in order {
                b.close_unaware(i);
            }
            assert_eq!(b.made.len(), tabs);
            b.logging = true;
            b.open();
            b.drain();
            assert_eq!(
                b.lost(),
                [],
                "{collector:?}, {tabs} tabs:\n{}",
                b.log.join("\n")
            );
            assert_eq!(
                b.last_words(),
                Vec::<String>::new(),
                "all delivered, none left"
            );
        }
    }
}

/// Random interleavings of tabs opening, clicking, making snapshots, getting
/// answers, seeing each other's writes late, going online, changing route and
/// closing, with the collector going down and up: once it is up for good and
/// the next visit drains, every page view is stored with its last snapshot.
/// One random session (seeded by `run`): tabs open, get input, make
/// snapshots, get answers, see each other's writes late, go online, change
/// route and close, while the collector goes down and up; then the
/// collector stays up, the open tabs work off their queues and a next visit
/// drains what is left. Tabs and route changes make at most 19 page views
/// besides the next visit's, so the outbox's bound of 20 never drops one.
fn random_session(collector: Collector, run: u64, logging: bool) -> Browser {
    let mut rng = SplitMix64::new(run);
    let mut b = Browser::new(collector);
    b.logging = logging;
    b.open();
    let mut routes = 0;
    for _ in 0..80 {
        let open = b.open_tabs();
        let r = rng.next_u64();
        let tab = open.get(((r >> 8) as usize) % open.len().max(1)).copied();
        match (r % 12, tab) {
            (0, _) if open.len() < 3 && b.tabs.len() < 8 && b.tabs.len() + routes < 19 => {
                b.open();
            }
            (1 | 2, Some(i)) => b.click(i),
            (3, _) => {
                b.now += (r >> 16) as f64 % 2_500.0;
                for i in open {
                    b.tick(i);
                }
            }
            (4 | 5, Some(i)) => b.answer(i),
            (6 | 7, Some(i)) => b.deliver(i),
            (8, _) => b.up = !b.up,
            (9, Some(i)) if open.len() > 1 && r & 1 << 20 == 0 => b.close(i),
            (9, Some(i)) if open.len() > 1 => b.close_unaware(i),
            (10, Some(i)) => {
                let now = b.now;
                b.tabs[i].tracker.resume(now);
                b.run(i);
            }
            (11, Some(i)) if b.tabs.len() + routes < 19 => {
                routes += 1;
                let now = b.now;
                b.tabs[i].tracker.start_page_view(
                    now,
                    WALL + now,
                    "https://x.example/b",
                    true,
                    true,
                );
                b.run(i);
            }
            _ => {}
        }
    }
    b.drain();
    b.open();
    b.drain();
    b
}

/// Random interleavings (see [`random_session`]): every page view is stored
/// with the last snapshot its tab made.
#[test]
fn random_interleavings_of_tabs_lose_no_page_view() {
    for collector in [Collector::Reference, Collector::Plain] {
        for run in 0..150u64 {
            let b = random_session(collector, run, false);
            if !b.lost().is_empty() || !b.last_words().is_empty() {
                let b = random_session(collector, run, true);
                let from = b.log.len().saturating_sub(300);
                panic!(
                    "{collector:?}, run {run}: lost {:?}, last words left {:?}; the end of what happened:\n{}",
                    b.lost(),
                    b.last_words(),
                    b.log[from..].join("\n")
                );
            }
        }
    }
}

#[test]
fn another_tabs_write_is_ignored_without_storage_consent_and_for_other_keys() {
    let mut b = Browser::new(Collector::Reference);
    let i = b.open();
    b.click(i);
    b.now += 1_000.0;
    b.tick(i);
    let written = b.storage.get("iob:demo:outbox").cloned().unwrap();
    // An opt-in tab without consent: it neither reads nor writes the outbox.
    let mut t = Tracker::new(
        Config::from_json(r#"{"site":"demo","endpoint":"/i"}"#, crate::pairs_from_json).unwrap(),
        &PageEnv::default(),
        Stored::default(),
        0.0,
        WALL,
        Box::new(|| [7; 16]),
        crate::pairs_from_json,
    );
    t.on_storage_change("outbox", Some(&written), Some(&written), 10.0, WALL);
    t.on_storage_change("outbox", None, None, 10.0, WALL);
    t.tick(1e6, WALL);
    assert!(t.take_effects().is_empty());
    assert_eq!(t.next_wake(), None);
    // With consent, keys other than the outbox change nothing here (the
    // consent key's handling is the consent flow's, still to come).
    let mut t = Tracker::new(
        Config::from_json(CONFIG, crate::pairs_from_json).unwrap(),
        &PageEnv::default(),
        Stored::default(),
        0.0,
        WALL,
        Box::new(|| [8; 16]),
        crate::pairs_from_json,
    );
    for name in ["consent", "seed", "session", "ldp", "history", "other"] {
        t.on_storage_change(name, Some("x"), Some("x"), 10.0, WALL);
        t.on_storage_change(name, None, None, 10.0, WALL);
    }
    assert!(t.take_effects().is_empty());
    assert!(t.consent().allows(Purpose::Analytics));
}
