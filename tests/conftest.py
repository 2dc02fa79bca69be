"""Fixtures shared by the tests."""

from __future__ import annotations

import os
import sys

# scripts/bench measures an older version side by side: its `custom_components` comes first.
if _baseline := os.environ.get("SKYCENTRICS_BENCH_BASELINE"):
    sys.path.insert(0, _baseline)
# Import the project's package before pytest-homeassistant-custom-component's own
# `custom_components` can shadow it (Home Assistant would say "Integration not found").
import custom_components.skycentrics  # noqa: F401  # isort: skip

from collections.abc import AsyncGenerator, Generator
import logging
from pathlib import Path
from unittest.mock import PropertyMock, patch

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_DEVICES, CONF_URL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion
from syrupy.location import PyTestLocation

from custom_components.skycentrics.const import DOMAIN
from skycentrics_simulator import SEED_DEVICE_ID, Simulator

from .common import CLIENT_ID, CLIENT_SECRET


@pytest.fixture(autouse=True)
def _enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Let Home Assistant load custom integrations in every test that has a `hass`."""
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture(autouse=True)
def _secret_never_logged(request: pytest.FixtureRequest) -> Generator[None]:
    """In every test that talks to the simulator: capture all logging at DEBUG, and fail if the
    secret shows up in any record (message, arguments or traceback)."""
    if "simulator" not in request.fixturenames and "loaded_entry" not in request.fixturenames:
        yield
        return
    caplog: pytest.LogCaptureFixture = request.getfixturevalue("caplog")
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        text = record.getMessage() + (caplog.text if record.exc_info else "")
        assert CLIENT_SECRET not in text, f"the secret reached the log: {record.name}"


class _SnapshotExtension(HomeAssistantSnapshotExtension):
    """Home Assistant's snapshot format, kept in __snapshots__ beside the other snapshots."""

    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        """Return syrupy's usual folder (Home Assistant's extension uses `snapshots`)."""
        return str(Path(test_location.filepath).parent / "__snapshots__")


@pytest.fixture
def ha_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Home Assistant's snapshot format (registry ids, times and contexts left out), as core's
    tests use it; `snapshot` stays syrupy's plain one (the classification snapshot)."""
    return snapshot.use_extension(_SnapshotExtension)


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """A SkyCentrics API simulator on a free loopback port, with the test keys.

    Sockets stay limited to 127.0.0.1 (pytest-socket's allow list).
    """
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}) as sim:
        yield sim


@pytest.fixture
def config_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    """A config entry for the seed device, pointed at the simulator."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="ssb-001-pae-replacement",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: simulator.url,
            CONF_DEVICES: [SEED_DEVICE_ID],
        },
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_entry(hass: HomeAssistant, config_entry: MockConfigEntry) -> MockConfigEntry:
    """The config entry, set up against the simulator over a real socket."""
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    return config_entry


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create every entity enabled, also those disabled by default (as in core's conftest)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield
