"""The SkyCentrics integration: a cloud-connected SkyCentrics gateway in Home Assistant."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    Platform,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later

from .api import SkyCentricsClient
from .classification import component_of
from .const import DEFAULT_SCAN_INTERVAL, DOMAIN
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator, SkyCentricsRuntimeData
from .entity import async_register_gateway, gateway_identifier

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> bool:
    """Set up SkyCentrics from a config entry: one coordinator per device."""
    client = SkyCentricsClient(
        entry.data[CONF_CLIENT_ID],
        entry.data[CONF_CLIENT_SECRET],
        async_get_clientsession(hass),
        url=entry.data[CONF_URL],
    )
    interval = timedelta(
        seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds())
    )

    async def _async_start(device_id: int) -> SkyCentricsCoordinator:
        coordinator = SkyCentricsCoordinator(hass, entry, client, device_id, interval)
        await coordinator.async_config_entry_first_refresh()
        return coordinator

    # All devices at once; every start ends before a failure (bad keys first) is raised.
    results = await asyncio.gather(
        *(_async_start(int(d)) for d in entry.data[CONF_DEVICES]), return_exceptions=True
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    failures.sort(key=lambda err: not isinstance(err, ConfigEntryAuthFailed))
    if failures:
        raise failures[0]
    coordinators = [r for r in results if isinstance(r, SkyCentricsCoordinator)]
    for coordinator in coordinators:
        async_register_gateway(hass, entry, coordinator.device)
    entry.runtime_data = SkyCentricsRuntimeData(
        client=client, coordinators={c.device.id: c for c in coordinators}
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_spread_polls(hass, entry, coordinators, interval)
    return True


@callback
def _async_spread_polls(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    coordinators: list[SkyCentricsCoordinator],
    interval: timedelta,
) -> None:
    """Spread the devices' polls over the interval instead of a burst every interval.

    All devices were read at set-up; device i polls once more after i/n of the interval, and
    its regular polls follow from then on.
    """
    for index, coordinator in enumerate(coordinators[1:], start=1):

        @callback
        def _poll(_now: datetime, coordinator: SkyCentricsCoordinator = coordinator) -> None:
            entry.async_create_background_task(
                hass, coordinator.async_refresh(), f"{coordinator.name} first spread poll"
            )

        delay = interval.total_seconds() * index / len(coordinators)
        entry.async_on_unload(async_call_later(hass, delay, _poll))


async def async_unload_entry(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SkyCentricsConfigEntry, device_entry: dr.DeviceEntry
) -> bool:
    """Allow removing a device that no longer reports (a gateway or part that is gone)."""
    live: set[tuple[str, str]] = set()
    for coordinator in entry.runtime_data.coordinators.values():
        if coordinator.unreachable:
            continue  # the API no longer answers for it: its devices may go
        live.add(gateway_identifier(coordinator.device_id))
        for sensor_id in coordinator.data.readings:
            if (part := component_of(sensor_id)) is not None:
                live.add((DOMAIN, f"{coordinator.device_id}_{part.key}"))
    return not device_entry.identifiers & live
