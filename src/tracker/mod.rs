//! The tracker: one page's consent, identifiers and page view, and the
//! decisions that follow from them. Pure: the shell passes in time, wall-clock
//! time, randomness and what it read from storage, and carries out the
//! returned [`Effect`]s (send, post, probe, store, remove).
//!
//! One job per file: this file holds the state and the page-view lifecycle;
//! [`storage`] the key names and stored-value codecs; [`snapshot`] when
//! snapshots are made and how they are delivered; [`consent_flow`] what a
//! consent change does; [`privatize`] the last step before a payload leaves
//! (scrubbing, LDP, the ε budget); [`explain`] the visitor-facing JSON;
//! [`on_device`] what persists across page views for on-device features;
//! [`cross_tab`] what another tab's change to a shared key means here.

mod consent_flow;
mod cross_tab;
mod explain;
#[cfg(feature = "full")]
mod left;
mod on_device;
mod privatize;
mod snapshot;
mod storage;

pub use storage::Stored;

use crate::catalog::Features;
use crate::config::Config;
use crate::consent::{Consent, Purpose};
use crate::delivery::{Bounds, Outbox, RetryPolicy};
use crate::event::{Event, EventKind};
use crate::flat::JsonPairs;
use crate::ids::{to_hex, Id128};
use crate::pageview::PageView;
use crate::payload::Context;
use crate::privacy::{ldp::Budget, ua, url};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use on_device::{features_json, OnDevice};
use snapshot::SESSION_IDLE_MS;
use storage::{decode_consent, decode_id, decode_session, Present};

/// Something the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The final snapshot of a page being hidden or unloaded: `sendBeacon`
    /// (`text/plain`), or `fetch` with `keepalive` when the beacon is refused.
    /// Not acknowledged: the payload also stays in the outbox (see [`crate::delivery`]).
    Send(String),
    /// POST this body with `fetch` (`text/plain`, `keepalive`) and report the
    /// HTTP status (0 on a network error) to [`Tracker::on_post_result`].
    /// One post is out at a time. `fresh` is true for a new snapshot, false
    /// for a repeat (retry, drain, confirmation of a beacon).
    Post { body: String, fresh: bool },
    /// `fetch` this URL with `HEAD` (no body; see `crate::delivery::probe_url`)
    /// and report the HTTP status, like a post, to [`Tracker::on_post_result`].
    Probe(String),
    /// Write `value` under `key` in `localStorage`.
    Store { key: String, value: String },
    /// Remove `key` from `localStorage`.
    Remove(String),
}

impl Effect {
    /// `true` for a request to the collector (a beacon, a post or a probe).
    pub(crate) fn is_request(&self) -> bool {
        matches!(
            self,
            Effect::Send(_) | Effect::Post { .. } | Effect::Probe(_)
        )
    }
}

/// The page as the shell sees it at start-up.
#[derive(Debug, Clone, Default)]
pub struct PageEnv {
    pub href: String,
    pub host: String,
    pub referrer: String,
    pub user_agent: String,
    pub visible: bool,
    pub focused: bool,
}

/// Randomness source: one fresh random 128-bit value per call.
pub(crate) type Rng = Box<dyn FnMut() -> Id128>;

/// The pairs text of JSON text `raw` (if any) read through `json`; JSON
/// that does not parse reads as an empty object (nothing in it is taken in).
#[inline(never)]
fn pairs_of(json: JsonPairs, raw: Option<&str>) -> Option<String> {
    raw.map(|raw| json(raw).unwrap_or_default())
}

/// One page's SDK state: consent, identifiers, the current page view and
/// the delivery outbox. See the module documentation.
pub struct Tracker {
    cfg: Config,
    consent: Consent,
    pv: PageView,
    seed: Option<(Id128, u64)>,
    session: Option<(Id128, u64)>,
    effects: Vec<Effect>,
    last_sent: Option<String>,
    rng: Rng,
    /// Reads JSON text (stored values, signal readings) as pairs text.
    json: JsonPairs,
    /// Unacknowledged payloads; persisted only with storage consent.
    outbox: Outbox,
    /// When the next periodic snapshot is considered (page clock, ms).
    next_periodic: f64,
    /// The last snapshot made by `fetch` has not been posted yet (its first
    /// post is announced as a `payload`).
    announce: bool,
    /// `visible_ms` of the current page view's last snapshot.
    sent_visible_ms: u32,
    /// The visitor's LDP ε spent today.
    ldp_budget: Budget,
    /// Cross-page-view state of the on-device features (history, segments).
    device: OnDevice,
    /// The stored history as read at start-up (pairs text), used once
    /// personalization is allowed.
    history_pairs: Option<String>,
    /// Which of the SDK's keys are in storage (see [`storage`]).
    present: Present,
    /// The shell could not draw secure random numbers: nothing is sent.
    no_randomness: bool,
    /// The page has no `localStorage`: the LDP budget cannot be kept per
    /// visitor, so LDP features are not sent.
    storage_missing: bool,
    /// The stored consent as this tab last wrote or read it: a different
    /// value in storage means another tab changed it (see `recheck_consent`).
    consent_raw: Option<String>,
    /// The pseudonym period the current page view started in: a page view
    /// never sends under two periods' identifiers.
    pv_period: u64,
    /// The latest page-clock time the tracker was given (events, timer), ms.
    clock: f64,
    /// The page is being unloaded or frozen (`pagehide`), until a `pageshow`.
    leaving: bool,
    /// The last-words keys (`outbox.<pv>.<seq>`, see `crate::delivery`)
    /// known to be in storage, as the snapshot each holds (pv, seq): read at
    /// start-up, written here, or written by another tab.
    last_words: Vec<(String, u32)>,
    /// The page view the last SPA route change ended (see [`left`]).
    #[cfg(feature = "full")]
    left: Option<left::Left>,
}

impl core::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tracker")
            .field("site", &self.cfg.site)
            .field("consent", &self.consent)
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// Starts the tracker of a page whose SDK starts at `now` (page clock,
    /// ms) and `wall_ms` (Unix ms). The first page view starts at the page's
    /// time origin (0). `rng` draws the random identifiers; `json` reads the
    /// JSON in `stored` and what the shell hands over later (the shell's
    /// `JSON.parse`, or [`crate::pairs_from_json`]).
    pub fn new(
        cfg: Config,
        env: &PageEnv,
        stored: Stored,
        now: f64,
        wall_ms: f64,
        mut rng: Rng,
        json: JsonPairs,
    ) -> Tracker {
        let ctx = Context {
            path: url::normalize(&env.href, &cfg.path_templates),
            referrer_domain: url::referrer_domain(&env.referrer, &env.host),
            device_class: ua::device_class(&env.user_agent),
            browser_family: ua::browser_family(&env.user_agent),
        };
        let pv = PageView::new(
            rng(),
            0.0,
            f64::from(cfg.idle_timeout_ms),
            env.visible,
            env.focused,
            ctx,
        );
        let cfg_interval = cfg.snapshot_interval_ms;
        let mut consent = Consent::new(cfg.consent, cfg.respect_gpc, cfg.policy_version.clone());
        let consent_pairs = pairs_of(json, stored.consent.as_deref());
        if let Some((yes, no, record)) = consent_pairs.as_deref().and_then(decode_consent) {
            consent.restore(yes, no, record);
        }
        let present = Present::from_stored(&stored, false);
        let (session, pages) = decode_session(stored.session.as_deref());
        let mut t = Tracker {
            cfg,
            consent,
            pv,
            seed: decode_id(stored.seed.as_deref()),
            session,
            effects: Vec::new(),
            last_sent: None,
            rng,
            json,
            outbox: Outbox::new(Bounds::default(), RetryPolicy::default()),
            next_periodic: now + f64::from(cfg_interval),
            announce: false,
            sent_visible_ms: 0,
            ldp_budget: stored
                .ldp
                .as_deref()
                .and_then(Budget::decode)
                .unwrap_or_default(),
            device: OnDevice::default(),
            history_pairs: None,
            present,
            no_randomness: false,
            storage_missing: false,
            pv_period: 0,
            #[cfg(feature = "full")]
            left: None,
            consent_raw: stored.consent.clone(),
            clock: now,
            leaving: false,
            last_words: Vec::new(),
        };
        t.pv_period = t.period(wall_ms.max(0.0) as u64);
        let origin_wall = wall_ms - now;
        if t.consent.allows(Purpose::Analytics) {
            // The session record tells which session this page continues
            // (not across a pseudonym period boundary: the session ends there).
            if let (Some((_, last)), Some(pages)) = (t.session, pages) {
                let now_wall = wall_ms.max(0.0) as u64;
                if now_wall.saturating_sub(last) < SESSION_IDLE_MS as u64
                    && last <= now_wall
                    && t.period(last) == t.pv_period
                {
                    t.device.continue_session(pages, origin_wall);
                }
            }
        }
        t.device.begin(&mut t.pv, origin_wall);
        if t.consent.record().is_none() {
            let id = t.fresh_hex();
            t.consent.ensure_record(wall_ms as u64, id);
        }
        // What an earlier page left is kept as read, even while analytics is
        // not (yet) allowed: the consent signals (a TCF CMP, Consent Mode)
        // answer after start-up. It is used only once allowed, and removed
        // only when a refusal takes effect.
        // (What earlier pages and other tabs left: see `crate::delivery`.)
        if let Some(pairs) = pairs_of(json, stored.outbox.as_deref()) {
            t.outbox.restore(&pairs, now);
        }
        let mut last_words = crate::split::pieces(&stored.last_words, b"\0");
        while let (Some(name), Some(body)) = (last_words.next(), last_words.next()) {
            if let Some(held) = t.outbox.restore_last_words(name, body, now) {
                t.last_words.push(held);
            }
        }
        t
    }

    /// The shell could not draw secure random numbers (no
    /// `crypto.getRandomValues`): ids would not be random, so nothing more is
    /// sent and no identifier is stored; what this step queued, and the
    /// outbox, are dropped (the step's writes were not carried out yet).
    /// (Ids never come from a weaker source such as `Math.random`.)
    pub fn randomness_failed(&mut self) {
        self.no_randomness = true;
        self.seed = None;
        self.session = None;
        let site = self.cfg.site.clone();
        let ids = [
            storage::key(&site, "seed"),
            storage::key(&site, "session"),
            storage::key(&site, "outbox"),
        ];
        self.effects.retain(|e| match e {
            Effect::Store { key, .. } => !ids.contains(key),
            e => !e.is_request(),
        });
        self.outbox.clear();
        for name in ["seed", "session"] {
            self.erase(name);
        }
        self.erase_outbox();
    }

    /// The page has no `localStorage` (disabled, or a sandboxed frame).
    pub fn storage_unavailable(&mut self) {
        self.storage_missing = true;
    }

    fn fresh_hex(&mut self) -> String {
        to_hex(&(self.rng)())
    }

    /// Feeds one browser event (hot path).
    #[inline(never)]
    pub fn on_event(&mut self, ev: &Event) {
        if let EventKind::PageTimes {
            back_forward: true, ..
        } = ev.kind
        {
            self.device.returned_by_history(&mut self.pv);
        }
        if matches!(ev.kind, EventKind::PageEnd | EventKind::PageFrozen) {
            self.leaving = true;
        }
        self.clock = self.clock.max(ev.t);
        #[cfg(feature = "full")]
        self.late_entry(ev);
        self.pv.on_event(ev);
    }

    /// The latest page-clock time the tracker was given (ms).
    pub fn clock(&self) -> f64 {
        self.clock
    }

    pub fn features(&self, now: f64) -> Features {
        self.pv.features(now)
    }

    /// What the shell read at start: `navigator.webdriver`, and the stored
    /// history (JSON; used only while personalization is allowed).
    pub fn set_environment(&mut self, webdriver: bool, history: Option<&str>, wall_ms: f64) {
        self.device.webdriver = webdriver;
        self.present.set("history", history.is_some());
        self.history_pairs = pairs_of(self.json, history);
        self.pv.full.set_webdriver(webdriver);
        self.sync_personalization(wall_ms);
    }

    /// `track(name, props)`: counted as a conversion; nothing else is kept.
    pub fn track(&mut self, now: f64) {
        self.on_event(&Event {
            t: now,
            kind: EventKind::Conversion,
        });
    }

    /// `features()` for the page: the snapshot plus the current segment.
    pub fn features_json(&self, now: f64) -> String {
        features_json(&self.pv.features(now), self.device.history.is_some())
    }

    /// The segment as JSON (a string, or `null` for none), when it changed
    /// since it was last asked (for `on('segment')`).
    /// Never in the `lite` build, which has no segments.
    pub fn segment_change_json(&mut self, now: f64) -> Option<String> {
        if !cfg!(feature = "full") {
            return None;
        }
        self.device.segment_checked_at = self.device.segment_checked_at.max(now);
        let f = self.pv.features(now);
        let segment = self.device.segment_change(&f)?;
        let mut json = String::new();
        match segment {
            Some(name) => crate::json_out::push_str_literal(&mut json, name),
            None => json.push_str("null"),
        }
        Some(json)
    }

    pub fn consent(&self) -> &Consent {
        &self.consent
    }

    /// An SPA route change: the current page view ends (its last snapshot is
    /// queued and posted if anything changed) and the document's next one
    /// starts for `href`.
    pub fn start_page_view(
        &mut self,
        now: f64,
        wall_ms: f64,
        href: &str,
        visible: bool,
        focused: bool,
    ) {
        self.on_event(&Event {
            t: now,
            kind: EventKind::PageEnd,
        });
        self.save_history(now, wall_ms);
        #[cfg(feature = "full")]
        self.send_left(now, wall_ms, false);
        if self.pv.dirty {
            self.send_snapshot(now, wall_ms, false);
        }
        let mut ctx = self.pv.ctx.clone();
        ctx.path = url::normalize(href, &self.cfg.path_templates);
        let id = (self.rng)();
        let next = self.pv.next(id, now, visible, focused, ctx);
        let left = core::mem::replace(&mut self.pv, next);
        #[cfg(feature = "full")]
        let (left_period, left_visible_ms) = (self.pv_period, self.sent_visible_ms);
        self.sent_visible_ms = 0;
        self.pv_period = self.period(wall_ms.max(0.0) as u64);
        self.device.route_changes = self.device.route_changes.saturating_add(1);
        self.device.leave(&left, &mut self.pv, now);
        #[cfg(feature = "full")]
        self.keep_left(left, now, left_period, left_visible_ms);
        self.device.begin(&mut self.pv, wall_ms);
        self.next_periodic = now + f64::from(self.cfg.snapshot_interval_ms);
        self.pump(now);
    }

    /// Something is waiting to be carried out.
    pub fn has_effects(&self) -> bool {
        !self.effects.is_empty()
    }

    /// When the on-device segment may next change with no event (page
    /// clock, ms): the shell re-evaluates it then (see
    /// [`Tracker::segment_change_json`]).
    /// The `lite` build has no segments: never.
    pub fn next_segment_check(&self) -> Option<f64> {
        if !cfg!(feature = "full") {
            return None;
        }
        self.pv.next_segment_check(self.device.segment_checked_at)
    }

    /// Drains the effects the shell must carry out, in order.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
}

#[cfg(test)]
mod cross_tab_tests;
#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod guarantee_tests;
#[cfg(test)]
pub(crate) mod storage_sim;
#[cfg(test)]
mod tests;
