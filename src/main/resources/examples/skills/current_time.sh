#!/usr/bin/env bash
# NAME: current_time
# DESCRIPTION: The current date and time, in ISO 8601, in a given time zone (default UTC).
# PARAM: timezone (str, optional) - An IANA time zone such as Europe/Paris
set -euo pipefail
tz="${1:-UTC}"
if [[ ! "$tz" =~ ^[A-Za-z0-9_+/-]+$ ]]; then
  echo "not a time zone name: $tz" >&2
  exit 2
fi
TZ="$tz" date '+%Y-%m-%dT%H:%M:%S%z (%A)'
