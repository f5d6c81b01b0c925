"""Steady load and the measurements of bench/failover.sh (stdlib only).

   load.py GATEWAY_PORT ADMIN_PORT TOKEN KILL_CMD_FILE RESTART_CMD_FILE RUNS OUT_JSON

Keeps THREADS keep-alive connections sending GET /noop through the gateway, one call after another, for the whole
run. Each round: steady load for WARM seconds, then the primary is killed (SIGKILL, by running KILL_CMD_FILE) and the
round records, from the kill: the calls that failed (not 200, or no answer) until the end of the round, the time
until the first call started after the kill was answered 200 (necessarily by the secondary), and the time until the
admin API names the secondary as the group in use. Then the primary is started again (RESTART_CMD_FILE) and the round
waits until the primary is the group in use again (the failback), which is timed too.
"""
import http.client, json, subprocess, sys, threading, time

THREADS = 8
WARM = 3.0
AFTER = 4.0

gw_port, admin_port, token, kill_cmd, restart_cmd, runs, out = sys.argv[1:8]
gw_port, admin_port, runs = int(gw_port), int(admin_port), int(runs)
events = []          # (t_start, t_end, ok)
lock = threading.Lock()
stop = threading.Event()


def worker():
    conn = None
    while not stop.is_set():
        t0 = time.monotonic()
        ok = False
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", gw_port, timeout=10)
            conn.request("GET", "/noop", headers={"X-Tenant-Id": "bench"})
            r = conn.getresponse()
            r.read()
            ok = r.status == 200
        except Exception:
            conn = None
        with lock:
            events.append((t0, time.monotonic(), ok))


def group_in_use():
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=5)
    c.request("GET", "/admin/upstreams", headers={"Authorization": "Bearer " + token})
    body = json.loads(c.getresponse().read())
    c.close()
    return body["upstreams"][0]["group_in_use"]


def wait_group(name, limit):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if group_in_use() == name:
            return time.monotonic()
        time.sleep(0.005)
    return None


threads = [threading.Thread(target=worker, daemon=True) for _ in range(THREADS)]
for t in threads:
    t.start()
rounds = []
for n in range(runs):
    if wait_group("primary", 60) is None:
        sys.exit("the primary did not become the group in use")
    time.sleep(WARM)
    with lock:
        before = len(events)
    kill_at = time.monotonic()
    subprocess.run(["bash", kill_cmd], check=True)
    switched = wait_group("secondary", 30)
    time.sleep(max(0.0, kill_at + AFTER - time.monotonic()))
    with lock:
        window = events[before:]
    steady = [e for e in events[:before] if e[0] >= kill_at - WARM]
    after = [e for e in window if e[0] >= kill_at]
    first_ok = min((e[1] for e in after if e[2]), default=None)
    rounds.append({
        "calls_after_kill": len(window),
        "failed": sum(1 for e in window if not e[2]),
        "first_ok_ms": None if first_ok is None else round((first_ok - kill_at) * 1000, 1),
        "group_switch_ms": None if switched is None else round((switched - kill_at) * 1000, 1),
        "steady_rate": round(len(steady) / WARM),
        "failed_before_kill": sum(1 for e in steady if not e[2]),
    })
    restart_at = time.monotonic()
    subprocess.run(["bash", restart_cmd], check=True)
    back = wait_group("primary", 120)
    rounds[-1]["failback_s"] = None if back is None else round(back - restart_at, 1)
    with lock:
        rounds[-1]["failed_during_failback"] = sum(1 for e in events if e[0] >= restart_at and not e[2])
    print("round", n + 1, rounds[-1], flush=True)
stop.set()
json.dump(rounds, open(out, "w"), indent=1)
