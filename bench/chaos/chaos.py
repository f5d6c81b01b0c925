"""Steady multi-tenant load, the failure timeline and the samples of bench/chaos.sh (stdlib only).

   chaos.py SETUP_JSON

SETUP_JSON (written by bench/chaos.sh) names the gateways' proxy and admin ports, the admin token, the simulators'
ports, the directory of the helper scripts that kill and start each process, and the output directory.

Load: RATE requests a second on a fixed schedule (open loop), request n belongs to tenant n % TENANTS, and a tenant
always starts at the same gateway (tenant % 3), as a client pinned to its nearest replica. Three in ten requests are
writes: POST /v1.0/me/sendMail with a fresh Idempotency-Key; the others read GET /v1.0/me/messages?$top=5.
The client is a careful one: when its gateway does not answer (refused, reset, no answer within CLIENT_TIMEOUT) it
sends the same request, same key, to the next gateway at once; on a 409 (the key in flight), 502, 503 or 504 it waits
the Retry-After (at most 2 s; 0.5 s without one) and sends it again, up to MAX_ATTEMPTS in all within CLIENT_BUDGET.

Every attempt and every request's final answer go to requests.jsonl: scheduled second, phase, tenant, home gateway,
kind, key, and per attempt the gateway, status and problem code. A sampler reads each gateway's admin API every
second (upstream group in use, failback, breakers, readiness, and the degradation levels when the gateway has them)
into samples.jsonl. The timeline's actions and their times go to timeline.json, the simulators' per-key execution
counters to executions.json.
"""
import http.client, json, os, queue, subprocess, sys, threading, time

setup = json.load(open(sys.argv[1]))
GATEWAYS = setup["gateways"]          # proxy ports, one per replica
ADMINS = setup["admins"]              # admin ports, same order
TOKEN = setup["token"]
SIMS = setup["simulators"]            # {"primary": port, "secondary": port}
CMDS = setup["cmd_dir"]
OUT = setup["out"]

RATE = float(os.environ.get("CHAOS_RATE", "60"))
TENANTS = int(os.environ.get("CHAOS_TENANTS", "20"))
WORKERS = 300
CLIENT_TIMEOUT = 10.0
CLIENT_BUDGET = 12.0
MAX_ATTEMPTS = 4
WARMUP = float(os.environ.get("CHAOS_WARMUP", "5"))
D = {name: float(os.environ.get("CHAOS_" + name.upper().replace("-", "_"), default)) for name, default in (
    ("baseline", "30"), ("gateway-kill", "40"), ("redis-restart", "40"), ("upstream-timeout", "45"),
    ("primary-region", "60"))}
GATEWAY_DOWN = 15.0      # s the killed gateway stays down
REDIS_DOWN = 10.0        # s Redis stays down
SLOW_FOR = 20.0          # s the upstream answers late
SLOW_MS = 2000           # its latency: twice the attempt timeout
PRIMARY_DOWN = 20.0      # s the primary region stays down

t0 = time.monotonic()
records = open(os.path.join(OUT, "requests.jsonl"), "w")
samples = open(os.path.join(OUT, "samples.jsonl"), "w")
out_lock = threading.Lock()
phase = "warmup"
timeline = []            # {"t": s since start, "phase": name, "action": what}
stop = threading.Event()
jobs = queue.Queue()


def now():
    return time.monotonic() - t0


def mark(action):
    timeline.append({"t": round(now(), 3), "phase": phase, "action": action})
    print("%7.1f s  %-17s %s" % (now(), phase, action), flush=True)


def run(script):
    subprocess.run(["bash", os.path.join(CMDS, script)], check=True, timeout=60)


def problem_code(body):
    try:
        return json.loads(body).get("code") or ""
    except Exception:
        return ""


class Client:
    """One worker's keep-alive connections, one per gateway."""

    def __init__(self):
        self.conns = {}

    def send(self, g, method, path, headers, body):
        try:
            c = self.conns.get(g)
            if c is None:
                c = self.conns[g] = http.client.HTTPConnection("127.0.0.1", GATEWAYS[g], timeout=CLIENT_TIMEOUT)
            c.request(method, path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            code = problem_code(data) if r.status >= 400 else ""
            retry_after = r.getheader("Retry-After")
            return r.status, code, float(retry_after) if retry_after and retry_after.isdigit() else None
        except Exception as e:
            self.conns.pop(g, None)
            return 0, "no-answer:" + type(e).__name__, None


def one(client, n, scheduled, my_phase):
    tenant = "tenant-%02d" % (n % TENANTS)
    home = (n % TENANTS) % len(GATEWAYS)
    write = n % 10 < 3
    key = "chaos-%d" % n if write else None
    headers = {"X-Tenant-Id": tenant, "X-User-Id": "user-%d" % (n % 7)}
    if write:
        method, path, body = "POST", "/v1.0/me/sendMail", b'{"message":{"subject":"chaos"}}'
        headers.update({"Content-Type": "application/json", "Idempotency-Key": key})
    else:
        method, path, body = "GET", "/v1.0/me/messages?$top=5", None
    attempts = []
    g = home
    while True:
        started = now()
        status, code, retry_after = client.send(g, method, path, headers, body)
        attempts.append([g, status, code, round(started, 3), round(now() - started, 4)])
        if len(attempts) >= MAX_ATTEMPTS or now() - scheduled > CLIENT_BUDGET:
            break
        if status == 0:
            g = (g + 1) % len(GATEWAYS)          # that gateway is gone: the next one, at once
        elif status in (409, 502, 503, 504):
            time.sleep(min(retry_after if retry_after is not None else 0.5, 2.0))
        else:
            break
    rec = {"n": n, "t": round(scheduled, 3), "phase": my_phase, "tenant": tenant, "home": home,
           "kind": "write" if write else "read", "key": key, "attempts": attempts,
           "status": attempts[-1][1], "code": attempts[-1][2], "end": round(now(), 3)}
    with out_lock:
        records.write(json.dumps(rec) + "\n")


def worker():
    client = Client()
    while True:
        item = jobs.get()
        if item is None:
            return
        one(client, *item)


def dispatcher():
    n = 0
    start = now()
    while not stop.is_set():
        at = start + n / RATE
        delay = at - now()
        if delay > 0:
            time.sleep(delay)
        jobs.put((n, at, phase))
        n += 1


def admin_get(port, path):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=0.8)
        c.request("GET", path, headers={"Authorization": "Bearer " + TOKEN})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body
    except Exception:
        return 0, b""


def json_or_none(status, body):
    if status != 200:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def degradation_levels(admin_port):
    """HOOK (health rules): the degradation level per scope this gateway applies, or None where the gateway has no
    such endpoint yet. Reads GET /admin/control as it is; report.py shows whatever comes back under "levels"."""
    status, body = admin_get(admin_port, "/admin/control")
    return json_or_none(status, body)


def sampler():
    while not stop.is_set():
        t = now()
        for i, port in enumerate(ADMINS):
            ready_status, ready = admin_get(port, "/health/ready")
            ups = json_or_none(*admin_get(port, "/admin/upstreams"))
            breakers = json_or_none(*admin_get(port, "/admin/breakers"))
            s = {"t": round(t, 3), "phase": phase, "gateway": i, "ready": ready_status,
                 "ready_detail": (json_or_none(ready_status, ready) or {}).get("detail") if ready_status else None,
                 "group_in_use": ups["upstreams"][0]["group_in_use"] if ups else None,
                 "failback": ups["upstreams"][0].get("failback") if ups else None,
                 "breakers": breakers, "levels": degradation_levels(port)}
            if ready_status == 503 and s["ready_detail"] is None:
                s["ready_detail"] = ready.decode("utf-8", "replace")[:200]
            with out_lock:
                samples.write(json.dumps(s) + "\n")
        time.sleep(max(0.0, 1.0 - (now() - t)))


def sim_counters(name):
    c = http.client.HTTPConnection("127.0.0.1", SIMS[name], timeout=5)
    c.request("GET", "/_sim/counters")
    body = json.loads(c.getresponse().read())
    c.close()
    return body


def sim_latency(name, ms):
    c = http.client.HTTPConnection("127.0.0.1", SIMS[name], timeout=5)
    c.request("POST", "/_sim/config", body=json.dumps({"latency": {"medianMs": ms, "sigma": 0}}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        sys.exit("the simulator %s refused the latency change: %d" % (name, r.status))


def enter(name):
    global phase
    phase = name
    mark("phase starts (%.0f s)" % D.get(name, WARMUP))
    return now()


def hold_until(start, seconds):
    time.sleep(max(0.0, start + seconds - now()))


def failure_phase(name, fail, failed, down_for, repair, repaired):
    """A phase: fail something at its start, repair it down_for seconds later, hold until the phase ends."""
    s = enter(name)
    fail()
    mark(failed)
    hold_until(s, down_for)
    repair()
    mark(repaired)
    hold_until(s, D[name])


def kill_primary():
    global primary_before
    primary_before = sim_counters("primary")   # the kill loses the primary's counters: read them first
    mark("primary's execution counters read")
    run("kill-primary.sh")


pool = [threading.Thread(target=worker, daemon=True) for _ in range(WORKERS)]
for t in pool:
    t.start()
threading.Thread(target=dispatcher, daemon=True).start()
threading.Thread(target=sampler, daemon=True).start()

s = enter("warmup")
hold_until(s, WARMUP)

s = enter("baseline")
hold_until(s, D["baseline"])

primary_before = None
failure_phase("gateway-kill", lambda: run("kill-gw2.sh"), "gateway 2 killed (SIGKILL)", GATEWAY_DOWN,
              lambda: run("start-gw2.sh"), "gateway 2 started again (ready)")
failure_phase("redis-restart", lambda: run("kill-redis.sh"), "redis-server killed (SIGKILL)", REDIS_DOWN,
              lambda: run("start-redis.sh"), "redis-server started again on its port (answers PING)")
failure_phase("upstream-timeout", lambda: [sim_latency(n, SLOW_MS) for n in SIMS],
              "both regions answer after %d ms (attempt timeout 1 s)" % SLOW_MS, SLOW_FOR,
              lambda: [sim_latency(n, 0) for n in SIMS], "both regions answer at once again")
failure_phase("primary-region", kill_primary, "primary region killed (SIGKILL)", PRIMARY_DOWN,
              lambda: run("start-primary.sh"), "primary region started again on its port")

phase = "end"
stop.set()
mark("load stops; waiting for the requests still in flight")
for _ in pool:
    jobs.put(None)
for t in pool:
    t.join(timeout=CLIENT_BUDGET + CLIENT_TIMEOUT)
time.sleep(SLOW_MS / 1000.0 + 0.5)             # a late execution still counts
executions = {"primary_before_kill": primary_before["sendMailExecutions"],
              "primary_after_restart": sim_counters("primary")["sendMailExecutions"],
              "secondary": sim_counters("secondary")["sendMailExecutions"],
              "untracked": primary_before["untrackedKeys"] + sim_counters("primary")["untrackedKeys"]
              + sim_counters("secondary")["untrackedKeys"]}
with out_lock:
    records.close()
    samples.close()
json.dump(executions, open(os.path.join(OUT, "executions.json"), "w"))
json.dump({"timeline": timeline, "durations": D, "warmup": WARMUP, "rate": RATE, "tenants": TENANTS,
           "gateway_down_s": GATEWAY_DOWN, "redis_down_s": REDIS_DOWN, "slow_for_s": SLOW_FOR, "slow_ms": SLOW_MS,
           "primary_down_s": PRIMARY_DOWN, "max_attempts": MAX_ATTEMPTS, "client_budget_s": CLIENT_BUDGET},
          open(os.path.join(OUT, "timeline.json"), "w"), indent=1)
mark("done")
