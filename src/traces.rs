//! The trace corpus: every `tests/traces/*.json` (format in
//! `tests/traces/README.md`) replayed through the [`Tracker`] the way the
//! browser shell feeds it, and every expected value, worked out by hand from
//! the data dictionary, checked. A failure names the trace, the document, the
//! feature (or segment), the time, and the reasoning written next to the
//! expected value.

use crate::catalog::Features;
use crate::config::Config;
use crate::consent::Purpose;
use crate::event::{Event, EventKind, KeyClass};
use crate::features::forms::field_ids;
use crate::features::navigation::route_fragment;
use crate::seeded::SplitMix64;
use crate::tracker::{Effect, PageEnv, Stored, Tracker};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SITE: &str = "trace";
const USER_AGENT: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36";
/// Default wall-clock time of a document's time origin (Unix ms).
const WALL: f64 = 1.8e12;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/traces")
}

fn num(v: &Value, key: &str, default: f64) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(default)
}

fn flag(v: &Value, key: &str, default: bool) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(default)
}

fn text<'a>(v: &'a Value, key: &str, default: &'a str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or(default)
}

/// How the shell classifies `KeyboardEvent.key` (the table of
/// `web/js/listen.js`; the browser replay checks the two agree). `None`:
/// not reported (modifiers and other named keys).
fn key_class(key: &str) -> Option<KeyClass> {
    Some(match key {
        "Backspace" | "Delete" => KeyClass::Delete,
        "Enter" => KeyClass::Enter,
        "Tab" | "Escape" | "Home" | "End" | "PageUp" | "PageDown" | "ArrowUp" | "ArrowDown"
        | "ArrowLeft" | "ArrowRight" => KeyClass::Navigation,
        "Unidentified" | "Process" => KeyClass::Char,
        k if k.chars().count() == 1 => KeyClass::Char,
        _ => return None,
    })
}

/// `location.pathname` plus the route part of the fragment: what the shell
/// compares to tell a route change.
fn route_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_and_more = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    let (before_hash, hash) = match path_and_more.find('#') {
        Some(i) => (&path_and_more[..i], &path_and_more[i..]),
        None => (path_and_more, ""),
    };
    let path = before_hash.split('?').next().unwrap_or("/");
    format!("{path}{}", route_fragment(hash))
}

/// `location.hostname`: the host without the port.
fn host_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
    host.split(':').next().unwrap_or("").to_string()
}

fn purposes(v: &Value) -> Vec<Purpose> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().and_then(Purpose::parse))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the shell hears this kind through its DOM listeners (which
/// evaluate the segment, at most once a second), rather than as a scroll
/// reading or an observer's report.
fn from_listener(kind: &str) -> bool {
    matches!(
        kind,
        "pointermove"
            | "pointerdown"
            | "click"
            | "keydown"
            | "wheel"
            | "touchstart"
            | "focus"
            | "blur"
            | "error"
            | "selection"
            | "input"
            | "submit"
    )
}

/// One document (page load) of a trace, replayed like the shell would.
struct Document<'a> {
    /// `<trace file> (document <n>)`, for messages.
    label: String,
    tracker: Tracker,
    storage: &'a mut BTreeMap<String, String>,
    /// Wall-clock time of the time origin (Unix ms).
    origin_wall: f64,
    visible: bool,
    focused: bool,
    route: String,
    /// When the segment was last evaluated on an event (the shell's
    /// once-a-second throttle), and every segment announced, with its time.
    segment_at: f64,
    announced: Vec<(f64, Value)>,
    failures: Vec<String>,
}

impl Document<'_> {
    fn wall(&self, t: f64) -> f64 {
        self.origin_wall + t
    }

    /// Carries out the tracker's storage effects on the trace's storage.
    fn apply_effects(&mut self) {
        for e in self.tracker.take_effects() {
            match e {
                Effect::Store { key, value } => {
                    self.storage.insert(key, value);
                }
                Effect::Remove(key) => {
                    self.storage.remove(&key);
                }
                Effect::Send(_) | Effect::Post { .. } | Effect::Probe(_) => {}
            }
        }
    }

    fn announce(&mut self, now: f64) {
        if let Some(json) = self.tracker.segment_change_json(now) {
            let v: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
            self.announced.push((now, v));
        }
    }

    /// The shell's one timer: it fires at each moment the segment may change
    /// (and for delivery), up to and including `until`.
    fn run_timers(&mut self, until: f64) {
        while let Some(at) = self.tracker.next_segment_check() {
            if at > until {
                break;
            }
            self.tracker.tick(at, self.wall(at));
            self.announce(at);
            self.apply_effects();
        }
    }

    /// Feeds one trace event; `Err` for a malformed one.
    fn event(&mut self, e: &Value) -> Result<(), String> {
        let t = num(e, "t", f64::NAN);
        if !t.is_finite() {
            return Err(format!("event without a time: {e}"));
        }
        self.run_timers(t);
        let trusted = flag(e, "trusted", true);
        let kind = text(e, "kind", "");
        let core = match kind {
            "pointermove" => Some(EventKind::PointerMove {
                x: num(e, "x", 0.0) as f32,
                y: num(e, "y", 0.0) as f32,
                trusted,
            }),
            "click" => {
                let target = text(e, "target", "plain");
                Some(EventKind::Click {
                    x: num(e, "x", 0.0) as f32,
                    y: num(e, "y", 0.0) as f32,
                    trusted,
                    link: matches!(target, "link" | "field"),
                    keyboard: flag(e, "keyboard", false),
                })
            }
            "keydown" => key_class(text(e, "key", "")).map(|class| EventKind::Key {
                class,
                trusted,
                field: flag(e, "field", false),
            }),
            // The shell drops wheel and touch events dispatched by script.
            "wheel" => trusted.then_some(EventKind::Wheel),
            "touchstart" => trusted.then_some(EventKind::Touch),
            "pointerdown" => Some(EventKind::Press),
            "scroll" => Some(EventKind::Scroll {
                scroll_y: num(e, "y", 0.0) as f32,
                viewport_h: num(e, "viewport_h", 800.0) as f32,
                doc_h: num(e, "doc_h", 4000.0) as f32,
            }),
            "visibility" => Some(EventKind::Visibility(flag(e, "visible", true))),
            "focus" => Some(EventKind::Focus(true)),
            "blur" => Some(EventKind::Focus(false)),
            "mutation" => Some(EventKind::Mutation),
            "selection" => Some(EventKind::Selection),
            "error" => Some(EventKind::Error),
            "navigate" => Some(EventKind::NavigationStart),
            "input" => {
                let (form, field) = field_ids(&format!(
                    "{}\0{}\0{}",
                    text(e, "form", ""),
                    text(e, "field", ""),
                    text(e, "type", "text")
                ));
                Some(EventKind::FieldInput {
                    form,
                    field,
                    trusted,
                })
            }
            "submit" => Some(EventKind::FormSubmit {
                form: field_ids(text(e, "form", "")).0,
            }),
            "pagehide" => Some(if flag(e, "persisted", false) {
                EventKind::PageFrozen
            } else {
                EventKind::PageEnd
            }),
            "lcp" => Some(EventKind::Lcp(num(e, "start", 0.0) as f32)),
            "fcp" => Some(EventKind::Fcp(num(e, "start", 0.0) as f32)),
            "layout_shift" => Some(EventKind::LayoutShift {
                value: num(e, "value", 0.0) as f32,
                at: num(e, "start", 0.0) as f32,
            }),
            "interaction" => Some(EventKind::Interaction {
                id: num(e, "id", 0.0) as u32,
                duration: num(e, "duration", 0.0) as f32,
                start: num(e, "start", t) as f32,
            }),
            "interaction_count" => Some(EventKind::InteractionCount(num(e, "count", 0.0) as f32)),
            "longtask" => Some(EventKind::LongTask),
            "page_times" => Some(EventKind::PageTimes {
                activation_start: num(e, "activation_start", 0.0) as f32,
                first_hidden: num(e, "first_hidden", f64::INFINITY) as f32,
                back_forward: flag(e, "back_forward", false),
            }),
            "track" => {
                self.tracker.track(t);
                self.announce(t);
                None
            }
            "route" => {
                let url = text(e, "url", "");
                let route = route_of(url);
                if route != self.route {
                    self.route = route;
                    self.tracker
                        .start_page_view(t, self.wall(t), url, self.visible, self.focused);
                    self.announce(t);
                }
                None
            }
            "grant" | "deny" => {
                self.tracker
                    .choose(&purposes(&e["purposes"]), kind == "grant", self.wall(t));
                None
            }
            other => return Err(format!("unknown event kind {other:?}")),
        };
        if let Some(core) = core {
            self.tracker.on_event(&Event { t, kind: core });
            match core {
                EventKind::Visibility(v) => self.visible = v,
                EventKind::Focus(f) => self.focused = f,
                _ => {}
            }
            match core {
                EventKind::Visibility(false) | EventKind::PageEnd | EventKind::PageFrozen => {
                    self.tracker.on_hide(t, self.wall(t))
                }
                // DOM listener events evaluate the segment at most once a
                // second; scroll readings and observer reports do not.
                _ if !from_listener(kind) => {}
                _ if t - self.segment_at >= 1000.0 => {
                    self.segment_at = t;
                    self.announce(t);
                }
                _ => {}
            }
        }
        // After every entry point, the shell announces a segment whose
        // moment has passed.
        if self
            .tracker
            .next_segment_check()
            .is_some_and(|at| at <= self.tracker.clock())
        {
            let now = self.tracker.clock();
            self.announce(now);
        }
        self.apply_effects();
        Ok(())
    }

    /// Checks one expectation; `Err` for a malformed one.
    fn expect(&mut self, x: &Value) -> Result<(), String> {
        let at = num(x, "at", f64::NAN);
        let why = text(x, "why", "");
        if !at.is_finite() || why.trim().is_empty() {
            return Err(format!("an expectation needs `at` and a `why`: {x}"));
        }
        self.run_timers(at);
        if let Some(name) = x.get("feature").and_then(Value::as_str) {
            let f: Features = self.tracker.features(at);
            let all: Value = serde_json::from_str(&f.to_json()).unwrap_or(json!({}));
            if !crate::catalog::CATALOG.iter().any(|d| d.name == name) {
                return Err(format!("unknown feature {name:?}"));
            }
            let extra = all.as_object().into_iter().flatten().map(|(k, _)| k);
            for k in extra.filter(|k| !crate::catalog::computed_by_this_build(k)) {
                self.failures.push(format!(
                    "{}: feature `{k}` at {at} ms: this build does not compute it, yet it has a value",
                    self.label
                ));
            }
            let got = all.get(name).cloned().unwrap_or(Value::Null);
            let mut want = x.get("value").cloned().unwrap_or(Value::Null);
            // The `lite` build leaves the full build's other features at
            // their default: absent from the snapshot, whatever happened.
            if !crate::catalog::computed_by_this_build(name) {
                want = match want {
                    Value::Bool(_) => json!(false),
                    _ => json!(0),
                };
            }
            let same = match (&want, &got) {
                (Value::Bool(w), g) => g.as_bool().unwrap_or(false) == *w,
                (Value::Number(w), g) => {
                    let (w, g) = (w.as_f64().unwrap_or(f64::NAN), g.as_f64().unwrap_or(0.0));
                    (w - g).abs() <= 1e-4
                }
                _ => {
                    return Err(format!(
                        "feature {name}: `value` must be a number or a boolean"
                    ))
                }
            };
            if !same {
                let got = if got.is_null() { json!(0) } else { got };
                self.failures.push(format!(
                    "{}: feature `{name}` at {at} ms: expected {want}, got {got}\n    why: {why}",
                    self.label
                ));
            }
        } else if let Some(want) = x.get("segment") {
            // The `lite` build has no segments: none is ever announced.
            let want = if cfg!(feature = "full") {
                want
            } else {
                &Value::Null
            };
            let got = self
                .announced
                .iter()
                .rev()
                .find(|(t, _)| *t <= at)
                .map_or(Value::Null, |(_, s)| s.clone());
            if &got != want {
                self.failures.push(format!(
                    "{}: segment at {at} ms: expected {want}, got {got} (announced: {:?})\n    why: {why}",
                    self.label, self.announced
                ));
            }
        } else {
            return Err(format!(
                "an expectation names a `feature` or a `segment`: {x}"
            ));
        }
        Ok(())
    }
}

/// Replays one trace; returns the failures (values that differ) or an error
/// (a malformed trace).
fn run_trace(name: &str, trace: &Value) -> Result<Vec<String>, String> {
    for key in ["name", "description"] {
        if text(trace, key, "").trim().is_empty() {
            return Err(format!("missing `{key}`"));
        }
    }
    let mut config = Map::new();
    config.insert("site".into(), json!(SITE));
    config.insert(
        "endpoint".into(),
        json!("https://collector.example/v1/ingest"),
    );
    if let Some(extra) = trace.get("config").and_then(Value::as_object) {
        config.extend(extra.clone());
    }
    let config_json = Value::Object(config).to_string();
    let documents: Vec<&Value> = match trace.get("documents").and_then(Value::as_array) {
        Some(docs) => docs.iter().collect(),
        None => vec![trace],
    };
    let mut storage = BTreeMap::new();
    let mut failures = Vec::new();
    let mut expectations = 0;
    for (n, doc) in documents.iter().enumerate() {
        let cfg =
            Config::from_json(&config_json, crate::pairs_from_json).map_err(|e| e.message())?;
        let page = doc.get("page").cloned().unwrap_or(json!({}));
        let url = text(&page, "url", "https://shop.example/");
        let env = PageEnv {
            href: url.into(),
            host: host_of(url),
            referrer: text(&page, "referrer", "").into(),
            user_agent: USER_AGENT.into(),
            visible: flag(&page, "visible", true),
            focused: flag(&page, "focused", true),
        };
        let get = |k: &str, storage: &BTreeMap<String, String>| {
            storage.get(&Tracker::storage_key(SITE, k)).cloned()
        };
        let stored = Stored {
            consent: get("consent", &storage),
            seed: get("seed", &storage),
            session: get("session", &storage),
            outbox: get("outbox", &storage),
            ldp: get("ldp", &storage),
            last_words: crate::tracker::storage_sim::last_words_read(&storage, SITE),
        };
        let history = storage.get(&Tracker::history_key(SITE)).cloned();
        let origin_wall = num(&page, "wall_ms", WALL);
        let start = num(&page, "sdk_start_ms", 0.0);
        let mut rng = SplitMix64::new(7 + n as u64);
        let mut tracker = Tracker::new(
            cfg,
            &env,
            stored,
            start,
            origin_wall + start,
            Box::new(move || rng.id128()),
            crate::pairs_from_json,
        );
        tracker.set_environment(
            flag(&page, "webdriver", false),
            history.as_deref(),
            origin_wall + start,
        );
        let mut d = Document {
            label: format!("{name} (document {})", n + 1),
            tracker,
            storage: &mut storage,
            origin_wall,
            visible: env.visible,
            focused: env.focused,
            route: route_of(url),
            segment_at: f64::NEG_INFINITY,
            announced: Vec::new(),
            failures: Vec::new(),
        };
        if let Some(p) = doc.get("grant") {
            d.tracker.choose(&purposes(p), true, origin_wall + start);
        }
        d.apply_effects();
        // Events and expectations in time order; at equal times the events first.
        let events = doc
            .get("events")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let expects = doc
            .get("expect")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        expectations += expects.len();
        let mut last = f64::NEG_INFINITY;
        let mut ev = events.iter().peekable();
        for x in &expects {
            let at = num(x, "at", f64::NAN);
            while let Some(e) = ev.next_if(|e| num(e, "t", f64::NAN) <= at) {
                let t = num(e, "t", f64::NAN);
                if t < last {
                    return Err(format!("events out of time order at {t} ms"));
                }
                last = t;
                d.event(e)?;
            }
            d.expect(x)?;
        }
        for e in ev {
            d.event(e)?;
        }
        failures.append(&mut d.failures);
    }
    if expectations == 0 {
        return Err("no expectation".into());
    }
    Ok(failures)
}

#[test]
fn every_trace_of_the_corpus_gives_the_hand_computed_features() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    assert!(
        files.len() >= 40,
        "tests/traces holds {} traces; the corpus has at least 40",
        files.len()
    );
    let mut problems = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let raw = std::fs::read_to_string(path).unwrap_or_default();
        let trace: Value = match serde_json::from_str(&raw) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{name}: not JSON: {e}"));
                continue;
            }
        };
        match run_trace(&name, &trace) {
            Ok(failures) => problems.extend(failures),
            Err(e) => problems.push(format!("{name}: malformed trace: {e}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s) in the trace corpus:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn routes_are_the_path_and_a_hash_route() {
    assert_eq!(route_of("https://a.example/x/y?q=1#/inbox"), "/x/y#/inbox");
    assert_eq!(route_of("https://a.example/x#section"), "/x");
    assert_eq!(route_of("https://a.example"), "/");
    assert_eq!(host_of("https://a.example:8080/x"), "a.example");
}
