#!/usr/bin/env bash
# NAME: current_time
# DESCRIPTION: The current date and time, in ISO 8601, in a given time zone (default UTC).
# PARAM: timezone (str, optional) - An IANA time zone such as Europe/Paris
set -euo pipefail
tz="${1:-UTC}"
zones="${TZDIR:-/usr/share/zoneinfo}"
if [[ ! "$tz" =~ ^[A-Za-z0-9_+/-]+$ ]]; then
  echo "timezone: '$tz' is not a time zone name; use an IANA name such as Europe/Paris" >&2
  exit 2
fi
# An unknown zone makes date(1) answer in UTC without a word: check that the zone exists first.
if [[ "$tz" != UTC && "$tz" != Etc/UTC && ! -f "$zones/$tz" ]]; then
  if [[ -d "$zones" ]]; then
    echo "timezone: unknown time zone '$tz'; use an IANA name such as Europe/Paris or America/New_York (see $zones)" >&2
  else
    echo "timezone: cannot check '$tz': this machine has no time zone database ($zones; install tzdata), only UTC works" >&2
  fi
  exit 2
fi
TZ="$tz" date '+%Y-%m-%dT%H:%M:%S%z (%A)'
