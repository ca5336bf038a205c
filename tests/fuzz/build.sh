#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds the libFuzzer targets into the directory given as $1:
#   tests/fuzz/build.sh BUILD_DIR [TARGET...]
# Each target is compiled from the project's sources directly, with
# coverage and sanitizers (libccm.a is built by gcc without them), and
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

# The configuration loader (parsers/config/), which two targets link.
config_sources="parsers/config/load.c parsers/config/sections.c
	parsers/config/keys.c parsers/config/values.c parsers/config/events.c
	parsers/config/checks.c parsers/config/print.c parsers/config/syntax.c
	parsers/config/suggest.c parsers/config/objects.c
	parsers/config/findings.c"

# The sources each target links, beside tests/fuzz/fuzz_TARGET.c.
sources() {
	case $1 in
	scanner) echo parsers/scanner.c parsers/logline.c \
		parsers/queue_lines.c parsers/timestamp.c ;;
	config) echo $config_sources parsers/queue_lines.c \
		parsers/duration.c parsers/timestamp.c agent/util/safe_open.c ;;
	xmpp_stream) echo parsers/xmpp_stream.c ;;
	input) echo agent/io/input.c agent/core/input_date.c parsers/scanner.c parsers/logline.c \
		parsers/queue_lines.c parsers/timestamp.c ;;
	state) echo agent/io/state.c agent/io/tail_pos.c agent/core/alarm.c \
		agent/core/alarm_types.c agent/core/alarm_store.c \
		agent/core/alarm_persist.c agent/util/json_add.c \
		agent/snmp/queue.c parsers/timestamp.c \
		parsers/duration.c agent/util/safe_open.c agent/util/text_clean.c ;;
	snmp_oid) echo agent/snmp/view.c agent/core/component_rows.c \
		agent/core/impact.c agent/core/engine.c agent/core/queue_latency.c \
		agent/core/alarm.c agent/core/alarm_types.c agent/core/alarm_store.c \
		agent/core/alarm_persist.c agent/core/probe_stats.c agent/util/json_add.c \
		$config_sources \
		parsers/queue_lines.c parsers/duration.c \
		parsers/timestamp.c agent/util/safe_open.c agent/util/text_clean.c ;;
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
for t in $targets; do
	srcs=$(sources "$t")
	echo "  CC      fuzz_$t"
	# shellcheck disable=SC2086 # word splitting of the lists is wanted
	(cd "$top" && "$CC" -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -D_GNU_SOURCE \
		-DPACKAGE_STRING='"ccmon fuzz"' -DPACKAGE_VERSION='"fuzz"' \
		-DCCM_SYSCONFDIR='"/etc"' -I. \
		-Wall -Wextra $dep_cflags $FUZZ_CFLAGS \
		"tests/fuzz/fuzz_$t.c" $srcs $dep_libs -o "$out/fuzz_$t")
done
