//! The tracker: one page's consent, identifiers and page view, and the
//! decisions that follow from them. Pure: the shell passes in time, wall-clock
//! time, randomness and what it read from storage, and carries out the
//! returned [`Effect`]s (send, store, remove).

use crate::config::{Config, Identity};
use crate::consent::{Consent, ConsentRecord, Purpose, Source};
use crate::event::Event;
use crate::ids::{from_hex, pseudonym, to_hex, Id128};
use crate::pageview::PageView;
use crate::payload::{ConsentRef, Context, Features, Payload, SCHEMA_VERSION};
use crate::privacy::{ua, url};
use serde::{Deserialize, Serialize};

/// A session ends after this much inactivity, ms.
pub const SESSION_IDLE_MS: f64 = 30.0 * 60_000.0;
/// Longest life of a visitor seed, ms (13 months of 30.4 days): never extended.
pub const SEED_MAX_AGE_MS: f64 = 395.0 * 86_400_000.0;

/// Something the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// POST this payload body to the endpoint (`sendBeacon`, `text/plain`).
    Send(String),
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
}

#[derive(Serialize, Deserialize)]
struct StoredConsent {
    choices: Vec<(Purpose, bool)>,
    record: ConsentRecord,
}

#[derive(Serialize, Deserialize)]
struct StoredId {
    id: String,
    /// Creation time (seed) or last activity (session), Unix ms.
    at: u64,
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
}

/// The current consent state, as `consent.state()` returns it.
#[derive(Serialize)]
pub struct ConsentState<'a> {
    pub mode: crate::consent::Mode,
    pub granted: Vec<Purpose>,
    pub denied: Vec<Purpose>,
    pub record: Option<&'a ConsentRecord>,
}

/// What `explain()` returns.
#[derive(Serialize)]
struct Explanation<'a> {
    consent: ConsentState<'a>,
    stored_keys: Vec<String>,
    sends_to: &'a str,
    features: Features,
    last_payload: Option<&'a str>,
    why: &'static str,
}

fn key(site: &str, name: &str) -> String {
    let mut k = String::from("iob:");
    k.push_str(site);
    k.push(':');
    k.push_str(name);
    k
}

fn parse_stored_id(raw: Option<&str>) -> Option<(Id128, u64)> {
    let s: StoredId = serde_json::from_str(raw?).ok()?;
    Some((from_hex(&s.id)?, s.at))
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
        let mut consent = Consent::new(cfg.consent, cfg.respect_gpc, cfg.policy_version.clone());
        if let Some(sc) = stored.consent.as_deref().and_then(|s| serde_json::from_str::<StoredConsent>(s).ok()) {
            consent.restore(&sc.choices, sc.record);
        }
        let mut t = Tracker {
            cfg,
            consent,
            pv,
            seed: parse_stored_id(stored.seed.as_deref()),
            session: parse_stored_id(stored.session.as_deref()),
            effects: Vec::new(),
            last_sent: None,
            rng,
        };
        if t.consent.record().is_none() {
            let id = t.fresh_hex();
            t.consent.ensure_record(wall_ms as u64, id);
        }
        if !t.consent.allows(Purpose::Analytics) {
            t.seed = None;
            t.session = None;
        }
        t
    }

    fn fresh_hex(&mut self) -> String {
        to_hex(&(self.rng)())
    }

    /// Every `localStorage` key the SDK may write for this site.
    pub fn storage_keys(site: &str) -> [String; 3] {
        [key(site, "consent"), key(site, "seed"), key(site, "session")]
    }

    /// Feeds one browser event (hot path).
    #[inline]
    pub fn on_event(&mut self, ev: &Event) {
        self.pv.on_event(ev);
    }

    pub fn features(&self, now: f64) -> Features {
        self.pv.features(now)
    }

    pub fn consent(&self) -> &Consent {
        &self.consent
    }

    pub fn consent_state(&self) -> ConsentState<'_> {
        let set = self.consent.effective();
        ConsentState {
            mode: self.consent.mode(),
            granted: set.to_vec(),
            denied: Purpose::ALL.into_iter().filter(|p| !set.contains(*p)).collect(),
            record: self.consent.record(),
        }
    }

    /// The visitor grants (`granted = true`) or denies purposes through the API.
    pub fn choose(&mut self, purposes: &[Purpose], granted: bool, wall_ms: f64) {
        let id = self.fresh_hex();
        self.consent.choose(purposes, granted, wall_ms as u64, id);
        self.after_consent_change();
    }

    /// Withdraws all consent: wipes every stored key, forgets ids, sends nothing more.
    pub fn revoke(&mut self, wall_ms: f64) {
        let id = self.fresh_hex();
        self.consent.revoke(wall_ms as u64, id);
        self.after_consent_change();
    }

    fn after_consent_change(&mut self) {
        if self.consent.allows(Purpose::Analytics) {
            self.persist_consent();
        } else {
            // Withdrawal (or refusal): wipe everything, including the choice itself.
            self.seed = None;
            self.session = None;
            self.effects.retain(|e| !matches!(e, Effect::Send(_)));
            for k in Tracker::storage_keys(&self.cfg.site) {
                self.effects.push(Effect::Remove(k));
            }
        }
    }

    fn persist_consent(&mut self) {
        let Some(record) = self.consent.record().cloned() else { return };
        let value = serde_json::to_string(&StoredConsent { choices: self.consent.choices(), record }).unwrap_or_default();
        self.effects.push(Effect::Store { key: key(&self.cfg.site, "consent"), value });
    }

    /// The page is being hidden or unloaded: send the final snapshot if allowed
    /// and if anything happened since the last one.
    pub fn on_hide(&mut self, now: f64, wall_ms: f64) {
        if self.pv.dirty {
            self.send_snapshot(now, wall_ms);
        }
    }

    /// Sends a snapshot now (when analytics is allowed).
    pub fn flush(&mut self, now: f64, wall_ms: f64) {
        self.send_snapshot(now, wall_ms);
    }

    fn send_snapshot(&mut self, now: f64, wall_ms: f64) {
        if !self.consent.allows(Purpose::Analytics) {
            return;
        }
        let Some(record) = self.consent.record() else { return };
        let record = record.id.clone();
        let (vid, sid) = self.identifiers(wall_ms);
        self.pv.seq += 1;
        self.pv.dirty = false;
        let payload = Payload {
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
        };
        let body = payload.to_json();
        self.last_sent = Some(body.clone());
        self.effects.push(Effect::Send(body));
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
        let value = serde_json::to_string(&StoredId { id: to_hex(id), at }).unwrap_or_default();
        self.effects.push(Effect::Store { key: key(&self.cfg.site, name), value });
    }

    /// Drains the effects the shell must carry out, in order.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
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
        }
        let why = match (analytics, self.consent.decide(Purpose::Analytics).1) {
            (true, Source::Api) => "You allowed analytics: aggregated features of this page are sent, never raw events or text.",
            (true, _) => "The site measures its audience by default: aggregated features are sent; revoke to stop.",
            (false, Source::Gpc) | (false, Source::Dnt) => "Your browser's privacy signal (GPC/DNT) is honoured: nothing is sent or stored.",
            (false, _) => "No analytics consent: nothing is sent or stored; features stay on this device.",
        };
        let e = Explanation {
            consent: self.consent_state(),
            stored_keys,
            sends_to: &self.cfg.endpoint,
            features: self.features(now),
            last_payload: self.last_sent.as_deref(),
            why,
        };
        serde_json::to_string(&e).unwrap_or_default()
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }
}

#[cfg(test)]
mod tests;
