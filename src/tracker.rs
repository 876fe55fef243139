//! The tracker: one page's consent, identifiers and page view, and the
//! decisions that follow from them. Pure: the shell passes in time, wall-clock
//! time, randomness and what it read from storage, and carries out the
//! returned [`Effect`]s (send, store, remove).

use crate::config::{Config, Identity};
use crate::consent::{Consent, ConsentRecord, Purpose, PurposeSet, Source};
use crate::flat_json::{self, Scalar};
use crate::event::Event;
use crate::ids::{from_hex, pseudonym, to_hex, Id128};
use crate::pageview::PageView;
use crate::payload::{ConsentRef, Context, Features, Payload, SCHEMA_VERSION};
use crate::json_out::{push_u64, ObjectWriter};
use crate::privacy::{ldp::Budget, ua, url};
use crate::event::EventKind;
use crate::features::ondevice::{features_json, OnDevice};
use crate::transport::{probe_url, Bounds, Due, Outbox, RetryPolicy};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

/// A session ends after this much inactivity, ms.
pub const SESSION_IDLE_MS: f64 = 30.0 * 60_000.0;
/// Longest life of a visitor seed, ms (13 months of 30.4 days): never extended.
pub const SEED_MAX_AGE_MS: f64 = 395.0 * 86_400_000.0;

/// Something the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The final snapshot of a page being hidden or unloaded: `sendBeacon`
    /// (`text/plain`), or `fetch` with `keepalive` when the beacon is refused.
    /// Not acknowledged: the payload also stays in the outbox (see `transport`).
    Send(String),
    /// POST this body with `fetch` (`text/plain`, `keepalive`) and report the
    /// HTTP status (0 on a network error) to [`Tracker::on_post_result`].
    /// One post is out at a time. `fresh` is true for a new snapshot, false
    /// for a repeat (retry, drain, confirmation of a beacon).
    Post { body: String, fresh: bool },
    /// `fetch` this URL with `HEAD` (no body; see [`crate::transport::probe_url`])
    /// and report the HTTP status, like a post, to [`Tracker::on_post_result`].
    Probe(String),
    /// Write `value` under `key` in `localStorage`.
    Store { key: String, value: String },
    /// Remove `key` from `localStorage`.
    Remove(String),
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

/// Raw values the shell read from `localStorage` under [`Tracker::storage_keys`].
#[derive(Debug, Clone, Default)]
pub struct Stored {
    pub consent: Option<String>,
    pub seed: Option<String>,
    pub session: Option<String>,
    pub outbox: Option<String>,
    /// The LDP budget spent today (`<day>.<milli-ε>`).
    pub ldp: Option<String>,
}

/// The stored consent: the visitor's choices and the latest record, as a flat
/// JSON object (purpose sets as bit masks in `Purpose::ALL` order).
fn encode_consent(c: &Consent) -> Option<String> {
    let r = c.record()?;
    let (yes, no) = c.choices();
    let json = ObjectWriter::new()
        .str("id", &r.id)
        .uint("at", r.at_ms)
        .uint("granted", u64::from(PurposeSet::from_list(&r.granted).bits()))
        .uint("denied", u64::from(PurposeSet::from_list(&r.denied).bits()))
        .str("source", r.source.as_str())
        .str("policy", &r.policy_version)
        .bool("gpc", r.gpc)
        .bool("dnt", r.dnt)
        .opt_str("tc", r.tc_string.as_deref())
        .uint("chose_yes", u64::from(yes.bits()))
        .uint("chose_no", u64::from(no.bits()))
        .finish();
    Some(json)
}

/// Decodes what [`encode_consent`] wrote; anything malformed is ignored (as if never stored).
fn decode_consent(raw: &str) -> Option<(PurposeSet, PurposeSet, ConsentRecord)> {
    let pairs = flat_json::parse(raw).ok()?;
    let get = |k: &str| flat_json::get(&pairs, k);
    let text = |k: &str| match get(k) {
        Some(Scalar::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let int = |k: &str| match get(k) {
        Some(Scalar::Int(n)) if *n >= 0 => Some(*n as u64),
        _ => None,
    };
    let flag = |k: &str| matches!(get(k), Some(Scalar::Bool(true)));
    let bits = |k: &str| int(k).map(|n| PurposeSet::from_bits(n as u8));
    let id = text("id").filter(|s| from_hex(s).is_some())?;
    let record = ConsentRecord {
        id,
        at_ms: int("at")?,
        granted: bits("granted")?.to_vec(),
        denied: bits("denied")?.to_vec(),
        source: Source::parse(&text("source")?)?,
        policy_version: text("policy")?,
        gpc: flag("gpc"),
        dnt: flag("dnt"),
        tc_string: text("tc"),
    };
    Some((bits("chose_yes")?, bits("chose_no")?, record))
}

/// A stored identifier: `<32 hex>.<unix ms>` (creation time for the seed,
/// last activity for the session).
fn encode_id(id: &Id128, at: u64) -> String {
    let mut s = to_hex(id);
    s.push('.');
    push_u64(&mut s, at);
    s
}

fn decode_id(raw: Option<&str>) -> Option<(Id128, u64)> {
    let (hex, at) = raw?.split_once('.')?;
    Some((from_hex(hex)?, flat_json::parse_uint(at)?))
}

/// Randomness source: one fresh random 128-bit value per call.
pub type Rng = Box<dyn FnMut() -> Id128>;

pub struct Tracker {
    cfg: Config,
    consent: Consent,
    pv: PageView,
    seed: Option<(Id128, u64)>,
    session: Option<(Id128, u64)>,
    effects: Vec<Effect>,
    last_sent: Option<String>,
    rng: Rng,
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
}


fn key(site: &str, name: &str) -> String {
    let mut k = String::from("iob:");
    k.push_str(site);
    k.push(':');
    k.push_str(name);
    k
}

impl Tracker {
    pub fn new(cfg: Config, env: &PageEnv, stored: Stored, now: f64, wall_ms: f64, mut rng: Rng) -> Tracker {
        let ctx = Context {
            path: url::normalize(&env.href),
            referrer_domain: url::referrer_domain(&env.referrer, &env.host),
            device_class: ua::device_class(&env.user_agent),
            browser_family: ua::browser_family(&env.user_agent),
        };
        let pv = PageView::new(rng(), now, f64::from(cfg.idle_timeout_ms), env.visible, env.focused, ctx);
        let cfg_interval = cfg.snapshot_interval_ms;
        let mut consent = Consent::new(cfg.consent, cfg.respect_gpc, cfg.policy_version.clone());
        if let Some((yes, no, record)) = stored.consent.as_deref().and_then(decode_consent) {
            consent.restore(yes, no, record);
        }
        let mut t = Tracker {
            cfg,
            consent,
            pv,
            seed: decode_id(stored.seed.as_deref()),
            session: decode_id(stored.session.as_deref()),
            effects: Vec::new(),
            last_sent: None,
            rng,
            outbox: Outbox::new(Bounds::default(), RetryPolicy::default()),
            next_periodic: now + f64::from(cfg_interval),
            announce: false,
            sent_visible_ms: 0,
            ldp_budget: stored.ldp.as_deref().and_then(Budget::decode).unwrap_or_default(),
            device: OnDevice::default(),
        };
        t.device.begin(&mut t.pv, wall_ms);
        if t.consent.record().is_none() {
            let id = t.fresh_hex();
            t.consent.ensure_record(wall_ms as u64, id);
        }
        if !t.consent.allows(Purpose::Analytics) {
            t.seed = None;
            t.session = None;
        } else if let Some(raw) = stored.outbox.as_deref() {
            // Drained on this page load: what an earlier page left unacknowledged.
            t.outbox.restore(raw, now);
        }
        t
    }

    fn fresh_hex(&mut self) -> String {
        to_hex(&(self.rng)())
    }

    /// Every `localStorage` key the SDK may write for this site.
    pub fn storage_keys(site: &str) -> [String; 5] {
        [key(site, "consent"), key(site, "seed"), key(site, "session"), key(site, "outbox"), key(site, "ldp")]
    }

    /// The `localStorage` key of `name` (one of [`Tracker::storage_keys`]) for `site`.
    pub fn storage_key(site: &str, name: &str) -> String {
        key(site, name)
    }

    /// Feeds one browser event (hot path).
    #[inline]
    pub fn on_event(&mut self, ev: &Event) {
        self.pv.on_event(ev);
    }

    pub fn features(&self, now: f64) -> Features {
        self.pv.features(now)
    }

    /// `localStorage` key of the on-device history (personalization consent only).
    pub fn history_key(site: &str) -> String {
        key(site, "history")
    }

    /// What the shell read at start: `navigator.webdriver`, and the stored
    /// history (used only while personalization is allowed).
    pub fn set_environment(&mut self, webdriver: bool, history: Option<&str>, wall_ms: f64) {
        self.device.webdriver = webdriver;
        self.device.stored = history.is_some();
        self.pv.automation.webdriver = webdriver;
        if self.consent.allows(Purpose::Personalization) {
            self.device.set_personalization(true, history, &mut self.pv, wall_ms);
        }
    }

    /// Keeps the history in step with personalization consent; a refusal removes it.
    fn sync_personalization(&mut self, wall_ms: f64) {
        let allowed = self.consent.allows(Purpose::Personalization);
        self.device.set_personalization(allowed, None, &mut self.pv, wall_ms);
        if !allowed && self.device.stored {
            self.device.stored = false;
            self.effects.push(Effect::Remove(Tracker::history_key(&self.cfg.site)));
        }
    }

    fn save_history(&mut self, now: f64, wall_ms: f64) {
        if let Some(value) = self.device.on_hide(&self.pv, now, wall_ms) {
            self.effects.push(Effect::Store { key: Tracker::history_key(&self.cfg.site), value });
        }
    }

    /// `track(name, props)`: counted as a conversion; nothing else is kept.
    pub fn track(&mut self, now: f64) {
        self.on_event(&Event { t: now, kind: EventKind::Conversion });
    }

    /// `features()` for the page: the snapshot plus the current segment.
    pub fn features_json(&self, now: f64) -> String {
        features_json(&self.pv.features(now), self.device.history.is_some())
    }

    /// The segment, when it changed since it was last asked (for `on('segment')`).
    pub fn segment_change(&mut self, now: f64) -> Option<Option<&'static str>> {
        let f = self.pv.features(now);
        self.device.segment_change(&f)
    }

    pub fn consent(&self) -> &Consent {
        &self.consent
    }

    /// `consent.state()`: `{mode, granted, denied, record}` as JSON.
    pub fn consent_state_json(&self) -> String {
        let set = self.consent.effective();
        let mut w = ObjectWriter::new();
        w.str("mode", self.consent.mode().as_str())
            .str_list("granted", Purpose::ALL.into_iter().filter(|p| set.contains(*p)).map(Purpose::as_str))
            .str_list("denied", Purpose::ALL.into_iter().filter(|p| !set.contains(*p)).map(Purpose::as_str));
        match self.consent.record() {
            Some(r) => w.raw("record", &r.to_json()),
            None => w.raw("record", "null"),
        };
        w.finish()
    }

    /// The visitor grants (`granted = true`) or denies purposes through the API.
    pub fn choose(&mut self, purposes: &[Purpose], granted: bool, wall_ms: f64) {
        let id = self.fresh_hex();
        self.consent.choose(purposes, granted, wall_ms as u64, id);
        self.after_consent_change();
        self.sync_personalization(wall_ms);
    }

    /// Withdraws all consent: wipes every stored key, forgets ids, sends nothing more.
    pub fn revoke(&mut self, wall_ms: f64) {
        let id = self.fresh_hex();
        self.consent.revoke(wall_ms as u64, id);
        self.after_consent_change();
        self.sync_personalization(wall_ms);
    }

    fn after_consent_change(&mut self) {
        if self.consent.allows(Purpose::Analytics) {
            self.persist_consent();
        } else {
            // Withdrawal (or refusal): wipe everything; only an explicit refusal
            // in opt-out/exempt mode is kept (see `keep_refusal`).
            self.seed = None;
            self.session = None;
            self.effects.retain(|e| !matches!(e, Effect::Send(_) | Effect::Post { .. }));
            self.outbox.clear();
            for k in Tracker::storage_keys(&self.cfg.site) {
                self.effects.push(Effect::Remove(k));
            }
            self.keep_refusal();
        }
    }

    fn persist_consent(&mut self) {
        if let Some(value) = encode_consent(&self.consent) {
            self.effects.push(Effect::Store { key: key(&self.cfg.site, "consent"), value });
        }
    }

    /// The page is being hidden or unloaded: send the final snapshot (by
    /// beacon) if allowed and if anything happened since the last one.
    pub fn on_hide(&mut self, now: f64, wall_ms: f64) {
        self.save_history(now, wall_ms);
        // A second or more of visible time since the last snapshot is a
        // change too, so the final snapshot carries the page view's whole
        // duration (the slack keeps `pagehide` and `visibilitychange`, which
        // come together at unload, from sending twice).
        if self.pv.dirty || self.pv.features(now).visible_ms > self.sent_visible_ms.saturating_add(1_000) {
            self.send_snapshot(now, wall_ms, true);
        }
    }

    /// Sends a snapshot now (when analytics is allowed), by `fetch`.
    pub fn flush(&mut self, now: f64, wall_ms: f64) {
        self.send_snapshot(now, wall_ms, false);
        self.pump(now);
    }

    /// Timer: a periodic snapshot when one is due and there was activity since
    /// the last, then every retry that is due.
    pub fn tick(&mut self, now: f64, wall_ms: f64) {
        if now >= self.next_periodic {
            self.next_periodic = now + f64::from(self.cfg.snapshot_interval_ms);
            if self.pv.dirty {
                self.send_snapshot(now, wall_ms, false);
            }
        }
        self.pump(now);
    }

    /// When [`Tracker::tick`] should run next (page clock), if ever.
    pub fn next_wake(&self) -> Option<f64> {
        let periodic = self.may_store_or_send().then_some(self.next_periodic);
        match (periodic, self.outbox.next_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The result of an [`Effect::Post`] or [`Effect::Probe`]: `status` is the
    /// HTTP status, 0 for a network error.
    pub fn on_post_result(&mut self, status: u16, now: f64) {
        let r = self.rand01();
        if self.outbox.on_result(status, now, r) {
            self.persist_outbox();
        }
        self.pump(now);
    }

    /// `online`, or a page restored from the back/forward cache: retry every
    /// queued payload at once, with a fresh attempt budget.
    pub fn resume(&mut self, now: f64) {
        self.outbox.wake(now);
        self.pump(now);
    }

    /// An SPA route change: the current page view ends (its last snapshot is
    /// queued and posted if anything changed) and a new one starts for `href`.
    pub fn start_page_view(&mut self, now: f64, wall_ms: f64, href: &str, visible: bool, focused: bool) {
        self.on_event(&Event { t: now, kind: EventKind::PageEnd });
        self.save_history(now, wall_ms);
        if self.pv.dirty {
            self.send_snapshot(now, wall_ms, false);
        }
        let mut ctx = self.pv.ctx.clone();
        ctx.path = url::normalize(href);
        let id = (self.rng)();
        self.pv = PageView::new(id, now, f64::from(self.cfg.idle_timeout_ms), visible, focused, ctx);
        self.sent_visible_ms = 0;
        self.device.route_changes = self.device.route_changes.saturating_add(1);
        self.device.begin(&mut self.pv, wall_ms);
        self.next_periodic = now + f64::from(self.cfg.snapshot_interval_ms);
        self.pump(now);
    }

    fn may_store_or_send(&self) -> bool {
        self.consent.allows(Purpose::Analytics)
    }

    /// Posts (or probes for) the oldest queued payload that is due, unless a
    /// request is out.
    fn pump(&mut self, now: f64) {
        match self.outbox.take_due(now) {
            Some(Due::Post(body)) => {
                let fresh = self.announce && self.last_sent.as_ref() == Some(&body);
                self.announce &= !fresh;
                self.effects.push(Effect::Post { body, fresh });
            }
            Some(Due::Probe { pv, seq }) => {
                self.effects.push(Effect::Probe(probe_url(&self.cfg.endpoint, &self.cfg.site, &pv, seq)));
            }
            None => {}
        }
    }

    fn rand01(&mut self) -> f64 {
        let b = (self.rng)();
        f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 4_294_967_296.0
    }

    /// Writes the outbox to storage (storage consent only), or removes it when empty.
    fn persist_outbox(&mut self) {
        if !self.may_store_or_send() {
            return;
        }
        let k = key(&self.cfg.site, "outbox");
        if self.outbox.is_empty() {
            self.effects.push(Effect::Remove(k));
        } else {
            self.effects.push(Effect::Store { key: k, value: self.outbox.encode() });
        }
    }

    fn send_snapshot(&mut self, now: f64, wall_ms: f64, final_: bool) {
        if !self.consent.allows(Purpose::Analytics) {
            return;
        }
        let Some(record) = self.consent.record() else { return };
        let record = record.id.clone();
        if !self.spend_ldp_budget(wall_ms) {
            return;
        }
        let (vid, sid) = self.identifiers(wall_ms);
        self.pv.seq += 1;
        self.pv.dirty = false;
        self.pv.dropped = self.pv.dropped.saturating_add(self.outbox.take_dropped());
        self.next_periodic = now + f64::from(self.cfg.snapshot_interval_ms);
        let mut payload = Payload {
            v: SCHEMA_VERSION,
            id: self.fresh_hex(),
            pv: to_hex(&self.pv.id),
            seq: self.pv.seq,
            site: self.cfg.site.clone(),
            vid,
            sid,
            hour: (wall_ms.max(0.0) as u64 / 3_600_000) * 3600,
            consent: ConsentRef { record, purposes: self.consent.effective().to_vec() },
            ctx: self.pv.ctx.clone(),
            f: self.pv.features(now),
            ldp: Vec::new(),
        };
        self.sent_visible_ms = payload.f.visible_ms;
        self.privatize(&mut payload);
        let body = payload.to_json_within_budget();
        self.last_sent = Some(body.clone());
        // A beaconed final snapshot is confirmed by a probe a little later if
        // the page lives on; otherwise the next page load probes for it.
        let due = if final_ { now + RetryPolicy::default().base_ms } else { now };
        self.outbox.push(&payload.pv, payload.seq, body.clone(), due, final_);
        self.persist_outbox();
        self.announce = !final_;
        if final_ {
            self.effects.push(Effect::Send(body));
        }
    }

    /// Current (pseudonym, session id), creating and persisting the seed and
    /// session as needed. `None`s in the no-identifier mode.
    fn identifiers(&mut self, wall_ms: f64) -> (Option<String>, Option<String>) {
        if self.cfg.identity == Identity::None {
            return (None, None);
        }
        let now = wall_ms.max(0.0) as u64;
        let seed_ok = matches!(self.seed, Some((_, created)) if (now.saturating_sub(created) as f64) < SEED_MAX_AGE_MS);
        if !seed_ok {
            let fresh = (self.rng)();
            self.seed = Some((fresh, now));
            self.store_id("seed", &fresh, now);
        }
        let session_ok = matches!(self.session, Some((_, last)) if (now.saturating_sub(last) as f64) < SESSION_IDLE_MS);
        let sid = if session_ok { self.session.map(|s| s.0) } else { None }.unwrap_or_else(|| (self.rng)());
        self.session = Some((sid, now));
        self.store_id("session", &sid, now);
        let period_ms = u64::from(self.cfg.rotation_hours) * 3_600_000;
        let seed = self.seed.map(|s| s.0).unwrap_or_default();
        let vid = pseudonym(&seed, b"vid", now / period_ms);
        (Some(to_hex(&vid)), Some(to_hex(&sid)))
    }

    fn store_id(&mut self, name: &str, id: &Id128, at: u64) {
        self.effects.push(Effect::Store { key: key(&self.cfg.site, name), value: encode_id(id, at) });
    }

    /// Drains the effects the shell must carry out, in order.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        core::mem::take(&mut self.effects)
    }

    /// Stored keys right now, what was last sent, and why: `explain()`.
    pub fn explain_json(&self, now: f64) -> String {
        let analytics = self.consent.allows(Purpose::Analytics);
        let mut stored_keys = Vec::new();
        if analytics {
            stored_keys.push(key(&self.cfg.site, "consent"));
            if self.seed.is_some() {
                stored_keys.push(key(&self.cfg.site, "seed"));
                stored_keys.push(key(&self.cfg.site, "session"));
            }
            if !self.outbox.is_empty() {
                stored_keys.push(key(&self.cfg.site, "outbox"));
            }
            stored_keys.extend(self.ldp_key());
        }
        if self.device.history.is_some() {
            stored_keys.push(Tracker::history_key(&self.cfg.site));
        }
        let why = match (analytics, self.consent.decide(Purpose::Analytics).1) {
            (true, Source::Api) => "You allowed analytics: aggregated features of this page are sent, never raw events or text.",
            (true, _) => "The site measures its audience by default: aggregated features are sent; revoke to stop.",
            (false, Source::Gpc) | (false, Source::Dnt) => "Your browser's privacy signal (GPC/DNT) is honoured: nothing is sent or stored.",
            (false, _) => "No analytics consent: nothing is sent or stored; features stay on this device.",
        };
        let mut w = ObjectWriter::new();
        w.raw("consent", &self.consent_state_json())
            .str_list("stored_keys", stored_keys.iter().map(String::as_str))
            .str("sends_to", &self.cfg.endpoint)
            .raw("features", &self.features(now).to_json());
        match &self.last_sent {
            Some(p) => w.str("last_payload", p),
            None => w.raw("last_payload", "null"),
        };
        w.str("why", why).finish()
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
}

mod privacy;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod delivery_tests;
