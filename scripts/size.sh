#!/usr/bin/env bash
# Prints raw, gzip and brotli sizes of each shipped file of both builds:
# `lite gzip bytes: M` (lite/ wasm + lite/ ESM entry + iob-lite.js), then,
# last, `sdk gzip bytes: N` (the full build: wasm + ESM entry + iob.js).
set -euo pipefail
cd "$(dirname "$0")/.."
node - <<'JS'
const fs = require('fs');
const zlib = require('zlib');
const builds = [
  ['lite', ['pkg/lite/iob_sdk_bg.wasm', 'pkg/lite/index.js', 'pkg/iob-lite.js']],
  ['sdk', ['pkg/iob_sdk_bg.wasm', 'pkg/index.js', 'pkg/iob.js']],
];
console.log('file                       raw     gzip   brotli');
const totals = builds.map(([name, files]) => {
  let total = 0;
  for (const f of files) {
    const b = fs.readFileSync(f);
    const gz = zlib.gzipSync(b, { level: 9 }).length;
    const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    total += gz;
    console.log(f.padEnd(24), String(b.length).padStart(7), String(gz).padStart(8), String(br).padStart(8));
  }
  return `${name} gzip bytes: ${total}`;
});
totals.forEach((line) => console.log(line));
JS
