#!/usr/bin/env bash
# Builds pkg/ (the npm package and the script-tag bundle) from the crate and pkg-template/:
# cargo (the binding crate iob-web, wasm32, release) -> wasm-bindgen (--target web)
# -> lean glue (scripts/lean-glue.mjs) -> short import and export names, unread exports dropped -> wasm-opt -Oz -> esbuild (the JS glue, web/js snippets and facade in one ESM file),
# once for the full build (pkg/) and once for the lite build (pkg/lite/, pkg/iob-lite.js).
# IOB_PKG_OUT=dir builds into another directory than pkg/ (a variant to compare
# with `make bench-session BENCH_SESSION_ARGS='--iob name=dir'`); IOB_KEEP_NAMES=1
# keeps the wasm's function names (profiles and twiggy; not for shipping).
set -euo pipefail
cd "$(dirname "$0")/.."

# Per-run scratch dirs, so concurrent builds never share files; pkg/ is
# filled completely in staging and then swapped in, never half-built.
gen=target/bindgen-$$
out=target/pkg-staging-$$
trap 'rm -rf "$gen" "$out"' EXIT
mkdir -p "$out"
minify=(--minify)
if [ "${IOB_KEEP_NAMES:-}" = 1 ]; then minify=(--minify-whitespace --minify-syntax); fi
esbuild=node_modules/.bin/esbuild
source scripts/compile-hint.sh

# One build of the SDK: `build DIR LITE [cargo args]` writes DIR/iob_sdk_bg.wasm
# and DIR/index.js (the ESM entry: wasm-bindgen glue, web/js snippets and
# facade; IOB_LITE=LITE lets esbuild drop what the lite build never runs).
build() {
  local dir=$1 lite=$2
  shift 2
  cargo build -p iob-web --lib --target wasm32-unknown-unknown --release --features standalone "$@"
  rm -rf "$gen" && mkdir -p "$gen" "$dir"
  wasm-bindgen --target web --no-typescript --out-dir "$gen" --out-name iob_sdk \
    target/wasm32-unknown-unknown/release/iob_web.wasm
  node scripts/lean-glue.mjs "$gen/iob_sdk.js"
  node scripts/minify-names.mjs "$gen/iob_sdk_bg.wasm" "$gen/iob_sdk.js"
  bash scripts/wasm-opt.sh "$gen/iob_sdk_bg.wasm" "$dir/iob_sdk_bg.wasm"
  cp pkg-template/facade.js pkg-template/index.js "$gen/"
  # `new URL('iob_sdk_bg.wasm', import.meta.url)` stays, so bundlers copy the wasm.
  # The banner is V8's explicit compile hint (scripts/compile-hint.sh).
  "$esbuild" "$gen/index.js" --bundle --format=esm "${minify[@]}" --target=es2020 \
    --define:IOB_LITE="$lite" --banner:js="$COMPILE_HINT" --outfile="$dir/index.js" --log-level=warning
}

# Script tag: a small classic script (with the generated option mapping) that
# queues calls and imports DIR/index.js from next to itself: `loader FILE DIR`.
loader() {
  "$esbuild" pkg-template/loader.js --bundle --format=iife "${minify[@]}" --target=es2020 \
    --define:IOB_BUILD_DIR="'$2'" --outfile="$out/$1" --log-level=warning
}

# The full build (`iob-sdk`, `iob.js`) and the lite build (`iob-sdk/lite`,
# `iob-lite.js`: the core without its Cargo feature `full`).
build "$out" false
loader iob.js ''
build "$out/lite" true --no-default-features
loader iob-lite.js lite/
# The optional privacy panel: a separate file, loaded only by sites that use it (not in the size budget's files).
"$esbuild" pkg-template/panel.js --minify --target=es2020 --outfile="$out/panel.js" --log-level=warning
cp pkg-template/index.d.ts pkg-template/README.md "$out/"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
sed "s/\"version\": \"[^\"]*\"/\"version\": \"$version\"/" pkg-template/package.json > "$out/package.json"
dest=${IOB_PKG_OUT:-pkg}
rm -rf "$dest.old"
if [ -d "$dest" ]; then mv "$dest" "$dest.old"; fi
mv "$out" "$dest"
rm -rf "$dest.old"
echo "$dest/ built (iob-sdk $version)"
