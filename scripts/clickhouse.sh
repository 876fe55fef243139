#!/usr/bin/env bash
# A throwaway ClickHouse server on loopback, everything inside one directory.
#
#   scripts/clickhouse.sh run DIR [HTTP_PORT [TCP_PORT]]
#
# Writes DIR/config.xml and DIR/users.xml (listen_host 127.0.0.1; every path:
# data, tmp, user files, format schemas, logs, users config, inside DIR),
# starts `clickhouse-server` as a plain process, waits for `/ping`, prints
#   clickhouse listening on http://127.0.0.1:HTTP_PORT
# then keeps it running until its standard input closes (or SIGINT/SIGTERM),
# and stops it. So a caller that pipes stdin (the collector's test fixture)
# stops the server by closing the pipe, and when the caller dies the pipe
# closes and the server stops too: nothing is left behind. Interactive use:
# press Ctrl-D or Ctrl-C. DIR is kept (the data survives a restart), unless
# CLICKHOUSE_CLEANUP=1: then it is deleted once the server has stopped.
#
# Ports default to free ones picked at random (nothing answers on them).
# Used by the collector's tests (tests/common/clickhouse.rs) and
# `make bench-collector BENCH_STORAGE=clickhouse`.
set -euo pipefail

usage() { echo "usage: $0 run DIR [HTTP_PORT [TCP_PORT]]" >&2; exit 2; }
[ "${1:-}" = run ] && [ -n "${2:-}" ] || usage
DIR="$2"
SERVER="$(command -v clickhouse-server || true)"
if [ -z "$SERVER" ]; then
  echo "clickhouse.sh: clickhouse-server is not installed (apt-get install -y clickhouse-server, or make setup)" >&2
  exit 3
fi

# A port nobody listens on (connection refused), below Linux's ephemeral
# range (32768 and up), where outgoing connections could be holding it.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  echo "clickhouse.sh: no free port found" >&2; exit 1
}
HTTP_PORT="${3:-$(free_port)}"
TCP_PORT="${4:-$(free_port)}"

mkdir -p "$DIR"/{data,tmp,user_files,format_schemas,log}
DIR="$(cd "$DIR" && pwd)"
cat >"$DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$DIR/log/clickhouse-server.log</log>
        <errorlog>$DIR/log/clickhouse-server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$HTTP_PORT</http_port>
    <tcp_port>$TCP_PORT</tcp_port>
    <path>$DIR/data/</path>
    <tmp_path>$DIR/tmp/</tmp_path>
    <user_files_path>$DIR/user_files/</user_files_path>
    <format_schema_path>$DIR/format_schemas/</format_schema_path>
    <users_config>$DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <keep_alive_timeout>10</keep_alive_timeout>
</yandex>
EOF
cat >"$DIR/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default></default>
    </quotas>
</yandex>
EOF

"$SERVER" --config-file="$DIR/config.xml" >"$DIR/log/stdout.log" 2>&1 &
PID=$!
stop() {
  if kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  wait "$PID" 2>/dev/null || true
  if [ "${CLICKHOUSE_CLEANUP:-0}" = 1 ]; then rm -rf "$DIR"; fi
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

ping() {
  exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" || return 1
  printf 'GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  grep -q '^Ok\.' <&3
}
for _ in $(seq 1 300); do
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "clickhouse.sh: clickhouse-server exited; last log lines:" >&2
    tail -n 20 "$DIR/log/stdout.log" "$DIR/log/clickhouse-server.err.log" >&2 2>/dev/null || true
    exit 1
  fi
  if (ping) 2>/dev/null; then
    echo "clickhouse listening on http://127.0.0.1:$HTTP_PORT"
    # Until stdin closes: `read` fails at end of input. Backgrounded (with
    # stdin given explicitly: a background job otherwise reads /dev/null) so
    # the traps run as soon as a signal arrives.
    (while read -r _; do :; done) <&0 &
    wait $! || true
    exit 0
  fi
  sleep 0.1
done
echo "clickhouse.sh: no answer to /ping on port $HTTP_PORT after 30 s" >&2
exit 1
