// `localStorage` for web/src/storage.rs in one import: reads, writes,
// removals, the last-words keys and the availability check. Nothing here throws: disabled storage
// (a SecurityError on access) or a full quota reads as absent and writes as
// nothing. Codes shared with Rust are defined in web/src/codes.rs.

/** Operations. */
const STORAGE_READ = 0;
const STORAGE_WRITE = 1;
const STORAGE_REMOVE = 2;
const STORAGE_AVAILABLE = 3;
const LAST_WORDS = 4;

/**
 * Does `op` on `key`. Returns the value read (STORAGE_READ); for
 * LAST_WORDS, with `key` the SDK's prefix `iob:<site>:`, every key
 * `<prefix>outbox.<…>` as its name after the prefix, a NUL, its value and a
 * NUL (a key holding a NUL is left out); otherwise '' once a usable
 * `localStorage` was found; `undefined` when the key is absent or storage
 * cannot be used.
 * @param {number} op STORAGE_READ | STORAGE_WRITE | STORAGE_REMOVE | STORAGE_AVAILABLE | LAST_WORDS
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
    let found = '';
    if (op === LAST_WORDS) {
      for (let i = 0; i < s.length; i++) {
        const k = s.key(i);
        if (k && k.startsWith(`${key}outbox.`) && !k.includes('\0')) found += `${k.slice(key.length)}\0${s.getItem(k)}\0`;
      }
    }
    return found;
  } catch {
    return undefined;
  }
}
