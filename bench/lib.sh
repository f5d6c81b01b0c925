# Shared by the bench scripts (source it): the lines every report's "Machine" section starts with.
#
#   machine_info PATH...   date, CPUs, CPU model, memory, kernel, load average, the commit (flagged when PATH...
#                          have uncommitted changes) and `$JAVA -version`; each script appends its own lines.
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
