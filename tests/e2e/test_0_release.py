"""The release an installer fetches: scripts/release's archive of the committed tree, unpacked
as HACS and the Marketplace unpack it, into a fresh configuration directory of a Home Assistant
of its own (not the session's: that one has the checkout linked in), which loads it from there.
"""

from __future__ import annotations

from collections.abc import Iterator
import datetime
import json
import os
from pathlib import Path
import zipfile

import pytest

from .conftest import (
    E2E_DIR,
    SIM_CLIENT_ID,
    SIM_CLIENT_SECRET,
    Stack,
    boot,
    load_script,
    new_stack,
    shut_down,
)

release = load_script("release")
INTEGRATION = "custom_components/skycentrics"
BATTERY_POWER = "sensor.ssb_001_pae_replacement_battery_charge_discharge_power"


@pytest.fixture(scope="module")
def archive() -> Path:
    """The archive of HEAD, as scripts/release builds it."""
    run_dir = E2E_DIR / f"run-{os.getpid()}" / "release"
    return Path(release.build("HEAD", run_dir))


@pytest.fixture(scope="module")
def installed(archive: Path) -> Iterator[Stack]:
    """The simulator, and an onboarded Home Assistant whose only SkyCentrics is the archive
    unpacked into its ``custom_components/skycentrics``."""
    the_stack = new_stack("release", integration=None)
    with zipfile.ZipFile(archive) as unpacked:
        unpacked.extractall(the_stack.config_dir / INTEGRATION)
    try:
        boot(the_stack)
        yield the_stack
    finally:
        shut_down(the_stack)


def test_the_archive_is_the_committed_integration(archive: Path, tmp_path: Path) -> None:
    """Every committed file of the integration at the archive's root, as committed; the same
    bytes when built again."""
    committed = release.git("ls-tree", "-r", "--name-only", "HEAD", INTEGRATION).decode()
    with zipfile.ZipFile(archive) as unpacked:
        names = unpacked.namelist()
        manifest = unpacked.read("manifest.json")
    assert names == sorted(path.removeprefix(f"{INTEGRATION}/") for path in committed.splitlines())
    assert manifest == release.git("show", f"HEAD:{INTEGRATION}/manifest.json")
    assert release.build("HEAD", tmp_path).read_bytes() == archive.read_bytes()


def test_home_assistant_loads_the_release(installed: Stack, archive: Path) -> None:
    """The entry set up from the unpacked archive loads and shows the simulator's readings;
    Home Assistant reports that integration, the archive's manifest, as a custom one."""
    assert not (installed.config_dir / INTEGRATION).is_symlink()
    entry = installed.run_ha(
        lambda ha: ha.add_entry(
            {
                "client_id": SIM_CLIENT_ID,
                "client_secret": SIM_CLIENT_SECRET,
                "url": installed.sim_url,
            }
        )
    )
    assert entry["state"] == "loaded", entry
    power = installed.wait_for("the battery's power", lambda: installed.states().get(BATTERY_POWER))
    float(power["state"])  # a reading, not unknown or unavailable
    with zipfile.ZipFile(archive) as unpacked:
        manifest = json.loads(unpacked.read("manifest.json"))
    loaded = installed.ws({"type": "manifest/get", "integration": "skycentrics"})
    assert loaded == manifest | {"is_built_in": False, "overwrites_built_in": False}
    # homeassistant/loader.py (CUSTOM_WARNING): written for a custom integration it loads.
    assert "We found a custom integration skycentrics which has not" in (
        installed.log_file.read_text()
    )


def test_a_release_needs_its_changelog_entry() -> None:
    """CHANGELOG.md has an entry for the version (scripts/release refuses without one); an
    ``unreleased`` entry gets the day's date, a dated one stays, an empty one is refused."""
    changelog, today = release.CHANGELOG.read_text(), datetime.date.today()
    release.dated_changelog(changelog, release.version("HEAD"), today)
    day = datetime.date(2027, 1, 2)
    text = "# Changelog\n\n## 9.9.9 - unreleased\n\n- New.\n\n## 9.9.8 - unreleased\n\n- Old.\n"
    assert release.dated_changelog(text, "9.9.9", day) == text.replace(
        "9.9.9 - unreleased", "9.9.9 - 2027-01-02"
    )
    with pytest.raises(release.ReleaseError, match=r"no entry for 9\.9\.7"):
        release.dated_changelog(text, "9.9.7", day)
    with pytest.raises(release.ReleaseError, match="says nothing"):
        release.dated_changelog("## 9.9.9 - unreleased\n\n## 9.9.8 - 2027-01-01\n", "9.9.9", day)
