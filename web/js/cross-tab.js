// `storage` events of iob-web (imported by web/src/cross_tab.rs): another tab
// of the site changed one of the SDK's keys. It only reads and reports; the
// core decides what a change means (Tracker::on_storage_change). Nothing
// throws into the page. A `clear()` (no key) is not reported.

/**
 * Listens, passively, for changes other tabs make to localStorage keys that
 * start with `prefix`.
 * @param {string} prefix the SDK's key prefix for the site, `iob:<site>:`
 * @param {(name: string, written: string | null) => void} report
 *   receives the key's name after the prefix and the value the other tab
 *   wrote (null: removed)
 * @returns {() => void} removes the listener
 */
export function iobStorageEvents(prefix, report) {
  /** @param {StorageEvent} e */
  const on = (e) => {
    try {
      const key = e.key;
      if (!key || !key.startsWith(prefix) || e.storageArea !== localStorage) return;
      report(key.slice(prefix.length), e.newValue);
    } catch (_) {}
  };
  addEventListener('storage', on, { passive: true });
  return () => removeEventListener('storage', on);
}
