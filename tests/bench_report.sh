#!/bin/sh
# SPDX-License-Identifier: ISC
# What the reports of `ccmon analyze` cost (issue 14, item 2): wall, CPU
# and peak RSS of the text report, --json and --html --config, side by
# side, on
#   - an incident-heavy trace log of BENCH_SIZE_MB (default 300): nothing
#     but components going GONE, refused, CONNECTED and ACTIVE again, so
#     every line is a transition, an incident or a connect attempt;
#   - a many-names log: BENCH_REPORT_NAMES (default 50000) distinct
#     component names, each through one such outage.
# Run by `make bench` after tests/bench.sh with CCMON in the environment.
# Every run under /usr/bin/time after a warm-up read of the file; the last
# column but one is the wall time over the text report's; the last, the
# bytes written (with --html, the text on standard output and the page).  Figures only, no
# thresholds; the exit status is non-zero when a run fails.

set -u

: "${CCMON:?CCMON must name the ccmon binary}"
BENCH_SIZE_MB=${BENCH_SIZE_MB:-300}
BENCH_REPORT_NAMES=${BENCH_REPORT_NAMES:-50000}
TIME=/usr/bin/time

if [ ! -x "$TIME" ]; then
	echo "bench_report.sh: $TIME is missing (Debian package 'time')" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ccmon-bench-report.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# gen NAMES BYTES OUT: outages, one component after another out of NAMES
# distinct ones, 10 ms between lines, until OUT holds BYTES.  A trace-shape
# log (time of day only); the date is given with --date.
gen() {
	awk -v names="$1" -v bytes="$2" 'BEGIN {
		t = 0; n = 0; k = 0
		while (n < bytes) {
			c = sprintf("op-cs%06d.imp1-example-com", k % names)
			h = sprintf("10.%d.%d.%d", int(k % names / 65536) % 256,
				    int(k % names / 256) % 256, k % names % 256)
			k++
			m[0] = "Component " c " is GONE"
			m[1] = "Connecting on fd 22 to host '\''" h "'\'', port 7999"
			m[2] = "Unable to connect to host '\''" h "'\'', port 7999:(111) Connection refused"
			m[3] = "Connecting on fd 22 to host '\''" h "'\'', port 7999"
			m[4] = "Component " c " is CONNECTED"
			m[5] = "Component " c " is ACTIVE"
			for (i = 0; i < 6; i++) {
				s = int(t / 1000) % 86400
				line = sprintf("%02d:%02d:%02d.%03d |info rtr-jsm-1.imp1 router %s", \
					       int(s / 3600), int(s / 60) % 60, s % 60, t % 1000, m[i])
				print line
				n += length(line) + 1
				t += 10
			}
		}
	}' >"$3"
}

# a configuration naming a few of the components, so that impact and
# alarms have something to follow
cat >"$tmp/bench.conf" <<EOF
[agent]
log = /var/log/rtr-jsm-1_*.log
node = imp1.example.com
[server cs1]
host = 10.0.0.1
port = 7999
probe = none
[server cs2]
host = 10.0.0.2
port = 7999
probe = none
EOF

failed=0
base_wall=
# measure NAME LOG ARGS...: one run of ccmon analyze ARGS LOG
measure() {
	name=$1 log=$2
	shift 2
	cat "$log" >/dev/null
	rm -f "$tmp/out.html"
	LC_ALL=C $TIME -f '%e %M %U %S' -o "$tmp/time" "$CCMON" analyze \
		--date 2026-11-03 "$@" "$log" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "bench_report.sh: $name failed with exit status $rc:" >&2
		tail -n 5 "$tmp/err" >&2
		failed=1
	fi
	set -- $(tail -n 1 "$tmp/time")
	wall=${1:-0} rss=${2:-0}
	cpu=$(awk -v u="${3:-0}" -v s="${4:-0}" 'BEGIN { printf "%.2f", u + s }')
	base_wall=${base_wall:-$wall}
	ratio=$(awk -v w="$wall" -v c="$base_wall" \
		'BEGIN { if (c > 0) printf "%.2f", w / c; else print "n/a" }')
	printf '%-22s %8s %8s %14s %8s %12s\n' "$name" "$wall" "$cpu" "$rss" \
		"$ratio" "$(cat "$tmp/out" "$tmp/out.html" 2>/dev/null | wc -c)"
}

# run LOG TITLE: the three reports on LOG
run() {
	printf '\n%s: %s bytes, %s lines\n' "$2" "$(wc -c <"$1")" \
		"$(wc -l <"$1")"
	printf '%-22s %8s %8s %14s %8s %12s\n' report wall_s cpu_s \
		peak_rss_KiB x_text out_bytes
	base_wall=
	measure text "$1"
	measure --json "$1" --json
	measure '--html --config' "$1" --html "$tmp/out.html" \
		--config "$tmp/bench.conf"
}

bytes=$(awk -v s="$BENCH_SIZE_MB" 'BEGIN { printf "%d", s * 1000000 }')
echo "generating a ${BENCH_SIZE_MB} MB incident-heavy log ..."
gen 4 "$bytes" "$tmp/rtr-jsm-1_000001.log"
run "$tmp/rtr-jsm-1_000001.log" "incident-heavy log"
rm -f "$tmp/rtr-jsm-1_000001.log"

names_bytes=$(awk -v n="$BENCH_REPORT_NAMES" 'BEGIN { printf "%d", n * 6 * 90 }')
gen "$BENCH_REPORT_NAMES" "$names_bytes" "$tmp/rtr-jsm-1_000002.log"
run "$tmp/rtr-jsm-1_000002.log" \
	"many names ($BENCH_REPORT_NAMES distinct components)"

exit $failed
