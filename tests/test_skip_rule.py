# SPDX-License-Identifier: ISC
"""The skip rule (tests/conftest.py, tests/skip-rule.sh): with CI=true a
skip fails unless tests/expected-skips.txt lists it.  Each case runs pytest
(or the shell wrapper) on a throwaway test of its own, with and without
CI=true."""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

THROWAWAY = '''
import pytest

def test_passes():
    pass

def test_skips_unexpectedly():
    pytest.skip("the server was slow to start")

def test_skips_as_expected():
    pytest.skip("root reads every directory: cannot make one unreadable")

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_expected_failure():
    assert False
'''

MODULE_SKIP = '''
import pytest
pytest.skip("no such tool here", allow_module_level=True)
'''

LISTED = """# why: the throwaway's expected skip
test_throwaway\\.py::test_skips_as_expected: root reads every directory
"""


def run_pytest(tmp_path, ci, *files):
    shutil.copy(os.path.join(HERE, "conftest.py"), tmp_path)
    (tmp_path / "expected.txt").write_text(LISTED)
    env = dict(os.environ, CCMON_EXPECTED_SKIPS=str(tmp_path / "expected.txt"),
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("CI", None)
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs",
                           "-p", "no:cacheprovider", *files],
                          cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def test_unexpected_skip_fails_under_ci(tmp_path):
    (tmp_path / "test_throwaway.py").write_text(THROWAWAY)
    r = run_pytest(tmp_path, "true", "test_throwaway.py")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "1 failed, 1 passed, 1 skipped, 1 xfailed" in out, out
    assert "test_skips_unexpectedly" in out
    assert "does not list this skip as expected" in out, out
    assert "the server was slow to start" in out, out


def test_skips_pass_without_ci(tmp_path):
    (tmp_path / "test_throwaway.py").write_text(THROWAWAY)
    for ci in (None, "false"):
        r = run_pytest(tmp_path, ci, "test_throwaway.py")
        out = r.stdout + r.stderr
        assert r.returncode == 0, out
        assert "1 passed, 2 skipped, 1 xfailed" in out, out


def test_module_level_skip_fails_under_ci(tmp_path):
    (tmp_path / "test_notool.py").write_text(MODULE_SKIP)
    r = run_pytest(tmp_path, "true", "test_notool.py")
    out = r.stdout + r.stderr
    assert r.returncode in (1, 2), out
    assert "no such tool here" in out, out
    assert "does not list this skip as expected" in out, out
    r = run_pytest(tmp_path, None, "test_notool.py")
    # 5: nothing was collected (the module skipped whole), not a failure
    assert r.returncode == 5, r.stdout + r.stderr
    assert "1 skipped" in r.stdout, r.stdout


def test_unit_test_exit_77_fails_under_ci(tmp_path):
    rule = os.path.join(HERE, "skip-rule.sh")
    prog = tmp_path / "test_prog"
    prog.write_text("#!/bin/sh\nexit 77\n")
    prog.chmod(0o755)
    listed = tmp_path / "listed.txt"
    listed.write_text("# why: listed\n/test_prog: exit 77$\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing is expected\n")

    def run(ci, lst, argv=(str(prog),)):
        env = dict(os.environ, CCMON_EXPECTED_SKIPS=str(lst))
        env.pop("CI", None)
        if ci is not None:
            env["CI"] = ci
        return subprocess.run(["sh", rule, *argv], env=env,
                              capture_output=True, text=True, timeout=60)

    assert run(None, empty).returncode == 77
    r = run("true", empty)
    assert r.returncode == 1, r
    assert "skipped (exit 77)" in r.stderr, r.stderr
    assert run("true", listed).returncode == 77
    # other exits pass through, CI or not
    assert run("true", empty, ("true",)).returncode == 0
    assert run("true", empty, ("sh", "-c", "exit 3")).returncode == 3
