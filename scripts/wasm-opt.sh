#!/usr/bin/env bash
# The one wasm-opt invocation of every shipped or measured build (build-pkg,
# size-floor, bench): `scripts/wasm-opt.sh IN OUT`. The flags were chosen by
# measurement (BENCHMARKS.md, "Weight"): -Oz to a fixed point, the target
# features section stripped, memory known to start zeroed, and functions with
# a single caller inlined only up to 20 instructions (the default inlines far
# larger ones; 15-30 measure alike, 0 or 50 larger), and the low 1 KiB of
# memory known to be unused (`--low-memory-unused`, so constant offsets fold
# into loads and stores: rustc puts the 1 MiB stack first, growing down from
# 1 MiB, and the data above it, so only a stack deeper than 1023 KiB would
# reach it). Functions of up to 6 instructions are inlined everywhere (the
# default is 2): lite wasm gzip 3: -33, 4: -45, 5: -63, 6: -66, 7: +97; full
# 6: -38; 28 fewer functions in both builds. Then core's and alloc's panic
# text, which wasm-opt leaves in the data, is blanked (scripts/drop-panic-text.mjs).
set -euo pipefail
# IOB_KEEP_NAMES=1 keeps the names (for profiles).
in=$1
out=$2
strip=(--strip-debug --strip-producers)
if [ "${IOB_KEEP_NAMES:-}" = 1 ]; then strip=(--debuginfo); fi
"$(dirname "$0")/../node_modules/.bin/wasm-opt" -Oz --converge "${strip[@]}" \
  --strip-target-features --zero-filled-memory --low-memory-unused \
  --one-caller-inline-max-function-size 20 --always-inline-max-function-size 6 \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$in" -o "$out"
node "$(dirname "$0")/drop-panic-text.mjs" "$out"
