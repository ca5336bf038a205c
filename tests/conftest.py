"""pytest fixtures for the ccmon end-to-end tests.

The binary under test comes from the environment variable CCMON (set by
`make check` through tests/pytest.test).  Tests that need it are skipped
when CCMON is unset; tests of the log generator itself always run.
"""
import os
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
