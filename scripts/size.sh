#!/usr/bin/env bash
# Prints raw, gzip and brotli sizes of each shipped file; the last line is
# `sdk gzip bytes: N` (wasm + ESM entry + script-tag bundle).
set -euo pipefail
cd "$(dirname "$0")/.."
node - <<'JS'
const fs = require('fs');
const zlib = require('zlib');
const files = ['pkg/iob_sdk_bg.wasm', 'pkg/index.js', 'pkg/iob.js'];
let total = 0;
console.log('file                     raw     gzip   brotli');
for (const f of files) {
  const b = fs.readFileSync(f);
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  total += gz;
  console.log(f.padEnd(22), String(b.length).padStart(7), String(gz).padStart(8), String(br).padStart(8));
}
console.log(`sdk gzip bytes: ${total}`);
JS
