#!/usr/bin/env bash
# Breakwater Redis benchmarks, every figure against a peer measured in the same run, on loopback; rewrites
# docs/benchmarks/redis.md from this run.
#
#   1. Redis commands per rate-limit decision, 1/2/3 limits (MONITOR and INFO commandstats)
#   2. decisions/s, tryAcquireAllAsync with 50 in flight, vs redis-benchmark -c 50 EVALSHA of the same gcra.lua
#   3. one contended key, 8 threads: Breakwater vs Bucket4j 8.14 LettuceBasedProxyManager (CAS)
#   4. leasing: Redis calls per decision with and without, and over-admission of a saturated limit, 4 instances
#   5. idempotency reserve p99 vs raw SET NX p99
#   6. throttle-gate propagation delay between two instances
#   7. commands per decision on a 3-master Redis Cluster (6 nodes)
#
# Run from the repository root:  bench/redis.sh            (about 3 minutes; builds first)
#
# Overridable (env):  BENCH_SKIP_BUILD (unset; 1 reuses breakwater-bench/target/benchmarks.jar)
#                     BENCH_SKIP_CLUSTER (unset; 1 skips measurement 7)
#                     BENCH_RAW_DIR (unset; a directory to keep the raw key=value outputs in)
#                     JAVA (java), MVN (./mvnw)
# Needs: a JDK 17+, redis-server, redis-cli and redis-benchmark (7.x) on PATH, python3 (stdlib only).
# Never touches a Redis it did not start: every server runs on a free loopback port in a temporary directory and is
# stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh

JAVA=${JAVA:-java}
MVN=${MVN:-./mvnw}
JAR=breakwater-bench/target/benchmarks.jar
DOC=docs/benchmarks/redis.md
GCRA=breakwater-redis/src/main/resources/dev/breakwater/redis/internal/gcra.lua
PKG=dev.breakwater.bench.redis

for tool in redis-server redis-cli redis-benchmark python3 "$JAVA"; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/bw-redis-bench.XXXXXX)
RAW=$TMP/raw
mkdir -p "$RAW"
PIDFILES=()

cleanup() {
  local pf pid
  for pf in ${PIDFILES[@]+"${PIDFILES[@]}"}; do
    if [[ -f "$pf" ]]; then
      pid=$(cat "$pf")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  if [[ -n "${BENCH_RAW_DIR:-}" && -d "$RAW" ]]; then
    mkdir -p "$BENCH_RAW_DIR" && cp -r "$RAW"/. "$BENCH_RAW_DIR"/ || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

# start_redis <port> <name> [extra redis-server args...]
start_redis() {
  local port=$1 name=$2
  shift 2
  local dir=$TMP/$name
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" "$@"
  PIDFILES+=("$dir/redis.pid")
  for _ in $(seq 100); do
    if [[ "$(redis-cli -p "$port" ping 2>/dev/null)" == "PONG" ]]; then
      return 0
    fi
    sleep 0.05
  done
  echo "redis-server on $port did not start; log:" >&2
  cat "$dir/redis.log" >&2
  exit 1
}

# CPU accounting per measurement, so that load from other processes on the machine shows in the report: all CPUs'
# busy time from /proc/stat, against ours (the measured client, from the shell's children rusage, plus every
# redis-server we started, from INFO cpu). SRV_PORTS lists the servers to account.
SRV_PORTS=()
HZ=$(getconf CLK_TCK)
busy_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
srv_cpu_all() {
  local p s=0
  for p in ${SRV_PORTS[@]+"${SRV_PORTS[@]}"}; do
    s=$(redis-cli -p "$p" info cpu | tr -d '\r' \
      | awk -F: -v s="$s" '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.4f", s}')
  done
  echo "$s"
}
# User + sys seconds of the shell's finished children. `times` must run in this shell, not in a $(...) subshell
# (a forked subshell starts with no children), so it writes to a file that is parsed afterwards.
children_cpu_file() {
  tail -n1 "$1" | awk '{s = 0; for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); s += a[1] * 60 + a[2]}
    printf "%.3f", s}'
}
probe_start() {
  P_B0=$(busy_jiffies); P_S0=$(srv_cpu_all); P_T0=$(date +%s.%N)
  times > "$TMP/times0"
}
probe_end() { # probe_end <name>
  local c0 c1 t1 s1 b1
  times > "$TMP/times1"
  t1=$(date +%s.%N); s1=$(srv_cpu_all); b1=$(busy_jiffies)
  c0=$(children_cpu_file "$TMP/times0"); c1=$(children_cpu_file "$TMP/times1")
  python3 - "$1" "$P_T0" "$t1" "$P_B0" "$b1" "$HZ" "$c0" "$c1" "$P_S0" "$s1" >> "$RAW/load.txt" <<'PY'
import sys
n, t0, t1, b0, b1, hz, c0, c1, s0, s1 = sys.argv[1], *map(float, sys.argv[2:])
wall = t1 - t0
busy = (b1 - b0) / hz / wall
ours = ((c1 - c0) + (s1 - s0)) / wall
print("load.%s.wall_s=%.3f load.%s.busy_cores=%.3f load.%s.ours_cores=%.3f load.%s.others_cores=%.3f"
      % (n, wall, n, busy, n, ours, n, max(0.0, busy - ours)))
PY
}

run_main() { # run_main <class> <output file> args...
  local cls=$1 out=$2
  shift 2
  echo "   java $cls $*"
  probe_start
  "$JAVA" -cp "$JAR" "$PKG.$cls" "$@" > "$RAW/$out"
  probe_end "${out%.txt}"
}


if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "== building (breakwater-bench and the modules it needs)"
  mvn_try package -DskipTests -pl breakwater-bench -am
fi
[[ -f "$JAR" ]] || { echo "missing $JAR" >&2; exit 1; }

echo "== machine"
{
  machine_info breakwater-redis breakwater-core
  echo "redis-server --version: $(redis-server --version)"
  echo "redis-benchmark --version: $(redis-benchmark --version 2>/dev/null || echo unknown)"
} > "$RAW/machine.txt"
cat "$RAW/machine.txt"

PORT=$(free_port)
echo "== redis-server on 127.0.0.1:$PORT"
start_redis "$PORT" standalone
SRV_PORTS=("$PORT")
flush() { redis-cli -p "$PORT" flushall >/dev/null; redis-cli -p "$PORT" config resetstat >/dev/null; }

echo "== 1. commands per decision"
run_main CommandsPerDecision cpd.txt --port "$PORT" --decisions 10000

echo "== 2. decisions/s: Breakwater async (50 in flight) vs redis-benchmark -c 50"
SHA=$(redis-cli -p "$PORT" -x script load < "$GCRA")
FILE_SHA=$(sha1sum "$GCRA" | cut -d' ' -f1)
[[ "$SHA" == "$FILE_SHA" ]] || { echo "SCRIPT LOAD gave $SHA, file is $FILE_SHA" >&2; exit 1; }
srv_cpu() { redis-cli -p "$PORT" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.4f", s}'; }
redis_bench() { # redis_bench <run>
  flush
  local c0 c1
  c0=$(srv_cpu)
  echo "   redis-benchmark run $1"
  TIMEFORMAT="rb$1.wall_s=%R rb$1.user_s=%U rb$1.sys_s=%S"
  probe_start
  { time redis-benchmark -p "$PORT" -c 50 -n 200000 -r 100000 --csv \
      EVALSHA "$SHA" 1 'bw:rl:{t__rand_int__}:tenant:t__rand_int__' 1 1.0 1000000 > "$RAW/rb$1.csv" ; } \
    2> "$RAW/rb$1.time"
  probe_end "rb$1"
  c1=$(srv_cpu)
  echo "rb$1.server_cpu_s=$(python3 -c "print(round($c1 - $c0, 4))")" >> "$RAW/rb$1.time"
}
redis_bench 1
flush
run_main Throughput tput.txt --port "$PORT" --concurrency 50 --requests 200000 --warmup 50000 --keyspace 100000
redis_bench 2

echo "== 3 and 4a. one contended key, 8 threads: Bucket4j CAS, Breakwater, Breakwater with leasing"
for impl in b4j bw bw-lease; do
  flush
  run_main Contended "cont-$impl.txt" --port "$PORT" --impl "$impl" --threads 8 --seconds 5 --warmup 2 \
    --monitor-seconds 1 --lease-tokens 20 --lease-ttl-ms 100
done

echo "== 4b. over-admission, 4 instances x 2 threads, 1000/s burst 100, 5 s"
for mode in lease plain; do
  flush
  run_main OverAdmission "over-$mode.txt" --port "$PORT" --mode "$mode" --instances 4 --threads 2 --seconds 5 \
    --rate 1000 --burst 100 --lease-tokens 20 --lease-ttl-ms 100
done

echo "== 5. idempotency reserve vs SET NX"
flush
run_main IdempotencyLatency idem.txt --port "$PORT" --n 40000 --warmup 5000 --block 1000

echo "== 6. throttle-gate propagation"
flush
run_main GatePropagation gate.txt --port "$PORT" --n 200 --warmup 3000

if [[ -z "${BENCH_SKIP_CLUSTER:-}" ]]; then
  echo "== 7. Redis Cluster: 3 masters + 3 replicas"
  CPORTS=()
  for i in 1 2 3 4 5 6; do
    p=$(free_port bus)
    while [[ " ${CPORTS[*]:-} " == *" $p "* ]]; do p=$(free_port bus); done
    CPORTS+=("$p")
    start_redis "$p" "node$i" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000
  done
  NODES=()
  for p in "${CPORTS[@]}"; do NODES+=("127.0.0.1:$p"); done
  redis-cli --cluster create "${NODES[@]}" --cluster-replicas 1 --cluster-yes > "$TMP/cluster-create.log" 2>&1 \
    || { cat "$TMP/cluster-create.log" >&2; exit 1; }
  # Ready when every node sees the cluster ok, with 3 masters holding slots and 3 replicas (right after create, the
  # replicas still show as empty masters for a moment).
  for _ in $(seq 150); do
    ok=1
    for p in "${CPORTS[@]}"; do
      redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || ok=0
      [[ $(redis-cli -p "$p" cluster nodes | awk '$3 ~ /slave/' | wc -l) == 3 ]] || ok=0
    done
    [[ $ok == 1 ]] && break
    sleep 0.1
  done
  [[ $ok == 1 ]] || { echo "cluster did not settle (3 masters, 3 replicas, cluster_state:ok)" >&2; exit 1; }
  SRV_PORTS=("$PORT" "${CPORTS[@]}")
  MASTERS=$(redis-cli -p "${CPORTS[0]}" cluster nodes \
    | awk '$3 ~ /master/ && NF >= 9 {split($2, a, "[:@]"); print a[2]}' | paste -sd, -)
  [[ $(tr ',' '\n' <<< "$MASTERS" | wc -l) == 3 ]] || { echo "expected 3 masters, got $MASTERS" >&2; exit 1; }
  SEEDS=$(IFS=,; echo "${CPORTS[*]}")
  sleep 1 # let the replicas finish their first sync
  run_main CommandsPerDecision cluster.txt --cluster "$SEEDS" --masters "$MASTERS" --decisions 10000
fi

echo "load average at end (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/machine.txt"

echo "== writing $DOC"
mkdir -p "$(dirname "$DOC")"
python3 - "$RAW" "$DOC" <<'PY'
import csv, glob, os, re, sys

raw, doc = sys.argv[1], sys.argv[2]

# ---- inputs -------------------------------------------------------------------------------------------------
V = {}
for path in sorted(glob.glob(os.path.join(raw, "*.txt"))) + sorted(glob.glob(os.path.join(raw, "*.time"))):
    if path.endswith("machine.txt"):
        continue
    with open(path) as f:
        for tok in f.read().split():
            if "=" in tok:
                k, v = tok.split("=", 1)
                V[k] = v
for run in ("1", "2"):
    with open(os.path.join(raw, "rb%s.csv" % run)) as f:
        rows = list(csv.reader(f))
    hdr, row = rows[0], rows[1]
    for h, x in zip(hdr[1:], row[1:]):
        V["rb%s.%s" % (run, h)] = x
with open(os.path.join(raw, "machine.txt")) as f:
    machine = f.read().rstrip()

def g(k, default=None):
    if k not in V:
        if default is not None:
            return default
        raise KeyError(k)
    return float(V[k])

def has(k):
    return k in V

def verdict(ok):
    return "**MET**" if ok else "**MISSED**"

def f0(x): return "{:,.0f}".format(x)
def f1(x): return "{:,.1f}".format(x)
def f2(x): return "{:,.2f}".format(x)
def f3(x): return "{:,.3f}".format(x)
def f4(x): return "{:,.4f}".format(x)

lines = []
w = lines.append
targets = []   # (target, measured, verdict, cause, others' CPU)

w("# Redis benchmarks")
w("")
w("Generated by `bench/redis.sh` (do not edit by hand; rerun the script). Every figure comes from one run on "
  "loopback, against a peer measured in the same run on the same `redis-server` (started by the script on a free "
  "port, no persistence). Breakwater runs in-JVM (`breakwater-bench/target/benchmarks.jar`, package "
  "`dev.breakwater.bench.redis`) on the same machine as `redis-server` and the peers: on 2 CPUs the client and the "
  "server compete for the same cores, so CPU seconds are reported next to the rates.")
w("")
w("## Machine")
w("")
w("```")
w(machine)
w("```")
w("")
PHASES = [("cpd", "1. commands per decision"), ("rb1", "2. redis-benchmark run 1"), ("tput", "2. Breakwater async"),
          ("rb2", "2. redis-benchmark run 2"), ("cont-b4j", "3. Bucket4j, contended"),
          ("cont-bw", "3/4. Breakwater, contended"), ("cont-bw-lease", "4. Breakwater leasing, contended"),
          ("over-lease", "4. over-admission, leasing"), ("over-plain", "4. over-admission, no leasing"),
          ("idem", "5. idempotency"), ("gate", "6. gate propagation"), ("cluster", "7. Cluster")]
NOISE = 0.2
w("CPU during each measurement (JVM start-up and warm-up included): all CPUs' busy time from `/proc/stat`, the "
  "part that is ours (the measured client's rusage + the `redis-server`s this script started, from `INFO cpu`), and "
  "the rest, used by other processes on the machine. Above %.1f of a core the row is marked: its figures were "
  "taken with someone else using the CPUs." % NOISE)
w("")
w("| measurement | wall s | cores busy | ours | others |")
w("|---|---:|---:|---:|---:|")
def others(ph):
    return g("load.%s.others_cores" % ph, -1.0)
for ph, label in PHASES:
    if not has("load.%s.wall_s" % ph):
        continue
    o = others(ph)
    w("| %s | %s | %s | %s | %s%s |" % (label, f1(g("load.%s.wall_s" % ph)), f2(g("load.%s.busy_cores" % ph)),
        f2(g("load.%s.ours_cores" % ph)), f2(o), " **(disturbed)**" if o > NOISE else ""))
w("")
def disturbed(*phs):
    xs = [others(p) for p in phs if has("load.%s.wall_s" % p)]
    if not xs:
        return "n/a"
    m = max(xs)
    return "%s%s" % (f2(m), " **(disturbed)**" if m > NOISE else "")

# ---- 1. commands per decision ---------------------------------------------------------------------------------
def cpd_table(prefix, cases, title_note):
    w("| limits | decisions | client-sent commands / decision (MONITOR) | of which | inside the script / decision "
      "| INFO commandstats sum / decision | heartbeat scripts in the window |")
    w("|---|---:|---:|---|---:|---:|---:|")
    for c, label in cases:
        q = "%s.%s" % (prefix, c)
        if not has(q + ".decisions"):
            continue
        n = g(q + ".decisions")
        tops = sorted((k[len(q) + 5:], int(g(k))) for k in V if k.startswith(q + ".top."))
        ins = sorted((k[len(q) + 11:], int(g(k))) for k in V if k.startswith(q + ".in_script."))
        w("| %s | %s | **%s** | %s | %s (%s) | %s | %d |" % (
            label, f0(n), f4(g(q + ".top_level_per_decision")),
            ", ".join("%s %s" % (k.upper(), f0(v)) for k, v in tops),
            f4(g(q + ".in_script_per_decision")), ", ".join("%s %s" % (k.upper(), f0(v)) for k, v in ins),
            f4(g(q + ".commandstats_per_decision")), int(g(q + ".heartbeats"))))
    w("")

w("## 1. Redis commands per rate-limit decision")
w("")
w("`CommandsPerDecision`: one `RedisState` on standalone Redis, `rateLimitStore().tryAcquireAll(limits, keys, 1)` "
  "called sequentially on 1000 tenants, each limit 1,000,000/s (every decision admitted, so the whole script runs). "
  "1 limit = TENANT; 2 = TENANT + USER; 3 = TENANT + USER + TENANT_OPERATION (keys as `RateLimitScope.key`). "
  "After an untimed pass over the same keys, `CONFIG RESETSTAT`, then the decisions between two `ECHO` markers.")
w("")
w("* **client-sent commands (MONITOR)**: every command the node executed, read through `MONITOR`, without the "
  "harness's own and without the commands a script ran inside Redis (`[0 lua]`); Breakwater's heartbeat script "
  "(every 2 s) is counted apart. This is the number of round trips.")
w("* **INFO commandstats sum**: the method of the issue (sum of every `cmdstat_*` calls minus INFO/CONFIG), which "
  "in Redis 7 also counts each `redis.call` made *inside* a script (`TIME`, one `GET` and one `SET` per bucket), "
  "so it reads 2 + 2 x limits for one EVALSHA.")
w("")
cpd_table("cpd", [("l1", "1 (TENANT)"), ("l2", "2 (+USER)"), ("l3", "3 (+TENANT_OPERATION)")], "")
w("Cold start (after `SCRIPT FLUSH`, first decision): %d commands (%s): the `EVALSHA` answered `NOSCRIPT` and the "
  "`EVAL` that loads the script; a one-off per server (restart, failover, `SCRIPT FLUSH`)." % (
      int(g("cpd.cold.top_level")),
      ", ".join("%s %d" % (k[len("cpd.cold.top."):].upper(), int(g(k))) for k in sorted(V)
                if k.startswith("cpd.cold.top."))))
w("")
ok1 = all(g("cpd.%s.top_level" % c) == g("cpd.%s.decisions" % c) and
          g("cpd.%s.top.evalsha" % c, 0) == g("cpd.%s.decisions" % c) for c in ("l1", "l2", "l3"))
targets.append(("1 Redis command (one EVALSHA) per decision, 1/2/3 limits",
                "%s / %s / %s client-sent commands per decision, all EVALSHA; cold start: EVALSHA + EVAL once "
                "(the commandstats sum reads %s / %s / %s: it adds the script's own TIME/GET/SET)" % (
                    f4(g("cpd.l1.top_level_per_decision")), f4(g("cpd.l2.top_level_per_decision")),
                    f4(g("cpd.l3.top_level_per_decision")), f2(g("cpd.l1.commandstats_per_decision")),
                    f2(g("cpd.l2.commandstats_per_decision")), f2(g("cpd.l3.commandstats_per_decision"))),
                verdict(ok1),
                "" if ok1 else "client-sent commands differ from one EVALSHA per decision (see table 1)"))

# ---- 2. throughput ---------------------------------------------------------------------------------------------
bw_rate = g("tput.bw.rate")
rb1, rb2 = g("rb1.rps"), g("rb2.rps")
rb_mean = (rb1 + rb2) / 2
ratio2 = bw_rate / rb_mean
bw_s = g("tput.bw.seconds")
bw_n = g("tput.bw.requests")
rb_n = 200000.0
w("## 2. Decisions per second: Breakwater async vs `redis-benchmark`")
w("")
w("Both run Breakwater's own `gcra.lua` (loaded with `SCRIPT LOAD`, SHA checked against the file) with one TENANT "
  "bucket of 1,000,000/s, burst 1,000,000 (every call admitted) on **random keys**: `redis-benchmark -r 100000` "
  "expands `__rand_int__` to a 12-digit number, and Breakwater draws tenants `t%012d` from the same 100,000, so the "
  "keys have the same shape (`bw:rl:{t000000012345}:tenant:t000000012345`) and every call does the same work "
  "(a bucket expires 2 ms after its last use, so nearly every call creates it).")
w("")
w("* **Breakwater** (`Throughput`): `rateLimitStore().tryAcquireAllAsync` with **50 decisions in flight** on its "
  "one Lettuce connection (one issuing thread takes a slot from a semaphore, the completion frees it); 200,000 "
  "timed decisions after 50,000 untimed.")
w("* **redis-benchmark**: `-c 50 -n 200000 -r 100000 EVALSHA <sha> 1 bw:rl:{t__rand_int__}:tenant:t__rand_int__ "
  "1 1.0 1000000`: 50 connections, one command in flight on each (no pipelining). Run once before and once after "
  "Breakwater; the peer figure is their mean.")
w("* The shapes differ on purpose: Breakwater shares one connection per `RedisState`, so with 50 in flight Lettuce "
  "writes several commands per flush and `redis-server` reads several per `read()`; redis-benchmark's 50 "
  "connections cost the server one read and one write per command. That is how each is deployed, so it is part "
  "of the comparison.")
w("")
w("| client | decisions/s | wall s | client CPU s | redis-server CPU s | client CPU us / decision | "
  "server CPU us / decision | total CPU / wall (cores busy, of %s) |" % re.search(r"nproc: (\d+)", machine).group(1))
w("|---|---:|---:|---:|---:|---:|---:|---:|")
def cpu_row(label, rate, wall, ccpu, scpu, n):
    w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (label, f0(rate), f2(wall), f2(ccpu), f2(scpu),
        f1(ccpu / n * 1e6), f1(scpu / n * 1e6), f2((ccpu + scpu) / wall)))
cpu_row("Breakwater, 1 connection, 50 in flight", bw_rate, bw_s, g("tput.bw.jvm_cpu_s"),
        g("tput.bw.server_cpu_s"), bw_n)
for r in ("1", "2"):
    cpu_row("redis-benchmark run %s, 50 connections" % r, g("rb%s.rps" % r), g("rb%s.wall_s" % r),
            g("rb%s.user_s" % r) + g("rb%s.sys_s" % r), g("rb%s.server_cpu_s" % r), rb_n)
w("")
w("redis-benchmark latency (ms, run 1 / run 2): p50 %s / %s, p99 %s / %s. Breakwater decisions admitted: %s of %s; "
  "decided on local fallback state: %d." % (V["rb1.p50_latency_ms"], V["rb2.p50_latency_ms"],
    V["rb1.p99_latency_ms"], V["rb2.p99_latency_ms"], f0(g("tput.bw.admitted")), f0(bw_n),
    int(g("tput.bw.degraded_decisions"))))
w("")
ok2 = ratio2 >= 0.5
cause2 = ""
if not ok2:
    cause2 = ("the JVM spends %s us of CPU per decision against redis-benchmark's %s us; on %s CPUs shared with "
              "redis-server the client side bounds the rate" % (
                  f1(g("tput.bw.jvm_cpu_s") / bw_n * 1e6),
                  f1((g("rb1.user_s") + g("rb1.sys_s")) / rb_n * 1e6), re.search(r"nproc: (\d+)", machine).group(1)))
targets.append(("Breakwater decisions/s >= 0.5x redis-benchmark's (same script, -c 50)",
                "%s vs %s/s (mean of %s and %s): **%sx**" % (f0(bw_rate), f0(rb_mean), f0(rb1), f0(rb2), f2(ratio2)),
                verdict(ok2), cause2))

# ---- 3. contended key vs Bucket4j ------------------------------------------------------------------------------
def cont_row(impl, label):
    p = "cont." + impl
    tops = sorted((k[len(p) + 13:], int(g(k))) for k in V if k.startswith(p + ".monitor.top."))
    w("| %s | %s | %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s / %s |" % (
        label, f0(g(p + ".rate")), f1(g(p + ".p50_us")), f1(g(p + ".p90_us")), f1(g(p + ".p99_us")),
        f1(g(p + ".p999_us")), f1(g(p + ".max_us")), f3(g(p + ".scripts_per_decision")),
        f3(g(p + ".monitor.top_level_per_decision")), ", ".join("%s %s" % (k.upper(), f0(v)) for k, v in tops),
        f2((g(p + ".jvm_cpu_s") + g(p + ".server_cpu_s")) / g(p + ".seconds")),
        f0(g(p + ".admitted")), f0(g(p + ".decisions"))))

w("## 3. One contended key: Breakwater vs Bucket4j's Lettuce proxy manager")
w("")
w("`Contended`: 8 threads call a synchronous decision on **one shared bucket** back to back for 5 s (after 2 s of "
  "warm-up); each call's latency is recorded (per-thread arrays, sorted). One Lettuce connection each.")
w("")
w("* **Breakwater**: `rateLimitStore().tryAcquire(limit, \"hot\", 1)`, limit 1,000,000/s, burst 1,000,000.")
w("* **Bucket4j 8.14** (`bucket4j_jdk17-lettuce`): `Bucket4jLettuce.casBasedBuilder(connection)` "
  "(`LettuceBasedProxyManager`, compare-and-swap: `GET` the state, then an `EVAL` of a compare-and-swap script, "
  "retried from the `GET` when another client changed the state meanwhile), expiry "
  "`basedOnTimeForRefillingBucketUpToMax(10 s)`, bucket capacity 1,000,000 refilled greedily by 1,000,000/s; "
  "`bucket.tryConsume(1)`.")
w("* Both limits are **equal and far above the offered load**: every call is admitted (last column), so both do "
  "their full admit path.")
w("* Scripts / decision: `EVALSHA` + `EVAL` calls from INFO commandstats over the timed window. Client-sent "
  "commands / decision: an extra, untimed 1 s run under `MONITOR` (MONITOR slows the server, so no timing is taken "
  "from it).")
w("")
w("| client | decisions/s | p50 us | p90 us | p99 us | p99.9 us | max us | scripts / decision | client-sent commands / "
  "decision (MONITOR) | cores busy | admitted / decisions |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
cont_row("b4j", "Bucket4j CAS")
cont_row("bw", "Breakwater")
w("")
tr = g("cont.bw.rate") / g("cont.b4j.rate")
p99r = g("cont.b4j.p99_us") / g("cont.bw.p99_us")
w("Breakwater / Bucket4j: **%sx** the decisions/s; Bucket4j's p99 is **%sx** Breakwater's. Bucket4j sends %s "
  "commands per decision (a `GET` and an `EVAL` per attempt: %s attempts per admitted call), each `EVAL` carrying "
  "the script's text. Errors: Bucket4j %d, Breakwater %d; Breakwater decisions on local fallback state: %d." % (
    f1(tr), f1(p99r), f2(g("cont.b4j.monitor.top_level_per_decision")),
    f2(g("cont.b4j.scripts_per_decision")), int(g("cont.b4j.errors")), int(g("cont.bw.errors")),
    int(g("cont.bw.degraded_decisions"))))
w("")
targets.append(("one contended key, 8 threads: Breakwater >= 5x Bucket4j CAS decisions/s",
                "%s vs %s/s: **%sx**" % (f0(g("cont.bw.rate")), f0(g("cont.b4j.rate")), f1(tr)),
                verdict(tr >= 5), "" if tr >= 5 else "see table 3"))
targets.append(("... and a lower p99",
                "%s us vs %s us" % (f1(g("cont.bw.p99_us")), f1(g("cont.b4j.p99_us"))),
                verdict(g("cont.bw.p99_us") < g("cont.b4j.p99_us")), ""))

# ---- 4. leasing ------------------------------------------------------------------------------------------------
tokens = int(g("cont.bw-lease.lease_tokens"))
ttl = int(g("cont.bw-lease.lease_ttl_ms"))
plain_spd = g("cont.bw.scripts_per_decision")
lease_spd = g("cont.bw-lease.scripts_per_decision")
cut = plain_spd / lease_spd if lease_spd > 0 else float("inf")
w("## 4. Leasing")
w("")
w("### Redis calls per decision on the contended key")
w("")
w("The single-key load of section 3 (8 threads, one `RedisState`) with `withLeasing(%d, %d ms)` against the "
  "same without leasing. A call that finds no usable lease runs `gcra_lease.lua`, which takes up to %d tokens; the "
  "rest are admitted locally until used or %d ms old. The best possible is 1 script per %d decisions (%s)." % (
      tokens, ttl, tokens, ttl, tokens, f3(1.0 / tokens)))
w("")
w("| client | decisions/s | p50 us | p90 us | p99 us | p99.9 us | max us | scripts / decision | client-sent commands / "
  "decision (MONITOR) | cores busy | admitted / decisions |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
cont_row("bw", "Breakwater, no leasing")
cont_row("bw-lease", "Breakwater, leasing %d / %d ms" % (tokens, ttl))
w("")
w("Cut in Redis calls per decision: %s / %s = **%sx** (best possible %dx). Decisions on local fallback state with "
  "leasing: %d." % (f3(plain_spd), f4(lease_spd), f1(cut), tokens, int(g("cont.bw-lease.degraded_decisions"))))
w("")
if cut < 0.8 * tokens:
    w("Why not %dx: %s scripts per decision means about %s tokens used per grant of %d. When a lease runs out, every "
      "thread that finds it empty at that moment runs its own `gcra_lease.lua` (there is no single flight per "
      "bucket), each grant then *replaces* the lease in the map (`leases.put`, `RedisRateLimitStore.leased`), and "
      "the tokens left in the replaced lease are dropped: charged in Redis, never used. With a tight limit those "
      "dropped tokens are under-admission; here they cost Redis calls." % (
          tokens, f4(lease_spd), f1(1 / lease_spd if lease_spd > 0 else 0), tokens))
    w("")
cause4 = ""
if cut < 10:
    cause4 = ("%s scripts per decision against the ideal %s: when a lease runs out, every thread that finds it "
              "empty runs its own `gcra_lease.lua` (no single flight), and each grant replaces the lease in the map "
              "(`leases.put`), dropping the tokens another thread's grant left in it" % (f4(lease_spd),
                                                                                         f3(1.0 / tokens)))
targets.append(("leasing cuts Redis calls per decision >= 10x (contended key, 8 threads)",
                "%s -> %s scripts per decision: **%sx** (ideal %dx)" % (f3(plain_spd), f4(lease_spd), f1(cut),
                                                                           tokens),
                verdict(cut >= 10), cause4))

w("### Over-admission of a saturated limit, 4 instances")
w("")
w("`OverAdmission`: 4 `RedisState` instances (own connections, as 4 processes would have) x 2 threads call "
  "`tryAcquire` back to back on one TENANT bucket of **1000/s, burst 100** for 5 s: far more often than it admits. "
  "GCRA admits at most `rate x elapsed + burst` (the bucket starts full and unused), elapsed running from the start "
  "barrier to the end of the last call.")
w("")
w("| mode | elapsed s | decisions | admitted | bound (rate x elapsed + burst) | admitted / bound | excess over bound "
  "| decisions on fallback state |")
w("|---|---:|---:|---:|---:|---:|---:|---:|")
for mode, label in (("lease", "leasing %d / %d ms" % (tokens, ttl)), ("plain", "no leasing")):
    p = "over." + mode
    w("| %s | %s | %s | %s | %s | %s %% | %s %% | %d |" % (label, f3(g(p + ".elapsed_s")), f0(g(p + ".decisions")),
        f0(g(p + ".admitted")), f1(g(p + ".bound")), f2(g(p + ".admitted_over_bound_pct")),
        f2(g(p + ".excess_pct")), int(g(p + ".degraded_decisions"))))
w("")
ex = g("over.lease.excess_pct")
cause4b = ""
if ex > 1:
    cause4b = ("admitted %s against a bound of %s; decisions on local fallback state: %d (a fallback decision uses "
               "the limit divided by the live instances, on top of what Redis admitted)" % (
                   f0(g("over.lease.admitted")), f1(g("over.lease.bound")), int(g("over.lease.degraded_decisions"))))
targets.append(("leasing over-admission <= 1 % (4 instances, 1000/s burst 100, 5 s)",
                "%s %% excess (admitted %s of a bound of %s); without leasing %s %%" % (
                    f2(ex), f0(g("over.lease.admitted")), f1(g("over.lease.bound")), f2(g("over.plain.excess_pct"))),
                verdict(ex <= 1), cause4b))

# ---- 5. idempotency --------------------------------------------------------------------------------------------
w("## 5. Idempotency: `reserve` vs raw `SET NX`")
w("")
w("`IdempotencyLatency`: one thread, sequential, every key new; %s timed calls of each (after 5,000 untimed), the "
  "series alternating in blocks of 1,000. All three go through a Lettuce async command completed with `join()`, "
  "String keys and byte[] values, on standalone Redis." % f0(g("idem.n")))
w("")
w("* **reserve**: `idempotencyStore(ValueCodec.utf8()).reserve(key, fingerprint, 30 s)` (SHA-256 of the "
  "fingerprint, then one `SET key <record> NX PX <lease> GET`: nothing there means reserved, else the record read "
  "back says replay, conflict or mismatch; servers before Redis 7.0 get `idem_reserve.lua` instead).")
w("* **SET NX**: raw `SET key <65-byte record> NX PX 30000` on a plain Lettuce connection.")
w("* **raw EVALSHA**: `idem_reserve.lua`, the script servers before Redis 7.0 get, sent by raw Lettuce on that "
  "plain connection, for comparison.")
w("")
w("| call | p50 us | p90 us | p99 us | p99.9 us | max us |")
w("|---|---:|---:|---:|---:|---:|")
for k, label in (("reserve", "Breakwater `reserve`"), ("setnx", "raw `SET NX PX`"),
                 ("evalsha", "raw `EVALSHA idem_reserve.lua`")):
    p = "idem." + k
    w("| %s | %s | %s | %s | %s | %s |" % (label, f1(g(p + ".p50_us")), f1(g(p + ".p90_us")), f1(g(p + ".p99_us")),
                                            f1(g(p + ".p999_us")), f1(g(p + ".max_us"))))
w("")
r5 = g("idem.reserve.p99_us") / g("idem.setnx.p99_us")
script_gap = g("idem.evalsha.p50_us") - g("idem.setnx.p50_us")
client_gap = g("idem.reserve.p50_us") - g("idem.setnx.p50_us")
w("At p50 Breakwater's reserve costs %s us over raw `SET NX` (both one plain command: the difference is the client "
  "side), and the script older servers get costs %s us over it. Reservations granted: %s of %s; fallback: %d." % (
      f1(client_gap), f1(script_gap), f0(g("idem.reserve.reserved")), f0(g("idem.n")),
      int(g("idem.degraded_decisions"))))
w("")
cause5 = ""
if r5 > 1.1:
    parts = []
    parts.append("reserve is one plain command like SET NX (`SET NX PX GET`), so the gap is Breakwater's client "
                 "side: %s us at p50 (reserve - SET NX): per call a SHA-256 + hex of the fingerprint, the guard's "
                 "breaker bookkeeping, a `CompletableFuture.orTimeout` (a task on the JDK's delayer thread, which it "
                 "wakes when its queue was empty, i.e. on every call of a sequential caller) and more future stages "
                 "before `join()` wakes the caller" % f1(client_gap))
    parts.append("on this 2-vCPU VM every sequential call also pays 2 thread wake-ups, so the p99s of all three "
                 "series are dominated by scheduling noise")
    cause5 = "; ".join(parts)
targets.append(("reserve p99 <= 1.1x raw SET NX p99",
                "%s us vs %s us: **%sx**" % (f1(g("idem.reserve.p99_us")), f1(g("idem.setnx.p99_us")), f2(r5)),
                verdict(r5 <= 1.1), cause5))

# ---- 6. gates --------------------------------------------------------------------------------------------------
w("## 6. Throttle-gate propagation")
w("")
w("`GatePropagation`: two `RedisState` instances A and B in one JVM (own connections and subscriptions). A closes "
  "a gate for a new tenant; B polls `closedUntil` (yielding the CPU between reads) until it sees it, up to 1 s; %s "
  "gates, 2 ms apart, after 3,000 untimed ones back to back (cold, every hop costs 100s of us). The delay covers "
  "A's `SET PX`, then (on its completion) the `PUBLISH`, then delivery to B's subscriber and B's local map. "
  "No target." % f0(g("gate.n")))
w("")
w("| gates | not seen within 1 s | p50 us | p90 us | p99 us | max us |")
w("|---:|---:|---:|---:|---:|---:|")
w("| %s | %d | %s | %s | %s | %s |" % (f0(g("gate.n")), int(g("gate.missed")), f1(g("gate.delay.p50_us")),
                                      f1(g("gate.delay.p90_us")), f1(g("gate.delay.p99_us")),
                                      f1(g("gate.delay.max_us"))))
w("")
targets.append(("throttle-gate propagation (no target)", "p50 %s us, p99 %s us, %d of %s not seen within 1 s" % (
    f1(g("gate.delay.p50_us")), f1(g("gate.delay.p99_us")), int(g("gate.missed")), f0(g("gate.n"))), "-", ""))

# ---- 7. cluster ------------------------------------------------------------------------------------------------
if has("cluster.l1.decisions"):
    w("## 7. Commands per decision on Redis Cluster")
    w("")
    w("`CommandsPerDecision --cluster`: 6 nodes created with `redis-cli --cluster create ... --cluster-replicas 1` "
      "(3 masters, 3 replicas); `RedisStateConfig.cluster(seeds)`; the same sequential decisions over 1000 tenants "
      "(spread over the 3 masters), counted with `MONITOR` and commandstats on the **3 masters** and summed. "
      "The extra row mixes a TENANT limit with a cross-tenant OPERATION limit (`{*global}` tag, another slot): two "
      "scripts by design (docs/redis.md). Client-sent commands that are not decisions appear in the *of which* "
      "column: Lettuce's periodic topology refresh (every 2 s, a new connection per node: `HELLO`, "
      "`CLIENT SETNAME`, `CLUSTER NODES`, `INFO`), and `SCAN MATCH bw:gate:*`, the throttle-gate resync, which runs "
      "on every connection the client opens, refresh connections included (see the notes below).")
    w("")
    cpd_table("cluster", [("l1", "1 (TENANT)"), ("l2", "2 (+USER)"), ("l3", "3 (+TENANT_OPERATION)"),
                          ("mixed", "2 (TENANT + OPERATION, two slots)")], "")
    w("Cold start: %d commands on the masters (%s)." % (int(g("cluster.cold.top_level")), ", ".join(
        "%s %d" % (k[len("cluster.cold.top."):].upper(), int(g(k))) for k in sorted(V)
        if k.startswith("cluster.cold.top."))))
    w("")
    scans_all = sum(g(k) for k in V if re.match(r"cluster\.[a-z0-9]+\.top\.scan$", k))
    if scans_all > 0:
        w("**Gate resync SCANs on a Cluster.** %d `SCAN 0 MATCH bw:gate:* COUNT 500` reached the masters during "
          "the four windows, with no reconnect and no gate in Redis. `RedisThrottleGateStore` registers `resync` "
          "through `RedisConnector.onReconnect`, a `RedisConnectionStateListener` on the whole cluster client: it "
          "fires for every connection the client opens, and Lettuce's topology refresh (periodic every 2 s plus "
          "adaptive triggers, set in `RedisConnector`) opens a fresh connection to every node each time. So each "
          "refresh triggers one full cluster-wide SCAN of the keyspace per node, from every instance of the fleet: "
          "cheap here, proportional to the whole keyspace on a production Cluster." % int(scans_all))
        w("")
    ok7 = all(g("cluster.%s.top.evalsha" % c, 0) == g("cluster.%s.decisions" % c) for c in ("l1", "l2", "l3"))
    other = sum(g(k) for k in V if re.match(r"cluster\.l[123]\.top\.", k) and not k.endswith((".evalsha", ".eval")))
    scans = sum(g(k) for k in V if re.match(r"cluster\.l[123]\.top\.scan$", k))
    targets.append(("Cluster: one EVALSHA per decision, 1/2/3 tenant-scoped limits (optional)",
                    "%s / %s / %s EVALSHA per decision; besides, %d other client-sent commands over the three "
                    "windows (topology refresh, and %d gate-resync SCANs); mixed tenant+global: %s" % (
                        f4(g("cluster.l1.top.evalsha", 0) / g("cluster.l1.decisions")),
                        f4(g("cluster.l2.top.evalsha", 0) / g("cluster.l2.decisions")),
                        f4(g("cluster.l3.top.evalsha", 0) / g("cluster.l3.decisions")), int(other), int(scans),
                        f4(g("cluster.mixed.top_level_per_decision"))),
                    verdict(ok7), "" if ok7 else "see table 7"))
else:
    w("## 7. Commands per decision on Redis Cluster")
    w("")
    w("Skipped in this run (`BENCH_SKIP_CLUSTER`).")
    w("")

# ---- targets ---------------------------------------------------------------------------------------------------
w("## Targets")
w("")
TARGET_PHASES = [("cpd",), ("rb1", "tput", "rb2"), ("cont-b4j", "cont-bw"), ("cont-b4j", "cont-bw"),
                 ("cont-bw", "cont-bw-lease"), ("over-lease", "over-plain"), ("idem",), ("gate",), ("cluster",)]
w("The last column is the most CPU other processes used during the measurements behind the row (cores; see "
  "Machine).")
w("")
w("| target | measured (this run) | verdict | cause of a miss | others' CPU |")
w("|---|---|---|---|---:|")
for (t, m, v, c), phs in zip(targets, TARGET_PHASES):
    w("| %s | %s | %s | %s | %s |" % (t, m, v, c, disturbed(*phs)))
w("")
w("## Reproduce")
w("")
w("```")
w("bench/redis.sh                         # about 3 minutes; rewrites this file")
w("BENCH_SKIP_BUILD=1 BENCH_SKIP_CLUSTER=1 bench/redis.sh")
w("BENCH_RAW_DIR=/tmp/redis-raw bench/redis.sh   # keep the raw key=value outputs")
w("java -cp breakwater-bench/target/benchmarks.jar dev.breakwater.bench.redis.Contended --port P --impl b4j")
w("```")

with open(doc, "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote " + doc)
for (t, m, v, c), phs in zip(targets, TARGET_PHASES):
    print("%-80s %s  %s  [others' CPU %s]" % (t, v, m, disturbed(*phs)))
PY
