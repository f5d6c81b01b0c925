#!/usr/bin/env bash
# Fuzzes every Jazzer target longer than `./mvnw verify` does, and prints executions and findings per target.
#
# Run from the repository root:  bench/fuzz.sh [seconds-per-target]      (default 60)
#
# Each target fuzzes in its own JVM (its surefire execution fuzz-*, as in verify) for the given seconds instead of
# verify's fixed number of inputs. The generated corpora stay under each module's target/jazzer/ and grow from run
# to run (mvn clean drops them); a crashing input is written there as crash-<sha1> and listed below: turn each into
# a plain regression test (docs/testing.md). Overridable (env): MVN (./mvnw), JAVA_HOME.
# Needs: a JDK 17+ (Jazzer 0.30 fuzzes on 17 and 25), x86-64 or arm64 Linux or macOS (Jazzer's native driver).
# Writes bench/out/fuzz-<time>.log (the whole Maven output). Exits 1 when any target found something.
set -euo pipefail

cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/fuzz.sh [seconds-per-target]" >&2; exit 2; }
MVN=${MVN:-./mvnw}
MODULES=breakwater-core,breakwater-redis,breakwater-gateway
mkdir -p bench/out
LOG=bench/out/fuzz-$(date -u +%Y%m%dT%H%M%SZ).log
rm -f breakwater-*/target/jazzer/crash-* breakwater-*/target/jazzer/timeout-* breakwater-*/target/jazzer/oom-*

echo "fuzzing each target for ${SECONDS_PER_TARGET} s; Maven output in $LOG"
# -Dtest='*FuzzTest' keeps the default surefire run to the fuzz targets' seed corpora (regression mode, seconds);
# fuzz.skip=false undoes the targeted-run profile that -Dtest activates. A finding in one target must not stop the
# others, hence maven.test.failure.ignore; findings are read back from the log and target/jazzer below.
set +e
"$MVN" -pl "$MODULES" -am verify -Dtest='*FuzzTest' -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.skip=false \
  -Dfuzz.runs=-1 -Dfuzz.seconds="$SECONDS_PER_TARGET" -Dmaven.test.failure.ignore=true >"$LOG" 2>&1
rc=$?
set -e

# Per target: libFuzzer's closing "Done N runs in S second(s)" (absent when the target stopped at a finding, then
# the last status line "#N ..." gives the executions) and the JUnit verdict of that target's fuzzing run.
awk '
  /^\[INFO\] --- / { target = "" }
  /^\[INFO\] --- surefire:.*\(fuzz-/ { match($0, /\(fuzz-[a-z-]+\)/); target = substr($0, RSTART + 1, RLENGTH - 2);
                                      runs[target] = "?"; verdict[target] = "?"; order[++n] = target }
  target != "" && /^#[0-9]+/ { runs[target] = substr($1, 2) }
  target != "" && /^Done [0-9]+ runs/ { runs[target] = $2 }
  target != "" && /Tests run: .* -- in / { verdict[target] = ($0 ~ /FAILURE/ ? "FINDING" : "ok") }
  END {
    printf "%-24s %14s  %s\n", "target", "executions", "result"
    for (i = 1; i <= n; i++) printf "%-24s %14s  %s\n", order[i], runs[order[i]], verdict[order[i]]
  }' "$LOG"

found=0
for f in breakwater-*/target/jazzer/crash-* breakwater-*/target/jazzer/timeout-* breakwater-*/target/jazzer/oom-*; do
  [[ -e "$f" ]] || continue
  found=1
  echo "finding: $f ($(wc -c <"$f") bytes)"
done
grep -E "FuzzTestFinding|<<< (FAILURE|ERROR)" "$LOG" | sort -u | sed 's/^/  /' || true
if [[ $rc -ne 0 ]]; then
  echo "the build itself failed (exit $rc): see $LOG" >&2
  exit 1
fi
[[ $found -eq 0 ]] || exit 1
echo "no findings"
