#!/usr/bin/env bash
# Breakwater chaos benchmark (seed 003's scenario): three gateways on one Redis under steady multi-tenant load, and a
# timeline of failures. Two simulators (`breakwater simulate --no-throttling`) are the primary and the secondary
# region of one upstream; three gateways run bench/chaos/breakwater.yaml (Redis state, fleet-aware breaker,
# idempotent sendMail, retries, health checks, failover and failback); bench/chaos/chaos.py sends 60 requests/s from
# 20 tenants (7 reads, 3 writes with a fresh Idempotency-Key in 10) on a fixed schedule, each tenant pinned to one
# gateway, and runs the phases:
#
#   warmup 5 s (not counted) → baseline 30 s
#   → gateway-kill 40 s: SIGKILL gateway 2; its clients go to the next gateway; it starts again at 15 s
#   → redis-restart 40 s: SIGKILL redis-server, started again on the same port at 10 s (append-only file, fsync
#     always: a restart, not a loss of data)
#   → upstream-timeout 45 s: both regions answer after 2 s (the attempt timeout is 1 s) for 20 s (simulator latency,
#     POST /_sim/config)
#   → primary-region 60 s: SIGKILL the primary simulator, started again on its port at 20 s (failback)
#
# About 4 minutes of load, 5 in all. Writes the raw logs to bench/out/chaos/ and rewrites docs/benchmarks/chaos.md
# from this run (bench/chaos/report.py): per phase the answers by status and code, writes executed more than once (the
# simulators' own per-key counters), the time to recover, and what the gateways' admin APIs showed.
#
# Run from the repository root:  bench/chaos.sh
#
# Overridable (env):  BENCH_REBUILD (unset; 1 rebuilds the jar even when it exists)
#                     BENCH_DOC (docs/benchmarks/chaos.md) where the report goes
#                     CHAOS_RATE (60), CHAOS_TENANTS (20), CHAOS_WARMUP (5) and the phases' seconds CHAOS_BASELINE
#                     (30), CHAOS_GATEWAY_KILL (40), CHAOS_REDIS_RESTART (40), CHAOS_UPSTREAM_TIMEOUT (45),
#                     CHAOS_PRIMARY_REGION (60); JAVA (java), MVN (./mvnw)
# Needs: a JDK 17+, redis-server and redis-cli (7.x), python3 (stdlib only), curl. Every server runs on a free
# loopback port (never 6379) with its files in a temporary directory and is stopped on exit; nothing else is touched.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

JAVA=${JAVA:-java}
JAR=breakwater-cli/target/breakwater.jar
OUT=bench/out/chaos
DOC=${BENCH_DOC:-docs/benchmarks/chaos.md}
JAVA_OPTS="-Xms64m -Xmx256m -XX:+UseParallelGC -XX:TieredStopAtLevel=1"
TOKEN=bench-admin-token-0123456789
GATEWAYS=3

for tool in redis-server redis-cli python3 curl "$JAVA"; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
if [[ ! -f "$JAR" || -n "${BENCH_REBUILD:-}" ]]; then
  echo "== building $JAR"
  mvn_try -DskipTests -Dfuzz.skip=true -pl breakwater-cli -am package
fi

TMP=$(mktemp -d /tmp/bw-chaos.XXXXXX)
# Every process this script starts writes its pid to $TMP/*.pid (the helpers below too); all are stopped on exit.
signal_all() { # SIGNAL: to every process with a pid file
  local f pid
  for f in "$TMP"/*.pid; do
    pid=$(cat "$f" 2>/dev/null || true)
    [[ -n "$pid" ]] && kill "-$1" "$pid" 2>/dev/null || true
  done
}
cleanup() {
  signal_all TERM
  sleep 1
  signal_all KILL # whatever did not stop within a second
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

REDIS_PORT=$(free_port)
PRIMARY_PORT=$(free_port)
SECONDARY_PORT=$(free_port)
GW_PORTS=() ADMIN_PORTS=()
for _ in $(seq "$GATEWAYS"); do
  GW_PORTS+=("$(free_port)")
  ADMIN_PORTS+=("$(free_port)")
done
ALL_PORTS=("$REDIS_PORT" "$PRIMARY_PORT" "$SECONDARY_PORT" "${GW_PORTS[@]}" "${ADMIN_PORTS[@]}")
if [[ $(printf '%s\n' "${ALL_PORTS[@]}" | sort -u | wc -l) -ne ${#ALL_PORTS[@]} ]]; then
  echo "free_port gave the same port twice (${ALL_PORTS[*]}); run again" >&2
  exit 1
fi

# The helpers the timeline runs (and this script, for the first start). A start refuses a port something else
# listens on, waits until the process answers (30 s at most) and prints its log if it does not.
port_free_check() {
  cat <<SH
if (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; then
  echo "port $1 is taken by another process: cannot start $2 there" >&2
  exit 1
fi
SH
}
ready_wait() { # NAME CHECK-COMMAND LOG
  cat <<SH
for _ in \$(seq 300); do
  $2 && exit 0
  sleep 0.1
done
echo "$1 did not come up; its log:" >&2
tail -50 "$3" >&2
exit 1
SH
}

mkdir -p "$TMP/redis" "$TMP/cmd"
{
  port_free_check "$REDIS_PORT" redis-server
  echo "redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always \\"
  echo "  --dir '$TMP/redis' --daemonize yes --pidfile '$TMP/redis.pid' --logfile '$TMP/redis.log'"
  ready_wait redis-server "[[ \"\$(redis-cli -p $REDIS_PORT ping 2>/dev/null)\" == PONG ]]" "$TMP/redis.log"
} > "$TMP/cmd/start-redis.sh"
echo "kill -9 \$(cat '$TMP/redis.pid'); rm -f '$TMP/redis.pid'" > "$TMP/cmd/kill-redis.sh"

for region in primary secondary; do
  port=$([[ $region == primary ]] && echo "$PRIMARY_PORT" || echo "$SECONDARY_PORT")
  {
    port_free_check "$port" "the $region simulator"
    echo "'$JAVA' $JAVA_OPTS -jar '$PWD/$JAR' simulate --host 127.0.0.1 --port $port --no-throttling \\"
    echo "  >> '$TMP/$region.log' 2>&1 &"
    echo "echo \$! > '$TMP/$region.pid'"
    ready_wait "the $region simulator" "curl -sf -o /dev/null http://127.0.0.1:$port/health" "$TMP/$region.log"
  } > "$TMP/cmd/start-$region.sh"
  echo "kill -9 \$(cat '$TMP/$region.pid')" > "$TMP/cmd/kill-$region.sh"
done

for i in $(seq 0 $((GATEWAYS - 1))); do
  {
    port_free_check "${GW_PORTS[$i]}" "gateway $i"
    port_free_check "${ADMIN_PORTS[$i]}" "gateway $i's admin listener"
    echo "BW_PORT=${GW_PORTS[$i]} BW_ADMIN_PORT=${ADMIN_PORTS[$i]} BW_ADMIN_TOKEN=$TOKEN BW_REDIS_PORT=$REDIS_PORT \\"
    echo "  BW_PRIMARY_PORT=$PRIMARY_PORT BW_SECONDARY_PORT=$SECONDARY_PORT \\"
    echo "  '$JAVA' $JAVA_OPTS -jar '$PWD/$JAR' run --config '$PWD/bench/chaos/breakwater.yaml' >> '$TMP/gw$i.log' 2>&1 &"
    echo "echo \$! > '$TMP/gw$i.pid'"
    ready_wait "gateway $i" "curl -sf -o /dev/null http://127.0.0.1:${ADMIN_PORTS[$i]}/health/ready" "$TMP/gw$i.log"
  } > "$TMP/cmd/start-gw$i.sh"
  echo "kill -9 \$(cat '$TMP/gw$i.pid')" > "$TMP/cmd/kill-gw$i.sh"
done

echo "== starting redis-server (:$REDIS_PORT), the two regions (:$PRIMARY_PORT, :$SECONDARY_PORT) and $GATEWAYS gateways (${GW_PORTS[*]})"
bash "$TMP/cmd/start-redis.sh"
bash "$TMP/cmd/start-primary.sh" & bash "$TMP/cmd/start-secondary.sh" & wait
for i in $(seq 0 $((GATEWAYS - 1))); do
  bash "$TMP/cmd/start-gw$i.sh"
done

MACHINE=$(machine_info breakwater-*/src/main bench/chaos bench/chaos.sh)
MACHINE+=$'\n'"redis-server --version: $(redis-server --version)"

rm -rf "$OUT"
mkdir -p "$OUT"
python3 - "$TMP/setup.json" "$TMP/cmd" "$OUT" "$TOKEN" "$PRIMARY_PORT" "$SECONDARY_PORT" \
  "${GW_PORTS[*]}" "${ADMIN_PORTS[*]}" <<'PY'
import json, sys
path, cmd, out, token, primary, secondary, gws, admins = sys.argv[1:9]
json.dump({"cmd_dir": cmd, "out": out, "token": token,
           "simulators": {"primary": int(primary), "secondary": int(secondary)},
           "gateways": [int(p) for p in gws.split()], "admins": [int(p) for p in admins.split()]}, open(path, "w"))
PY

echo "== load and the failure timeline (about 4 minutes)"
# In the background and waited for, so that a signal to this script runs the cleanup at once (bash runs traps only
# between foreground commands); its pid file makes the cleanup stop it too.
timeout 900 python3 bench/chaos/chaos.py "$TMP/setup.json" > "$OUT/timeline.txt" 2>&1 &
echo $! > "$TMP/load.pid"
tail -f --pid="$(cat "$TMP/load.pid")" "$OUT/timeline.txt" &
wait "$(cat "$TMP/load.pid")" || { echo "the load and timeline failed (exit $?); see above" >&2; exit 1; }

for f in "$TMP"/*.log; do cp "$f" "$OUT/"; done
echo "$MACHINE" > "$OUT/machine.txt"
echo "load average at the end (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/machine.txt"
python3 bench/chaos/report.py "$OUT" "$DOC"
