#!/usr/bin/env bash
# Prints the test classpath (compiling first); bench scripts source it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >&2
echo "$root/target/test-classes:$root/target/classes:$(cat target/bench-classpath.txt)"
