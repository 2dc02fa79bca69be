"""The SkyCentrics integration: a cloud-connected SkyCentrics gateway in Home Assistant."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

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
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.typing import ConfigType

from .api import SkyCentricsClient
from .const import DEFAULT_SCAN_INTERVAL, DOMAIN, LOGGER, MAX_DEVICE_RETRY
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator, SkyCentricsRuntimeData
from .devices import (
    async_abort_offers,
    async_read_device_list,
    async_remove_dropped_devices,
    async_track_device_list,
)
from .energy_preferences import async_check as async_check_energy_preferences
from .entity import async_register_devices, gateway_identifier, part_identifier
from .services import async_setup_services
from .statistics import HistoryImporter

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CLIMATE,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.WATER_HEATER,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the demand-response actions (once, whether or not an entry is loaded)."""
    async_setup_services(hass)
    return True


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

    importers: list[HistoryImporter] = []

    async def _async_start(device_id: int) -> SkyCentricsCoordinator:
        coordinator = SkyCentricsCoordinator(hass, entry, client, device_id, interval)
        importer = HistoryImporter(hass, coordinator)
        await importer.async_prepare()  # the counters' baselines, before the first poll
        await coordinator.async_config_entry_first_refresh()
        importers.append(importer)
        return coordinator

    await async_read_device_list(hass, entry, client)  # devices that joined or left the account
    # All devices at once; every start ends before a failure is raised.
    device_ids = [int(d) for d in entry.data[CONF_DEVICES]]
    results = await asyncio.gather(*map(_async_start, device_ids), return_exceptions=True)
    if cancelled := [r for r in results if not isinstance(r, SkyCentricsCoordinator | Exception)]:
        raise cancelled[0]  # e.g. set-up cancelled: not a device's failure
    coordinators = [r for r in results if isinstance(r, SkyCentricsCoordinator)]
    failures = {d: r for d, r in zip(device_ids, results, strict=True) if isinstance(r, Exception)}
    if auth := [err for err in failures.values() if isinstance(err, ConfigEntryAuthFailed)]:
        raise auth[0]  # bad keys: reauth, whatever the other devices did
    if not coordinators and failures:
        raise next(iter(failures.values()))  # nothing readable: Home Assistant retries later
    # One device that cannot be read does not keep the others down: they are set up, it is
    # tried again in the background and the entry reloads once it answers.
    for device_id, err in failures.items():
        LOGGER.warning(
            "SkyCentrics device %s could not be read (%s); the other devices are set up, "
            "it is tried again in the background",
            device_id,
            err,
        )
        _async_retry_device(hass, entry, client, device_id, interval)
    async_register_devices(hass, entry, (coordinator.device for coordinator in coordinators))
    async_remove_dropped_devices(hass, entry)
    entry.runtime_data = SkyCentricsRuntimeData({c.device.id: c for c in coordinators})
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_spread_polls(hass, entry, coordinators, interval)
    for importer in importers:
        importer.async_start()  # hourly statistics in the background, after each poll
    async_track_device_list(hass, entry, client)  # devices that join or leave the account
    await async_check_energy_preferences(hass, entry)  # 0.1.0's counters in the Energy dashboard
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


@callback
def _async_retry_device(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    client: SkyCentricsClient,
    device_id: int,
    interval: timedelta,
    *,
    attempt: int = 0,
) -> None:
    """Try an unreadable device again later (the wait doubles up to MAX_DEVICE_RETRY); reload
    the entry once it answers, so that it gets its coordinator and entities."""
    delay = min(interval * 2**attempt, MAX_DEVICE_RETRY)

    async def _async_try() -> None:
        try:
            await client.async_get_device(device_id)
            await client.async_get_data(device_id)
        except Exception as err:  # whatever failed, the device is tried again
            LOGGER.debug("SkyCentrics device %s still cannot be read: %s", device_id, err)
            _async_retry_device(hass, entry, client, device_id, interval, attempt=attempt + 1)
            return
        LOGGER.info("SkyCentrics device %s answers now; reloading %s", device_id, entry.title)
        hass.config_entries.async_schedule_reload(entry.entry_id)

    @callback
    def _retry(_now: datetime) -> None:
        entry.async_create_background_task(hass, _async_try(), f"retry device {device_id}")

    entry.async_on_unload(async_call_later(hass, delay, _retry))


async def async_migrate_entry(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> bool:
    """Bring an entry from an older version up to date.

    1.1 -> 1.2: what is not a reading gets a ``|``-namespaced unique id (entity.py), so that no
    reading can take it: ``{device}_stale`` -> ``{device}|stale``, ``{device}_last_reading`` ->
    ``{device}|last_reading``, an alarm's ``{device}_{sensor}_problem`` ->
    ``{device}_{sensor}|problem``. Entity ids, names and history stay.
    """
    if entry.minor_version < 2:
        registry = er.async_get(hass)

        @callback
        def _migrate(entity: er.RegistryEntry) -> dict[str, Any] | None:
            new = _namespaced_unique_id(entity)
            if new is None or registry.async_get_entity_id(entity.domain, DOMAIN, new):
                return None  # a reading's, or already there (left from a newer version)
            return {"new_unique_id": new}

        await er.async_migrate_entries(hass, entry.entry_id, _migrate)
        hass.config_entries.async_update_entry(entry, minor_version=2)
        LOGGER.debug("Migrated %s to version 1.2", entry.title)
    return True


def _namespaced_unique_id(entity: er.RegistryEntry) -> str | None:
    """The 1.2 unique id of a 1.1 registry entry; None for a reading's (they keep theirs).

    The gateway's entities are told by their translation key, alarm flags by their device
    class (a reading whose own id ends in ``_problem`` has none).
    """
    unique_id = entity.unique_id
    for domain, key in (("binary_sensor", "stale"), ("sensor", "last_reading")):
        if (entity.domain, entity.translation_key) == (domain, key) and unique_id.endswith(
            f"_{key}"
        ):
            return f"{unique_id.removesuffix(f'_{key}')}|{key}"
    if (
        entity.domain == "binary_sensor"
        and entity.original_device_class == "problem"
        and unique_id.endswith("_problem")
    ):
        return f"{unique_id.removesuffix('_problem')}|problem"
    return None


async def async_remove_entry(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> None:
    """Delete the repair issues of a removed entry (each names its entry), and the clock's
    when no entry is left to need it; withdraw the devices offered to it."""
    async_abort_offers(hass, entry)
    others = [
        e
        for e in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if e.entry_id != entry.entry_id
    ]
    for (domain, issue_id), issue in list(ir.async_get(hass).issues.items()):
        if domain != DOMAIN:
            continue
        if (issue.data or {}).get("entry_id") == entry.entry_id or (
            issue_id == "clock_skew" and not others
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


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
        live |= {
            part_identifier(coordinator.device_id, described.part.key)
            for key, described in coordinator.described.items()
            if described.part is not None and described.sensor_id in coordinator.data.readings
        }
    return not device_entry.identifiers & live
