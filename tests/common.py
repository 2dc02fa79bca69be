"""Helpers shared by the tests."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_URL,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.skycentrics import PLATFORMS
from custom_components.skycentrics.const import DOMAIN
from skycentrics_simulator import Simulator

CLIENT_ID = "a2EaBy6DcPyGSzTkWpDU"
CLIENT_SECRET = "test-secret-do-not-log"

# --- the settings' tests (climate, water heater, switch, number): the simulator's fleet --------


async def setup_fleet(
    hass: HomeAssistant,
    url: str,
    devices: list[int],
    platforms: list[Platform] | None = None,
) -> MockConfigEntry:
    """An entry holding ``devices`` of the simulator at ``url``, set up (with ``platforms``
    only, when given)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="fleet",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: url,
            CONF_DEVICES: devices,
        },
    )
    entry.add_to_hass(hass)
    with patch("custom_components.skycentrics.PLATFORMS", platforms or PLATFORMS):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    return entry


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """The entity id of one of our entities, by its unique id."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, unique_id
    return found


async def after_cooldown(hass: HomeAssistant) -> None:
    """Let the coordinator's refresh debouncer (10 s) run a refresh asked for meanwhile (only
    Home Assistant's timers move on: the simulator keeps its own clock)."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()


def data_requests(simulator: Simulator, device: int) -> int:
    """How often the device's /data was asked for."""
    return sum(1 for _, path, _ in simulator.requests if path == f"/api/devices/{device}/data")


def puts(simulator: Simulator) -> list[tuple[str, str, int]]:
    """The control requests as the simulator answered them (its signature check included)."""
    return [request for request in simulator.requests if request[0] == "PUT"]
