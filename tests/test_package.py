# SPDX-License-Identifier: ISC
"""The Debian package, built and installed as an operator would (issue 15).

The .deb is built with dpkg-buildpackage from `make distdir` of the build
tree into a temporary directory (so the source tree gets no build
products, and the package is built from what a release holds), checked
with lintian, then installed with dpkg in a private mount namespace whose
/etc, /usr and /var are overlays on the machine's, with their upper
layers on a tmpfs, and /run a tmpfs (so no systemd of the machine's is
told anything): the machine is left as it was.  There: the ccmon user
exists (sysusers), the unit verifies, CCMON-MIB lies where net-snmp looks
and loads with the IETF base modules (../shared/mibs standing in for the
non-free snmp-mibs-downloader), the OID list names every node without
them, the shipped configuration passes check-config, the catalog is in
journald's database; after dpkg --purge nothing of ours is left but the
system user, which Debian policy keeps.
"""
import glob
import os
import re
import shutil
import subprocess

import pytest

SRCDIR = os.path.abspath(
    os.environ.get("top_srcdir")
    or os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED_MIBS = os.path.abspath(
    os.environ.get("CCMON_SHARED_MIBS")
    or os.path.join(SRCDIR, os.pardir, "shared", "mibs"))
# Generous: a busy 2-CPU machine compiles the whole tree in the package
# build.  Slowness fails, it never skips.
BUILD_TIMEOUT = 1800
STEP_TIMEOUT = 600
TOOLS = ("dpkg-buildpackage", "dh", "lintian", "dpkg", "unshare", "mount",
         "getent", "systemd-sysusers", "systemd-analyze", "journalctl",
         "net-snmp-config", "snmptranslate", "make")

# Run in the namespace: $1 work dir, $2 the .deb, $3 the base MIB modules.
# Each step prints "@@ NAME" then its output, then "@@ rc N".
INSTALL_SCRIPT = r'''
set -u
W=$1 DEB=$2 BASE=$3
export W
step() { name=$1; shift; echo "@@ $name"; "$@" 2>&1; echo "@@ rc $?"; }
mount -n -t tmpfs -o mode=0755 ccmon-pkg "$W/ovl" || exit 90
for d in etc usr var; do
    mkdir -p "$W/ovl/$d.up" "$W/ovl/$d.work"
    mount -n -t overlay ccmon-pkg \
        -o "lowerdir=/$d,upperdir=$W/ovl/$d.up,workdir=$W/ovl/$d.work" \
        "/$d" || exit 91
done
# No /run/systemd/system: the maintainer scripts tell no systemd anything.
mount -n -t tmpfs -o mode=0755 ccmon-pkg /run || exit 92
mkdir -p /run/lock
export DEBIAN_FRONTEND=noninteractive SNMP_PERSISTENT_DIR=$W/snmp
step install dpkg -i "$DEB"
step status dpkg-query -W -f '${Status}\n' ccmon
step conffiles dpkg-query -W -f '${Conffiles}\n' ccmon
step passwd getent passwd ccmon
step group getent group ccmon
step verify systemd-analyze verify /lib/systemd/system/ccmond.service
step mibdirs net-snmp-config --default-mibdirs
step oids cat /usr/share/ccmon/CCMON-MIB.oids
step mibtext cat /usr/share/snmp/mibs/CCMON-MIB.txt
names=$(grep -v '^#' /usr/share/ccmon/CCMON-MIB.oids | cut -f2 |
        sed 's/^/CCMON-MIB::/')
# The NMS's own MIB store via MIBDIRS, the base modules in it.
step translate sh -c 'MIBDIRS="+$0" snmptranslate -m +CCMON-MIB -On "$@" \
    2>"$W/translate.err"' "$BASE" $names
step translate_err cat "$W/translate.err"
step checkconfig ccmon check-config -c /etc/ccmon/ccmon.conf
step catalog journalctl --list-catalog
step list sh -c 'dpkg -L ccmon >"$0"' "$W/list"
step purge dpkg --purge ccmon
step purged dpkg-query -W -f '${Status}\n' ccmon
step leftover sh -c 'dpkg -L ccmon 2>/dev/null; for f in $(cat "$0"); do
    [ -d "$f" ] || ! [ -e "$f" ] || echo "$f"; done; ls -d /etc/ccmon 2>&1' \
    "$W/list"
step userkept getent passwd ccmon
step catalog_after journalctl --list-catalog
# What the installation and purge left in the machine's directories.
step changed sh -c 'cd "$0/ovl" && find etc.up usr.up var.up ! -type d \
    -printf "%y %p\n" | sed "s/\.up\//\//" | sort' "$W"
'''

# Left after dpkg --purge, and allowed: the system user (policy keeps
# it, it may own files), dpkg's own records and log, caches rebuilt by
# triggers (man-db, journald's catalog), sysusers' backup copies.
ALLOWED_AFTER_PURGE = re.compile(
    r"^. (etc/(passwd|group|shadow|gshadow)-?|etc/\.pwd\.lock"
    r"|var/lib/dpkg/.*|var/log/.*|var/cache/man/.*"
    r"|var/lib/systemd/catalog/database)$")


def need_tools_and_namespace(work):
    if os.geteuid() != 0:
        pytest.skip("needs root: installs the package in a private mount "
                    "namespace over overlays of /etc, /usr and /var")
    for tool in TOOLS:
        if not shutil.which(tool):
            pytest.skip("%s not found (README's second command installs "
                        "it)" % tool)
    probe = os.path.join(work, "probe")
    os.mkdir(probe)
    os.mkdir(os.path.join(probe, "u"))
    os.mkdir(os.path.join(probe, "w"))
    try:
        r = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "--", "sh",
             "-c", 'mount -n -t tmpfs p "$0" && mkdir "$0/u" "$0/w" && '
             'mount -n -t overlay p -o "lowerdir=/etc,upperdir=$0/u,'
             'workdir=$0/w" /etc', probe],
            capture_output=True, text=True, timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail("unshare did not return within %d s" % STEP_TIMEOUT)
    if r.returncode != 0:
        pytest.skip("cannot mount an overlay in a private mount namespace: "
                    + (r.stderr.strip() or "exit %d" % r.returncode))


def clean_env():
    """The environment without make's jobserver (its descriptors are not
    passed on) and with the package build's test suite off."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DESTDIR")}
    env["DEB_BUILD_OPTIONS"] = "nocheck parallel=2"
    env["LC_ALL"] = "C.UTF-8"
    return env


def run(argv, timeout=STEP_TIMEOUT, **kw):
    try:
        return subprocess.run(argv, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, env=clean_env(), **kw)
    except subprocess.TimeoutExpired:
        pytest.fail("%s did not finish within %d s" % (argv[0], timeout))


@pytest.fixture(scope="module")
def built(ccmon, tmp_path_factory):
    """(work dir, .deb, .changes): the package built from `make distdir`."""
    work = str(tmp_path_factory.mktemp("pkg"))
    need_tools_and_namespace(work)
    builddir = os.path.dirname(ccmon)
    if not os.path.isfile(os.path.join(builddir, "Makefile")):
        pytest.fail("no Makefile beside CCMON=%s: the test builds the "
                    "package from that build tree's `make distdir`" % ccmon)
    tree = os.path.join(work, "ccmon-src")
    r = run(["make", "-C", builddir, "distdir", "distdir=" + tree])
    assert r.returncode == 0, "make distdir:\n" + r.stdout[-3000:]
    r = run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree,
            timeout=BUILD_TIMEOUT)
    assert r.returncode == 0, "dpkg-buildpackage:\n" + r.stdout[-5000:]
    debs = [d for d in glob.glob(os.path.join(work, "ccmon_*.deb"))]
    changes = glob.glob(os.path.join(work, "ccmon_*.changes"))
    assert len(debs) == 1 and len(changes) == 1, os.listdir(work)
    return work, debs[0], changes[0]


def host_state():
    """What the installation must not change on the machine itself."""
    user = subprocess.run(["getent", "passwd", "ccmon"],
                          stdout=subprocess.PIPE, text=True, check=False)
    pkg = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", "ccmon"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, check=False)
    paths = ("/etc/ccmon", "/usr/bin/ccmon", "/usr/sbin/ccmond",
             "/lib/systemd/system/ccmond.service",
             "/usr/lib/sysusers.d/ccmon.conf",
             "/usr/share/snmp/mibs/CCMON-MIB.txt")
    return (user.stdout, pkg.stdout,
            tuple(p for p in paths if os.path.lexists(p)))


def steps(out):
    """{name: (rc, output)} from INSTALL_SCRIPT's output."""
    got = {}
    for m in re.finditer(r"^@@ (\w+)\n(.*?)^@@ rc (\d+)\n", out,
                         re.S | re.M):
        got[m.group(1)] = (int(m.group(3)), m.group(2))
    return got


@pytest.fixture(scope="module")
def installed(built):
    work, deb, _ = built
    if not os.path.isfile(os.path.join(SHARED_MIBS, "SNMPv2-SMI.txt")):
        pytest.skip("the IETF base MIB modules are not in %s (set "
                    "CCMON_SHARED_MIBS)" % SHARED_MIBS)
    os.mkdir(os.path.join(work, "ovl"))
    before = host_state()
    r = run(["unshare", "--mount", "--propagation", "private", "--",
             "sh", "-c", INSTALL_SCRIPT, "sh", work, deb, SHARED_MIBS])
    assert host_state() == before, "the machine itself was changed"
    got = steps(r.stdout)
    assert r.returncode == 0 and "changed" in got, \
        "install script exit %d:\n%s" % (r.returncode, r.stdout[-5000:])
    return got


def ok(got, name):
    rc, out = got[name]
    assert rc == 0, "%s: exit %d:\n%s" % (name, rc, out[-3000:])
    return out


def test_lintian_finds_nothing(built):
    _, _, changes = built
    r = run(["lintian", "--fail-on", "error,warning", "--display-info",
             changes])
    tags = [l for l in r.stdout.splitlines() if re.match(r"^[EWIX]: ", l)]
    assert r.returncode == 0 and not tags, r.stdout


def test_installs_with_user_and_verified_unit(installed):
    assert ok(installed, "install")
    assert ok(installed, "status").strip() == "install ok installed"
    assert ok(installed, "conffiles").split()[0] == "/etc/ccmon/ccmon.conf"
    user = ok(installed, "passwd").strip().split(":")
    assert user[0] == "ccmon" and int(user[2]) < 1000, user
    assert ok(installed, "group").startswith("ccmon:")
    out = ok(installed, "verify")
    assert "ccmond.service" not in out, out


def test_config_shipped_passes_check_config(installed):
    ok(installed, "checkconfig")


def test_catalog_updated_on_install_and_purge(installed):
    with open(os.path.join(SRCDIR, "units", "ccmon.catalog"),
              encoding="utf-8") as f:
        ids = re.findall(r"^-- ([0-9a-f]{32})$", f.read(), re.M)
    assert len(ids) >= 11
    listed = ok(installed, "catalog")
    assert [i for i in ids if i not in listed] == []
    after = ok(installed, "catalog_after")
    assert [i for i in ids if i in after] == []


def oid_rows(text):
    return [l.split("\t") for l in text.splitlines()
            if l and not l.startswith("#")]


def test_mib_where_net_snmp_looks_and_loads_with_base_modules(installed):
    dirs = ok(installed, "mibdirs").strip().split(":")
    assert "/usr/share/snmp/mibs" in dirs, dirs
    rows = oid_rows(ok(installed, "oids"))
    numeric = ok(installed, "translate").split()
    assert numeric == [r[0] for r in rows]
    # Modules of the system's default list that are not installed are
    # not ours; anything naming CCMON-MIB is.
    err = ok(installed, "translate_err")
    assert [l for l in err.splitlines() if "CCMON" in l.upper()] == [], err


def test_oid_list_names_every_node_without_base_modules(installed):
    """A manager without SNMPv2-SMI and friends: every node the MIB
    defines has its numeric OID in the shipped list."""
    text = ok(installed, "mibtext")
    defined = set(re.findall(
        r"^([a-z][A-Za-z0-9-]*)\s+(?:OBJECT-TYPE|NOTIFICATION-TYPE|"
        r"MODULE-IDENTITY|OBJECT-IDENTITY|OBJECT-GROUP|NOTIFICATION-GROUP|"
        r"MODULE-COMPLIANCE|OBJECT\s+IDENTIFIER)\b", text, re.M))
    rows = oid_rows(ok(installed, "oids"))
    assert {r[1] for r in rows} == defined
    assert all(re.match(r"^(\.\d+)+$", r[0]) for r in rows)
    kinds = {r[1]: r[2] for r in rows}
    assert kinds["ccmonAlarmRaised"] == "notification"
    assert kinds["ccmonMessagingBlocked"] == "scalar"
    assert kinds["ccmonComponentState"] == "column"


def test_purge_leaves_only_the_system_user(installed):
    ok(installed, "purge")
    assert installed["purged"][0] != 0 or \
        "not-installed" in installed["purged"][1]
    left = installed["leftover"][1].splitlines()
    assert left == ["ls: cannot access '/etc/ccmon': No such file or "
                    "directory"], left
    assert ok(installed, "userkept").startswith("ccmon:")
    changed = ok(installed, "changed").splitlines()
    assert [c for c in changed if not ALLOWED_AFTER_PURGE.match(c)] == []


def test_nms_files_ship_uncompressed(built):
    """doc/nms/ lands in /usr/share/doc/ccmon/nms/ as is: snmptt, promtool
    and the Zabbix import read the files there, not a .gz of them."""
    _, deb, _ = built
    r = run(["dpkg-deb", "-c", deb])
    assert r.returncode == 0, r.stdout
    names = [ln.split()[-1] for ln in r.stdout.splitlines()]
    nms = [n for n in names if "/usr/share/doc/ccmon/nms/" in n and
           not n.endswith("/")]
    for want in ("prometheus/ccmon.rules.yml",
                 "prometheus/ccmon.rules.test.yml",
                 "zabbix/ccmon_snmp.yaml", "snmptt/ccmon.conf",
                 "nagios/ccmon.cfg", "README.md"):
        assert any(n.endswith("/nms/" + want) for n in nms), (want, nms)
    assert not [n for n in nms if n.endswith(".gz")], nms
