# Shared by the bench scripts (source it): the lines every report's "Machine" section starts with.
#
#   machine_info PATH...   date, CPUs, CPU model, memory, kernel, load average, the commit (flagged when PATH...
#                          have uncommitted changes) and `$JAVA -version`; each script appends its own lines.
#   free_port [bus]        a free loopback port (never 6379); with bus, port + 10000 is free too (Cluster nodes).
#   mvn_try ARGS...        $MVN (./mvnw) offline first (everything is normally in ~/.m2), online if that fails.
#                          Modules are always built from this checkout's reactor (-pl X -am), never from ~/.m2,
#                          so every script runs on a fresh clone.

mvn_try() {
  "${MVN:-./mvnw}" -q -o "$@" || { echo "offline build failed; retrying online" >&2; "${MVN:-./mvnw}" -q "$@"; }
}

machine_info() {
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "kernel: $(uname -sr)"
  echo "load average at start (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(
    [[ -n "$(git status --porcelain -- "$@" 2>/dev/null)" ]] && echo " + uncommitted changes in $*" || true)"
  echo "java -version:"
  "${JAVA:-java}" -version 2>&1 | sed 's/^/  /'
}

# A loopback port that is free, and (for Cluster nodes) whose bus port +10000 is free too; never 6379.
free_port() {
  python3 - "$@" <<'PY'
import random, socket, sys
need_bus = len(sys.argv) > 1 and sys.argv[1] == "bus"
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(1000):
    p = random.randint(20000, 29999) if need_bus else random.randint(20000, 60000)
    if p != 6379 and free(p) and (not need_bus or free(p + 10000)):
        print(p)
        sys.exit(0)
sys.exit("no free port")
PY
}
