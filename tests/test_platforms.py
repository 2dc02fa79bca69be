"""Snapshots of what the seed device becomes in Home Assistant: entities, states and devices.

As Home Assistant core tests do: every entity enabled (the disabled-by-default ones too), one
platform loaded at a time for `snapshot_platform`, and the device registry entries of the entry.
The simulator serves the guide's values (pinned) at a frozen time, so each run gives the same
snapshot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import (
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from skycentrics_simulator import SEED_EPOCH, Simulator
from skycentrics_simulator.__main__ import pin_to_seed


async def _setup(
    hass: HomeAssistant,
    simulator: Simulator,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    platforms: list[Platform],
) -> MockConfigEntry:
    """Set up the seed device with only `platforms`, the guide's values, at a fixed time."""
    freezer.move_to(datetime.fromtimestamp(SEED_EPOCH + 30, UTC))
    pin_to_seed(simulator)
    with patch("custom_components.skycentrics.PLATFORMS", platforms):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("platform", "count"),
    [(Platform.SENSOR, 56), (Platform.BINARY_SENSOR, 11)],
    ids=["sensor", "binary_sensor"],
)
async def test_platform(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
    platform: Platform,
    count: int,
) -> None:
    """Every entity of the platform: registry entry (name, translation key, device class, unit,
    entity category, enabled) and state."""
    entry = await _setup(hass, simulator, config_entry, freezer, [platform])
    assert len(er.async_entries_for_config_entry(entity_registry, entry.entry_id)) == count
    await snapshot_platform(hass, entity_registry, ha_snapshot, entry.entry_id)


async def test_device_registry(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    device_registry: dr.DeviceRegistry,
    ha_snapshot: SnapshotAssertion,
) -> None:
    """The gateway and its five components, as the device registry holds them."""
    entry = await _setup(
        hass, simulator, config_entry, freezer, [Platform.BINARY_SENSOR, Platform.SENSOR]
    )
    devices = dr.async_entries_for_config_entry(device_registry, entry.entry_id)
    assert len(devices) == 6
    for device in sorted(devices, key=lambda d: d.name or ""):
        assert device == ha_snapshot(name=f"{device.name}-device")


async def test_disabled_by_default(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
) -> None:
    """Which entities start disabled (the platform snapshots enable every entity)."""
    entry = await _setup(
        hass, simulator, config_entry, freezer, [Platform.BINARY_SENSOR, Platform.SENSOR]
    )
    entries = er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    disabled = sorted(e.entity_id for e in entries if e.disabled_by is not None)
    assert all(
        e.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        for e in entries
        if e.disabled_by is not None
    )
    assert disabled == ha_snapshot
