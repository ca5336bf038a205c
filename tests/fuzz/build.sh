#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds the libFuzzer targets into the directory given as $1:
#   tests/fuzz/build.sh BUILD_DIR [TARGET...]
# Each target links the core library, libccm_core.a, compiled here with
# clang from the sources Makefile.am lists for it, with coverage and
# sanitizers (the build's own library is made by gcc without them), and
# without config.h: the few macros the sources take from it are defined
# here.
# Needs clang with libFuzzer (Debian: clang-14 libclang-rt-14-dev) and the
# project's -dev packages.  CC (default clang) and FUZZ_CFLAGS (added after
# the usual flags) may be set in the environment.
set -eu

if [ $# -lt 1 ] || [ -z "$1" ]; then
	echo "usage: $0 BUILD_DIR [TARGET...]" >&2
	exit 2
fi
out=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${CC:-}" ]; then
	# Debian's clang-14 package installs clang-14 only; "clang" comes
	# with the clang package
	CC=clang
	command -v clang >/dev/null 2>&1 || ! command -v clang-14 \
		>/dev/null 2>&1 || CC=clang-14
fi
FUZZ_CFLAGS=${FUZZ_CFLAGS:-}
targets=${*:-scanner config xmpp_stream input state snmp_oid}

# Every target links the core library whole, compiled here from the list
# Makefile.am gives libccm_core.a (an archive: a target pulls in what it
# uses).  Beside it, the few io/ files a target drives.
core_sources=$(sed -n '/^libccm_core_a_SOURCES = /,/^$/p' "$top/Makefile.am" |
	sed -e 's/\\//g' | tr -s '[:space:]' '\n' | grep '\.c$')
if [ -z "$core_sources" ]; then
	echo "$0: no libccm_core_a_SOURCES in $top/Makefile.am" >&2
	exit 1
fi

io_sources() {
	case $1 in
	scanner|config|xmpp_stream|snmp_oid) ;;
	input) echo agent/io/input.c ;;
	state) echo agent/io/state.c agent/io/tail_pos.c ;;
	*) echo "$0: unknown target '$1'" >&2; return 1 ;;
	esac
}

pkgs="libpcre2-8 zlib json-c libsystemd inih nettle"
# shellcheck disable=SC2086 # a list of names
if ! dep_cflags=$(pkg-config --cflags $pkgs) ||
   ! dep_libs=$(pkg-config --libs $pkgs); then
	echo "$0: pkg-config cannot find $pkgs" >&2
	exit 1
fi

# A clang without libFuzzer fails here with a clear message rather than
# in the middle of the first target.
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	'{ (void)d; (void)n; return 0; }' >"$probe_dir/probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe_dir/probe.c" \
	-o "$probe_dir/probe" 2>"$probe_dir/err"; then
	cat "$probe_dir/err" >&2
	echo "$0: $CC cannot build libFuzzer targets; on Debian 12:" \
		"apt-get install clang-14 libclang-rt-14-dev" \
		"(and CC=clang-14 if clang is not clang-14)" >&2
	exit 1
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
for t in $targets; do	# an unknown name fails before anything is built
	io_sources "$t" >/dev/null || exit 2
done

# The flags every object and target is built with.
set -- -g -O1 -fno-sanitize-recover=all -D_GNU_SOURCE \
	-DPACKAGE_STRING='"ccmon fuzz"' -DPACKAGE_VERSION='"fuzz"' \
	-DCCM_SYSCONFDIR='"/etc"' -I. -Wall -Wextra

# The core library, instrumented for the fuzzer but without its main().
objdir=$out/core-objects
rm -rf "$objdir"
mkdir -p "$objdir"
echo "  AR      libccm_core.a ($(echo "$core_sources" | wc -l) sources)"
for src in $core_sources; do
	obj=$objdir/$(echo "$src" | tr / _).o
	# shellcheck disable=SC2086 # word splitting of the flag lists is wanted
	(cd "$top" && "$CC" "$@" -fsanitize=fuzzer-no-link,address,undefined \
		$dep_cflags $FUZZ_CFLAGS -c "$src" -o "$obj") || exit 1
done
rm -f "$out/libccm_core.a"
ar rcs "$out/libccm_core.a" "$objdir"/*.o

for t in $targets; do
	echo "  CC      fuzz_$t"
	# shellcheck disable=SC2046,SC2086 # word splitting of the lists is wanted
	(cd "$top" && "$CC" "$@" -fsanitize=fuzzer,address,undefined \
		$dep_cflags $FUZZ_CFLAGS "tests/fuzz/fuzz_$t.c" \
		$(io_sources "$t") "$out/libccm_core.a" $dep_libs \
		-o "$out/fuzz_$t")
done
