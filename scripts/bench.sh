#!/usr/bin/env bash
# Browser micro-benchmark of the listener-to-core path (`make bench`): builds
# the wasm exactly as shipped (iob-web, release, no_std, wasm-opt -Oz; the same
# cargo build as build-pkg.sh, so it is reused) into target/bench/www,
# then feeds 1 000 000 synthetic DOM events through the real listeners in
# headless Chromium (tests/bench/bench.mjs) and prints the median ns per event
# and the wasm memory after the run; then init to ready on fresh pages, where
# it goes (the JS snippets timed in a copy made by tests/bench/instrument.mjs,
# the wasm's and the JavaScript's lazy compilation from a trace) and the
# longest SDK tasks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=target/bench/www
cargo build -p iob-web --lib --target wasm32-unknown-unknown --release --features standalone
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name iob_sdk \
  target/wasm32-unknown-unknown/release/iob_web.wasm
bash scripts/wasm-opt.sh "$out/iob_sdk_bg.wasm" "$out/iob_sdk_bg.wasm"
# The shipped index.js starts with V8's compile hint; here the glue and the
# snippets stay separate modules, so each gets it.
source scripts/compile-hint.sh
find "$out" -name '*.js' -exec sed -i "1i $COMPILE_HINT" {} +
cp tests/bench/bench.html tests/bench/page.js "$out/"
node tests/bench/bench.mjs "$out" "${BENCH_EVENTS:-1000000}"
