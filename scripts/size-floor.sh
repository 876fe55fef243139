#!/usr/bin/env bash
# The size floor (`make size-floor`): the pure core alone, behind a bare C ABI
# (tools/size-floor, a tool of the core), without the browser shell,
# wasm-bindgen or any JS, optimised exactly like the shipped wasm. Prints its
# raw, gzip and brotli size; the last line is `core floor gzip bytes: N`.
# Compare with `make size`: the difference is the shell, the bindings and the JS.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -p iob-size-floor --lib --target wasm32-unknown-unknown --release
mkdir -p target/size-floor
out=target/size-floor/core.wasm
bash scripts/wasm-opt.sh target/wasm32-unknown-unknown/release/iob_size_floor.wasm "$out"
node - "$out" <<'JS'
const fs = require('fs');
const zlib = require('zlib');
const b = fs.readFileSync(process.argv[2]);
const gz = zlib.gzipSync(b, { level: 9 }).length;
const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const exports = WebAssembly.Module.exports(new WebAssembly.Module(b)).map((e) => e.name).filter((n) => n !== 'memory');
const imports = WebAssembly.Module.imports(new WebAssembly.Module(b)).length;
console.log(`core alone (exports: ${exports.join(', ')}; imports: ${imports})`);
console.log('file                              raw     gzip   brotli');
console.log('target/size-floor/core.wasm'.padEnd(30), String(b.length).padStart(7), String(gz).padStart(8), String(br).padStart(8));
console.log(`core floor gzip bytes: ${gz}`);
JS
