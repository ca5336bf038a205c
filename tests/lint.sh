#!/bin/sh
# SPDX-License-Identifier: ISC
# Static analysis of ccmon: `make lint`.
#
#   tests/lint.sh [SRCDIR [BUILDDIR]]
#
# SRCDIR is the source tree (default: the one this script is in), BUILDDIR a
# configured build tree whose config.h the sources are analysed with
# (default: SRCDIR).  Runs, over agent/ parsers/ parsers/config/ tests/*.c:
#
#   cppcheck    --enable=warning,performance,portability,style with the
#               posix, gnu and zlib library models; suppressions, each with
#               its reason, in tests/cppcheck-suppressions.txt
#   clang-tidy  the checks chosen in .clang-tidy (and tests/.clang-tidy),
#               where each exclusion is explained
#   scan-build  the Clang static analyzer over a scratch build (configured
#               with scan-build's compiler, in a temporary directory),
#               when scan-build is installed; skipped, with a message,
#               when it is not
#   citations   no comment under agent/ or parsers/ cites "SPEC": the
#               domain facts are cited from doc/domain.md or a man page
#   core boundary  no file of the core library includes the event loop,
#               net-snmp, sockets, threads or a layer above the core
#
# Exits 0 when all are clean, 1 on any finding, 2 when cppcheck or
# clang-tidy is missing.  Environment:
#   LINT_CFLAGS  the dependencies' -I flags (make passes them; default:
#                pkg-config --cflags of the libraries configure checks)
#   CPPCHECK CLANG_TIDY SCAN_BUILD  the tools (default: found on PATH)
#   LINT_SCAN_BUILD=no  skip scan-build (the slow part)
#   LINT_JOBS    parallel jobs (default: the number of CPUs)
# Debian packages: cppcheck clang-tidy clang-tools.

set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "${1:-$here/..}" && pwd) || exit 2
builddir=$(cd "${2:-$srcdir}" && pwd) || exit 2
jobs=${LINT_JOBS:-$(nproc 2>/dev/null || echo 2)}

find_tool() {	# find_tool VAR name...: the first one on PATH
	var=$1
	shift
	eval "val=\${$var:-}"
	if [ -n "$val" ]; then
		echo "$val"
		return 0
	fi
	for t in "$@"; do
		if command -v "$t" >/dev/null 2>&1; then
			echo "$t"
			return 0
		fi
	done
	return 1
}

if [ ! -f "$builddir/config.h" ]; then
	echo "lint: no config.h in $builddir: give a configured build tree" >&2
	exit 2
fi
cppcheck=$(find_tool CPPCHECK cppcheck) || {
	echo "lint: cppcheck not found (Debian package cppcheck)" >&2
	exit 2
}
clang_tidy=$(find_tool CLANG_TIDY clang-tidy clang-tidy-14) || {
	echo "lint: clang-tidy not found (Debian package clang-tidy)" >&2
	exit 2
}
if [ -z "${LINT_CFLAGS+set}" ]; then
	LINT_CFLAGS=$(pkg-config --cflags libpcre2-8 zlib json-c libsystemd \
		inih nettle cmocka 2>/dev/null)
fi

cd "$srcdir" || exit 2
failed=
sources=$(ls agent/*/*.c parsers/*.c parsers/config/*.c tests/*.c)

elapsed() {	# seconds since $1
	echo $(($(date +%s) - $1))
}

# ---- citations ------------------------------------------------------------
# The domain reference the code was first written against is not in the
# repository: a comment citing it ("SPEC §4") sends the reader nowhere.
# Its facts are in doc/domain.md, which comments cite instead.
if grep -rnw SPEC agent parsers; then
	echo "lint: citations: FINDINGS (above): cite doc/domain.md \"<section>\"" \
		"or a man page, not SPEC"
	failed="$failed citations"
else
	echo "lint: citations: clean"
fi

# ---- core boundary ----------------------------------------------------------
# The core library decides and does no I/O (doc/architecture.md): no file
# of parsers/, agent/core/ or the pure halves of snmp/ and metrics/
# includes the event loop, net-snmp, libmicrohttpd, sockets, epoll,
# threads, or a layer above the core.  agent/util/ (in the same library)
# may parse a socket address but not reach the layers above either.  The
# core's unit tests link libccm_core.a alone, which catches a call that
# slips past the headers.
core_files=$(ls agent/core/*.[ch] parsers/*.[ch] parsers/config/*.[ch] \
	agent/snmp/view.[ch] agent/snmp/queue.[ch] agent/snmp/mib.h \
	agent/metrics/text.[ch] 2>/dev/null)
above='agent/(io|daemon|cli|report)/|agent/snmp/agentx|agent/metrics/http'
loop='systemd/sd-|net-snmp/|microhttpd|sys/epoll\.h|pthread\.h'
inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]'
# shellcheck disable=SC2086 # lists of plain file names
if grep -nE "$inc($above|$loop|sys/socket\.h|netdb\.h)" $core_files ||
   grep -nE "$inc($above|$loop)" agent/util/*.[ch]; then
	echo "lint: core boundary: FINDINGS (above): the core library may" \
		"not include these (doc/architecture.md)"
	failed="$failed core-boundary"
else
	echo "lint: core boundary: clean"
fi

# ---- cppcheck -------------------------------------------------------------
start=$(date +%s)
echo "lint: $("$cppcheck" --version)"
# shellcheck disable=SC2086 # $sources is a list of plain file names
if "$cppcheck" --quiet --error-exitcode=1 -j "$jobs" \
	--enable=warning,performance,portability,style \
	--std=c11 --platform=unix64 \
	--library=posix --library=gnu --library=zlib \
	--inline-suppr --suppressions-list=tests/cppcheck-suppressions.txt \
	--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
	-I . $sources; then
	echo "lint: cppcheck: clean ($(elapsed "$start") s)"
else
	echo "lint: cppcheck: FINDINGS (above)"
	failed="$failed cppcheck"
fi

# ---- clang-tidy -----------------------------------------------------------
start=$(date +%s)
echo "lint: $("$clang_tidy" --version | grep -i version | head -n 1)"
out=$(mktemp) || exit 2
# One file per process, $jobs at a time; the flags after -- are those of
# the build (config.h, the dependencies' include paths).
# shellcheck disable=SC2086
printf '%s\n' $sources | xargs -P "$jobs" -I '{}' \
	"$clang_tidy" --quiet '{}' -- -std=gnu17 -I "$srcdir" \
	-include "$builddir/config.h" $LINT_CFLAGS >"$out" 2>&1
rc=$?
# the compiler's "N warnings generated." counts suppressed ones too
grep -Ev '^[0-9]+ (warning|error)s? (and [0-9]+ (warning|error)s? )?generated\.$' \
	"$out"
if [ "$rc" -eq 0 ] && ! grep -Eq '(warning|error):' "$out"; then
	echo "lint: clang-tidy: clean ($(elapsed "$start") s)"
else
	echo "lint: clang-tidy: FINDINGS (above)"
	failed="$failed clang-tidy"
fi
rm -f "$out"

# ---- scan-build -----------------------------------------------------------
start=$(date +%s)
if [ "${LINT_SCAN_BUILD:-yes}" = no ]; then
	echo "lint: scan-build: skipped (LINT_SCAN_BUILD=no)"
elif ! scan_build=$(find_tool SCAN_BUILD scan-build scan-build-14); then
	echo "lint: scan-build: skipped: not installed (Debian package clang-tools)"
elif [ ! -x "$srcdir/configure" ]; then
	echo "lint: scan-build: skipped: no $srcdir/configure (run ./autogen.sh)"
elif [ -f "$srcdir/config.status" ]; then
	echo "lint: scan-build: skipped: $srcdir is configured in place, so it" \
		"cannot be configured again out of tree (make distclean there)"
else
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ccmon-scan-build.XXXXXX") || exit 2
	# Its own tree: the analyzer sees every compile (a built tree would
	# have nothing left to compile), and the user's tree is not touched.
	# "make check TESTS=" builds the tests too and runs none.
	if (cd "$tmp" && mkdir build &&
	    cd build && "$scan_build" "$srcdir/configure" -q \
		>"$tmp/configure.log" 2>&1) ||
	   { echo "lint: scan-build: configure failed:" >&2
	     cat "$tmp/configure.log" >&2; false; }; then
		(cd "$tmp/build" && "$scan_build" --status-bugs -o "$tmp/report" \
			make -j"$jobs" check TESTS= >"$tmp/make.log" 2>&1)
		rc=$?
		grep -E 'warning:|error:' "$tmp/make.log"
		grep '^scan-build:' "$tmp/make.log" | grep -v "Using '"
		if [ "$rc" -eq 0 ]; then
			echo "lint: scan-build: clean ($(elapsed "$start") s)"
			rm -rf "$tmp"
		else
			echo "lint: scan-build: FINDINGS (above; reports and" \
				"logs kept in $tmp)"
			failed="$failed scan-build"
		fi
	else
		failed="$failed scan-build"
	fi
fi

if [ -n "$failed" ]; then
	echo "lint: FAILED:$failed"
	exit 1
fi
echo "lint: all clean"
