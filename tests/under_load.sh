#!/bin/sh
# SPDX-License-Identifier: ISC
# make check-under-load: the whole make check while two CPU-bound
# processes (stress-ng --cpu 2) run beside it, so that a test that
# depends on being scheduled in time fails here rather than in CI.
# Usage: under_load.sh MAKE BUILDDIR; the load is stopped however the
# suite ends.
make=${1:?make}
builddir=${2:?builddir}
if ! command -v stress-ng >/dev/null 2>&1; then
	echo "under_load.sh: stress-ng is not installed (Debian: apt-get" \
	     "install stress-ng)" >&2
	exit 1
fi
# at most 3 hours: a stress-ng left behind by a killed make ends itself
stress-ng --cpu 2 --timeout 10800 >/dev/null 2>&1 &
load=$!
trap 'kill "$load" 2>/dev/null; wait "$load" 2>/dev/null' EXIT INT TERM HUP
echo "under_load.sh: stress-ng --cpu 2 running as pid $load"
"$make" -C "$builddir" check
