#!/bin/sh
# SPDX-License-Identifier: ISC
# Many component names (issue 10, item 2): a log of BENCH_NAMES (default
# 100000) distinct names, each ACTIVE then GONE, replayed by
#   ccmon analyze --json            (whole run)
#   ccmond -f                       (start to the first `ccmon status`
#                                    answer), with max_components above the
#                                    count (every name tracked) and at its
#                                    default (10000)
# beside grep -c counting the same lines.  Run by tests/bench.sh with CCMON
# and CCMOND in the environment; figures only, no thresholds.  ccmond runs
# without journald here: its alarms go to its standard error.

set -u

: "${CCMON:?CCMON must name the ccmon binary}"
CCMOND=${CCMOND:-$(dirname "$CCMON")/ccmond}
BENCH_NAMES=${BENCH_NAMES:-100000}
# a start that takes longer than this is reported as such, not waited for
BENCH_START_LIMIT_S=${BENCH_START_LIMIT_S:-600}
PYTHON3=${PYTHON3:-python3}
TIME=/usr/bin/time

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ccmon-bench-scale.XXXXXX") || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$tmp/log" "$tmp/state" "$tmp/run"
chmod 700 "$tmp/state" "$tmp/run"
log=$tmp/log/rtr-jsm-1_000001.log
"$PYTHON3" - "$BENCH_NAMES" "$log" <<'PY' || exit 1
import sys, time
n, out = int(sys.argv[1]), sys.argv[2]
t0 = time.time() - 3600
def st(t):
    return time.strftime("%H:%M:%S", time.localtime(t)) + \
        ".%03d" % (int(t * 1000) % 1000)
with open(out, "w") as f:
    for state, base in (("ACTIVE", 0), ("GONE", 600)):
        for i in range(n):
            f.write("%s |info router Component op-n%06d.imp1-example-com "
                    "is %s\n" % (st(t0 + base + i * 0.001), i, state))
PY

failed=0
printf '\nmany names: %s distinct component names, %s lines\n' \
	"$BENCH_NAMES" "$(wc -l <"$log")"
printf '%-34s %10s %14s\n' tool wall_s peak_rss_KiB
cat "$log" >/dev/null
LC_ALL=C $TIME -f '%e %M' -o "$tmp/time" grep -c ' is GONE$' "$log" \
	>"$tmp/grep.out" 2>&1 || failed=1
set -- $(tail -n 1 "$tmp/time")
printf '%-34s %10s %14s\n' "grep -c" "$1" "$2"
LC_ALL=C $TIME -f '%e %M' -o "$tmp/time" "$CCMON" analyze --json "$log" \
	>"$tmp/analyze.json" 2>"$tmp/analyze.err" || {
	echo "bench_scale.sh: ccmon analyze failed:" >&2
	cat "$tmp/analyze.err" >&2
	failed=1
}
set -- $(tail -n 1 "$tmp/time")
printf '%-34s %10s %14s\n' "ccmon analyze --json" "$1" "$2"

# start_to_status MAX: ccmond on the log, seconds until status answers
start_to_status() {
	cat >"$tmp/c.conf" <<EOF
[agent]
log = $tmp/log/rtr-jsm-1_*.log
node = imp1.example.com
state_dir = $tmp/state
runtime_dir = $tmp/run
snmp = no
log_silent_after = 0
max_components = $1
EOF
	rm -f "$tmp/state/"* "$tmp/run/"*
	t0=$(date +%s.%N)
	"$CCMOND" -f -c "$tmp/c.conf" >/dev/null 2>"$tmp/ccmond.err" &
	pid=$!
	answered=
	while :; do
		if "$CCMON" status -c "$tmp/c.conf" --json >"$tmp/status.json" \
			2>/dev/null; then
			answered=1
			break
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		now=$(date +%s.%N)
		if awk -v a="$t0" -v b="$now" -v l="$BENCH_START_LIMIT_S" \
			'BEGIN { exit !(b - a > l) }'; then
			break
		fi
		sleep 0.05
	done
	t1=$(date +%s.%N)
	rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	pid=
	wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	if [ -z "$answered" ]; then
		printf '%-34s %10s %14s  NO ANSWER\n' \
			"ccmond start->status (max $1)" ">$wall" "${rss:-?}"
		tail -n 5 "$tmp/ccmond.err" >&2
		failed=1
		return
	fi
	printf '%-34s %10s %14s  %s\n' "ccmond start->status (max $1)" \
		"$wall" "${rss:-?}" "$("$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("%d components, %d alarms, %s untracked, %d stderr lines" % (
    len(d["components"]), len(d["alarms"]), d["agent"].get("untracked"),
    sum(1 for _ in open(sys.argv[2]))))' "$tmp/status.json" "$tmp/ccmond.err" \
		2>&1)"
}
start_to_status $((BENCH_NAMES * 2))
start_to_status 10000
exit $failed
