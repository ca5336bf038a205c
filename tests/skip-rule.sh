#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs a test program for automake's harness (LOG_COMPILER); with CI=true
# in the environment its exit 77 (SKIP) becomes a failure unless
# tests/expected-skips.txt lists it ("PROGRAM: exit 77"), so that CI cannot
# go green by skipping.  Usage: skip-rule.sh PROGRAM [ARG...]
"$@"
rc=$?
[ "$rc" -eq 77 ] || exit "$rc"
case $(printf '%s' "${CI:-}" | tr 'A-Z' 'a-z') in
true | 1 | yes) ;;
*) exit 77 ;;
esac
list=${CCMON_EXPECTED_SKIPS:-$(dirname "$0")/expected-skips.txt}
subject="$1: exit 77"
if [ -r "$list" ] &&
	grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$list" |
	sed 's/[[:space:]]*$//' |
	{ pats=$(cat); [ -n "$pats" ] &&
	  printf '%s\n' "$subject" | grep -Eq -e "$pats"; }; then
	exit 77
fi
echo "skip-rule.sh: $1 skipped (exit 77) with CI=$CI, and $list" \
     "does not list it as expected: failing" >&2
exit 1
