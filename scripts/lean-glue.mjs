// Removes from wasm-bindgen's JS glue what this SDK never needs, before
// esbuild bundles it (scripts/build-pkg.sh):
// - the two FinalizationRegistry instances: every Rust closure is owned by
//   Rust (an `Attachment`, dropped by `shutdown()`), and the `Iob` wrapper is
//   reachable from its own `emit` callback held by the wasm's externref
//   table, so neither registry can ever fire; a no-op object stands in;
// - the Safari workaround that renews the TextDecoder after 2 GB decoded
//   (the SDK decodes a few bytes per event);
// - the `TextEncoder.encodeInto` polyfill (every browser with the wasm
//   features the module uses has `encodeInto`);
// - the general loader (`__wbg_load` and `__wbg_init_once`: strings,
//   Requests, Responses and deprecated call forms, with console warnings):
//   the SDK's own `load` (pkg-template/index.js) passes either a compiled
//   `WebAssembly.Module` or nothing, so a short loader takes the module or
//   fetches the wasm from next to the glue, streaming, and, when streaming
//   refuses the answer (a server that sends no `application/wasm` type),
//   compiles the bytes instead.
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
  [
    'the general loader: its module-or-Response step',
    /async function __wbg_load\(module, imports\) \{[\s\S]*?\n\}\n/g,
    '',
    1,
  ],
  [
    'the general loader: its argument handling',
    /async function __wbg_init_once\(module_or_path\) \{[\s\S]*?\n\}\n/g,
    `async function __wbg_init_once(module_or_path) {
    if (module_or_path !== undefined) ({ module_or_path } = module_or_path);
    const imports = __wbg_get_imports();
    if (module_or_path instanceof WebAssembly.Module) {
        return __wbg_finalize_init(await WebAssembly.instantiate(module_or_path, imports), module_or_path);
    }
    const response = await fetch(new URL('iob_sdk_bg.wasm', import.meta.url));
    if (!response.ok) throw new Error(\`failed to fetch Wasm: \${response.status}\`);
    let loaded;
    try {
        loaded = await WebAssembly.instantiateStreaming(response, imports);
    } catch (e) {
        if (response.bodyUsed) throw e;
        loaded = await WebAssembly.instantiate(await response.arrayBuffer(), imports);
    }
    return __wbg_finalize_init(loaded.instance, loaded.module);
}
`,
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
