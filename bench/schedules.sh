#!/usr/bin/env bash
# Schedule figures (issue 17): fire lag, from a fire's due time to the start of its run, over
# 20 schedules x 5 minutes = 100 fires (arguments: [schedules] [minutes]), with the real scheduler,
# the SQLite run database and a local model stand-in that answers at once. Takes about minutes + 1 min.
# There is no anchor for this one: cron itself fires at whole minutes, and the target is < 1 s.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$("$here/classpath.sh")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
java -Xmx128m -XX:+UseSerialGC -cp "$cp" dev.braintrust.bench.ScheduleBench "$work" "$@"
