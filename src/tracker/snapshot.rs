//! When snapshots are made (periodic, on hide, on flush, at a route change)
//! and how they reach the collector: identifiers for the payload, the outbox,
//! one post or probe in flight, and the results that come back.

use super::storage::{encode_id, encode_session};
use super::{Effect, Tracker};
use crate::config::Identity;
use crate::consent::Purpose;
use crate::delivery::{last_words_name, probe_url, remove_at, Due, RetryPolicy};
use crate::ids::{from_hex, pseudonym, to_hex, Id128};
use crate::payload::{Build, ConsentRef, Payload, SCHEMA_VERSION};
use alloc::string::String;
use alloc::vec::Vec;

/// A session ends after this much inactivity, ms.
pub(crate) const SESSION_IDLE_MS: f64 = 30.0 * 60_000.0;
/// Longest life of a visitor seed, ms (13 months of 30.4 days): never extended.
pub(crate) const SEED_MAX_AGE_MS: f64 = 395.0 * 86_400_000.0;

impl Tracker {
    /// The page is being hidden or unloaded: send the final snapshot (by
    /// beacon) if allowed and if anything happened since the last one.
    pub fn on_hide(&mut self, now: f64, wall_ms: f64) {
        self.save_history(now, wall_ms);
        #[cfg(feature = "full")]
        self.send_left(now, wall_ms, true);
        // A second or more of visible time since the last snapshot is a
        // change too, so the final snapshot carries the page view's whole
        // duration (the slack keeps `pagehide` and `visibilitychange`, which
        // come together at unload, from sending twice).
        if self.pv.dirty
            || self.pv.features(now).visible_ms > self.sent_visible_ms.saturating_add(1_000)
        {
            self.send_snapshot(now, wall_ms, true);
        }
        if self.leaving {
            self.write_last_words();
        }
    }
    /// Sends a snapshot now (when analytics is allowed), by `fetch`.
    pub fn flush(&mut self, now: f64, wall_ms: f64) {
        #[cfg(feature = "full")]
        self.send_left(now, wall_ms, false);
        self.send_snapshot(now, wall_ms, false);
        self.pump(now);
    }
    /// Timer: a periodic snapshot when one is due and there was activity since
    /// the last, then every retry that is due.
    pub fn tick(&mut self, now: f64, wall_ms: f64) {
        self.clock = self.clock.max(now);
        #[cfg(feature = "full")]
        self.send_left(now, wall_ms, false);
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
        if !self.may_store_or_send() {
            return None;
        }
        // A late entry changed the page view just left: at once.
        #[cfg(feature = "full")]
        if self.left_changed() {
            return Some(self.clock);
        }
        match (Some(self.next_periodic), self.outbox.next_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    /// The result of an [`Effect::Post`] or [`Effect::Probe`]: `status` is the
    /// HTTP status, 0 for a network error; `stored` the answer's
    /// `Iob-Stored` header, if any (only a probe's is read).
    pub fn on_post_result(&mut self, status: u16, stored: Option<&str>, now: f64) {
        let r = self.rand01();
        if self.outbox.on_result(status, stored, now, r) {
            self.persist_outbox();
        }
        self.pump(now);
    }
    /// `online`, or a page restored from the back/forward cache: retry every
    /// queued payload at once, with a fresh attempt budget, and take on the
    /// ones other tabs left in the shared outbox (probed first, a second later).
    pub fn resume(&mut self, now: f64) {
        self.leaving = false;
        self.outbox.wake(now);
        self.pump(now);
    }
    pub(super) fn may_store_or_send(&self) -> bool {
        self.consent.allows(Purpose::Analytics)
    }
    /// Posts (or probes for) the oldest queued payload that is due, unless a
    /// request is out.
    pub(super) fn pump(&mut self, now: f64) {
        // What an earlier page left waits until analytics is allowed.
        if !self.may_store_or_send() || self.no_randomness {
            return;
        }
        match self.outbox.take_due(now) {
            Some(Due::Post(body)) => {
                let fresh = self.announce && self.last_sent.as_ref() == Some(&body);
                self.announce &= !fresh;
                self.effects.push(Effect::Post { body, fresh });
            }
            Some(Due::Probe { pv, seq }) => {
                self.effects.push(Effect::Probe(probe_url(
                    &self.cfg.endpoint,
                    &self.cfg.site,
                    &pv,
                    seq,
                )));
            }
            None => {}
        }
    }
    fn rand01(&mut self) -> f64 {
        let b = (self.rng)();
        f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 4_294_967_296.0
    }
    /// Writes the outbox (this tab's view of the one all tabs share, see
    /// `crate::delivery`) to storage (storage consent only), or removes it
    /// when no tab has anything queued.
    pub(super) fn persist_outbox(&mut self) {
        if !self.may_store_or_send() {
            return;
        }
        match self.outbox.persisted() {
            Some(value) => self.write("outbox", value),
            None => self.erase("outbox"),
        }
        self.remove_last_words(false);
    }

    /// The page is leaving: each of this tab's own entries also goes under
    /// a key of its own, `outbox.<pv>.<seq>` (see `crate::delivery`), which
    /// no other tab's write of the shared key can hide.
    fn write_last_words(&mut self) {
        if !self.may_store_or_send() {
            return;
        }
        for (pv, seq, body) in self.outbox.own() {
            if self.last_words.iter().any(|(p, s)| p == pv && *s == seq) {
                continue;
            }
            self.last_words.push((pv.into(), seq));
            self.effects.push(Effect::Store {
                key: super::storage::key(&self.cfg.site, &last_words_name(pv, seq)),
                value: body.into(),
            });
        }
    }

    /// Removes the last-words keys whose snapshot is done here (one still
    /// pending stays: the shared key's copy can be hidden by a stale tab's
    /// write), or, when `all`, every one known.
    pub(super) fn remove_last_words(&mut self, all: bool) {
        let outbox = &self.outbox;
        while let Some(i) = self
            .last_words
            .iter()
            .position(|(pv, seq)| all || outbox.is_done(pv, *seq))
        {
            let Some((pv, seq)) = remove_at(&mut self.last_words, i) else {
                break;
            };
            let key = super::storage::key(&self.cfg.site, &last_words_name(&pv, seq));
            self.effects.push(Effect::Remove(key));
        }
    }

    /// Forgets the outbox: its key and every last-words key known here.
    pub(super) fn erase_outbox(&mut self) {
        self.erase("outbox");
        self.remove_last_words(true);
    }
    /// Makes a snapshot of the current page view as of `now` (page clock, ms)
    /// and queues it (by beacon too when `final_`), if consent allows.
    pub(super) fn send_snapshot(&mut self, now: f64, wall_ms: f64, final_: bool) {
        self.send_snapshot_as_of(now, now, wall_ms, final_);
    }

    /// [`Self::send_snapshot`] with the features as of `at`, not `now`: the
    /// page view just left, whose clock stopped at the route change, but
    /// whose beacon is confirmed a little after `now`, like any other.
    pub(super) fn send_snapshot_as_of(&mut self, at: f64, now: f64, wall_ms: f64, final_: bool) {
        if !self.consent.allows(Purpose::Analytics) || self.no_randomness {
            return;
        }
        let period = self.period(wall_ms.max(0.0) as u64);
        if period != self.pv_period {
            self.cross_period_boundary(now, period);
        }
        let Some(reference) = self.consent_reference(wall_ms) else {
            return;
        };
        if !self.spend_ldp_budget(wall_ms) {
            return;
        }
        let (vid, sid) = self.identifiers(wall_ms);
        self.pv.seq += 1;
        self.pv.dirty = false;
        self.pv.dropped = self.pv.dropped.saturating_add(self.outbox.take_dropped());
        self.next_periodic = now + f64::from(self.cfg.snapshot_interval_ms);
        let rot = vid.as_ref().map(|_| self.cfg.rotation_hours);
        let mut payload = Payload {
            v: SCHEMA_VERSION,
            build: Build::CURRENT,
            id: self.fresh_hex(),
            pv: to_hex(&self.pv.id),
            seq: self.pv.seq,
            site: self.cfg.site.clone(),
            vid,
            sid,
            rot,
            hour: (wall_ms.max(0.0) as u64 / 3_600_000) * 3600,
            consent: ConsentRef {
                reference,
                purposes: self.consent.effective().to_vec(),
            },
            ctx: self.pv.ctx.clone(),
            f: self.pv.features(at),
            ldp: Vec::new(),
        };
        self.sent_visible_ms = payload.f.visible_ms;
        self.privatize(&mut payload);
        let body = payload.to_json_within_budget();
        self.last_sent = Some(body.clone());
        // A beaconed final snapshot is confirmed by a probe a little later if
        // the page lives on; otherwise the next page load probes for it.
        let due = if final_ {
            now + RetryPolicy::default().base_ms
        } else {
            now
        };
        self.outbox
            .push(&payload.pv, payload.seq, body.clone(), due, final_);
        self.persist_outbox();
        self.announce = !final_;
        if final_ {
            self.effects.push(Effect::Send(body));
        }
    }

    /// The current page view has lived into pseudonym period `period`: its
    /// last changes go out stamped with the last moment of its own period
    /// (its identifiers, consent reference and hour), and it continues under
    /// a new page-view id with fresh features and, through `identifiers`, a
    /// new session: no value that identifies it spans two periods.
    fn cross_period_boundary(&mut self, now: f64, period: u64) {
        let period_ms = u64::from(self.cfg.rotation_hours) * 3_600_000;
        if self.pv.dirty {
            // Stamped in its own period, so `send_snapshot` sees no boundary.
            let own_end = (self.pv_period + 1) * period_ms - 1;
            self.send_snapshot(now, own_end as f64, false);
        }
        let (visible, focused) = self.pv.visible_focused();
        let ctx = self.pv.ctx.clone();
        let id = (self.rng)();
        self.pv = self.pv.next(id, now, visible, focused, ctx);
        self.sent_visible_ms = 0;
        self.pv_period = period;
        // A new session starts with this page view.
        self.device.doc_pageviews = 0;
        self.device.session_pageviews = 0;
        self.device.route_changes = 0;
        self.device.begin(&mut self.pv, (period * period_ms) as f64);
    }

    /// The pseudonym period (`rotationHours` long, counted from the Unix
    /// epoch) that wall-clock time `wall` (Unix ms) falls in.
    pub(super) fn period(&self, wall: u64) -> u64 {
        wall / (u64::from(self.cfg.rotation_hours.max(1)) * 3_600_000)
    }

    /// The per-period consent reference of the current record: SipHash keyed
    /// with the record's random id, over the period. The device can show the
    /// record and recompute the reference; without the id, two periods'
    /// references cannot be linked.
    pub(super) fn consent_reference(&self, wall_ms: f64) -> Option<String> {
        let record = from_hex(&self.consent.record()?.id)?;
        let period = self.period(wall_ms.max(0.0) as u64);
        Some(to_hex(&pseudonym(&record, b"consent", period)))
    }

    /// Current (pseudonym, session id), creating and persisting the seed and
    /// session as needed. `None`s in the no-identifier mode.
    /// - The seed lives at most 13 months from its creation, never extended;
    ///   one dated in the future (a clock set back) is invalid and replaced.
    /// - The session ends after 30 minutes without activity and at every
    ///   pseudonym period boundary, so no session id spans two periods.
    fn identifiers(&mut self, wall_ms: f64) -> (Option<String>, Option<String>) {
        if self.cfg.identity == Identity::None {
            return (None, None);
        }
        let now = wall_ms.max(0.0) as u64;
        let seed_ok = matches!(self.seed, Some((_, created)) if created <= now && ((now - created) as f64) < SEED_MAX_AGE_MS);
        if !seed_ok {
            let fresh = (self.rng)();
            self.seed = Some((fresh, now));
            self.store_id("seed", &fresh, now);
        }
        let period = self.period(now);
        let session_ok = matches!(self.session, Some((_, last)) if last <= now && ((now - last) as f64) < SESSION_IDLE_MS && self.period(last) == period);
        let sid = if session_ok {
            self.session.map(|s| s.0)
        } else {
            None
        }
        .unwrap_or_else(|| (self.rng)());
        self.session = Some((sid, now));
        if !session_ok {
            self.device.new_session();
        }
        let value = encode_session(&sid, now, self.device.session_pages());
        self.write("session", value);
        let seed = self.seed.map(|s| s.0).unwrap_or_default();
        let vid = pseudonym(&seed, b"vid", period);
        (Some(to_hex(&vid)), Some(to_hex(&sid)))
    }

    fn store_id(&mut self, name: &'static str, id: &Id128, at: u64) {
        self.write(name, encode_id(id, at));
    }
}
