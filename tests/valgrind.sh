#!/bin/sh
# SPDX-License-Identifier: ISC
# Valgrind memcheck over ccmon: `make check-valgrind`.
#
#   tests/valgrind.sh BUILDDIR [SRCDIR]
#
# BUILDDIR holds the built programs: ccmon, ccmond and the cmocka unit
# tests (tests/test_*, built by `make check`); SRCDIR is the source tree
# (default: the one this script is in).  Runs under memcheck:
#
#   - every unit test binary in BUILDDIR/tests;
#   - one end-to-end `ccmon analyze --json` over tests/fixtures (plus a
#     gzip'd copy of one, for the zlib path);
#   - one short ccmond -f: started on a temporary configuration, fed a
#     scripted log (a component goes GONE, its server refuses), left to
#     raise its alarms, asked by `ccmon status` (also under memcheck),
#     reloaded with SIGHUP, then stopped with SIGTERM.
#
# Zero errors and zero definite leaks are required of each (valgrind exits
# 99 otherwise); possible and still-reachable blocks (libsystemd, pcre2's
# JIT, glibc) are not counted.  Each program's valgrind output is kept in
# BUILDDIR/tests/valgrind/NAME.log and printed when it fails.
# Environment: VALGRIND (default valgrind), VALGRIND_TIMEOUT (seconds to
# wait for ccmond to do each step, default 60).  Debian package: valgrind.

set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 BUILDDIR [SRCDIR]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
builddir=$(cd "$1" && pwd) || exit 2
srcdir=$(cd "${2:-$here/..}" && pwd) || exit 2
valgrind=${VALGRIND:-valgrind}
step_timeout=${VALGRIND_TIMEOUT:-60}

if ! command -v "$valgrind" >/dev/null 2>&1; then
	echo "valgrind.sh: $valgrind not found (Debian package valgrind)" >&2
	exit 2
fi
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$builddir/Makefile" 2>/dev/null; then
	echo "valgrind.sh: $builddir is a sanitizer build, which valgrind" \
		"cannot run: use a plain one" >&2
	exit 2
fi
for p in ccmon ccmond; do
	if [ ! -x "$builddir/$p" ]; then
		echo "valgrind.sh: no $builddir/$p: build it first" >&2
		exit 2
	fi
done

logs=$builddir/tests/valgrind
mkdir -p "$logs" || exit 2
rm -f "$logs"/*.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ccmon-valgrind.XXXXXX") || exit 2
daemon=
snmpd_pid=
cleanup() {
	if [ -n "$daemon" ]; then
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	if [ -n "$snmpd_pid" ]; then
		kill "$snmpd_pid" 2>/dev/null
		wait "$snmpd_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=
ran=0
start_all=$(date +%s)

# vg NAME PROGRAM ARGS...: runs PROGRAM under memcheck, its valgrind output
# in $logs/NAME.log.  Returns the program's exit status (99: memcheck).
vg() {
	name=$1
	shift
	"$valgrind" -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--track-fds=no --log-file="$logs/$name.log" "$@"
}
# The same, in place of the (background) subshell it is called in: $! is
# then valgrind's own pid, which signals reach.
vg_exec() {
	name=$1
	shift
	exec "$valgrind" -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--track-fds=no --log-file="$logs/$name.log" "$@"
}

# verdict NAME STATUS [WHAT]: records and reports one run.
verdict() {
	ran=$((ran + 1))
	if [ "$2" -eq 0 ] && [ ! -s "$logs/$1.log" ]; then
		echo "PASS: $1"
		return 0
	fi
	if [ "$2" -eq 99 ]; then
		echo "FAIL: $1: memcheck errors or definite leaks"
	else
		echo "FAIL: $1: exit status $2${3:+ ($3)}"
	fi
	[ -s "$logs/$1.log" ] && sed 's/^/    /' "$logs/$1.log"
	failed="$failed $1"
}

# ---- the unit tests --------------------------------------------------------
# test_config reads the shipped configurations from $top_srcdir, as under
# `make check`.
top_srcdir=$srcdir
export top_srcdir
units=0
for t in "$builddir"/tests/test_*; do
	# objects, logs: a dot in the name (not in the build directory's
	# path: a clone below /tmp/ci-clone.XXXXXX has one)
	case ${t##*/} in *.*) continue ;; esac
	[ -f "$t" ] && [ -x "$t" ] || continue
	units=$((units + 1))
	name=$(basename "$t")
	vg "$name" "$t" >"$tmp/$name.out" 2>&1
	rc=$?
	verdict "$name" "$rc" "see the test's output below" ||
		[ "$rc" -eq 99 ] || sed 's/^/    | /' "$tmp/$name.out"
done
if [ "$units" -eq 0 ]; then
	echo "FAIL: no unit tests in $builddir/tests (run make check first," \
		"and have libcmocka-dev)"
	failed="$failed unit-tests"
fi

# ---- ccmon analyze, end to end ---------------------------------------------
mkdir "$tmp/analyze"
cp "$srcdir"/tests/fixtures/*.log "$tmp/analyze/" || exit 2
gzip -c "$srcdir/tests/fixtures/imp-log4j-ethwall.log" \
	>"$tmp/analyze/imp-log4j-ethwall-older.log.gz" || exit 2
(cd "$tmp/analyze" &&
 vg analyze "$builddir/ccmon" analyze --json --date 2026-03-14 \
	./*.log ./*.log.gz >"$tmp/analyze.json" 2>"$tmp/analyze.err")
rc=$?
if [ "$rc" -eq 0 ] && ! grep -q '"schema": "ccmon.analysis/2"' \
	"$tmp/analyze.json"; then
	rc=1
fi
verdict analyze "$rc" "$(cat "$tmp/analyze.err")"

# ---- ccmond, a short live run ----------------------------------------------
d=$tmp/agent
mkdir "$d" "$d/log" "$d/state" "$d/run"
log=$d/log/rtr-jsm-1_000001.log
comp=op-cs1.imp1-example-com
# With snmpd installed, ccmond serves CCMON-MIB to a master of our own
# (socket in $d, UDP on a free loopback port) and a walk reads it.
snmp=no
snmp_port=
if [ -x /usr/sbin/snmpd ] && command -v snmpwalk >/dev/null 2>&1; then
	snmp_port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir "$d/snmp"
	cat >"$d/snmp/snmpd.conf" <<CONF
master agentx
agentXSocket $d/snmp/agentx.sock
agentaddress udp:127.0.0.1:$snmp_port
rocommunity public 127.0.0.1
CONF
	SNMP_PERSISTENT_DIR=$d/snmp SNMPCONFPATH=$d/snmp /usr/sbin/snmpd -f -C \
		-c "$d/snmp/snmpd.conf" -Lf "$d/snmp/snmpd.log" \
		-p "$d/snmp/snmpd.pid" &
	snmpd_pid=$!
	i=0
	while [ ! -S "$d/snmp/agentx.sock" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$d/snmp/agentx.sock" ] && snmp=yes
fi
cat >"$d/ccmon.conf" <<CONF
[agent]
log = $d/log/rtr-jsm-1_*.log
node = imp1.example.com
state_dir = $d/state
runtime_dir = $d/run
auth_timeout = 10s
alarm_raise_hold = 1s
alarm_clear_hold = 2s
snmp = $snmp
agentx_socket = $d/snmp/agentx.sock
agentx_ping_interval = 1s
[server cs1]
host = 127.0.0.1
port = 7999
probe = none
CONF
line() {
	printf '%s |info  router-1.imp1 %s\n' "$(date +%H:%M:%S.%3N)" "$1" \
		>>"$log"
}
# wait_for PATTERN: until ccmond's stderr shows it (or it exits, or the
# time is up).
wait_for() {
	i=0
	while ! grep -q "$1" "$d/err" 2>/dev/null; do
		if ! kill -0 "$daemon" 2>/dev/null; then
			echo "    ccmond exited before: $1"
			return 1
		fi
		if [ "$i" -ge $((step_timeout * 10)) ]; then
			echo "    ccmond: no '$1' within ${step_timeout}s"
			return 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
}

line "router Component $comp is ACTIVE"
vg_exec ccmond "$builddir/ccmond" -c "$d/ccmon.conf" -f 2>"$d/err" &
daemon=$!
steps=ok
if wait_for "ccmond: watching"; then
	line "router Component $comp is GONE"
	for i in 1 2 3; do
		line "mio Connecting on fd 22 to host '127.0.0.1', port 7999"
		line "mio Unable to connect to host '127.0.0.1', port 7999:(111) Connection refused"
	done
	wait_for "CRITICAL raised component-down" &&
		wait_for "MAJOR raised endpoint-refused" || steps=failed
else
	steps=failed
fi
if [ "$steps" = ok ]; then
	vg status "$builddir/ccmon" status -c "$d/ccmon.conf" \
		>"$tmp/status.out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ] && ! grep -q 'component-down' "$tmp/status.out"; then
		rc=1
	fi
	verdict status "$rc" "$(cat "$tmp/status.out")"
	if [ "$snmp" = yes ]; then
		# the subagent's handler, under memcheck, through a real master
		wait_for "SNMP: connected" &&
			snmpwalk -v2c -c public -On -t 5 -r 1 \
			"127.0.0.1:$snmp_port" .1.3.6.1.4.1.8072.9999.9999.42 \
			>"$tmp/walk.out" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ] && ! grep -q 'op-cs1.imp1-example-com is GONE' \
			"$tmp/walk.out"; then
			rc=1
		fi
		verdict snmpwalk "$rc" "$(tail -5 "$tmp/walk.out")"
	fi
	kill -HUP "$daemon"
	wait_for "configuration reloaded" || steps=failed
fi
kill -TERM "$daemon" 2>/dev/null
wait "$daemon"
rc=$?
daemon=
if [ "$steps" != ok ] && [ "$rc" -eq 0 ]; then
	rc=1
fi
verdict ccmond "$rc" "its log follows"
[ "$rc" -eq 0 ] || sed 's/^/    | /' "$d/err"

echo "valgrind.sh: $ran runs in $(($(date +%s) - start_all)) s"
if [ -n "$failed" ]; then
	echo "valgrind.sh: FAILED:$failed"
	exit 1
fi
echo "valgrind.sh: all clean (0 errors, 0 definite leaks)"
