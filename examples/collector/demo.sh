#!/usr/bin/env bash
# Demo: the collector serving the script-tag example site and the npm package,
# filled with synthetic visitors, until Ctrl-C. Usage:
#   examples/collector/demo.sh [PORT]        (default 8080; DEMO_VISITORS=300)
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT="${1:-8080}"
ORIGIN="http://127.0.0.1:$PORT"
TOKEN="${IOB_READ_TOKEN:-demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}"
DB="${DEMO_DB:-target/demo.sqlite}"

cargo build -p iob-collector --quiet
BIN="${CARGO_TARGET_DIR:-target}/debug/iob-collector"
rm -f "$DB" "$DB-wal" "$DB-shm"
SERVE=(--serve "/=examples/script-tag")
[ -d pkg ] && SERVE+=(--serve "/pkg=pkg")

"$BIN" --listen "127.0.0.1:$PORT" --db "$DB" --site "demo=$ORIGIN" --read-token "$TOKEN" \
  --rate 2000 --burst 5000 "${SERVE[@]}" &
SERVER_PID=$!
trap 'kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
"$BIN" simulate --url "$ORIGIN" --site demo --origin "$ORIGIN" --visitors "${DEMO_VISITORS:-300}"
echo
echo "example site: $ORIGIN/"
echo "dashboard:    $ORIGIN/dashboard?token=$TOKEN"
echo "read API:     curl -H 'Authorization: Bearer $TOKEN' '$ORIGIN/v1/features?group_by=path'"
echo "Ctrl-C to stop."
wait "$SERVER_PID"
