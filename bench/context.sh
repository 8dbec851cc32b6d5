#!/usr/bin/env bash
# Context figures (issue 2): ours (cold load, cached read, edit-to-visible) and, side by side in the
# same run, the original design's cost per read (md5 of the four TELOS files on every hit, from
# ../shared/anchors/orig_context_app.py), on the same home.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
anchors="${ANCHORS:-$here/../../shared/anchors}"
cp="$("$here/classpath.sh")"
home="$(mktemp -d)"; trap 'rm -rf "$home"' EXIT
out="$(java -cp "$cp" dev.braintrust.bench.ContextBench "$home")"
echo "$out" | grep -v '^ours_'
ours_ns="$(echo "$out" | sed -n 's/^ours_cached_read_ns=//p')"
anchor_ns="$(PAI_HOME="$home" python3 - "$anchors" <<'PY'
import sys, timeit, types, pathlib, os
src = pathlib.Path(sys.argv[1], "orig_context_app.py").read_text()
# Only the context functions: the anchor's load() without FastAPI.
code = src.split("app = FastAPI()")[0].replace("from fastapi import FastAPI", "")
mod = types.ModuleType("anchor"); exec(code, mod.__dict__)
mod.load()
n = 20000
print(timeit.timeit(mod.load, number=n) / n * 1e9)
PY
)"
printf 'anchor (original design) cached read: %.1f ns\n' "$anchor_ns"
python3 -c "print('ratio: our cached read is %.0fx cheaper than the original design\'s' % ($anchor_ns / $ours_ns))"
