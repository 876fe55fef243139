// `localStorage` for web/src/storage.rs in one import: reads, writes,
// removals and the availability check. Nothing here throws: disabled storage
// (a SecurityError on access) or a full quota reads as absent and writes as
// nothing. Codes shared with Rust are defined in web/src/codes.rs.

/** Operations. */
const STORAGE_READ = 0;
const STORAGE_WRITE = 1;
const STORAGE_REMOVE = 2;
const STORAGE_AVAILABLE = 3;

/**
 * Does `op` on `key`. Returns the value read (STORAGE_READ), or '' once a
 * usable `localStorage` was found; `undefined` when the key is absent or
 * storage cannot be used.
 * @param {number} op STORAGE_READ | STORAGE_WRITE | STORAGE_REMOVE | STORAGE_AVAILABLE
 * @param {string} key
 * @param {string} value written by STORAGE_WRITE
 * @returns {string | undefined}
 */
export function iobStorage(op, key, value) {
  try {
    const s = localStorage;
    if (!s) return undefined;
    if (op === STORAGE_READ) return s.getItem(key) ?? undefined;
    if (op === STORAGE_WRITE) s.setItem(key, value);
    if (op === STORAGE_REMOVE) s.removeItem(key);
    return '';
  } catch {
    return undefined;
  }
}
