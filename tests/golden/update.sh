#!/bin/sh
# SPDX-License-Identifier: ISC
# Rewrites the golden outputs of tests/test_same_output.py from the build
# in BUILD_DIR, by running that test in its update mode (the very same
# invocations the check makes).  Read README.md before using it.
#
#   tests/golden/update.sh BUILD_DIR
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
for b in ccmon ccmond; do
	if [ ! -x "$build/$b" ]; then
		echo "$0: $build/$b is not built" >&2
		exit 1
	fi
done

CCMON_GOLDEN_UPDATE=1 CCMON="$build/ccmon" CCMOND="$build/ccmond" \
top_srcdir="$top" PYTHONDONTWRITEBYTECODE=1 \
	"${PYTHON3:-python3}" -m pytest -q -p no:cacheprovider \
	"$top/tests/test_same_output.py"

# What changed is the thing to review.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$top" status --short -- tests/golden
fi
