// `storage` events of iob-web (imported by web/src/cross_tab.rs): another tab
// of the site changed one of the SDK's keys. It only reads and reports; the
// core decides what a change means (Tracker::on_storage_change). Nothing
// throws into the page. A `clear()` (no key) is not reported.

import { attached } from './browser.js';

/**
 * Listens, passively, for changes other tabs make to localStorage keys that
 * start with `prefix`.
 * @param {string} prefix the SDK's key prefix for the site, `iob:<site>:`
 * @param {(written: number, a: number, b: number, c: number, d: number, bits: number, text: string) => void} report
 *   the shell's one callback signature (`Callback` in web/src/browser.rs):
 *   1 when the other tab wrote a value (0: removed), zeros, and the key's
 *   name after the prefix, a NUL and the value written (empty when removed)
 * @returns {() => void} removes the listener
 */
export function iobStorageEvents(prefix, report) {
  return attached((stops) => {
    /** @param {StorageEvent} e */
    const on = (e) => {
      try {
        const key = e.key;
        // A name never holds a NUL: the text's first NUL ends it.
        if (!key || !key.startsWith(prefix) || key.includes('\0') || e.storageArea !== localStorage) return;
        const written = e.newValue;
        report(written === null ? 0 : 1, 0, 0, 0, 0, 0, `${key.slice(prefix.length)}\0${written ?? ''}`);
      } catch (_) {}
    };
    addEventListener('storage', on, { passive: true });
    stops.push(() => removeEventListener('storage', on));
  });
}
