# Shared by the bench scripts (source it): the lines every report's "Machine" section starts with.
#
#   machine_info PATH...   date, CPUs, CPU model, memory, kernel, load average, the commit (flagged when PATH...
#                          have uncommitted changes) and `$JAVA -version`; each script appends its own lines.
#   mvn_try ARGS...        $MVN (./mvnw) offline first (everything is normally in ~/.m2), online if that fails.
#                          Modules are always built from this checkout's reactor (-pl X -am), never from ~/.m2,
#                          so every script runs on a fresh clone.
#   wait_http NAME URL LOG  waits up to 30 s for URL to answer 200 (sent with $TENANT_HEADER when it is set); else
#                          prints LOG and exits.

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

wait_http() {
  for _ in $(seq 300); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' ${TENANT_HEADER:+-H "$TENANT_HEADER"} "$2" 2>/dev/null)" == "200" ]]; then
      return 0
    fi
    sleep 0.1
  done
  echo "$1 did not answer 200 on $2; its log:" >&2
  cat "$3" >&2 || true
  exit 1
}
