#!/usr/bin/env python3
"""Build the archive an installer fetches for a release, from a commit (default HEAD).

``scripts/release [COMMIT]``: refuses unless the versions of manifest.json and pyproject.toml
at that commit agree and CHANGELOG.md has an entry for the version; then writes
``dist/<hacs.json's filename>`` and prints its name, size and sha256. The archive holds the
committed files of custom_components/skycentrics at its root: with ``zip_release``, HACS and Home
Assistant's Marketplace download the release's asset of that name and unpack it into
``<config>/custom_components/skycentrics``. The same commit gives the same bytes.

CHANGELOG.md: the maintainer writes the entry (``## <version> - unreleased`` and what changed);
this script replaces ``unreleased`` with today's date and leaves a dated entry as it is.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
from pathlib import Path
import re
import subprocess
import sys
import tarfile
import time
import tomllib
from typing import Final
import zipfile

ROOT: Final = Path(__file__).resolve().parent.parent
INTEGRATION: Final = "custom_components/skycentrics"
CHANGELOG: Final = ROOT / "CHANGELOG.md"
DIST: Final = ROOT / "dist"


class ReleaseError(Exception):
    """Nothing can be released as things are; the message says why."""


def git(*args: str) -> bytes:
    """The output of one git command in the project; a failure is a ReleaseError."""
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)
    if done.returncode:
        raise ReleaseError(f"git {args[0]}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def version(commit: str) -> str:
    """The version of ``commit``: manifest.json's, which pyproject.toml's must equal."""
    manifest = json.loads(git("show", f"{commit}:{INTEGRATION}/manifest.json"))["version"]
    project = tomllib.loads(git("show", f"{commit}:pyproject.toml").decode())["project"]
    if manifest != project["version"]:
        raise ReleaseError(
            f"manifest.json says {manifest}, pyproject.toml {project['version']}: make them agree"
        )
    return str(manifest)


def build(commit: str, out_dir: Path) -> Path:
    """Write the archive of ``commit`` into ``out_dir``; return its path."""
    hacs = json.loads(git("show", f"{commit}:hacs.json"))
    name = str(hacs.get("filename", ""))
    if not hacs.get("zip_release") or not name.endswith(".zip"):
        raise ReleaseError("hacs.json names no release archive (zip_release, filename *.zip)")
    committed = io.BytesIO(git("archive", "--format=tar", commit, INTEGRATION))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    with tarfile.open(fileobj=committed) as tree, zipfile.ZipFile(path, "w") as archive:
        for member in sorted(tree.getmembers(), key=lambda member: member.name):
            if member.isdir():
                continue
            content = tree.extractfile(member)
            if content is None:  # a link: no installer makes one
                raise ReleaseError(f"{member.name} is not a file")
            # The commit's time (git archive's), so that the same commit gives the same bytes.
            info = zipfile.ZipInfo(
                member.name.removeprefix(f"{INTEGRATION}/"), time.gmtime(member.mtime)[:6]
            )
            info.create_system = 3  # Unix: the mode below is read
            info.external_attr = (0o100755 if member.mode & 0o100 else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.read(), compresslevel=9)
    return path


def dated_changelog(text: str, release: str, today: datetime.date) -> str:
    """CHANGELOG.md's text with the entry of ``release`` dated ``today`` if it says
    ``unreleased`` (a dated entry is left as it is); an entry missing or empty is refused."""
    heading = re.search(rf"^## {re.escape(release)} - (.+)$", text, re.MULTILINE)
    if heading is None:
        raise ReleaseError(
            f"{CHANGELOG.name} has no entry for {release}: add '## {release} - unreleased' "
            "and what changed for users"
        )
    if not text[heading.end() :].split("\n## ", 1)[0].strip():
        raise ReleaseError(f"{CHANGELOG.name}: the entry for {release} says nothing")
    if heading[1] != "unreleased":
        return text
    start, end = heading.span(1)
    return text[:start] + today.isoformat() + text[end:]


def main() -> int:
    """Check, build, print, date the entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("commit", nargs="?", default="HEAD", help="what to release (HEAD)")
    try:
        commit = git("rev-parse", "--verify", parser.parse_args().commit).decode().strip()
        release = version(commit)
        text = CHANGELOG.read_text() if CHANGELOG.exists() else ""
        dated = dated_changelog(text, release, datetime.date.today())
        path = build(commit, DIST)
    except ReleaseError as err:
        print(f"release: {err}", file=sys.stderr)
        return 1
    content = path.read_bytes()
    print(f"{release} (commit {commit[:12]}): {path.relative_to(ROOT)}")
    print(f"  {len(content)} bytes, sha256 {hashlib.sha256(content).hexdigest()}")
    if dated != text:
        CHANGELOG.write_text(dated)
        print(f"  {CHANGELOG.name}: the entry for {release} is dated today; commit it")
    print(f"  tag {commit[:12]} as {release}; attach {path.name} to the GitHub release {release}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
