#!/usr/bin/env bash
# Agents-and-workflows figures (issue 5), all measured in this one run on this machine:
#  - fan-out of 8 agents whose model (a local HTTP stand-in speaking OpenAI's protocol) answers after
#    500 ms: wall time with parallelism 8 against parallelism 1;
#  - orchestration overhead per agent with an instant model, in-process and over loopback HTTP;
#  - 1,000 stored runs: listing and fetching one, on SQLite and on PostgreSQL (a throwaway cluster
#    from the installed PostgreSQL binaries, or BRAIN_TRUST_TEST_PG_URL).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$("$here/classpath.sh")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
java -cp "$cp" dev.braintrust.bench.RunBench "$work"
