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
    pub fn on_storage_change(
        &mut self,
        name: &str,
        written: Option<&str>,
        current: Option<&str>,
        now: f64,
        wall_ms: f64,
    ) {
        match name {
            // The outbox all tabs share: take in the other tab's write, write
            // back what the key lacks, and send what became due.
            "outbox" => {
                if !self.may_store_or_send() {
                    return;
                }
                if self.outbox.merge(written, current) {
                    self.persist_outbox();
                }
                self.pump(now);
            }
            // The visitor's consent, changed in another tab (a withdrawal must
            // reach every open tab). Deliberately nothing yet: its handling
            // belongs to the consent flow (`consent_flow.rs`) and is added
            // there. It needs `wall_ms` for the consent record.
            "consent" => {
                let _ = wall_ms;
            }
            _ => {}
        }
    }
}
