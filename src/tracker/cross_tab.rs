//! Other tabs of the same site: what a change they made to one of the SDK's
//! `localStorage` keys means here. The shell's `storage` listener hands over
//! the key's name (the part after `iob:<site>:`), the value the other tab
//! wrote and the value the key holds now (`None`: removed, or no value);
//! the browser fires it only in the tabs that did not write.

use super::Tracker;

impl Tracker {
    /// Another tab wrote `written` to the SDK key `name` of this site; the
    /// key holds `current` now (a later write may have replaced `written`
    /// already). `now` is the page clock, `wall_ms` wall-clock time (both ms).
    /// Returns `true` when the purposes in effect changed (the consent key).
    pub fn on_storage_change(
        &mut self,
        name: &str,
        written: Option<&str>,
        current: Option<&str>,
        now: f64,
        wall_ms: f64,
    ) -> bool {
        match name {
            // The outbox all tabs share: take in the other tab's write, write
            // back what the key lacks, and send what became due.
            "outbox" => {
                self.present.set("outbox", current.is_some());
                if !self.may_store_or_send() {
                    return false;
                }
                let written = super::pairs_of(self.json, written);
                let current = super::pairs_of(self.json, current);
                if self.outbox.merge(written.as_deref(), current.as_deref()) {
                    self.persist_outbox();
                }
                self.remove_last_words(false);
                self.pump(now);
            }
            // The visitor's consent, changed in another tab: adopted here, so
            // a withdrawal silences every open tab (see `on_consent_stored`).
            "consent" => return self.on_consent_stored(current, wall_ms),
            // Other keys another tab wrote or removed: known to be stored or not.
            // The ε budget is per visitor: what another tab spent today counts here too.
            "ldp" => {
                self.present.set("ldp", current.is_some());
                if let Some(b) = current.and_then(crate::privacy::ldp::Budget::decode) {
                    let mine = self.ldp_budget;
                    if (b.day, b.spent_milli) > (mine.day, mine.spent_milli) {
                        self.ldp_budget = b;
                    }
                }
            }
            // Other keys another tab wrote or removed: known to be stored or not.
            "seed" | "session" | "history" => self.present.set(name, current.is_some()),
            // A leaving tab's last words (see `crate::delivery`): taken in;
            // the key is removed once its snapshot is done.
            _ => {
                let Some((pv, seq)) = crate::delivery::last_words_of(name) else {
                    return false;
                };
                if let Some(i) = self
                    .last_words
                    .iter()
                    .position(|(p, s)| p == pv && *s == seq)
                {
                    crate::delivery::remove_at(&mut self.last_words, i);
                }
                if let (Some(body), true) = (current, self.may_store_or_send()) {
                    if let Some(held) = self.outbox.take_in(name, body) {
                        self.last_words.push(held);
                        self.remove_last_words(false);
                    }
                }
            }
        }
        false
    }
}
