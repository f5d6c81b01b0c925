"""Turns the raw output of bench/chaos/chaos.py into docs/benchmarks/chaos.md (stdlib only).

   report.py OUT_DIR DOC

Definitions used in the report:
  - a request's answer is its last attempt's (the client's retries included); it succeeded when that is a 2xx;
  - the success ratio of a second is the share of the requests scheduled in that second that succeeded;
  - a phase has recovered at the first second, counted from its failure, from which every 5-second window to the end
    of the phase has a success ratio of at least 99 % of the baseline's; 0 s means no window fell below that;
  - a write executed more than once is an Idempotency-Key the simulators (both regions, and the primary before and
    after its restart) counted more than one sendMail execution for.
"""
import collections, json, os, sys

out_dir, doc = sys.argv[1], sys.argv[2]
setup = json.load(open(os.path.join(out_dir, "timeline.json")))
execs = json.load(open(os.path.join(out_dir, "executions.json")))
machine = open(os.path.join(out_dir, "machine.txt")).read().rstrip()
reqs = [json.loads(line) for line in open(os.path.join(out_dir, "requests.jsonl"))]
samples = [json.loads(line) for line in open(os.path.join(out_dir, "samples.jsonl"))]
timeline = setup["timeline"]
PHASES = ["baseline", "gateway-kill", "redis-restart", "upstream-timeout", "primary-region"]
FAILURE = {"gateway-kill": "killed", "redis-restart": "killed", "upstream-timeout": "answer after",
           "primary-region": "killed"}
REPAIR = {"gateway-kill": "started again", "redis-restart": "started again", "upstream-timeout": "at once again",
          "primary-region": "started again"}


def action_time(phase, words):
    return next((a["t"] for a in timeline if a["phase"] == phase and words in a["action"]), None)


def phase_start(phase):
    return action_time(phase, "phase starts")


def ok(status):
    return 200 <= status < 300


def label(status, code):
    if status == 0:
        return "no answer (%s)" % code.split(":", 1)[1]
    return "%d %s" % (status, code) if code else str(status)


# Executions per key, over both regions and both lives of the primary.
executed = collections.Counter()
for part in ("primary_before_kill", "primary_after_restart", "secondary"):
    for key, n in execs[part].items():
        executed[key] += n

by_phase = collections.defaultdict(list)
for r in reqs:
    by_phase[r["phase"]].append(r)

baseline = by_phase["baseline"]
base_ratio = sum(ok(r["status"]) for r in baseline) / max(1, len(baseline))
threshold = 0.99 * base_ratio


def seconds(phase, origin):
    """Success ratio per whole second from origin to the phase's end: [(second, ratio, requests)]."""
    end = phase_start(PHASES[PHASES.index(phase) + 1]) if phase != PHASES[-1] else action_time("end", "load stops")
    bins = collections.defaultdict(lambda: [0, 0])
    for r in by_phase[phase]:
        if r["t"] >= origin:
            b = bins[int(r["t"] - origin)]
            b[0] += ok(r["status"])
            b[1] += 1
    whole = int(end - origin)
    return [(s, bins[s][0] / bins[s][1] if bins[s][1] else None, bins[s][1]) for s in range(whole)]


WINDOW = 5  # seconds: one stray failure among ~300 requests does not count as "not recovered"


def windowed(per_second, s):
    """The success ratio of the requests scheduled in seconds [s, s + WINDOW) (fewer at the phase's end)."""
    part = per_second[s:s + WINDOW]
    n = sum(x[2] for x in part)
    return sum(x[1] * x[2] for x in part if x[1] is not None) / n if n else None


def recovery(phase):
    failed_at = action_time(phase, FAILURE[phase])
    per_second = seconds(phase, failed_at)
    below = [s for s in range(len(per_second)) if (windowed(per_second, s) or 1.0) < threshold]
    recovered = 0 if not below else (below[-1] + 1 if below[-1] + 1 < len(per_second) else None)
    return failed_at, recovered, per_second, below


rows = []
detail = []
for phase in PHASES:
    rs = by_phase[phase]
    answers = collections.Counter(label(r["status"], r["code"]) for r in rs)
    attempts = collections.Counter(label(a[1], a[2]) for r in rs for a in r["attempts"])
    writes = [r for r in rs if r["kind"] == "write"]
    twice = sorted(r["key"] for r in writes if executed[r["key"]] > 1)
    ran_but_failed = sum(1 for r in writes if executed[r["key"]] >= 1 and not ok(r["status"]))
    acked_not_run = sum(1 for r in writes if executed[r["key"]] == 0 and ok(r["status"]))
    retried = sum(len(r["attempts"]) - 1 for r in rs)
    moved = sum(1 for r in rs if len({a[0] for a in r["attempts"]}) > 1)
    succeeded = sum(ok(r["status"]) for r in rs)
    p = {"phase": phase, "requests": len(rs), "succeeded": succeeded, "writes": len(writes), "twice": twice,
         "ran_but_failed": ran_but_failed, "acked_not_run": acked_not_run, "retried": retried, "moved": moved,
         "answers": answers, "attempts": attempts}
    if phase != "baseline":
        failed_at, rec, per_second, dips = recovery(phase)
        repaired_at = action_time(phase, REPAIR[phase])
        p.update({"failed_at": failed_at, "repaired_at": repaired_at, "recovered_s": rec, "per_second": per_second,
                  "dips": dips, "worst": min((x[1] for x in per_second if x[1] is not None), default=None)})
    rows.append(p)

# What the gateways' admin APIs showed, per phase and gateway: the distinct values in the order first seen.
seen = collections.defaultdict(list)


def note(phase, gw, what, value, changes=False):
    """Keeps the distinct values in the order first seen, or with changes every change (A → B → A)."""
    lst = seen[(phase, gw, what)]
    if (changes and (not lst or lst[-1] != value)) or (not changes and value not in lst):
        lst.append(value)


def breaker_states(b):
    if not b:
        return "-"
    items = b.get("breakers", b) if isinstance(b, dict) else b
    if isinstance(items, dict):
        items = [dict(v, name=k) if isinstance(v, dict) else {"name": k, "state": v} for k, v in items.items()]
    states = sorted({str(x.get("state", "?")) for x in items if isinstance(x, dict)})
    return "/".join(states) if states else "none yet"


def chain(values):
    """The values in the order first seen, consecutive failback steps as one: primary → failback 5/25/50 %."""
    out = []
    for v in values:
        if v.startswith("failback ") and out and out[-1].startswith("failback "):
            out[-1] = out[-1][:-2] + "/" + v[len("failback "):]
        else:
            out.append(v)
    return " → ".join(out) or "-"


def readiness(sample):
    """/health/ready in a few words: the detail names the Lettuce exception, which says whether Redis was gone."""
    detail = sample["ready_detail"] or ""
    if sample["ready"] == 0:
        return "down"
    if sample["ready"] == 200 and detail in ("", "ok"):
        return "ready"
    prefix = "" if sample["ready"] == 200 else "%d " % sample["ready"]
    if "did not answer in time" in detail:   # Redis answers again, but refused a keyed write in the last 10 s
        return prefix + "keyed writes refused lately (a Redis command over 100 ms)"
    if "not connected" in detail or "Connection refused" in detail:
        return prefix + "store down (Redis gone)"
    if "timed out" in detail or "TimeoutException" in detail:
        return prefix + "store down (Redis commands over 100 ms)"
    return prefix + detail[:80]


def level_text(levels):
    """The degradation levels in force that are not the default, such as "upstream:sim=degraded (sim-down)"."""
    entries = []

    def walk(x):
        if isinstance(x, dict):
            if "control" in x and "target" in x:
                entries.append(x)
            else:
                for v in x.values():
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(levels)
    set_levels = sorted("%s=%s (%s)" % (e["target"], str(e.get("value")).lower(), e.get("set_by") or e.get("source"))
                        for e in entries if e.get("control") == "degradation"
                        and str(e.get("source")).upper() != "DEFAULT" and str(e.get("value")).lower() != "normal")
    return ", ".join(set_levels) or "normal"


levels_available = any(s["levels"] is not None for s in samples)
for s in samples:
    ph, gw = s["phase"], s["gateway"]
    if ph not in PHASES:
        continue
    note(ph, gw, "ready", readiness(s))
    if s["group_in_use"] is not None:
        note(ph, gw, "group", s["group_in_use"] if not s["failback"] else "failback %s %%" % s["failback"].get("percent"),
             changes=True)
    if s["breakers"] is not None:
        note(ph, gw, "breaker", breaker_states(s["breakers"]), changes=True)
    if s["levels"] is not None:
        note(ph, gw, "levels", level_text(s["levels"]), changes=True)


RULE_DWELL = 10  # the rules' minDwell in bench/chaos/breakwater.yaml
RULES = [("sim-down", lambda x: "OPEN" in breaker_states(x["breakers"]).split("/"),
          lambda text: "upstream:sim=degraded" in text),
         # The gateway's state_store_unreachable: Redis held to be down (not a keyed write refused lately, which
         # /health/ready reports too).
         ("redis-down", lambda x: "store down" in readiness(x),
          lambda text: "global=read_only" in text)]


def rule_episodes(gw, signal, level):
    """Each time the level was in force on gateway gw: [signal on (its last rising edge before the entry), entered,
    signal last on, left, verdict]. The verdict flags a level in force with no signal within 2.5 s before it, or one
    that left before it had held minDwell or while its signal was still on; signal episodes that never brought the
    level within minDwell + 2.5 s are rows of their own."""
    mine = [x for x in samples if x["gateway"] == gw and x["phase"] in PHASES and x["levels"] is not None]
    sig = [signal(x) for x in mine]
    lev = [level(level_text(x["levels"])) for x in mine]
    rows_, covered = [], set()
    i = 0
    while i < len(mine):
        if not lev[i]:
            i += 1
            continue
        j = i
        while j < len(mine) and lev[j]:
            j += 1
        entered, left = mine[i]["t"], mine[j]["t"] if j < len(mine) else None
        k = i
        while k > 0 and not sig[k]:
            k -= 1
        while k > 0 and sig[k - 1]:
            k -= 1
        rise = mine[k]["t"] if sig[k] else None
        ons = [n for n in range(k, j) if sig[n]]
        covered.update(range(k, j))
        last_on = mine[ons[-1]]["t"] if ons else None
        verdict = []
        # After an exit the rule may not switch again for minDwell: an entry is due then at the earliest.
        prev_exit = max((float(r[3]) for r in rows_ if r[3] != "still in force"), default=None)
        due_in = None if rise is None else max(rise, prev_exit + RULE_DWELL if prev_exit is not None else rise)
        if due_in is None or entered - due_in > 2.5:
            verdict.append("entered without its signal" if rise is None else "entered %.1f s after it was due"
                           % (entered - due_in))
        if left is not None and (left - entered < RULE_DWELL - 1.0 or sig[j]):
            verdict.append("left before minDwell or with its signal on")
        elif left is not None and last_on is not None:
            due_out = max(last_on + 1.0, entered + RULE_DWELL)   # the first evaluation with the signal off
            if left - due_out > 2.5:
                verdict.append("left %.1f s after it was due" % (left - due_out))
        rows_.append(["-" if rise is None else "%.1f" % rise, "%.1f" % entered, "-" if last_on is None else
                      "%.1f" % last_on, "still in force" if left is None else "%.1f" % left,
                      "as the rule says" if not verdict else "**" + "; ".join(verdict) + "**"])
        i = j
    exits = [float(r[3]) for r in rows_ if r[3] != "still in force"]
    n = 0
    while n < len(mine):   # signal episodes that never brought the level
        if sig[n] and n not in covered:
            m = n
            while m < len(mine) and sig[m]:
                m += 1
            start, end = mine[n]["t"], mine[m - 1]["t"]
            # The first entry is immediate; after an exit the rule may not switch again for minDwell.
            due = max([start] + [e + RULE_DWELL for e in exits if e <= start])
            rows_.append(["%.1f" % start, "never", "%.1f" % end, "-",
                          "**on until %.1f s past when the level was due, without it**" % (end - due)
                          if end - due > 2.5 else "on %.1f s, within the rule's dwell or a sample" % (end - start)])
            n = m
        else:
            n += 1
    return sorted(rows_, key=lambda r: float(r[1] if r[1] != "never" else r[0])) or [
        ["-", "-", "-", "-", "never on, never entered: as the rule says"]]


def group_switch(phase, since, group, for_good):
    """Seconds from `since` until every gateway's samples name `group` as in use with no failback under way (the
    latest of the three; 1 s sampling): the first such sample, or with for_good the one from which every later sample
    of the phase does; None when a gateway never got there within the phase."""
    times = []
    for gw in range(3):
        mine = [x for x in samples if x["phase"] == phase and x["gateway"] == gw and x["t"] >= since]
        there = [x["group_in_use"] == group and not x["failback"] for x in mine]
        if for_good:
            i = len(there)
            while i > 0 and there[i - 1]:
                i -= 1
            t = mine[i]["t"] if i < len(mine) else None
        else:
            t = next((x["t"] for x, ok_ in zip(mine, there) if ok_), None)
        if t is None:
            return None
        times.append(t)
    return max(times) - since


for p in rows:
    if p["phase"] in ("upstream-timeout", "primary-region"):
        p["failover_s"] = group_switch(p["phase"], p["failed_at"], "secondary", for_good=False)
        back = group_switch(p["phase"], p["failed_at"], "primary", for_good=True)
        p["failback_s"] = None if back is None else p["failed_at"] + back - p["repaired_at"]

# Writes answered 2xx that no simulator counted: those answered between the last read of the primary's counters and
# its kill ran there, and their count died with it (a duplicate among them would be missed too).
read_at = action_time("primary-region", "counters read")
kill_at = action_time("primary-region", "killed")
blind = [r for p in rows for r in by_phase[p["phase"]] if r["kind"] == "write" and ok(r["status"])
         and executed[r["key"]] == 0 and read_at is not None
         and read_at - 0.5 <= r["attempts"][-1][3] + r["attempts"][-1][4] <= kill_at + 0.5]
acked_not_run = sum(p["acked_not_run"] for p in rows)


# ------------------------------------------------------------------ the document
D = setup["durations"]
lines = []
w = lines.append
w("# Chaos benchmark")
w("")
w("Generated by `bench/chaos.sh` (do not edit by hand; rerun the script). Seed 003's scenario: three gateways "
  "(`bench/chaos/breakwater.yaml`, state in one redis-server) in front of one upstream with a primary and a "
  "secondary region (two simulators), under steady multi-tenant load, through a timeline of failures. Every figure "
  "comes from one run on the machine below; the baseline is the first phase of the same run.")
w("")
w("## Machine")
w("")
w("```")
w(machine)
w("```")
w("")
w("## The run")
w("")
w("Load (`bench/chaos/chaos.py`): %.0f requests/s on a fixed schedule (open loop), from %d tenants, each pinned to "
  "one of the three gateways; 7 in 10 are reads (`GET /v1.0/me/messages`), 3 in 10 writes (`POST "
  "/v1.0/me/sendMail`, a fresh `Idempotency-Key` each). The client sends a request whose gateway does not answer "
  "to the next gateway at once, and a request answered 409, 502, 503 or 504 again after its Retry-After (at most "
  "2 s), the same key each time, up to %d attempts within %.0f s. Gateways: attempt timeout 1 s, deadline 3 s, two "
  "attempts, a fleet-aware breaker (50 %% of at least 20 calls, open 5 s), idempotency records in Redis (refused "
  "while Redis does not answer), health checks every 500 ms, ejection after 5 failures, failback in steps of "
  "5/25/50/100 %% held 2 s each."
  % (setup["rate"], setup["tenants"], setup["max_attempts"], setup["client_budget_s"]))
w("")
w("| phase | seconds | what happens (s from the phase's start) |")
w("|---|---:|---|")
w("| warmup | %.0f | not counted |" % setup["warmup"])
w("| baseline | %.0f | nothing |" % D["baseline"])
w("| gateway-kill | %.0f | 0: SIGKILL gateway 2; %.0f: it starts again |" % (D["gateway-kill"], setup["gateway_down_s"]))
w("| redis-restart | %.0f | 0: SIGKILL redis-server; %.0f: started again on the same port (append-only file, "
  "fsync always: the records survive) |" % (D["redis-restart"], setup["redis_down_s"]))
w("| upstream-timeout | %.0f | 0: both regions answer after %d ms (simulator latency); %.0f: at once again |"
  % (D["upstream-timeout"], setup["slow_ms"], setup["slow_for_s"]))
w("| primary-region | %.0f | 0: SIGKILL the primary simulator; %.0f: started again on its port |"
  % (D["primary-region"], setup["primary_down_s"]))
w("")
w("Timeline as run (s since the load started):")
w("")
w("```")
for a in timeline:
    w("%7.1f  %-17s %s" % (a["t"], a["phase"], a["action"]))
w("```")
w("")
w("## Results per phase")
w("")
w("Success: the request's last answer was a 2xx. Recovered: the first second after the failure from which every "
  "5-second window to the end of the phase (requests scheduled in seconds s to s + 4) has a success ratio of at "
  "least 99 %% of the baseline's (%.2f %%, so %.2f %%), so that one stray failure among some 300 requests does not "
  "count; 0 s: no window fell below it. Writes executed more than once: keys the simulators' own per-key counters saw run "
  "more than once (goal 0)." % (100 * base_ratio, 100 * threshold))
w("")
w("| phase | requests | succeeded | writes | writes executed more than once | failed writes that ran anyway | "
  "client retries | moved to another gateway | worst second | recovered, s after the failure | s after the repair |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for p in rows:
    rec = p.get("recovered_s")
    since_repair = "" if rec is None or "failed_at" not in p else (
        "%.0f" % max(0.0, p["failed_at"] + rec - p["repaired_at"]) if rec else "0")
    w("| %s | %d | %d (%.2f %%) | %d | **%d** | %d | %d | %d | %s | %s | %s |" % (
        p["phase"], p["requests"], p["succeeded"], 100.0 * p["succeeded"] / max(1, p["requests"]), p["writes"],
        len(p["twice"]), p["ran_but_failed"], p["retried"], p["moved"],
        "" if p.get("worst") is None else "%.0f %%" % (100 * p["worst"]),
        "" if "failed_at" not in p else ("never" if rec is None else "%d" % rec), since_repair))
w("")
w("*Failed writes that ran anyway*: the caller's last answer was not a 2xx, yet the simulators executed the key "
  "(the caller cannot tell). Writes answered 2xx that no simulator counted: %d%s." % (
      acked_not_run, "" if not acked_not_run else
      ", %d of them answered in the 0.5 s around the primary's kill, after its counters were last read: they ran on "
      "the primary and their count died with it (a write run twice there would be missed the same way)" % len(blind)))
w("")
for p in rows:
    if "failback_s" in p:
        fo, fb = p["failover_s"], p["failback_s"]
        w("*%s*: every gateway used the secondary region %s after the failure, and the primary again for good "
          "(failback done) %s (admin samples, 1 s apart)." % (
              p["phase"], "never" if fo is None else "%.1f s" % fo,
              "never" if fb is None else "%.1f s after the repair" % fb if fb >= 0 else
              "%.1f s before the repair (the slow primary's ejection ran out and both regions were as slow)" % -fb))
        w("")
degraded_elsewhere = sum(v for p in rows if p["phase"] != "redis-restart"
                        for k, v in p["attempts"].items() if k == "503 DEGRADED")
twice_total = sum(len(p["twice"]) for p in rows)
w("### Reading the figures")
w("")
base = rows[0]
if base["requests"] != base["succeeded"] or base["twice"]:
    w("- **baseline**: no failure was injected, yet %d requests did not succeed and %d writes ran more than once: "
      "attempts that timed out (%d × 504 `TIMEOUT`) and Redis commands over 100 ms (%d × 503 `DEGRADED`) at the same "
      "moments on every gateway, i.e. the shared machine stalled; why writes ran twice: below." % (base["requests"] - base["succeeded"], len(base["twice"]),
                             base["attempts"].get("504 TIMEOUT", 0), base["attempts"].get("503 DEGRADED", 0)))
w("- **gateway-kill**: the killed gateway's clients get a refused or reset connection and send the request to the "
  "next gateway. A keyed write in flight on the killed gateway leaves its reservation in Redis until its lease "
  "ends (the route's deadline, 3 s, being shorter than the policy's lease), so its retry elsewhere meets "
  "409 `IDEMPOTENCY_CONFLICT` until then and is executed after it; had the upstream already run it before the "
  "kill, that would be a second execution (the window is the upstream's own latency, about a millisecond here).")
w("- **redis-restart**: reads go on, on local state; keyed writes are refused with 503 `DEGRADED` and a "
  "Retry-After while Redis does not answer and until each gateway has probed it again (`openDuration`, 2 s), so "
  "none runs twice; the writes whose client gave up within its budget are the phase's failures.%s" % (
      "" if not rows[PHASES.index("redis-restart")]["attempts"].get("503 READ_ONLY") else
      " With the `redis-down` health rule every write is also refused with 503 `READ_ONLY` while its level holds, "
      "which is what sets the recovery time here (see Degradation levels)."))
w("- **upstream-timeout**: both regions answer after the attempt timeout. The first calls time out, the "
  "fleet-aware breaker opens on all three gateways and everything is answered 503 `CIRCUIT_OPEN` at once until "
  "the half-open probes succeed after the repair; the primary is ejected meanwhile and comes back through the "
  "stepped failback.")
primary = rows[PHASES.index("primary-region")]
w("- **primary-region**: calls in flight on the killed primary are sent to the secondary within the same attempt; "
  "the health checks and outlier detection switch the group in use, and the restarted primary takes the calls "
  "back in steps.%s" % ("" if not primary["attempts"].get("503 CIRCUIT_OPEN") else
  " In this run the upstream's breaker opened as well (%d attempts answered 503 `CIRCUIT_OPEN`): the breaker "
  "judges the upstream as a whole, so when the secondary fails too for a moment (its health checks and calls "
  "timing out while the machine stalls, see `gw*.log`) it stops every call for its open duration, the healthy "
  "region's included." % primary["attempts"]["503 CIRCUIT_OPEN"]) + ("" if not primary["answers"].get("503 READ_ONLY")
  else " Its %d requests answered 503 `READ_ONLY` are not the region's doing: the `redis-down` health rule entered "
  "on one gateway after a single slow Redis command (see Degradation levels), and they set this phase's recovery "
  "time." % primary["answers"]["503 READ_ONLY"]))


def why_twice(r):
    """How a key came to run more than once: "gateway" when it ran more often than its client sent it in attempts
    that may have reached the upstream (a 2xx, 502, 504 or no answer; a 503 or 409 refusal did not), so a gateway
    sent one of them upstream again itself; else "caller": the client's repeats ran it again."""
    reached = sum(1 for a in r["attempts"] if a[1] == 0 or 200 <= a[1] < 300 or a[1] in (502, 504))
    return "gateway" if executed[r["key"]] > reached else "caller"


if twice_total:
    kinds = collections.Counter((p["phase"], why_twice(r)) for p in rows for r in by_phase[p["phase"]]
                                if r["kind"] == "write" and r["key"] in set(p["twice"]))
    w("- **Writes executed more than once: %d** (%s). Each had an attempt that timed out or failed after the "
      "upstream had started it (a slow upstream, or the shared machine stalling). *The gateway sent it again*: it "
      "ran more often than its client sent it, so a gateway repeated it itself (a retry, or a failover to the other "
      "region; decision 0040 stops that where the upstream does not deduplicate keys). *The caller sent it again*: "
      "after an error (504 `TIMEOUT`, 502) or no answer the client repeated the key; a failed call releases its "
      "record, so the repeat ran, although the upstream had run the first one (reproduced by `WriteSafetyEndToEndTest."
      "theCallersRepeatOfAKeyedWriteThatTimedOutAfterTheUpstreamRanItDoesNotRunItAgain`, disabled until the record "
      "outlives an ambiguous failure)."
      % (twice_total, "; ".join("%s: %d %s" % (ph, n, {"gateway": "the gateway sent it again",
                                                      "caller": "the caller sent it again"}[k])
                                for (ph, k), n in sorted(kinds.items()))))
if degraded_elsewhere:
    w("- 503 `DEGRADED` outside the Redis phase (%d attempts in this run): a Redis command slower than "
      "`commandTimeout` (100 ms) on this shared two-core machine, running five JVMs, Redis and the load generator; a "
      "keyed write is then refused rather than decided alone, and a `SET NX` that timed out may still have reserved "
      "the key, which the next attempt meets as 409 `IDEMPOTENCY_CONFLICT` until its lease ends." % degraded_elsewhere)
w("")
w("### Answers by status and code")
w("")
w("The last answer of each request (the client's view), then every attempt (what the gateways answered).")
w("")
for p in rows:
    w("- **%s**: %s. Attempts: %s." % (
        p["phase"], ", ".join("%s × %d" % (k, v) for k, v in p["answers"].most_common()),
        ", ".join("%s × %d" % (k, v) for k, v in p["attempts"].most_common())))
w("")
w("### Success ratio per second after each failure")
w("")
w("Percent of the requests scheduled in each second that succeeded, from the failure on (`·` = at least 99 % of "
  "the baseline's ratio).")
w("")
w("```")
for p in rows:
    if "per_second" not in p:
        continue
    cells = ["·" if r is not None and r >= threshold else ("-" if r is None else "%d" % int(100 * r))
             for _, r, _ in p["per_second"]]
    w("%-17s %s" % (p["phase"], " ".join(cells)))
w("```")
w("")
w("### What the gateways showed")
w("")
w("Sampled every second from each gateway's admin listener: readiness (`/health/ready` and its detail), the "
  "upstream's group in use (`/admin/upstreams`) and the breaker states (`/admin/breakers`): for readiness the "
  "distinct values in the order first seen, for the others every change.")
w("")
w("| phase | gateway | ready | group in use | breaker |")
w("|---|---:|---|---|---|")
for phase in PHASES:
    for gw in range(3):
        w("| %s | %d | %s | %s | %s |" % (phase, gw, chain(seen[(phase, gw, "ready")]),
                                         chain(seen[(phase, gw, "group")]), chain(seen[(phase, gw, "breaker")])))
w("")
w("### Degradation levels")
w("")
if levels_available:
    w("The health rules of `bench/chaos/breakwater.yaml`: `sim-down` (signal `breaker_open` on `sim` → `degraded` "
      "at `upstream:sim`) and `redis-down` (signal `state_store_unreachable` → `read_only` at `global`), both with "
      "`minDwell: %ds`, evaluated every second. Levels read from each gateway's `GET /admin/control` every second "
      "(every change):" % RULE_DWELL)
    w("")
    w("| phase | gateway 0 | gateway 1 | gateway 2 |")
    w("|---|---|---|---|")
    for phase in PHASES:
        w("| %s | %s |" % (phase, " | ".join(chain(seen[(phase, gw, "levels")]) for gw in range(3))))
    w("")
    w("Did they move as the rules say? Per rule and gateway, over the whole run: the signal as the admin API showed "
      "it (a breaker `OPEN`; `/health/ready` saying the state store is down), the level, and the delays between them "
      "(samples 1 s apart, so each delay is known to about a second). A rule must enter within about a second of "
      "its signal and leave once the signal is off and it has held for `minDwell`.")
    w("")
    w("| rule | gateway | signal on, s | level entered, s | signal last on, s | level left, s | verdict |")
    w("|---|---:|---:|---:|---:|---:|---|")
    for rule, signal, level in RULES:
        for gw in range(3):
            for episode in rule_episodes(gw, signal, level):
                w("| %s | %d | %s |" % (rule, gw, " | ".join(episode)))
    # What the rule did beyond "while Redis does not answer" (gateway.md's words for the signal): held on after
    # Redis answered again, and entered with Redis answering (one command over commandTimeout refused a write).
    redis_rule = RULES[1]
    afterglow, without_outage = [], 0
    for gw in range(3):
        for episode in rule_episodes(gw, redis_rule[1], redis_rule[2]):
            if episode[1] == "never" or episode[3] == "still in force":
                continue
            entered, left = float(episode[1]), float(episode[3])
            down = [x["t"] for x in samples if x["gateway"] == gw and x["phase"] in PHASES
                    and "store down" in readiness(x) and entered - 2.5 <= x["t"] <= left]
            if down:
                afterglow.append(left - max(down))
            else:
                without_outage += 1
    afterglow = [a for a in afterglow if a > 2.5]  # beyond the samples' own second and the rules' evaluation
    if afterglow or without_outage:
        read_only = sum(v for p in rows for k, v in p["answers"].items() if k == "503 READ_ONLY")
        w("")
        w("**`redis-down` did not follow Redis alone in this run**: its `read_only` level held on %s after Redis "
          "answered again%s; %d requests ended 503 "
          "`READ_ONLY` in all. That, not the failure injected, is what sets the recovery time of a phase where it "
          "happens."
          % ("/".join(sorted({"%.0f s" % a for a in afterglow})) or "0 s",
             "" if not without_outage else ", and it entered %d time(s) while Redis answered (one command over "
             "`commandTimeout` refused one write, and the level followed for at least `minDwell`)" % without_outage,
             read_only))
else:
    w("**Not measurable on this commit**: the gateways have no health rules that set degradation levels (and no "
      "`GET /admin/control` to read them from). The hooks are in place: the rules to use (`sim-down`: breaker of "
      "`sim` open → `degraded` at `upstream:sim`; `redis-down`: state store unreachable → `read_only`) are written, "
      "commented out, at the end of `bench/chaos/breakwater.yaml`; `bench/chaos/chaos.py` samples "
      "`GET /admin/control` every second (`degradation_levels`), and this section then shows the levels per phase "
      "and checks every rule against its signal.")
w("")
w("## Reproduce")
w("")
w("`bench/chaos.sh` on a fresh clone (builds `breakwater-cli` if its jar is missing; starts its own redis-server, "
  "simulators and gateways on free loopback ports and stops them). Raw output: `bench/out/chaos/` (`requests.jsonl` "
  "one line per request with every attempt, `samples.jsonl` the admin samples, `executions.json` the simulators' "
  "per-key counters, `timeline.txt`, and each process's log).")
open(doc, "w").write("\n".join(lines) + "\n")

# The same figures as JSON next to the raw logs, for whoever reads them by program.
summary = [{k: (dict(v) if isinstance(v, collections.Counter) else v) for k, v in p.items() if k != "per_second"}
           for p in rows]
json.dump({"baseline_ratio": base_ratio, "phases": summary}, open(os.path.join(out_dir, "summary.json"), "w"),
          indent=1)
print("wrote", doc)
for p in rows:
    print("%-17s requests %5d  succeeded %5d  writes executed more than once %d  recovered %s" % (
        p["phase"], p["requests"], p["succeeded"], len(p["twice"]), p.get("recovered_s", "-")))
