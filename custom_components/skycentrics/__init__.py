"""The SkyCentrics integration: a cloud-connected SkyCentrics gateway in Home Assistant."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import (
    SkyCentricsAuthenticationError,
    SkyCentricsClient,
    SkyCentricsError,
    SkyCentricsNotFoundError,
)
from .const import DEFAULT_SCAN_INTERVAL, DOMAIN
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator, SkyCentricsRuntimeData
from .entity import async_register_gateway

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
        try:
            device = await client.async_get_device(device_id)
        except SkyCentricsAuthenticationError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"error": str(err)},
            ) from err
        except SkyCentricsNotFoundError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="device_not_found",
                translation_placeholders={"device": str(device_id)},
            ) from err
        except SkyCentricsError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="setup_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        coordinator = SkyCentricsCoordinator(hass, entry, client, device, interval)
        await coordinator.async_config_entry_first_refresh()
        return coordinator

    coordinators = await asyncio.gather(*(_async_start(int(d)) for d in entry.data[CONF_DEVICES]))
    for coordinator in coordinators:
        async_register_gateway(hass, entry, coordinator.device)
    entry.runtime_data = SkyCentricsRuntimeData(
        client=client, coordinators={c.device.id: c for c in coordinators}
    )
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> bool:
    """Unload a config entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
