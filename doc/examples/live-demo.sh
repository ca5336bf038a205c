#!/bin/sh
# SPDX-License-Identifier: ISC
# The live agent on a scripted router log: a compliance server goes away,
# ccmond raises its alarms, the server comes back, ccmond clears them.
# Usage: live-demo.sh [BUILD_DIR]   (where ccmond and ccmon were built)
# Everything happens in a temporary directory that is removed at the end;
# alarms also go to journald or syslog when the machine has them.
set -eu
bin=$(cd "${1:-.}" && pwd)
demo=$(mktemp -d /tmp/ccmon-demo.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$demo"
}
trap cleanup EXIT INT TERM
mkdir "$demo/log" "$demo/state" "$demo/run"
log=$demo/log/rtr-jsm-1_000001.log
comp=op-cs1.imp1-example-com

cat > "$demo/ccmon.conf" <<CONF
[agent]
log = $demo/log/rtr-jsm-1_*.log
node = imp1.example.com
state_dir = $demo/state
runtime_dir = $demo/run
auth_timeout = 10s
; short holds so that the demo is quick (defaults: alarm_raise_hold 0s,
; alarm_clear_hold 5s: ccmon.conf(5))
alarm_raise_hold = 1s
alarm_clear_hold = 2s
; no SNMP master agent in this demo (see README.md, SNMP)
snmp = no
[server cs1]
host = 127.0.0.1
port = 7999
probe = none
CONF

line() { printf '%s |info  router-1.imp1 %s\n' "$(date +%H:%M:%S.%3N)" "$1" >> "$log"; }
step() { printf '\n=== %s\n' "$1"; }

line "router Component $comp is ACTIVE"
step "ccmond starts; the log says the component is ACTIVE"
"$bin/ccmond" -c "$demo/ccmon.conf" -f &
pid=$!
sleep 1

step "the compliance server stops: GONE, then refused reconnects"
line "router Component $comp is GONE"
for i in 1 2 3; do
	line "mio Connecting on fd 22 to host '127.0.0.1', port 7999"
	line "mio Unable to connect to host '127.0.0.1', port 7999:(111) Connection refused"
	sleep 0.5
done
sleep 1

step "ccmon status while it is down"
"$bin/ccmon" status -c "$demo/ccmon.conf" || true

step "the server is back: CONNECTED, ACTIVE"
line "mio Connecting on fd 22 to host '127.0.0.1', port 7999"
line "router Component $comp is CONNECTED"
line "router Component $comp is ACTIVE"
sleep 3

step "ccmon status after recovery"
"$bin/ccmon" status -c "$demo/ccmon.conf" || true
kill "$pid"
wait "$pid" || true
pid=
