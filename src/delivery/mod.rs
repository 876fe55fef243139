//! Delivery policy (pure): the retry state machine and the outbox.
//!
//! Every payload the tracker makes goes into the [`Outbox`] and stays there
//! until a `fetch` to the collector is acknowledged (2xx) or refused for good
//! (a 4xx other than 408/429: retrying cannot help). A beacon sent at unload
//! is a best-effort extra delivery, never an acknowledgement: its entry stays
//! queued and is persisted (with storage consent). Such an entry, and every
//! entry an earlier page load or another tab left behind, is *unconfirmed*:
//! before posting its body again the outbox asks the collector once with a
//! bodiless probe (`HEAD <endpoint>?site=…&pv=…&seq=…`, see [`probe_url`]).
//! Only an answer that names the snapshot confirms it: a 2xx whose
//! `Iob-Stored` header is `<the same pv>.<seq ≥ the asked seq>` (see
//! [`confirmed_seq`]); the entry then leaves without a repeat. Any other
//! answer (a bare 2xx from a server that answers every method, a 404, a
//! 5xx, a network error) means "post it": the body goes next, at once or,
//! after a failure, with the backoff. The collector keeps the highest `seq`
//! per page view, so a repeat costs bytes, never counts: delivery is
//! at-least-once on the wire and exactly-once at the collector.
//!
//! One post is in flight at a time (oldest due first), so results need no
//! matching and a recovering collector is not stampeded.
//!
//! Only the newest snapshot of a page view matters (snapshots are
//! cumulative), so a new snapshot replaces the queued one of its page view.
//! The outbox is bounded in count and bytes; when full, the oldest entries
//! are dropped and counted, and the count goes out in the next payload.
//!
//! All tabs of a site share one persisted outbox; how a tab merges the
//! others' writes into its own view is in [`persisted`].
//!
//! Time is the page's monotonic clock in ms; randomness is passed in as a
//! number in `[0, 1)`, so tests are deterministic.

mod persisted;

pub(crate) use persisted::{last_words_name, last_words_of};

use alloc::string::String;
use alloc::vec::Vec;

/// Exponential backoff with jitter and a bounded number of attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RetryPolicy {
    /// Delay before the first retry, before jitter, ms.
    pub base_ms: f64,
    /// Cap of the (pre-jitter) delay, ms.
    pub max_delay_ms: f64,
    /// Failed attempts after which an entry waits for `online` or the next page load.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_ms: 1_000.0,
            max_delay_ms: 60_000.0,
            max_attempts: 6,
        }
    }
}

impl RetryPolicy {
    /// Delay after the `failures`-th failed attempt (1-based): "equal jitter",
    /// half of `min(cap, base * 2^(failures-1))` plus a random share of the other half.
    pub(crate) fn delay(&self, failures: u32, rand01: f64) -> f64 {
        let exp = failures.saturating_sub(1).min(30);
        let d = (self.base_ms * f64::from(1u32 << exp)).min(self.max_delay_ms);
        d / 2.0 + d / 2.0 * rand01.clamp(0.0, 1.0)
    }
}

/// What became of one `fetch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// 2xx: stored (or already stored: the collector acknowledges duplicates).
    Delivered,
    /// A 4xx other than 408/429: the collector will never accept this body.
    Refused,
    /// A network error, 408, 429 or 5xx: try again later.
    Failed,
}

impl Outcome {
    /// From an HTTP status; `0` means the request failed (network, CORS, offline).
    pub(crate) fn from_status(status: u16) -> Outcome {
        match status {
            200..=299 => Outcome::Delivered,
            408 | 429 => Outcome::Failed,
            400..=499 => Outcome::Refused,
            _ => Outcome::Failed,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    token: u32,
    pv: String,
    /// Snapshot sequence of `body` (0 when unknown: never probed).
    seq: u32,
    body: String,
    /// Unconfirmed (beaconed, or left by an earlier page load or another
    /// tab): probe once before posting.
    probe: bool,
    failures: u32,
    /// When it may be sent (page clock); `f64::INFINITY` once parked
    /// (`max_attempts` failed: it waits for `online` or the next page load)
    /// and for another tab's entry.
    due: f64,
    /// This tab delivers it: its own snapshot, or one adopted from the shared
    /// outbox (at load, `online`, `pageshow`). `false`: another tab's entry,
    /// known from the shared outbox only and never sent from here.
    ours: bool,
}

/// Bounds of the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bounds {
    pub max_count: u32,
    pub max_bytes: u32,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_count: 20,
            max_bytes: 24_576,
        }
    }
}

/// Unacknowledged payloads of every tab of the site, oldest first (this
/// tab's view of the shared outbox).
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    entries: Vec<Entry>,
    bounds: Bounds,
    policy: RetryPolicy,
    /// Drops not yet reported in a payload (shared by the tabs).
    dropped: u32,
    next_token: u32,
    /// The entry whose post or probe is out, if any: (token, is a probe).
    in_flight: Option<(u32, bool)>,
    /// [`Outbox::wake`] came while something was in flight: that attempt
    /// began before it, so its failure does not count and the entry goes
    /// again at once.
    woke_in_flight: bool,
    /// Page views done up to a seq (acknowledged, refused, confirmed by a
    /// probe, or dropped by the bound), newest last, at most
    /// `bounds.max_count`: persisted with the outbox so that no tab brings
    /// back, or re-adds, what another tab finished.
    done: Vec<(String, u32)>,
    /// Write `done` even with no entry left, instead of removing the key:
    /// the stored value brought back something done, and without the done
    /// list the tab that wrote it would bring it back again.
    keep_done: bool,
}

/// What the outbox wants sent next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Due {
    /// Post this body.
    Post(String),
    /// Ask whether the collector holds snapshot `seq` of page view `pv` (see [`probe_url`]).
    Probe { pv: String, seq: u32 },
}

/// Whether `done` (page views done up to a seq) covers snapshot `seq` of `pv`.
fn covers(done: &[(String, u32)], pv: &str, seq: u32) -> bool {
    done.iter().any(|d| d.0 == pv && d.1 >= seq)
}

/// Removes and returns element `i` of `v`, if there is one, keeping the
/// order of the rest (`Vec::remove` without its panic path, which would link
/// a message and this file's path into the wasm).
pub(crate) fn remove_at<T>(v: &mut Vec<T>, i: usize) -> Option<T> {
    if i >= v.len() {
        return None;
    }
    // Move it to the end, then pop it.
    for k in i + 1..v.len() {
        if let Some([a, b]) = v.get_mut(k - 1..=k) {
            core::mem::swap(a, b);
        }
    }
    v.pop()
}

/// The seq the collector says it holds for page view `pv`, when its answer
/// to the probe for snapshot `seq` confirms it: a 2xx (`status`) whose
/// `Iob-Stored` header (`stored`) is `<pv>.<stored seq>` with the same page
/// view and a stored seq of at least `seq`. Anything else confirms nothing.
pub(crate) fn confirmed_seq(status: u16, stored: Option<&str>, pv: &str, seq: u32) -> Option<u32> {
    if Outcome::from_status(status) != Outcome::Delivered {
        return None;
    }
    let (stored_pv, stored_seq) = crate::split::once(stored?, b'.')?;
    let stored_seq = crate::flat::parse_u32(stored_seq)?;
    (stored_pv == pv && stored_seq >= seq).then_some(stored_seq)
}

/// The probe URL: `endpoint` with `site`, `pv` and `seq` added to its query
/// (before any fragment). `site` and `pv` are URL-safe by validation.
pub(crate) fn probe_url(endpoint: &str, site: &str, pv: &str, seq: u32) -> String {
    // A split, not slicing at `find`: no panicking path (and its formatting
    // code) in the wasm.
    let (base, fragment) = crate::split::once(endpoint, b'#').unwrap_or((endpoint, ""));
    let mut u = String::from(base);
    u.push(if crate::privacy::has(base, "?") {
        '&'
    } else {
        '?'
    });
    u.push_str("site=");
    u.push_str(site);
    u.push_str("&pv=");
    u.push_str(pv);
    u.push_str("&seq=");
    crate::json_out::push_u64(&mut u, u64::from(seq));
    if !fragment.is_empty() {
        u.push('#');
        u.push_str(fragment);
    }
    u
}

impl Outbox {
    pub(crate) fn new(bounds: Bounds, policy: RetryPolicy) -> Outbox {
        Outbox {
            entries: Vec::new(),
            bounds,
            policy,
            dropped: 0,
            next_token: 1,
            in_flight: None,
            woke_in_flight: false,
            done: Vec::new(),
            keep_done: false,
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// No entry at all, this tab's or another's (the shared key can go).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn token(&mut self) -> u32 {
        let t = self.next_token;
        self.next_token = t.wrapping_add(1);
        t
    }

    /// Queues snapshot `seq` of page view `pv`, due at `due`. It replaces any
    /// queued snapshot of the same page view (a replacement is not a drop).
    /// Then the oldest entries are dropped, and counted, while over bounds
    /// (the newest is always kept).
    /// `probe`: the body may have reached the collector already (a beacon).
    pub(crate) fn push(&mut self, pv: &str, seq: u32, body: String, due: f64, probe: bool) {
        if let Some(i) = self.entries.iter().position(|e| e.pv == pv) {
            remove_at(&mut self.entries, i);
        }
        let token = self.token();
        self.entries.push(Entry {
            token,
            pv: pv.into(),
            seq,
            body,
            probe: probe && seq > 0,
            failures: 0,
            due,
            ours: true,
        });
        self.enforce_bounds();
    }

    /// Drops the oldest entries, whichever tab's, while over bounds (never
    /// the newest); each is counted and marked done. Returns whether any went.
    fn enforce_bounds(&mut self) -> bool {
        let mut bytes: usize = self.entries.iter().map(|e| e.body.len()).sum();
        let mut any = false;
        while self.entries.len() > 1
            && (self.entries.len() > self.bounds.max_count as usize
                || bytes > self.bounds.max_bytes as usize)
        {
            let Some(e) = remove_at(&mut self.entries, 0) else {
                break;
            };
            bytes -= e.body.len();
            self.dropped = self.dropped.saturating_add(1);
            self.mark_done(&e.pv, e.seq);
            any = true;
        }
        any
    }

    /// Records that page view `pv` is done up to `seq`.
    fn mark_done(&mut self, pv: &str, seq: u32) {
        if let Some(d) = self.done.iter_mut().find(|d| d.0 == pv) {
            d.1 = d.1.max(seq);
            return;
        }
        if self.done.len() >= self.bounds.max_count as usize {
            remove_at(&mut self.done, 0);
        }
        self.done.push((pv.into(), seq));
    }

    /// Removes the entries known to be done and, when `others`, every
    /// other tab's entry.
    fn prune(&mut self, others: bool) {
        let done = &self.done;
        self.entries
            .retain(|e| (e.ours || !others) && !covers(done, &e.pv, e.seq));
    }

    /// Whether snapshot `seq` of page view `pv` is known to be done.
    pub(crate) fn is_done(&self, pv: &str, seq: u32) -> bool {
        covers(&self.done, pv, seq)
    }

    /// What to send now, if nothing is out and an entry is due (oldest
    /// first): its body, or a probe when it is unconfirmed. It is then in
    /// flight until [`Outbox::on_result`].
    pub(crate) fn take_due(&mut self, now: f64) -> Option<Due> {
        if self.in_flight.is_some() {
            return None;
        }
        let e = self.entries.iter().find(|e| e.due <= now)?;
        self.in_flight = Some((e.token, e.probe));
        Some(if e.probe {
            Due::Probe {
                pv: e.pv.clone(),
                seq: e.seq,
            }
        } else {
            Due::Post(e.body.clone())
        })
    }

    /// Records the answer to what is in flight: the HTTP `status` (0: network
    /// error) and, for a probe, its `Iob-Stored` header. Returns `true` when
    /// an entry left the outbox (worth persisting). The entry may be gone
    /// already (replaced by a newer snapshot, dropped, or finished by another
    /// tab): then only the slot is freed.
    ///
    /// A post leaves on a 2xx or a final 4xx. A probe leaves only when the
    /// answer confirms its snapshot ([`confirmed_seq`]); any other answer
    /// makes the body go next (at once, or after the backoff when it failed,
    /// unless a wake came while it was out).
    pub(crate) fn on_result(
        &mut self,
        status: u16,
        stored: Option<&str>,
        now: f64,
        rand01: f64,
    ) -> bool {
        let Some((token, probe)) = self.in_flight.take() else {
            return false;
        };
        let woke = core::mem::take(&mut self.woke_in_flight);
        let Some(i) = self.entries.iter().position(|e| e.token == token) else {
            return false;
        };
        let outcome = Outcome::from_status(status);
        let policy = self.policy;
        let Some(e) = self.entries.get_mut(i) else {
            return false;
        };
        let done = if probe {
            confirmed_seq(status, stored, &e.pv, e.seq)
        } else {
            (outcome != Outcome::Failed).then_some(e.seq)
        };
        if let Some(seq) = done {
            if let Some(e) = remove_at(&mut self.entries, i) {
                self.mark_done(&e.pv, seq);
            }
            return true;
        }
        e.probe = false;
        if outcome != Outcome::Failed || woke {
            e.due = now;
            return false;
        }
        e.failures += 1;
        e.due = if e.failures >= policy.max_attempts {
            f64::INFINITY
        } else {
            now + policy.delay(e.failures, rand01)
        };
        false
    }

    /// When the next post may go out, if one can.
    pub(crate) fn next_due(&self) -> Option<f64> {
        if self.in_flight.is_some() {
            return None;
        }
        self.entries
            .iter()
            .map(|e| e.due)
            .reduce(f64::min)
            .filter(|d| d.is_finite())
    }

    /// The network is back (`online`) or the page is shown again: every
    /// entry of this tab is due now, with a fresh attempt budget, and the
    /// other tabs' entries are adopted, unconfirmed, due one `base_ms` later
    /// (a live owner's own post usually lands first and finishes them).
    /// An attempt in flight began before the wake: if it fails, its entry
    /// is due at once, still with the fresh budget.
    pub(crate) fn wake(&mut self, now: f64) {
        self.woke_in_flight = self.in_flight.is_some();
        for e in self.entries.iter_mut().filter(|e| e.ours) {
            e.failures = 0;
            e.due = now;
        }
        self.adopt(now + self.policy.base_ms);
    }

    /// Makes every other tab's entry this tab's to deliver: unconfirmed
    /// (probe first), due at `due`.
    fn adopt(&mut self, due: f64) {
        for e in self.entries.iter_mut().filter(|e| !e.ours) {
            e.ours = true;
            e.probe = e.seq > 0;
            e.failures = 0;
            e.due = due;
        }
    }

    /// Drops counted since the last call (they go out in the next payload).
    pub(crate) fn take_dropped(&mut self) -> u32 {
        core::mem::take(&mut self.dropped)
    }

    /// Forgets everything (consent withdrawn).
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.done.clear();
        self.keep_done = false;
        self.dropped = 0;
    }
}

#[cfg(test)]
mod shared_tests;
#[cfg(test)]
mod tests;
