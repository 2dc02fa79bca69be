"""Devices that come and go: the account's device list, read at set-up and every
DEVICE_LIST_INTERVAL (one request), decides which devices an entry holds.

- A listed device that no entry holds joins an entry made with every listed device
  (``all_devices`` in its data); an entry of chosen devices is offered it through a discovery
  flow (config_flow.py) that the user confirms, or ignores. A device the user left out when
  choosing is never offered. An entry made by an older version (no flag) counts as one of
  chosen devices, and the devices its first list read finds as left out: nothing is added
  unasked, and only devices added to the account from then on are offered.
- A device of the entry that the list no longer holds leaves, with its devices and entities, at
  once when the API answers 404 for its readings (two answers agree); one that still answers
  leaves once every list read for DEVICE_GONE_AFTER missed it (a list that lags must not take
  a device that works). The entry's last device stays: its repair says it is gone.
- A list that cannot be read (any error: keys that may not list, the cloud down) or is empty
  changes nothing and starts no reauth: the polls judge the keys.

Set-up reads the list first and sets up the devices the entry holds then. A later change of
the entry's devices is stored in its data and applied by a reload: set-up reads every device
again, and the counters come back from their statistics.
"""

from __future__ import annotations

from datetime import datetime

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_DEVICE_ID, CONF_DEVICES, CONF_NAME
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, discovery_flow, issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .api import Device, SkyCentricsClient, SkyCentricsError, SkyCentricsNotFoundError
from .const import (
    DATA_ALL_DEVICES,
    DATA_MISSING_SINCE,
    DATA_NOT_CHOSEN,
    DEVICE_GONE_AFTER,
    DEVICE_LIST_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .coordinator import SkyCentricsConfigEntry


@callback
def async_track_device_list(
    hass: HomeAssistant, entry: SkyCentricsConfigEntry, client: SkyCentricsClient
) -> None:
    """Read the device list every DEVICE_LIST_INTERVAL in the background, until the entry
    unloads; reload the entry when its devices changed (set-up reads them all again)."""

    async def _async_read() -> None:
        if await async_read_device_list(hass, entry, client):
            async_remove_dropped_devices(hass, entry)
            hass.config_entries.async_schedule_reload(entry.entry_id)

    @callback
    def _read(_now: datetime) -> None:
        entry.async_create_background_task(hass, _async_read(), f"{entry.title} device list")

    entry.async_on_unload(async_track_time_interval(hass, _read, DEVICE_LIST_INTERVAL))


async def async_read_device_list(
    hass: HomeAssistant, entry: SkyCentricsConfigEntry, client: SkyCentricsClient
) -> bool:
    """Read the list, ask the API about the entry's devices it misses, and apply the result
    to the entry's data; whether the entry's devices changed."""
    try:
        listed = {device.id: device for device in await client.async_get_devices()}
    except SkyCentricsError as err:
        LOGGER.debug("%s: no device list (%s); the devices stay as they are", entry.title, err)
        return False
    if not listed:
        LOGGER.debug("%s: the device list is empty; the devices stay as they are", entry.title)
        return False
    unlisted = [device_id for device_id in _devices(entry) if device_id not in listed]
    gone = {device_id for device_id in unlisted if await _async_not_found(client, device_id)}
    return _async_apply(hass, entry, listed, gone)


async def _async_not_found(client: SkyCentricsClient, device_id: int) -> bool:
    """Whether the API answers 404 for the device's readings (any other failure: not known)."""
    try:
        await client.async_get_data(device_id)
    except SkyCentricsNotFoundError:
        return True
    except SkyCentricsError:
        pass
    return False


def _devices(entry: SkyCentricsConfigEntry) -> list[int]:
    return [int(device_id) for device_id in entry.data[CONF_DEVICES]]


@callback
def _async_apply(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    listed: dict[int, Device],
    not_found: set[int],
) -> bool:
    """Let the new devices join (or offer them) and the gone ones leave, by the rules above;
    whether the entry's devices changed. No await: no other entry changes meanwhile."""
    now = dt_util.utcnow()
    devices = _devices(entry)
    before: dict[str, str] = entry.data.get(DATA_MISSING_SINCE, {})
    missing = {str(d): before.get(str(d), now.isoformat()) for d in devices if d not in listed}
    leaving = {
        device_id
        for device_id in devices
        if device_id in not_found
        or (
            str(device_id) in missing
            and now - datetime.fromisoformat(missing[str(device_id)]) >= DEVICE_GONE_AFTER
        )
    }
    held = {
        int(device_id)
        for other in hass.config_entries.async_entries(DOMAIN)
        for device_id in other.data.get(CONF_DEVICES, [])
    }
    held |= {int(device_id) for device_id in entry.data.get(DATA_NOT_CHOSEN, [])}
    new = [device for device in listed.values() if device.id not in held]
    data = {**entry.data}
    if DATA_ALL_DEVICES not in data:  # made by an older version: its devices were chosen,
        # the others listed now are taken for left out; those added from now on are offered
        data |= {DATA_ALL_DEVICES: False, DATA_NOT_CHOSEN: sorted(d.id for d in new)}
        new = []
    joining = [device.id for device in new] if data[DATA_ALL_DEVICES] else []
    if leaving >= set(devices) and not joining:
        leaving = set()  # the entry's last device stays: its repair says it is gone
    for device_id in leaving:
        del missing[str(device_id)]
        LOGGER.info(
            "SkyCentrics device %s left the account: removed from %s", device_id, entry.title
        )
    for device in new:
        if joining:
            LOGGER.info(
                "%s (%s) joined the account: added to %s", device.name, device.id, entry.title
            )
        else:
            _async_offer(hass, entry, device)
    data[CONF_DEVICES] = [*(d for d in devices if d not in leaving), *joining]
    if missing or DATA_MISSING_SINCE in data:
        data[DATA_MISSING_SINCE] = missing
    hass.config_entries.async_update_entry(entry, data=data)
    return bool(leaving or joining)


@callback
def _async_offer(hass: HomeAssistant, entry: SkyCentricsConfigEntry, device: Device) -> None:
    """Offer a new device to the entry (once: config_flow.async_step_integration_discovery)."""
    discovery_flow.async_create_flow(
        hass,
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY, "entry_id": entry.entry_id},
        data={CONF_DEVICE_ID: device.id, CONF_NAME: device.name},
    )


@callback
def async_abort_offers(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> None:
    """Withdraw the devices offered to an entry (it is being removed)."""
    for flow in hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, match_context={"entry_id": entry.entry_id, "source": SOURCE_INTEGRATION_DISCOVERY}
    ):
        hass.config_entries.flow.async_abort(flow["flow_id"])


@callback
def async_remove_dropped_devices(hass: HomeAssistant, entry: SkyCentricsConfigEntry) -> None:
    """Remove the devices (a gateway, its parts) of gateways the entry no longer holds (dropped
    by Reconfigure, or gone from the account), their entities with them, and their repair
    issues."""
    configured = {str(device_id) for device_id in _devices(entry)}
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        # Identifiers are "<gateway id>" and "<gateway id>_<part>" (entity.py).
        gateways = {key.split("_", 1)[0] for domain, key in device.identifiers if domain == DOMAIN}
        if gateways and not gateways & configured:
            registry.async_remove_device(device.id)  # a device belongs to one entry
    # An entry's issue ids are "<translation key>_<gateway id>[_<key>]" (coordinator.py).
    for (domain, issue_id), issue in list(ir.async_get(hass).issues.items()):
        if domain != DOMAIN or (issue.data or {}).get("entry_id") != entry.entry_id:
            continue
        gateway = issue_id.removeprefix(f"{issue.translation_key}_").split("_", 1)[0]
        if gateway.isdigit() and gateway not in configured:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
