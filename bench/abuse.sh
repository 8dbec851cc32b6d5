#!/usr/bin/env bash
# The hostile-client battery of issue 11: each scenario starts a server through the launcher (./brain-trust, its JVM
# options: -Xmx128m, serial GC), attacks it while /health is probed every 20 ms, and prints one line:
#   scenario=<name> survived=yes|no worst_health_ms=<ms> heap_mib=<before>-><after> rss_mib=<before>-><after> note=...
# (heap measured right after a full GC, jcmd GC.run). One function per scenario: add one by writing a function and
# listing it in SCENARIOS (a scenario may be a Java method of dev.braintrust.bench.AbuseBench, or any command that
# prints such a line). Usage: bash bench/abuse.sh [scenario ...]   (default: all)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$("$here/classpath.sh")"
launcher="$here/../brain-trust"
"$launcher" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

java_scenario() { # <name>: one method of AbuseBench, its log beside the work folder
  java -Dbench.launcher="$launcher" -cp "$cp" dev.braintrust.bench.AbuseBench "$1" "$work/$1" 2>"$work/$1.log" \
    || echo "scenario=$1 survived=no note=the bench itself failed: $(tail -3 "$work/$1.log" | tr '\n' ' ')"
}

webhook_flood()       { java_scenario webhook-flood; }        # 16 parallel 25 MiB bad-signature deliveries, then a good one
unknown_files()       { java_scenario unknown-files; }        # 200,000 unique unknown names under /js/
stalled_sse()         { java_scenario stalled-sse; }          # an event-stream client that never reads
sigterm_live_stream() { java_scenario sigterm-live-stream; }  # SIGTERM while a run waits on its model, with a live stream
nested_json()         { java_scenario nested-json; }          # 500,000 nested '[' to run-workflow, and such a workflow file

SCENARIOS=(webhook_flood unknown_files stalled_sse sigterm_live_stream nested_json)

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for s in "${@:-${SCENARIOS[@]}}"; do
  "${s//-/_}"
done
