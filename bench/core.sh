#!/usr/bin/env bash
# Breakwater core benchmarks: JMH overhead of the synchronous success path (Breakwater vs Resilience4j vs Failsafe)
# at 1 and 2 threads, what the metrics listener (with and without its histograms) and the tracing listener (sampling
# 0 %, 1 %, 100 %) add to Breakwater's stack, plus the retry-amplification simulation; rewrites
# docs/benchmarks/core.md from this run.
#
# Run from the repository root:  bench/core.sh
# Quick smoke run:               BENCH_WARMUP_ITERS=1 BENCH_ITERS=1 BENCH_WARMUP_TIME=200ms BENCH_TIME=200ms bench/core.sh
#
# Overridable (env):  BENCH_FORKS (1)  BENCH_WARMUP_ITERS (3)  BENCH_WARMUP_TIME (1s)  BENCH_ITERS (5)
#                     BENCH_TIME (1s)  BENCH_THREADS ("1 2")  BENCH_FILTER ('dev.breakwater.bench.*')
#                     BENCH_SKIP_BUILD (unset; set to 1 to reuse breakwater-bench/target/benchmarks.jar)
#                     JAVA (java), MVN (./mvnw)
# Needs: a JDK 17+, python3 (stdlib only). Writes bench/out/*.json|txt and docs/benchmarks/core.md.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$(pwd)

FORKS=${BENCH_FORKS:-1}
WI=${BENCH_WARMUP_ITERS:-3}
WT=${BENCH_WARMUP_TIME:-1s}
IT=${BENCH_ITERS:-5}
RT=${BENCH_TIME:-1s}
THREADS=${BENCH_THREADS:-"1 2"}
FILTER=${BENCH_FILTER:-'dev.breakwater.bench.*'}
JAVA=${JAVA:-java}
MVN=${MVN:-./mvnw}
OUT=bench/out
JAR=breakwater-bench/target/benchmarks.jar
DOC=docs/benchmarks/core.md

mkdir -p "$OUT" "$(dirname "$DOC")"


if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "== building the bench module and what it depends on, from this checkout's reactor (nothing from ~/.m2)"
  mvn_try package -pl breakwater-bench -am -DskipTests
fi
[[ -f "$JAR" ]] || { echo "missing $JAR" >&2; exit 1; }

for t in $THREADS; do
  echo "== JMH, $t thread(s)"
  "$JAVA" -jar "$JAR" "$FILTER" -prof gc -f "$FORKS" -wi "$WI" -w "$WT" -i "$IT" -r "$RT" -t "$t" \
    -rf json -rff "$OUT/core-t$t.json" | tee "$OUT/core-t$t.txt"
done

echo "== retry amplification (virtual time)"
"$JAVA" -cp "$JAR" dev.breakwater.bench.RetryAmplification 1000 60 | tee "$OUT/amplification.txt"

echo "== machine"
{
  machine_info breakwater-core breakwater-bench
  echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo unknown)"
  echo "jmh: -f $FORKS -wi $WI -w $WT -i $IT -r $RT -prof gc"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

echo "== writing $DOC"
python3 - "$OUT" "$DOC" "$THREADS" <<'PY'
import json, math, os, re, sys

out, doc, threads = sys.argv[1], sys.argv[2], sys.argv[3].split()

# Targets (issue): breaker overhead <= 50 ns and 0 B/op; stack overhead <= 0.5x Resilience4j's and Failsafe's;
# retry amplification <= 1.1 with the budget on.
BREAKER_NS = 50.0
ZERO_BYTES = 0.5          # gc.alloc.rate.norm below half a byte per op is JMH noise: 0 B/op
STACK_FACTOR = 0.5
AMPLIFICATION = 1.1
NOISY = 0.3               # a row whose 99.9 % error exceeds 30 % of its score is marked noisy

ROWS = [
    ("bare", "the call alone (reads a field)", True),
    ("breakwaterBreaker", "Breakwater: circuit breaker", True),
    ("resilience4jBreaker", "Resilience4j: circuit breaker", True),
    ("failsafeBreaker", "Failsafe: circuit breaker", True),
    ("breakwaterStack", "Breakwater: 5-policy stack", True),
    ("resilience4jStack", "Resilience4j: 4-policy stack (no TimeLimiter, see notes)", True),
    ("failsafeStack", "Failsafe: 5-policy stack (sync Timeout)", True),
    ("breakwaterStackNoTimeout", "extra: Breakwater stack without timeout (Resilience4j's 4 policies)", False),
    ("resilience4jStackTimeLimiter", "extra: Resilience4j stack + TimeLimiter on a pool", False),
    ("failsafeStackNoTimeout", "extra: Failsafe stack without Timeout", False),
    ("clockRead", "extra: one System.nanoTime()", False),
]

# The Observability rows: Breakwater's 5-policy stack with metrics or tracing; every ratio is to `observedOff`.
OBSERVED = [
    ("observedOff", "off: the stack, no listener"),
    ("metricsNoHistograms", "metrics: `BreakwaterMetrics` on a Prometheus registry, histogram buckets filtered out"),
    ("metricsHistograms", "metrics with histograms (the default, as the gateway runs it)"),
    ("traced[ratio=0,listener=false]", "tracing 0 %: a span per call (never sampled), no Breakwater listener"),
    ("traced[ratio=0,listener=true]", "tracing 0 %: a span per call (never sampled) + `BreakwaterTracing`"),
    ("traced[ratio=0.01,listener=false]", "tracing 1 %: a span per call, no Breakwater listener"),
    ("traced[ratio=0.01,listener=true]", "tracing 1 %: a span per call + `BreakwaterTracing`"),
    ("traced[ratio=1,listener=false]", "tracing 100 %: a span per call, no Breakwater listener"),
    ("traced[ratio=1,listener=true]", "tracing 100 %: a span per call + `BreakwaterTracing`"),
]
OBSERVED_KEYS = [k for k, _ in OBSERVED]

def load(t):
    path = os.path.join(out, "core-t%s.json" % t)
    with open(path) as f:
        data = json.load(f)
    res = {}
    for b in data:
        name = b["benchmark"].rsplit(".", 1)[-1]
        params = b.get("params") or {}
        if params:
            # Parameterised rows (Observability.traced) keep one key per combination: ratio first, then listener.
            name += "[%s]" % ",".join("%s=%s" % (k, params[k]) for k in sorted(params, key=lambda k: k != "ratio"))
        pm = b["primaryMetric"]
        sec = b.get("secondaryMetrics", {})
        norm = sec.get("gc.alloc.rate.norm", {}).get("score")
        err = pm.get("scoreError")
        if err is None or (isinstance(err, float) and math.isnan(err)) or err == "NaN":
            err = float("nan")
        res[name] = {"score": pm["score"], "error": float(err), "unit": pm["scoreUnit"], "bytes": norm,
                     "threads": b.get("threads")}
    return res

def ns(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return "%.1f" % x if abs(x) < 1000 else "%.0f" % x

def bytes_(x):
    if x is None:
        return "n/a"
    return "0" if x < ZERO_BYTES else "%.0f" % x

def verdict(ok):
    return "**MET**" if ok else "**MISSED**"

results = {t: load(t) for t in threads}
with open(os.path.join(out, "machine.txt")) as f:
    machine = f.read().rstrip()
with open(os.path.join(out, "amplification.txt")) as f:
    amp_line = [l for l in f.read().splitlines() if l.startswith("amplification ")][-1]
amp = dict(kv.split("=", 1) for kv in amp_line.split()[1:])
offered = int(amp["offered"])
up_on, up_off = int(amp["upstream_on"]), int(amp["upstream_off"])

lines = []
w = lines.append
w("# Core benchmarks: synchronous overhead and retry amplification")
w("")
w("Generated by `bench/core.sh` (do not edit by hand; rerun the script). Module `breakwater-bench`, JMH, "
  "`@BenchmarkMode(AverageTime)`, synchronous success path; every state is shared between the benchmark threads "
  "(`Scope.Benchmark`), so 2 threads contend for one breaker, bulkhead, rate limiter and retry budget.")
w("")
w("## Machine")
w("")
w("```")
w(machine)
w("```")
w("")
w("## What is measured")
w("")
w("* **bare**: the protected call itself, a supplier that returns a preallocated value read from a field. "
  "Every other row calls the same object, so *overhead* = row - bare.")
w("* **breaker**: one circuit breaker with its library's defaults (Breakwater and Resilience4j: count-based window "
  "of 100 calls; Failsafe: `CircuitBreaker.ofDefaults()`), executed per op through a pipeline / decorator / "
  "executor built once in `@Setup`.")
w("* **stack**: timeout 10 s, retry 3 attempts (100 ms backoff), circuit breaker (defaults), bulkhead 1000, "
  "rate limiter 1e9 permits/s, outermost first: rate limiter, bulkhead, retry, breaker, timeout. Nothing ever "
  "trips. Breakwater also keeps its default retry budget (10 %, floor 5/s, 10 s window) on: one more counter "
  "per call that the others do not have.")
w("  * Breakwater's synchronous timeout is a clock check (the attempt is judged a timeout when it returns late, "
  "and the overall deadline bounds retries and waits); it neither interrupts nor uses another thread.")
w("  * Resilience4j's `TimeLimiter` only bounds futures; there is no synchronous time limiter. The main "
  "Resilience4j row therefore has **no timeout** (4 policies): Breakwater's stack does strictly more work. The "
  "extra row `resilience4jStackTimeLimiter` shows what a real bound costs there: the call runs on a 4-thread "
  "pool and the caller waits on the future with `TimeLimiter.decorateFutureSupplier`.")
w("  * Failsafe's synchronous `Timeout.of(10s)` schedules a task that would interrupt the call and cancels it "
  "afterwards: that is its real synchronous behaviour and it stays in the main row. The extra row "
  "`failsafeStackNoTimeout` drops it. Failsafe's smooth rate limiter (`smoothBuilder(1e9, 1s)`) has no burst, so "
  "it is given a 1 s max wait to absorb two threads landing in the same nanosecond.")
w("* **metrics and tracing** (`Observability`): the Breakwater stack above, built on an engine with one listener. "
  "*Metrics*: `BreakwaterMetrics` on a `PrometheusMeterRegistry` (what the gateway runs): a counter and three "
  "latency timers per call, each timer with 16 histogram buckets (`metricsHistograms`), or the same with a registry "
  "`MeterFilter` that drops the buckets, leaving count, sum and max (`metricsNoHistograms`). *Tracing*: an "
  "OpenTelemetry SDK with a parent-based trace-id-ratio sampler at 0, 0.01 or 1, a `BatchSpanProcessor` and an "
  "exporter that discards; every op starts a SERVER span (as an instrumented application or the gateway does), makes "
  "it current and runs the stack with `BreakwaterTracing` (`listener=true`) or without it (`listener=false`). The "
  "ratio is to `observedOff`, the same stack without any listener. The protected call does nothing, so these "
  "ratios are of a call that costs ~0.1 µs: the issue's targets (histograms <= 5 %, tracing at 1 % <= 5 % of a "
  "request's CPU) are judged per gateway request in [gateway.md](gateway.md), with the absolute figures from here.")
w("* **B/op**: `gc.alloc.rate.norm` from `-prof gc` (below 0.5 B/op is reported as 0). Errors are JMH's 99.9 %% "
  "confidence half-widths; a row whose error exceeds %.0f %% of its score is marked *(noisy)*. With 2 threads "
  "on a 2-CPU machine nothing is left for the OS or any other process, so the 2-thread rows are the first to "
  "suffer from background load." % (NOISY * 100))
w("")

def table(t):
    r = results[t]
    bare = r.get("bare")
    w("## %s thread%s" % (t, "" if t == "1" else "s"))
    w("")
    w("| benchmark | what | ns/op | ± error | overhead above bare (ns) | B/op |")
    w("|---|---|---:|---:|---:|---:|")
    for key, label, _main in ROWS:
        if key not in r:
            continue
        x = r[key]
        over = "-" if key in ("bare", "clockRead") or bare is None else ns(x["score"] - bare["score"])
        noisy = " (noisy)" if x["score"] > 0 and x["error"] > NOISY * x["score"] else ""
        w("| `%s` | %s | %s | %s%s | %s | %s |" % (key, label, ns(x["score"]), ns(x["error"]), noisy, over,
            bytes_(x["bytes"])))
    for key, x in sorted(r.items()):
        if key not in [k for k, _, _ in ROWS] and key not in OBSERVED_KEYS:
            w("| `%s` | | %s | %s | %s | %s |" % (key, ns(x["score"]), ns(x["error"]),
                ns(x["score"] - bare["score"]) if bare else "-", bytes_(x["bytes"])))
    w("")

for t in threads:
    table(t)

def observed(t):
    r = results[t]
    off = r.get("observedOff")
    if off is None:
        return
    w("## Metrics and tracing, %s thread%s" % (t, "" if t == "1" else "s"))
    w("")
    w("| benchmark | what | ns/op | ± error | added over off (ns) | x off | B/op |")
    w("|---|---|---:|---:|---:|---:|---:|")
    for key, label in OBSERVED:
        if key not in r:
            continue
        x = r[key]
        noisy = " (noisy)" if x["score"] > 0 and x["error"] > NOISY * x["score"] else ""
        w("| `%s` | %s | %s | %s%s | %s | %.2f | %s |" % (key, label, ns(x["score"]), ns(x["error"]), noisy,
            "-" if key == "observedOff" else ns(x["score"] - off["score"]), x["score"] / off["score"],
            bytes_(x["bytes"])))
    w("")
    h, nh = r.get("metricsHistograms"), r.get("metricsNoHistograms")
    parts = []

    def diff(a, b):
        # A difference smaller than the two rows' combined 99.9 % error is not told apart from zero.
        d, e = a["score"] - b["score"], math.hypot(a["error"], b["error"])
        return "%s ns%s" % (ns(d), " (within the error bars, ± %s ns)" % ns(e) if not math.isnan(e) and abs(d) <= e
                            else "")
    if h and nh:
        parts.append("the histograms add **%s** and %s B per call to the metrics listener (%s without them)"
                     % (diff(h, nh), bytes_(max(0.0, (h["bytes"] or 0) - (nh["bytes"] or 0))), diff(nh, off)))
    for ratio, label in (("0.01", "1 %"), ("1", "100 %")):
        on, span = r.get("traced[ratio=%s,listener=true]" % ratio), r.get("traced[ratio=%s,listener=false]" % ratio)
        if on and span:
            parts.append("tracing at %s adds **%s** per call over off (%s of it Breakwater's listener, the rest "
                         "the application's span)" % (label, diff(on, off), diff(on, span)))
    if parts:
        w("In this run, at %s thread%s: %s." % (t, "" if t == "1" else "s", "; ".join(parts)))
        w("")

for t in threads:
    observed(t)

w("## Retry amplification")
w("")
w("`dev.breakwater.bench.RetryAmplification`: virtual time (`VirtualTimeSource`, executor `Runnable::run`), one "
  "thread offering %s calls/s for %s virtual seconds through the synchronous path (%d calls) to an upstream that "
  "always throws `IOException` (retryable); no circuit breaker; retry 3 attempts, backoff 1-10 ms. Amplification = "
  "upstream invocations / offered calls." % (amp["rate"].split("/")[0], amp["seconds"], offered))
w("")
w("| retry budget | upstream calls | amplification |")
w("|---|---:|---:|")
w("| on (`RetryConfig.defaults()` budget: 10 %%, floor 5/s, 10 s window) | %d | %.3fx |" % (up_on, up_on / offered))
w("| off (`withBudget(null)`) | %d | %.3fx |" % (up_off, up_off / offered))
w("")
w("The budget allows `max(ratio x first attempts, floor x window seconds)` retries per window (the larger, not the "
  "sum): at 1000 calls/s the ratio term (1000 retries per 10 s) dominates the floor (50), so amplification is "
  "bounded by 1 + 0.1.")
w("")

w("## Targets")
w("")
w("Computed from the tables above (same run). Resilience4j and Failsafe are compared through their main rows.")
w("")
w("| target | threads | measured | verdict | clear of the error bars? |")
w("|---|---:|---|---|---|")

def clear(margin, err):
    if math.isnan(err):
        return "n/a"
    return "yes" if abs(margin) > err else "no (margin %.1f ns < error %.1f ns)" % (abs(margin), err)

for t in threads:
    r = results[t]
    bare, be = r["bare"]["score"], r["bare"]["error"]
    def over(k):
        return r[k]["score"] - bare
    def err(k, f=1.0):
        return math.hypot(r[k]["error"], be) * f
    bo, bb = over("breakwaterBreaker"), r["breakwaterBreaker"]["bytes"]
    w("| Breakwater breaker overhead <= %.0f ns | %s | %.1f ns | %s | %s |"
      % (BREAKER_NS, t, bo, verdict(bo <= BREAKER_NS), clear(BREAKER_NS - bo, err("breakwaterBreaker"))))
    w("| Breakwater breaker allocates 0 B/op | %s | %s B/op | %s | |"
      % (t, bytes_(bb), verdict(bb is not None and bb < ZERO_BYTES)))
    so, ro, fo = over("breakwaterStack"), over("resilience4jStack"), over("failsafeStack")
    for name, other, key in (("Resilience4j", ro, "resilience4jStack"), ("Failsafe", fo, "failsafeStack")):
        e = math.hypot(err("breakwaterStack"), err(key, STACK_FACTOR))
        w("| Breakwater stack overhead <= %.1f x %s's | %s | %.1f ns vs %.1f ns (%.2fx) | %s | %s |"
          % (STACK_FACTOR, name, t, so, other, so / other if other > 0 else float("inf"),
             verdict(so <= STACK_FACTOR * other), clear(STACK_FACTOR * other - so, e)))
    if "breakwaterStackNoTimeout" in r:
        no = over("breakwaterStackNoTimeout")
        e = math.hypot(err("breakwaterStackNoTimeout"), err("resilience4jStack", STACK_FACTOR))
        w("| same 4 policies as Resilience4j (no timeout): overhead <= %.1f x Resilience4j's | %s | %.1f ns vs %.1f ns "
          "(%.2fx) | %s | %s |" % (STACK_FACTOR, t, no, ro, no / ro if ro > 0 else float("inf"),
                                  verdict(no <= STACK_FACTOR * ro), clear(STACK_FACTOR * ro - no, e)))
ok_amp = up_on * 10 <= offered * 11   # integer compare: upstream / offered <= 1.1
w("| retry amplification <= %.1f with the budget on | 1 | %.3fx (%d / %d) | %s | exact count (virtual time) |"
  % (AMPLIFICATION, up_on / offered, up_on, offered, verdict(ok_amp)))
w("")
w("Reference figures from the issue (this machine, for scale): Resilience4j's breaker adds ~100 ns, Failsafe's "
  "~240 ns and 376 B/op.")
w("")
w("## Reproduce")
w("")
w("```")
w("bench/core.sh                      # full run, a few minutes; rewrites this file")
w("BENCH_WARMUP_ITERS=1 BENCH_ITERS=1 BENCH_WARMUP_TIME=200ms BENCH_TIME=200ms bench/core.sh   # smoke run")
w("java -jar breakwater-bench/target/benchmarks.jar -h   # any other JMH run")
w("```")
w("")
w("Raw JMH output: `bench/out/core-t<N>.json` / `.txt`.")

with open(doc, "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote " + doc)
for l in lines:
    if l.startswith("| Breakwater") or l.startswith("| retry amplification"):
        print(l)
PY
