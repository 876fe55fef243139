#!/usr/bin/env bash
# Load test of the collector on loopback (called by `make bench-collector`).
# Builds the release binary, starts it on 127.0.0.1:0 with a throwaway
# database, then runs the built-in load generator twice:
#   1. maximum throughput (closed loop, BENCH_CONNECTIONS keep-alive connections);
#   2. latency at a fixed 2000 req/s (open loop, latency from scheduled send time).
# Bounded: each phase runs BENCH_SECONDS (default 5 s); everything stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_PER_PHASE="${BENCH_SECONDS:-5}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
FIXED_RATE="${BENCH_RATE:-2000}"

# The workspace release profile is tuned for the wasm size (opt-level z, panic
# abort); a server wants speed and unwinding, so override it for this build.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_PROFILE_RELEASE_PANIC=unwind \
       CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=8
cargo build --release -p iob-collector --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/iob-collector"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

ORIGIN="http://127.0.0.1:8080"
"$BIN" --listen 127.0.0.1:0 --db "$WORK/bench.sqlite" --site "demo=$ORIGIN" \
  --rate 1000000000 --burst 1000000000 >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/stdout" 2>/dev/null && break
  sleep 0.1
done
URL="$(sed -n 's/^iob-collector listening on //p' "$WORK/stdout")"
[ -n "$URL" ] || { echo "collector did not start"; cat "$WORK/stderr"; exit 1; }

echo "collector bench on $(nproc) cores, loopback, SQLite WAL ($URL)"
timeout 60 "$BIN" bench --url "$URL" --origin "$ORIGIN" --seconds "$SECONDS_PER_PHASE" --connections "$CONNECTIONS"
timeout 60 "$BIN" bench --url "$URL" --origin "$ORIGIN" --seconds "$SECONDS_PER_PHASE" --connections "$CONNECTIONS" --rate "$FIXED_RATE"
echo "stored page views: $("$BIN" dump --db "$WORK/bench.sqlite" | wc -l)"
