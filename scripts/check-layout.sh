#!/usr/bin/env bash
# The crate layout the compiler cannot check by itself (`make lint`):
# - the core (`iob-sdk`, src/) has no wasm-bindgen, web-sys or js-sys anywhere
#   in its dependency tree, dev-dependencies included;
# - the shipped shell (`iob-web` for wasm32) reaches no web-sys, js-sys or
#   getrandom: it reads the browser through its own `web/js` snippets, and
#   each of those crates adds glue, probes or a task waker to the wasm;
# - the binding crate (`iob-web`) is the only cdylib that ships (the size-floor
#   tool is the other cdylib, never shipped);
# - no Rust source holds JavaScript (`inline_js`): JS lives in .js files.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
for target in "" "--target wasm32-unknown-unknown"; do
  # shellcheck disable=SC2086
  if cargo tree -p iob-sdk --no-default-features -e normal,build,dev $target --prefix none | grep -E '^(wasm-bindgen|web-sys|js-sys) '; then
    echo "check-layout: the core's dependency tree reaches a browser crate (above) ${target:-natively}" >&2
    fail=1
  fi
done
if cargo tree -p iob-web -e normal --target wasm32-unknown-unknown --features standalone --prefix none | grep -E '^(web-sys|js-sys|getrandom) '; then
  echo "check-layout: the shipped shell depends on a browser crate (above); read the browser through a web/js snippet" >&2
  fail=1
fi
cdylibs=$(grep -l 'crate-type = \[.*"cdylib"' Cargo.toml web/Cargo.toml examples/*/Cargo.toml tools/*/Cargo.toml 2>/dev/null | sort | tr '\n' ' ')
if [ "$cdylibs" != "tools/size-floor/Cargo.toml web/Cargo.toml " ]; then
  echo "check-layout: cdylib crates are: $cdylibs (expected web/ and the size-floor tool only)" >&2
  fail=1
fi
if grep -rln 'inline_js' --include='*.rs' src web tools examples; then
  echo "check-layout: Rust sources above hold inline JavaScript; put it in a .js file (#[wasm_bindgen(module = \"/js/x.js\")])" >&2
  fail=1
fi
[ "$fail" = 0 ] && echo "check-layout: core without browser crates, shell without web-sys/js-sys/getrandom, one shipped cdylib (web/), no inline JS"
exit "$fail"
