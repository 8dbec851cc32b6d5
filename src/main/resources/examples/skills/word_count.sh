#!/usr/bin/env bash
# NAME: word_count
# DESCRIPTION: Count the lines, words and characters of a piece of text.
# PARAM: text (str) - The text to count
set -euo pipefail
text="${1:-}"
lines=$(printf '%s\n' "$text" | wc -l)
words=$(printf '%s' "$text" | wc -w)
chars=$(printf '%s' "$text" | wc -m)
printf 'lines=%d words=%d characters=%d\n' "$lines" "$words" "$chars"
