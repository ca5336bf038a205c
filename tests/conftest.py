# SPDX-License-Identifier: ISC
"""pytest fixtures for the ccmon end-to-end tests.

The binary under test comes from the environment variable CCMON (set by
`make check` through tests/pytest.test).  Tests that need it are skipped
when CCMON is unset; tests of the log generator itself always run.

The skip rule: with CI=true in the environment a skip is a failure unless
tests/expected-skips.txt (or the file CCMON_EXPECTED_SKIPS names) lists it,
so that the suite cannot go green by skipping what it was meant to test.
"""
import os
import re
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
# The source tree may be read-only (make distcheck): no __pycache__.
sys.dont_write_bytecode = True


@pytest.fixture(scope="session")
def ccmon():
    path = os.environ.get("CCMON")
    if not path:
        pytest.skip("CCMON is not set: run with CCMON=/path/to/ccmon "
                    "to test the binary end to end")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail("CCMON=%s is not an executable file" % path)
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def fixtures_dir():
    return os.path.join(HERE, "fixtures")


# ---- the skip rule -----------------------------------------------------------

def ci_is_on():
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def expected_skips():
    """The patterns of tests/expected-skips.txt (comments, blanks out)."""
    path = os.environ.get("CCMON_EXPECTED_SKIPS") or \
        os.path.join(HERE, "expected-skips.txt")
    pats = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                try:
                    pats.append(re.compile(line))
                except re.error as e:
                    raise pytest.UsageError("%s:%d: bad pattern: %s"
                                            % (path, n, e))
    except FileNotFoundError:
        pass
    return path, pats


def skip_reason(report):
    lr = report.longrepr
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2]).removeprefix("Skipped: ")
    return str(lr)


def enforce_skip_rule(report):
    """An unexpected skip, under CI=true, made a failure in place."""
    if not report.skipped or hasattr(report, "wasxfail") or not ci_is_on():
        return
    reason = skip_reason(report)
    subject = "%s: %s" % (report.nodeid, reason)
    path, pats = expected_skips()
    if any(p.search(subject) for p in pats):
        return
    report.outcome = "failed"
    report.longrepr = ("skipped under CI=true, and %s does not list this "
                       "skip as expected, so it fails: %s" % (path, subject))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    enforce_skip_rule(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    enforce_skip_rule(outcome.get_result())


@pytest.fixture
def h():
    """A harness with its own journald (tests/ccmond_harness.py); a test
    file that needs another kind defines its own h."""
    from ccmond_harness import Harness
    harness = Harness("journal")
    try:
        yield harness
    finally:
        harness.close()
