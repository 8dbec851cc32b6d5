#!/usr/bin/env bash
# History figures (issue 15), measured in this one run on this machine, each beside the git program doing the
# same on the same files (the standard tool, when installed):
#  - recording a version of a home of 200 context files of 10 KiB (p50/p95): one file edited, nothing changed,
#    the first version; a local snapshot load with its version id against the folder alone;
#  - listing a history of 10,000 versions: first page after opening, warm, filtered by a file, deep page.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$("$here/classpath.sh")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
java -Xmx128m -cp "$cp" dev.braintrust.bench.HistoryBench "$work"
