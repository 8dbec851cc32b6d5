#!/usr/bin/env bash
# MCP and OpenAI-compatible figures (issue 16), over loopback, the server started by ./brain-trust as the product runs:
#  - MCP resources/read of the TELOS block and tools/call of a trivial skill (a script printing "ok"), p50/p99, with
#    the official Java SDK client over Streamable HTTP (/mcp) and over stdio (brain-trust mcp);
#  - time to first streamed token through POST /v1/chat/completions with the LLM stand-in answering at once, beside
#    the stand-in's own round trip (the difference is our overhead; target < 20 ms);
#  - for reference, a cached GET /api/v1/context on the same server.
# No anchor exists for these (../shared/anchors has none): the reference line is the same server's plain API.
# Usage: bash bench/mcp.sh   (bench.reads, bench.calls, bench.streams system properties change the counts)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$("$here/classpath.sh")"
launcher="$here/../brain-trust"
"$launcher" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
java -Dbench.launcher="$launcher" -cp "$cp" dev.braintrust.bench.McpBench "$work" 2>"$work/bench.log" || { tail -40 "$work/bench.log"; exit 1; }
