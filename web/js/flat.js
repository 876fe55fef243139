// JSON for the core, read by the platform's JSON.parse: the configuration,
// the SDK's stored values and the consent signal readings reach the wasm as
// pairs text (src/flat.rs), so the wasm carries no JSON reader. Only the
// reading is here; what a value means is decided in Rust. Nothing here throws.

/** A NUL inside a key or a text would split a member: it becomes U+FFFD. @param {string} t */
const clean = (t) => t.replace(/\0/g, '\ufffd');

/**
 * The tag and value of one member (src/flat.rs has the table).
 * @param {unknown} v
 * @returns {string}
 */
function tagged(v) {
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v === null) return 'z';
  if (typeof v === 'number') return (Number.isSafeInteger(v) ? 'n' : 's') + v;
  return Array.isArray(v) ? `s${v.join(',')}` : 'x';
}

/**
 * The pairs text of the JSON object `json`: `undefined` when it is not
 * JSON, `'\0o'` when it is JSON but not an object.
 * @param {string} json
 * @returns {string | undefined}
 */
export function iobPairs(json) {
  try {
    const v = JSON.parse(json);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return '\0o';
    return Object.entries(v)
      .map(([k, x]) => `${clean(k)}\0${clean(tagged(x))}`)
      .join('\0');
  } catch {
    return undefined;
  }
}
