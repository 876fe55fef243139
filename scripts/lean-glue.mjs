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
// - the `Iob` wrapper's `free()` and its finalization registry: the facade
//   owns the only instance and ends it with `shutdown()`, so nothing frees
//   it (as before, with no registry that could fire); without a reader, the
//   wasm's free export and the drop code behind it go too (minify-names runs
//   after this and drops unread exports);
// - the string encoder's ASCII loop and its `realloc` resizing: every string
//   is encoded with `TextEncoder.encode` and copied in once (the strings the
//   SDK passes are a config, page texts and short names), so the wasm's
//   `__wbindgen_realloc` export goes;
// - the calls on the closures' no-op registry (see the first point), and
//   the DataView cache's test for a detached buffer: after the memory grows,
//   its old buffer (detached) is never `wasm.memory.buffer`, so comparing
//   the two alone renews the view, as it does for the byte view;
// - repeated namespace imports of one snippet module: wasm-bindgen imports a
//   module once per `extern` block that uses it (`web/js/browser.js` three
//   times) and lists each in the wasm's import object under the same key,
//   which esbuild warns about (the last one wins; all are the same module).
// Each rewrite must match exactly once (or, for the call sites marked 0,
// at least once, checked by what must be gone afterwards): a different wasm-bindgen output
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
  [
    "the Iob wrapper's free() and its helper",
    /\n {4}__destroy_into_raw\(\) \{[\s\S]*?\n {4}\}\n {4}free\(\) \{[\s\S]*?\n {4}\}/g,
    '',
    1,
  ],
  [
    "the Iob wrapper's Symbol.dispose",
    /if \(Symbol\.dispose\) Iob\.prototype\[Symbol\.dispose\] = Iob\.prototype\.free;\n/g,
    '',
    1,
  ],
  [
    "the Iob wrapper's registration",
    /\n\s*IobFinalization\.register\(this, this\.__wbg_ptr, this\);/g,
    '',
    1,
  ],
  [
    "the Iob wrapper's (no-op) registry",
    /const IobFinalization = \{ register: \(\) => \{\}, unregister: \(\) => \{\} \};\n/g,
    '',
    1,
  ],
  [
    "the string encoder's ASCII loop and realloc",
    /function passStringToWasm0\(arg, malloc, realloc\) \{[\s\S]*?\n\}\n/g,
    `function passStringToWasm0(arg, malloc) {
    const buf = cachedTextEncoder.encode(arg);
    const ptr = malloc(buf.length, 1) >>> 0;
    getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
    WASM_VECTOR_LEN = buf.length;
    return ptr;
}
`,
    1,
  ],
  [
    "the string encoder's realloc argument at its call sites",
    /, wasm\.__wbindgen_realloc\)/g,
    ')',
    0,
  ],
  [
    "the closures' (no-op) registry calls",
    /\n\s*CLOSURE_DTORS\.(?:un)?register\([^)]*\);/g,
    '',
    2,
  ],
  [
    "the closures' (no-op) registry",
    /const CLOSURE_DTORS = \{ register: \(\) => \{\}, unregister: \(\) => \{\} \};\n/g,
    '',
    1,
  ],
  [
    "the DataView's detached-buffer test (a grown memory's old buffer is never the current one)",
    /cachedDataViewMemory0\.buffer\.detached === true \|\| \(cachedDataViewMemory0\.buffer\.detached === undefined && (cachedDataViewMemory0\.buffer !== wasm\.memory\.buffer)\)/g,
    '$1',
    1,
  ],
];

/** What must be gone once the rewrites are done. */
const GONE = ['__wbindgen_realloc', '__wbg_iob_free', 'IobFinalization', 'Symbol.dispose', 'CLOSURE_DTORS', 'detached'];

for (const [what, pattern, replacement, expected] of REWRITES) {
  const found = glue.match(pattern)?.length ?? 0;
  if (expected === 0 ? found === 0 : found !== expected) {
    console.error(`lean-glue: ${what}: expected ${expected} match(es), found ${found} (did wasm-bindgen's output change?)`);
    process.exit(1);
  }
  glue = glue.replace(pattern, replacement);
}
// One namespace import per snippet module, and one import-object entry.
/** @type {Map<string, string>} module path -> the first import's name */
const first = new Map();
/** @type {Array<[string, string]>} [module path, a repeated import's name] */
const repeats = [];
glue = glue.replace(/^import \* as (import\d+) from "([^"]+)"\n/gm, (line, name, from) => {
  if (!first.has(from)) {
    first.set(from, name);
    return line;
  }
  repeats.push([from, name]);
  return '';
});
for (const [from, name] of repeats) {
  const entry = `\n        "${from}": ${name},`;
  if (glue.split(entry).length !== 2) {
    console.error(`lean-glue: the import object's entry for ${name} (${from}) is not there once (did wasm-bindgen's output change?)`);
    process.exit(1);
  }
  glue = glue.replace(entry, '');
}

for (const name of GONE) {
  if (glue.includes(name)) {
    console.error(`lean-glue: ${name} is still in the glue (did wasm-bindgen's output change?)`);
    process.exit(1);
  }
}
writeFileSync(path, glue);
