#!/bin/sh
# SPDX-License-Identifier: ISC
# Benchmark of `ccmon analyze` against grep, pcre2grep, wc and mtail (the
# log-to-metrics tool a user would otherwise pick) on one big trace-shape
# router log (tests/genlog.py --bench).  Run by `make bench` with CCMON and
# BENCH_SIZE_MB (default 300) in the environment.
#
# Every tool runs once, after a warm-up read of the file, under
# /usr/bin/time (wall seconds, user + system CPU seconds, peak RSS in KiB);
# the last column is the tool's wall time over ccmon's.  The exit status
# is non-zero if any tool fails or ccmon, grep and mtail disagree.

set -u

: "${CCMON:?CCMON must name the ccmon binary}"
BENCH_SIZE_MB=${BENCH_SIZE_MB:-300}
PYTHON3=${PYTHON3:-python3}
here=$(cd "$(dirname "$0")" && pwd)
TIME=/usr/bin/time

if [ ! -x "$TIME" ]; then
	echo "bench.sh: $TIME is missing (Debian package 'time')" >&2
	exit 1
fi
for tool in grep pcre2grep wc mtail; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench.sh: $tool is missing (pcre2grep: Debian" \
			"pcre2-utils; mtail: Debian mtail)" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ccmon-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP

# The four recognised messages (agent's parsers/logline.c), as ERE and PCRE.
ERE="Component [^[:space:]\"']+ is (CONNECTED|ACTIVE|GONE)\\b\
|Connecting on fd [0-9]{1,9} to host '[^']*', port [0-9]{1,5}\\b\
|Unable to connect to host '[^']*', port [0-9]{1,5} ?:\\([0-9]{1,9}\\)\
|Failed to connect to component [^[:space:]\"']+"
PCRE="Component [^\\s\"']+ is (?:CONNECTED|ACTIVE|GONE)\\b\
|Connecting on fd \\d{1,9} to host '[^']*', port \\d{1,5}\\b\
|Unable to connect to host '[^']*', port \\d{1,5} ?:\\(\\d{1,9}\\)\
|Failed to connect to component [^\\s\"']+"

big=$tmp/rtr-jsm-1_000001.log
small=$tmp/rtr-jsm-1_000002.log
echo "generating a ${BENCH_SIZE_MB} MB trace log ..."
expected=$("$PYTHON3" "$here/genlog.py" --bench "$BENCH_SIZE_MB" --out "$big") ||
	{ echo "bench.sh: genlog.py --bench failed" >&2; exit 1; }
small_mb=$(awk -v s="$BENCH_SIZE_MB" 'BEGIN { printf "%g", s / 10 }')
"$PYTHON3" "$here/genlog.py" --bench "$small_mb" --out "$small" >/dev/null ||
	{ echo "bench.sh: genlog.py --bench failed" >&2; exit 1; }

bytes=$(wc -c <"$big")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

failed=0
base_wall=
# measure NAME OUTFILE CMD...: runs CMD once, stdout to OUTFILE; sets
# wall/rss; counts a failure.  grep's exit 1 means "no match", not failure.
# The first tool measured after `base_wall=` is the one the ratios are to.
measure() {
	name=$1 out=$2
	shift 2
	cat "$big" >/dev/null
	LC_ALL=C $TIME -f '%e %M %U %S' -o "$tmp/time" "$@" >"$out" \
		2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 1 ] && [ "$name" != ccmon ] &&
	                          [ "$name" != wc ]; }; then
		echo "bench.sh: $name failed with exit status $rc:" >&2
		cat "$tmp/err" >&2
		failed=1
	fi
	set -- $(tail -n 1 "$tmp/time")
	wall=${1:-0} rss=${2:-0}
	cpu=$(awk -v u="${3:-0}" -v s="${4:-0}" 'BEGIN { printf "%.2f", u + s }')
	rate=$(awk -v b="$bytes" -v w="$wall" \
		'BEGIN { if (w > 0) printf "%.0f", b / 1e6 / w; else print "n/a" }')
	base_wall=${base_wall:-$wall}
	ratio=$(awk -v w="$wall" -v c="$base_wall" \
		'BEGIN { if (c > 0) printf "%.2f", w / c; else print "n/a" }')
	printf '%-10s %8s %8s %14s %8s %8s\n' "$name" "$wall" "$cpu" "$rss" \
		"$rate" "$ratio"
}
header() {
	printf '%-10s %8s %8s %14s %8s %8s\n' tool wall_s cpu_s peak_rss_KiB \
		MB/s x_ccmon
}

# mtail's program: the same four messages, one counter (mtail --one_shot
# reads the file once and prints its metrics as JSON).
mkdir "$tmp/mtail" || exit 1
printf 'counter component_lines\n/%s/ {\n  component_lines++\n}\n' \
	"$PCRE" >"$tmp/mtail/ccmon.mtail"

printf '\nfile: %s bytes (%s MB)\n' "$bytes" "$mb"
header
measure ccmon "$tmp/ccmon.json" "$CCMON" analyze --json "$big"
ccmon_rss=$rss
measure grep "$tmp/grep.out" grep -cE "$ERE" "$big"
measure pcre2grep "$tmp/pcre2grep.out" pcre2grep -c "$PCRE" "$big"
measure wc "$tmp/wc.out" wc -l "$big"
measure mtail "$tmp/mtail.out" mtail --one_shot --one_shot_format=json \
	--progs "$tmp/mtail" --logs "$big" --logtostderr

# Issue 14's goal: ccmon analyze --json in half grep's time, as medians of
# BENCH_RUNS (default 5) runs taken in turn in the same loop, so that a
# busy neighbour weighs on all alike; ccmon also on one thread
# (CCMON_SCAN_THREADS=1, agent/io/input.c) to show what the reading thread
# brings.
BENCH_RUNS=${BENCH_RUNS:-5}
: >"$tmp/runs"
i=0
while [ "$i" -lt "$BENCH_RUNS" ]; do
	cat "$big" >/dev/null
	LC_ALL=C $TIME -f 'ccmon %e' -a -o "$tmp/runs" "$CCMON" analyze \
		--json "$big" >/dev/null 2>&1 || failed=1
	CCMON_SCAN_THREADS=1 LC_ALL=C $TIME -f 'ccmon_1thr %e' -a \
		-o "$tmp/runs" "$CCMON" analyze --json "$big" >/dev/null \
		2>&1 || failed=1
	# to a file: GNU grep stops at the first match when output is
	# /dev/null
	LC_ALL=C $TIME -f 'grep %e' -a -o "$tmp/runs" grep -cE \
		'Component [^ ]+ is (CONNECTED|ACTIVE|GONE)' "$big" \
		>"$tmp/grep1.out"
	LC_ALL=C $TIME -f 'wc %e' -a -o "$tmp/runs" wc -l "$big" \
		>"$tmp/wc1.out"
	i=$((i + 1))
done
printf '\nmedians of %s runs in turn (wall s; ccmon_1thr: CCMON_SCAN_THREADS=1;' \
	"$BENCH_RUNS"
printf " grep -cE 'Component [^ ]+ is (CONNECTED|ACTIVE|GONE)')\n"
for tool in ccmon ccmon_1thr grep wc; do
	awk -v t="$tool" '$1 == t { print $2 }' "$tmp/runs" | sort -n |
		awk -v t="$tool" '{ v[NR] = $1 } END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-10s %8.3f\n", t, m }'
done | tee "$tmp/medians"
awk '{ m[$1] = $2 } END { if (m["grep"] > 0)
	printf "ccmon / grep: %.2f (goal <= 0.50)\n", m["ccmon"] / m["grep"] }' \
	"$tmp/medians"

lines=$(awk '{ print $1 }' "$tmp/wc.out")
grep_n=$(cat "$tmp/grep.out")
pcre_n=$(cat "$tmp/pcre2grep.out")
ccmon_n=$("$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(i["recognized"] for i in d["inputs"]))' "$tmp/ccmon.json" 2>/dev/null)
ccmon_lines=$("$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(i["lines"] for i in d["inputs"]))' "$tmp/ccmon.json" 2>/dev/null)
mtail_n=$("$PYTHON3" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["component_lines"][0]["LabelValues"][0]["Value"]["Value"])' \
	"$tmp/mtail.out" 2>/dev/null)

printf '\nlines: %s (wc -l), %s (ccmon)\n' "$lines" "${ccmon_lines:-?}"
printf 'component lines: ccmon %s, grep %s, pcre2grep %s, mtail %s, generator %s\n' \
	"${ccmon_n:-?}" "$grep_n" "$pcre_n" "${mtail_n:-?}" "$expected"
if [ "${ccmon_n:-x}" != "$grep_n" ] || [ "$grep_n" != "$pcre_n" ] ||
   [ "$grep_n" != "$expected" ] || [ "${ccmon_lines:-x}" != "$lines" ] ||
   [ "${mtail_n:-x}" != "$grep_n" ]; then
	echo "WARNING: the counts disagree"
	failed=1
fi

# Peak RSS must not grow with the file: the same run on a file 10x smaller.
printf '\nccmon peak RSS: %s KiB on %s MB, ' "$ccmon_rss" "$mb"
cat "$small" >/dev/null
if LC_ALL=C $TIME -f '%e %M' -o "$tmp/time" "$CCMON" analyze --json "$small" \
	>/dev/null 2>"$tmp/err"; then
	set -- $(tail -n 1 "$tmp/time")
	small_bytes=$(wc -c <"$small")
	printf '%s KiB on %s MB\n' "$2" \
		"$(awk -v b="$small_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
else
	echo
	echo "bench.sh: ccmon failed on the small file:" >&2
	cat "$tmp/err" >&2
	failed=1
fi

# A bounce storm: 200,000 "Bouncing packet intended for" lines, 1000 a
# second, replayed with a configuration, so that the live agent's own
# judgement (impact, queue-latency-high) runs on every one of them; beside
# grep counting the same lines.
storm=$tmp/storm.log
"$PYTHON3" - "$storm" <<'PY'
import sys
c = "op-cs1.imp1-example-com"
with open(sys.argv[1], "w") as f:
    f.write("10:00:00.000 |info router Component %s is ACTIVE\n" % c)
    f.write("10:00:01.000 |info router Component %s is GONE\n" % c)
    for i in range(200000):
        ms = 2000 + i
        f.write("%02d:%02d:%02d.%03d |warning router Bouncing packet "
                "intended for %s: External Server Error\n" % (
                    10 + ms // 3600000, ms // 60000 % 60, ms // 1000 % 60,
                    ms % 1000, c))
PY
printf '[agent]\nlog = /var/log/rtr-jsm-1_*.log\nnode = imp1.example.com\n'\
'[server cs1]\nhost = 10.0.0.1\nport = 7999\nprobe = none\n' >"$tmp/storm.conf"
big=$storm
bytes=$(wc -c <"$storm")
printf '\nbounce storm: 200000 bounces at 1000/s, %s bytes\n' "$bytes"
base_wall=
header
measure ccmon "$tmp/storm.json" "$CCMON" analyze --json --date 2026-11-03 \
	--config "$tmp/storm.conf" "$storm"
measure grep "$tmp/storm.grep" grep -c "Bouncing packet intended for" "$storm"

# Many component names: ccmon analyze and ccmond's start to its first
# status answer on a log of BENCH_NAMES (100000) distinct names, beside
# grep -c (tests/bench_scale.sh).
CCMON=$CCMON PYTHON3=$PYTHON3 sh "$here/bench_scale.sh" || failed=1

# The live agent: append -> journald latency, idle CPU and RSS of ccmond
# beside tail -F | grep | systemd-cat (tests/bench_agent.py; it says
# "agent bench skipped: ..." and succeeds where it cannot run).  CCMOND
# defaults to the ccmond next to CCMON; BENCH_IDLE_S (default 60),
# BENCH_ALARMS (1000) and BENCH_PACE_MS (3) pass through.
"$PYTHON3" "$here/bench_agent.py" || failed=1

# SNMP: append -> trap at snmptrapd of ccmond (AgentX subagent of a private
# snmpd) beside tail -F | grep | one snmptrap per line, to the same
# snmptrapd (tests/bench_snmp.py; "snmp bench skipped: ..." where it cannot
# run).  BENCH_TRAPS (1000), BENCH_TRAP_PACE_MS (10) and BENCH_TRAP_WAIT_S
# (60) pass through.
"$PYTHON3" "$here/bench_snmp.py" || failed=1

# A cluster: one ccmond following BENCH_NODES (20) nodes' logs with
# BENCH_SERVERS (10) servers each at BENCH_RATE (1000) lines/s per node for
# BENCH_CLUSTER_S (30) s: its CPU and peak RSS beside tail -F | grep -c
# (tests/bench_cluster.py).
"$PYTHON3" "$here/bench_cluster.py" || failed=1

exit $failed
