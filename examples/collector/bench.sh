#!/usr/bin/env bash
# Load test of the collector on loopback (called by `make bench-collector`).
# Builds the release binary, starts it on 127.0.0.1:0 with a throwaway
# database (BENCH_STORAGE=sqlite, the default, or BENCH_STORAGE=clickhouse: a
# throwaway ClickHouse server from scripts/clickhouse.sh on the same machine,
# inserts batched every BENCH_CLICKHOUSE_FLUSH_MS, default the collector's),
# then runs the built-in load generator twice:
#   1. maximum throughput (closed loop, BENCH_CONNECTIONS keep-alive connections);
#   2. latency at a fixed 2000 req/s (open loop, latency from scheduled send time).
# Bounded: each phase runs BENCH_SECONDS (default 5 s); everything stops by itself.
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_PER_PHASE="${BENCH_SECONDS:-5}"
FIXED_RATE="${BENCH_RATE:-2000}"
STORAGE="${BENCH_STORAGE:-sqlite}"
case "$STORAGE" in sqlite|clickhouse) ;; *) echo "BENCH_STORAGE must be sqlite or clickhouse"; exit 2;; esac
# A ClickHouse insert goes out at most every 100 ms, so a request waits up to
# that long: a closed loop then needs connections = rate x latency (1024, the
# generator's most, for ~10 000/s), where SQLite's few-ms commits need 64.
if [ "$STORAGE" = clickhouse ]; then CONNECTIONS="${BENCH_CONNECTIONS:-1024}"; else CONNECTIONS="${BENCH_CONNECTIONS:-64}"; fi

# The workspace release profile is tuned for the wasm size (opt-level z, panic
# abort); a server wants speed and unwinding, so override it for this build.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_PROFILE_RELEASE_PANIC=unwind \
       CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=8
cargo build --release -p iob-collector --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/iob-collector"

WORK="$(mktemp -d)"
SERVER_PID=""
CH_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  # Closing its stdin stops the ClickHouse server (scripts/clickhouse.sh).
  if [ -n "$CH_PID" ]; then exec 7>&-; wait "$CH_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

STORE=(--db "$WORK/bench.sqlite")
DUMP=(--db "$WORK/bench.sqlite")
if [ "$STORAGE" = clickhouse ]; then
  mkfifo "$WORK/ch.in"
  bash scripts/clickhouse.sh run "$WORK/clickhouse" <"$WORK/ch.in" >"$WORK/ch.out" 2>&1 &
  CH_PID=$!
  exec 7>"$WORK/ch.in"
  for _ in $(seq 1 300); do
    grep -q "listening on" "$WORK/ch.out" 2>/dev/null && break
    kill -0 "$CH_PID" 2>/dev/null || break
    sleep 0.1
  done
  CH_URL="$(sed -n 's/^clickhouse listening on //p' "$WORK/ch.out")"
  [ -n "$CH_URL" ] || { echo "clickhouse did not start"; cat "$WORK/ch.out"; exit 1; }
  STORE=(--storage clickhouse --clickhouse-url "$CH_URL" --clickhouse-db bench)
  [ -n "${BENCH_CLICKHOUSE_FLUSH_MS:-}" ] && STORE+=(--clickhouse-flush-ms "$BENCH_CLICKHOUSE_FLUSH_MS")
  DUMP=(--clickhouse-url "$CH_URL" --clickhouse-db bench)
fi

ORIGIN="http://127.0.0.1:8080"
"$BIN" --listen 127.0.0.1:0 "${STORE[@]}" --site "demo=$ORIGIN" \
  --rate 1000000000 --burst 1000000000 >"$WORK/stdout" 2>"$WORK/stderr" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/stdout" 2>/dev/null && break
  sleep 0.1
done
URL="$(sed -n 's/^iob-collector listening on //p' "$WORK/stdout")"
[ -n "$URL" ] || { echo "collector did not start"; cat "$WORK/stderr"; exit 1; }

case "$STORAGE" in
  sqlite) echo "collector bench on $(nproc) cores, loopback, SQLite WAL ($URL)";;
  clickhouse) echo "collector bench on $(nproc) cores, loopback, ClickHouse $(clickhouse-server --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1) at $CH_URL, same machine ($URL)";;
esac
timeout 60 "$BIN" bench --url "$URL" --origin "$ORIGIN" --seconds "$SECONDS_PER_PHASE" --connections "$CONNECTIONS"
timeout 60 "$BIN" bench --url "$URL" --origin "$ORIGIN" --seconds "$SECONDS_PER_PHASE" --connections "$CONNECTIONS" --rate "$FIXED_RATE"
echo "stored page views: $("$BIN" dump "${DUMP[@]}" | wc -l)"
