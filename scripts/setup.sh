#!/usr/bin/env bash
# Installs what the build and tests need, skipping what is already present:
# the wasm32 target, wasm-bindgen-cli at the version pinned in web/Cargo.toml,
# the npm tools (npm ci), Debian's chromium + chromium-driver, and Debian's
# clickhouse-server (the collector's ClickHouse tests start their own).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

want=$(sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' web/Cargo.toml)
if [ -z "$want" ]; then echo "setup: no exact wasm-bindgen version pinned in web/Cargo.toml" >&2; exit 1; fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing wasm-bindgen-cli $want (found: ${have:-none}); this takes several minutes"
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/esbuild ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi

# The example apps depend on the built package (`file:../../pkg`): installed once pkg/ exists
# (`make examples`, run by `make test`, calls this script again after `make pkg`).
for app in examples/vite-app examples/react-spa; do
  if [ -f pkg/package.json ] && { [ ! -e "$app/node_modules/iob-sdk" ] || [ "$app/package-lock.json" -nt "$app/node_modules/.package-lock.json" ]; }; then
    echo "setup: npm ci in $app"
    (cd "$app" && npm ci --no-audit --no-fund)
  fi
done

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "setup: installing chromium and chromium-driver"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
fi

# The collector's ClickHouse backend is tested against a real server, which the
# tests start themselves (scripts/clickhouse.sh): only the binary is needed.
if ! command -v clickhouse-server >/dev/null 2>&1; then
  echo "setup: installing clickhouse-server"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq clickhouse-server
fi
