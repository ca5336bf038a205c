# SPDX-License-Identifier: ISC
"""The plan matches the house: every source folder has its row in README's
Layout table and in doc/architecture.md, and neither names a folder that
is not there."""
import os
import re

SRCDIR = os.environ.get("top_srcdir") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def source_folders():
    found = set()
    for top in ("agent", "parsers"):
        for root, dirs, files in os.walk(os.path.join(SRCDIR, top)):
            if any(f.endswith((".c", ".h", ".def")) for f in files):
                found.add(os.path.relpath(root, SRCDIR) + "/")
    return found


def named_folders(path):
    with open(os.path.join(SRCDIR, path), encoding="utf-8") as f:
        text = f.read()
    return set(re.findall(r"^\| `((?:agent|parsers)[a-z_/]*/)`", text,
                          re.M))


def test_readme_layout_names_every_folder():
    assert named_folders("README.md") == source_folders()


def test_architecture_names_every_folder():
    assert named_folders("doc/architecture.md") == source_folders()
