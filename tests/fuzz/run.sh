#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds the fuzz targets and runs each for a bounded time:
#   tests/fuzz/run.sh [SECONDS [BUILD_DIR]]
# SECONDS per target (default 60; 0 runs the seeds and regressions only).
# BUILD_DIR (default: a temporary directory) receives the binaries.
# FUZZ_TARGETS (default: all) names the targets to run; FUZZ_WORK a
# directory for the corpora, logs and crash files (default: temporary,
# kept only when something is found).
#
# The seed corpus of each target (tests/fuzz/corpus/TARGET) is copied to
# a scratch directory first: new corpus files never land in the source
# tree.  Then every file of tests/fuzz/regress/TARGET is run once.  Prints
# per target the executions, executions per second, coverage and findings;
# exits non-zero if any target crashed, leaked, timed out or failed a
# regression.
set -u

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*) echo "usage: $0 [SECONDS [BUILD_DIR]]" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
targets=${FUZZ_TARGETS:-scanner config xmpp_stream input state snmp_oid}

tmp_build=
if [ $# -ge 2 ] && [ -n "$2" ]; then
	build=$2
else
	build=$(mktemp -d "${TMPDIR:-/tmp}/ccmon-fuzz-build.XXXXXX")
	tmp_build=$build
fi
tmp_work=
if [ -n "${FUZZ_WORK:-}" ]; then
	work=$FUZZ_WORK
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/ccmon-fuzz.XXXXXX")
	tmp_work=$work
fi
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$tmp_build" ] && rm -rf "$tmp_build"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Symbolised reports even where only llvm-14's versioned symbolizer exists.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] &&
   ! command -v llvm-symbolizer >/dev/null 2>&1 &&
   [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
	ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
	export ASAN_SYMBOLIZER_PATH
fi

# shellcheck disable=SC2086 # a list of names
if ! "$here/build.sh" "$build" $targets; then
	echo "fuzz: build failed" >&2
	exit 1
fi

# The libFuzzer status line "#N ... cov: C ..." last printed.
last_stat() {
	grep -E '^#[0-9]+[[:space:]]' "$1" | tail -n 1
}
field() { # field NAME LINE: the value after "NAME:"
	printf '%s\n' "$2" | sed -n "s|.*[[:space:]]$1:[[:space:]]*\([^[:space:]]*\).*|\1|p"
}

failed=0
summary=
for t in $targets; do
	bin=$build/fuzz_$t
	corpus=$work/corpus/$t
	artifacts=$work/artifacts/$t
	log=$work/$t.log
	rm -rf "$corpus" "$artifacts"
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$here/corpus/$t" ]; then
		cp -R "$here/corpus/$t/." "$corpus/"
	fi
	set -- -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$artifacts/"
	if [ -f "$here/$t.dict" ]; then
		set -- "$@" -dict="$here/$t.dict"
	fi
	case $t in
	xmpp_stream) # past CCM_XS_MAX_INPUT (8192)
		set -- "$@" -max_len=10240 ;;
	esac
	if [ "$seconds" -gt 0 ]; then
		set -- "$@" -max_total_time="$seconds"
	else
		set -- "$@" -runs=0
	fi
	echo "fuzz: $t for ${seconds}s (log: $log)"
	"$bin" "$@" "$corpus" >"$log" 2>&1
	rc=$?

	stat=$(last_stat "$log")
	execs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log")
	[ -n "$execs" ] || execs=$(printf '%s\n' "$stat" | sed -n 's/^#\([0-9]*\).*/\1/p')
	[ -n "$rate" ] || rate=$(field 'exec/s' "$stat")
	cov=$(field cov "$stat")
	# shellcheck disable=SC2012 # libFuzzer names them crash-SHA1 etc.
	crash=$(ls "$artifacts" 2>/dev/null | head -n 1)
	if [ "$rc" -ne 0 ] || [ -n "$crash" ]; then
		failed=1
		what=$(grep -m 1 -E '^(fuzz check failed|==[0-9]+==ERROR|SUMMARY:|.*runtime error:|ALARM:)' "$log")
		if [ -n "$crash" ]; then
			found="$artifacts/$crash"
		else
			found="exit status $rc"
		fi
		found="$found${what:+ ($what)}"
	else
		found=0
	fi

	# The regressions: every kept crashing input, run once.
	regress=ok
	if [ -d "$here/regress/$t" ] &&
	   [ -n "$(ls "$here/regress/$t" 2>/dev/null)" ]; then
		if ! "$bin" -timeout=5 -rss_limit_mb=1024 \
			"$here/regress/$t"/* >"$work/$t.regress.log" 2>&1; then
			failed=1
			regress="FAILED (log: $work/$t.regress.log)"
		else
			# shellcheck disable=SC2012 # a count
			regress="ok ($(ls "$here/regress/$t" | wc -l) inputs)"
		fi
	else
		regress="none"
	fi
	line=$(printf '%-12s execs: %s  exec/s: %s  cov: %s  findings: %s  regressions: %s' \
		"$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$found" "$regress")
	echo "$line"
	summary="$summary$line
"
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '%s' "$summary"
if [ "$failed" -ne 0 ]; then
	echo "fuzz: FAILED; corpora, logs and crash files kept in $work" >&2
	exit 1
fi
[ -n "$tmp_work" ] && rm -rf "$tmp_work"
exit 0
