//! The outbox shared by every tab of a site: its persisted form, and how a
//! tab takes in what another tab wrote.
//!
//! One `localStorage` value holds every tab's unacknowledged snapshots,
//! oldest first, the drops not yet reported, and the page views known done:
//! `{"dropped":N,"<pv>.<seq>":"<body>",…,"done":"<pv>.<seq> <pv>.<seq> …"}`.
//! Each tab keeps a view of it: its own entries (which it sends) and the
//! other tabs' (which it only knows of, until it adopts them at the next
//! load, `online` or `pageshow`). A tab writes the whole value from its
//! view, and takes in every other tab's write (the `storage` event,
//! [`Outbox::merge`]), so the bounds hold across tabs.
//!
//! `localStorage` has no atomic read-modify-write: a tab that writes before
//! another tab's write reached it leaves that write out. Views therefore
//! only grow by union (per page view the newest seq wins), and an entry
//! leaves a view only as *done*: delivered, confirmed by a probe, refused
//! for good, or dropped by the bound. Done is recorded with its seq and
//! persisted, so no tab brings it back, and a page view done up to a seq
//! never removes a newer snapshot of it (an adopter's delivery of seq 3 does
//! not remove the owner's seq 4). After taking in a write, a tab rewrites
//! the key when what it holds now lacks part of the tab's view: a write
//! that missed an entry is repaired, by its owner or, when the owner has
//! closed since, by the tab whose write hid it.
//!
//! Tabs closing together leave no tab to repair: a leaving tab therefore
//! also writes each entry it delivers under a key of that snapshot's own,
//! `outbox.<pv>.<seq>` holding the body (its *last words*, see
//! [`last_words_name`]). The next load takes them on with the shared value
//! ([`Outbox::restore_last_words`]); a live tab takes them in from the
//! `storage` event ([`Outbox::take_in`]). The tracker removes such a key once
//! its snapshot is done.
//!
use super::{Entry, Outbox};
use crate::flat::{self, Scalar};
use crate::json_out::ObjectWriter;
use alloc::string::String;
use alloc::vec::Vec;

/// `<pv>.<seq>` with a valid page-view id; a bare `<pv>` (an older SDK's
/// form) has seq 0.
fn pv_seq(s: &str) -> Option<(&str, u32)> {
    let (pv, seq) = match crate::split::once(s, b'.') {
        Some((pv, seq)) => (pv, flat::parse_u32(seq)?),
        None => (s, 0),
    };
    crate::ids::from_hex(pv).map(|_| (pv, seq))
}

/// What a stored value held besides its bodies (see [`Outbox::learn`]).
#[derive(Debug, Default)]
struct Seen {
    dropped: u32,
    /// (pv, seq) of every entry.
    entries: Vec<(String, u32)>,
}

fn push_pv_seq(out: &mut String, pv: &str, seq: u32) {
    out.push_str(pv);
    out.push('.');
    crate::json_out::push_u64(out, u64::from(seq));
}

/// The name of the last-words key of snapshot `seq` of page view `pv`:
/// `outbox.<pv>.<seq>` (see `crate::delivery`).
pub(crate) fn last_words_name(pv: &str, seq: u32) -> String {
    let mut name = String::from("outbox.");
    push_pv_seq(&mut name, pv, seq);
    name
}

/// The snapshot (pv, seq) a last-words key `name` holds, if it is one.
pub(crate) fn last_words_of(name: &str) -> Option<(&str, u32)> {
    pv_seq(name.strip_prefix("outbox.")?)
}

impl Outbox {
    /// What to write to the shared key now: the persisted form, or `None`
    /// (remove the key) when no tab has anything queued.
    pub(crate) fn persisted(&mut self) -> Option<String> {
        let keep_done = core::mem::take(&mut self.keep_done);
        (!self.is_empty() || keep_done).then(|| self.encode())
    }

    /// The persisted form (see the module documentation), every tab's
    /// entries included.
    pub(crate) fn encode(&self) -> String {
        let mut w = ObjectWriter::new();
        w.uint("dropped", u64::from(self.dropped));
        let mut key = String::new();
        for e in &self.entries {
            key.clear();
            push_pv_seq(&mut key, &e.pv, e.seq);
            w.str(&key, &e.body);
        }
        if !self.done.is_empty() {
            let mut list = String::new();
            for (pv, seq) in &self.done {
                if !list.is_empty() {
                    list.push(' ');
                }
                push_pv_seq(&mut list, pv, *seq);
            }
            w.str("done", &list);
        }
        w.finish()
    }

    /// Adopts what an earlier page load or another tab left (at start-up;
    /// `raw`: the stored value as pairs text, [`crate::flat`]): every entry
    /// is this tab's to deliver, due at `now` and unconfirmed
    /// (it may have been delivered already). An entry of an older SDK's form
    /// (no `.<seq>`) is posted without a probe.
    pub(crate) fn restore(&mut self, raw: &str, now: f64) {
        let stored = self.learn(Some(raw));
        self.dropped = self.dropped.saturating_add(stored.dropped);
        self.adopt(now);
    }

    /// Adopts, at start-up, what a closing tab left under the last-words
    /// key `name` (holding `body`), as [`Outbox::restore`] does. Returns
    /// the snapshot, or `None` when `name` is not a last-words key.
    pub(crate) fn restore_last_words(
        &mut self,
        name: &str,
        body: &str,
        now: f64,
    ) -> Option<(String, u32)> {
        let held = self.take_in(name, body);
        self.adopt(now);
        held
    }

    /// Takes in a stored value (`None`, or malformed members: nothing):
    /// the view becomes the union of what this tab knew and `raw`, by page
    /// view. The newest seq wins (another tab's newer snapshot of a page
    /// view this tab had adopted goes back to that tab), and whatever either
    /// knows to be done goes (an entry in flight then only frees the slot
    /// when it answers). An entry leaves a view only as done, never because
    /// a value lacks it.
    fn learn(&mut self, raw: Option<&str>) -> Seen {
        let mut seen = Seen::default();
        let Some(Ok(pairs)) = raw.map(flat::parse) else {
            return seen;
        };
        for (k, v) in &pairs {
            match (k.as_str(), v) {
                ("dropped", Scalar::Int(n)) => {
                    seen.dropped = u32::try_from(*n).unwrap_or(0);
                }
                ("done", Scalar::Str(list)) => {
                    for (pv, seq) in crate::split::pieces(list, b" ").filter_map(pv_seq) {
                        self.mark_done(pv, seq);
                    }
                }
                _ => {}
            }
        }
        self.prune(false);
        for (k, v) in pairs {
            let (Some((pv, seq)), Scalar::Str(body)) = (pv_seq(&k), v) else {
                continue;
            };
            seen.entries.push((pv.into(), seq));
            self.learn_entry(pv, seq, body);
        }
        seen
    }

    /// Takes in another tab's snapshot `seq` of page view `pv`, unless this
    /// view holds a newer one or knows it done.
    fn learn_entry(&mut self, pv: &str, seq: u32, body: String) {
        let at = self.entries.iter().position(|e| e.pv == pv);
        let newer_known = at
            .and_then(|i| self.entries.get(i))
            .is_some_and(|e| e.seq >= seq);
        if newer_known || self.is_done(pv, seq) {
            return;
        }
        let token = self.token();
        let entry = Entry {
            token,
            pv: pv.into(),
            seq,
            body,
            probe: seq > 0,
            failures: 0,
            due: f64::INFINITY,
            ours: false,
        };
        match at.and_then(|i| self.entries.get_mut(i)) {
            Some(e) => *e = entry,
            None => self.entries.push(entry),
        }
    }

    /// Takes in a last-words key (`name`, holding `body`): its snapshot
    /// joins this view as another tab's ([`Outbox::learn`]), within the
    /// bounds. Returns the snapshot, or `None` when `name` is not one.
    pub(crate) fn take_in(&mut self, name: &str, body: &str) -> Option<(String, u32)> {
        let (pv, seq) = last_words_of(name)?;
        self.learn_entry(pv, seq, body.into());
        self.enforce_bounds();
        Some((pv.into(), seq))
    }

    /// This tab's own entries (those it delivers): (pv, seq, body).
    pub(crate) fn own(&self) -> impl Iterator<Item = (&str, u32, &str)> {
        self.entries
            .iter()
            .filter(|e| e.ours)
            .map(|e| (e.pv.as_str(), e.seq, e.body.as_str()))
    }

    /// Another tab wrote the shared outbox (both values as pairs text,
    /// [`crate::flat`]): `written` is the value it wrote
    /// (the `storage` event's; `None`: it removed the key), `current` what
    /// the key holds now (later writes may have replaced `written` already;
    /// `None`: no value). Both are taken in ([`Outbox::learn`]); the drop
    /// count is the current one and the bounds are enforced again. A tab
    /// removes the key when nothing it knows of is left, so a removal also
    /// forgets the other tabs' entries this tab knew (this tab's own stay):
    /// the remover had them done, or it writes them back itself when their
    /// writes reach it.
    ///
    /// Returns `true` when the key must be rewritten: the current value
    /// lacks part of this tab's view (a write that had not seen it, such as
    /// this tab's own write before `written` reached it: a tab that has just
    /// closed cannot write its entry back itself), holds something done, or
    /// the bound dropped an entry.
    pub(crate) fn merge(&mut self, written: Option<&str>, current: Option<&str>) -> bool {
        if written.is_none() {
            self.prune(true);
        }
        self.learn(written);
        let now = self.learn(current);
        self.dropped = now.dropped;
        let stale = now.entries.iter().any(|(pv, seq)| self.is_done(pv, *seq));
        self.keep_done |= stale;
        let lacking = self
            .entries
            .iter()
            .any(|e| !super::covers(&now.entries, &e.pv, e.seq));
        self.enforce_bounds() || stale || lacking
    }
}
