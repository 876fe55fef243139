// Removes from wasm-bindgen's JS glue what this SDK never needs, before
// esbuild bundles it (scripts/build-pkg.sh):
// - the two FinalizationRegistry instances: every Rust closure is owned by
//   Rust (an `Attachment`, dropped by `shutdown()`), and the `Iob` wrapper is
//   reachable from its own `emit` callback held by the wasm's externref
//   table, so neither registry can ever fire; a no-op object stands in;
// - the Safari workaround that renews the TextDecoder after 2 GB decoded
//   (the SDK decodes a few bytes per event);
// - the `TextEncoder.encodeInto` polyfill (every browser with the wasm
//   features the module uses has `encodeInto`).
// Each rewrite must match exactly once: a different wasm-bindgen output
// (the version is pinned in web/Cargo.toml) fails the build instead of
// shipping half-edited glue.
// Usage: node scripts/lean-glue.mjs <glue.js>   (rewritten in place)
import { readFileSync, writeFileSync } from 'node:fs';

const [path] = process.argv.slice(2);
let glue = readFileSync(path, 'utf8');

/** [what, pattern, replacement, how many matches are expected] */
const REWRITES = [
  [
    'FinalizationRegistry instances',
    /\(typeof FinalizationRegistry === 'undefined'\)\s*\?\s*\{ register: \(\) => \{\}, unregister: \(\) => \{\} \}\s*:\s*new FinalizationRegistry\([^;]*\);/g,
    '{ register: () => {}, unregister: () => {} };',
    2,
  ],
  [
    'the Safari TextDecoder renewal',
    /const MAX_SAFARI_DECODE_BYTES = \d+;\s*let numBytesDecoded = 0;\s*function decodeText\(bytes\) \{[\s\S]*?return cachedTextDecoder\.decode\(bytes\);\s*\}/g,
    'function decodeText(bytes) {\n    return cachedTextDecoder.decode(bytes);\n}',
    1,
  ],
  [
    'the encodeInto polyfill',
    /if \(!\('encodeInto' in cachedTextEncoder\)\) \{[\s\S]*?\n\}\n/g,
    '',
    1,
  ],
];

for (const [what, pattern, replacement, expected] of REWRITES) {
  const found = glue.match(pattern)?.length ?? 0;
  if (found !== expected) {
    console.error(`lean-glue: ${what}: expected ${expected} match(es), found ${found} (did wasm-bindgen's output change?)`);
    process.exit(1);
  }
  glue = glue.replace(pattern, replacement);
}
writeFileSync(path, glue);
