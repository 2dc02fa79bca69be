"""Demand-response actions (skycentrics.start_event, shed_load, end_shed), and the one place
where a command is sent: the buttons send theirs through `async_send_command` too, and so do the
climate, switch and number entities their settings (api.control.Setting).

The actions are integration actions with a target, registered once in `async_setup`, not entity
actions of the button platform: an entity action reaches only the entities it finds, so a device
target with three buttons would get the command three times and a target without buttons (a
thermostat) silently none. The target is resolved to SkyCentrics devices instead, each
commanded once:

- a device or entity named explicitly must be a loaded SkyCentrics device (an entity: the
  device it belongs to) that takes demand-response commands, else the action fails with a
  translated ServiceValidationError before anything is sent;
- devices reached indirectly (an area, floor or label; the parts of a targeted gateway) are
  commanded when they take commands and skipped otherwise;
- `entity_id: all` means every loaded SkyCentrics device that takes commands.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any, Final, Literal

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, ENTITY_MATCH_ALL
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.target import TargetSelection, async_extract_referenced_entity_ids
import probatio as vol

from .api import (
    SkyCentricsClient,
    SkyCentricsConnectionError,
    SkyCentricsControlRefusedError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsTimeoutError,
)
from .api.client import MAX_CONTROL_DURATION, MIN_CONTROL_DURATION, DemandResponseEvent
from .api.control import Setting
from .api.device_types import CTA2045_TYPES, DEVICE_MODELS
from .const import DOMAIN, LOGGER
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator

SERVICE_START_EVENT: Final = "start_event"
SERVICE_SHED_LOAD: Final = "shed_load"
SERVICE_END_SHED: Final = "end_shed"

ATTR_EVENT: Final = "event"
ATTR_DURATION: Final = "duration"

EVENTS: Final[dict[str, DemandResponseEvent]] = {
    "load_up": "LU",
    "critical_peak": "CPE",
    "grid_emergency": "GE",
}
"""The action's event options (translated in the `event` selector) -> the API's event."""


def _whole_seconds(value: Any) -> int:
    """Read a duration of whole seconds (an int, or a number or text holding a whole one)."""
    if isinstance(value, bool):
        raise vol.Invalid("the duration must be a number of seconds")
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise vol.Invalid("the duration must be a number of seconds") from err
    if not math.isfinite(number) or number != int(number):
        raise vol.Invalid("the duration must be whole seconds")
    return int(number)


DURATION: Final = vol.All(
    _whole_seconds, vol.Range(min=MIN_CONTROL_DURATION, max=MAX_CONTROL_DURATION)
)
"""An action's duration: whole seconds, 1 to 86,400 (the bounds of services.yaml's selector)."""

START_EVENT_SCHEMA: Final = cv.make_entity_service_schema(
    {vol.Required(ATTR_EVENT): vol.In(EVENTS), vol.Required(ATTR_DURATION): DURATION}
)
SHED_LOAD_SCHEMA: Final = cv.make_entity_service_schema({vol.Required(ATTR_DURATION): DURATION})
END_SHED_SCHEMA: Final = cv.make_entity_service_schema({})


@dataclass(frozen=True, slots=True)
class Command:
    """One demand-response command for one device: what the client is asked to send."""

    kind: Literal["event", "shed", "end_shed"]
    event: DemandResponseEvent | None = None
    duration: int = 0  # seconds; 0 for end_shed

    async def async_send(self, client: SkyCentricsClient, device_id: int) -> None:
        """Send this command to ``device_id`` (one request)."""
        if self.kind == "event" and self.event is not None:
            await client.async_start_event(device_id, self.event, self.duration)
        elif self.kind == "shed":
            await client.async_shed_load(device_id, self.duration)
        else:
            await client.async_end_shed(device_id)


def supports_demand_response(coordinator: SkyCentricsCoordinator) -> bool:
    """Whether the device takes demand-response commands (has a CTA-2045 port).

    By its type (CTA2045_TYPES); a device without a type, or of a type not in DEVICE_MODELS,
    when its latest readings hold the CTA-2045 family. A known type without the port (a
    thermostat) never does, whatever it reports.
    """
    device_type = coordinator.device.type
    if device_type in CTA2045_TYPES:
        return True
    if device_type in DEVICE_MODELS:
        return False
    return coordinator.data is not None and coordinator.data.cta2045 is not None


def keys_refused(coordinator: SkyCentricsCoordinator) -> bool:
    """Whether the API refused the keys of the device's entry (on any of its devices' polls:
    the keys are the entry's), so that nothing is sent with them until a reauth."""
    entry = coordinator.config_entry
    return any(c.auth_failed for c in entry.runtime_data.coordinators.values())


def device_label(hass: HomeAssistant, coordinator: SkyCentricsCoordinator) -> str:
    """The device's name as the user sees it (their own name first), for messages."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, str(coordinator.device_id)), coordinator.config_entry.entry_id
    )
    if device is not None and (name := device.name_by_user or device.name):
        return name
    return coordinator.device.name or str(coordinator.device_id)


async def async_send_command(
    hass: HomeAssistant, coordinator: SkyCentricsCoordinator, command: Command | Setting
) -> None:
    """Send one demand-response command or setting (one request) to the coordinator's device,
    then read the device again, so that its entities show what it reports before the next
    command is built (a setpoint is sent with the other one as reported).

    Every client error becomes a translated HomeAssistantError (nothing is swallowed; a
    refusal never starts a reauth). The refresh follows only an accepted command; it is not
    debounced, as a request would be within 10 s of the last.
    """
    placeholders = {"device": device_label(hass, coordinator)}
    if keys_refused(coordinator):  # nothing is sent with keys the API refuses
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="control_keys_refused",
            translation_placeholders=placeholders,
        )
    client, device_id = coordinator.client, coordinator.device_id
    try:
        if isinstance(command, Setting):
            await client.async_set(device_id, coordinator.device.type, command)
        else:
            await command.async_send(client, device_id)
    except SkyCentricsError as err:
        key, details = _control_error(err, coordinator.device_id)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={**placeholders, **details},
        ) from err
    what = command.prop if isinstance(command, Setting) else command.kind
    LOGGER.debug("%s took the %s command", coordinator.name, what)
    await coordinator.async_refresh()


def _control_error(err: SkyCentricsError, device_id: int) -> tuple[str, dict[str, str]]:
    """The translation key of a command the client could not send, and its placeholders
    besides the device."""
    if isinstance(err, SkyCentricsControlRefusedError):
        return "control_refused", {"status": str(err.status)}
    if isinstance(err, SkyCentricsNotFoundError):
        return "control_not_found", {"device_id": str(device_id)}
    if isinstance(err, SkyCentricsRateLimitError):
        if err.retry_after is None:
            return "control_rate_limited_later", {}
        return "control_rate_limited", {"retry_after": str(math.ceil(err.retry_after))}
    if isinstance(err, SkyCentricsTimeoutError):
        return "control_timeout", {}
    if isinstance(err, SkyCentricsConnectionError):
        return "control_cannot_connect", {"error": str(err)}
    return "control_failed", {"error": str(err)}


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the demand-response actions (once, from async_setup)."""

    async def _start_event(call: ServiceCall) -> None:
        event = EVENTS[call.data[ATTR_EVENT]]
        await _async_command_targets(hass, call, Command("event", event, call.data[ATTR_DURATION]))

    async def _shed_load(call: ServiceCall) -> None:
        await _async_command_targets(hass, call, Command("shed", None, call.data[ATTR_DURATION]))

    async def _end_shed(call: ServiceCall) -> None:
        await _async_command_targets(hass, call, Command("end_shed"))

    hass.services.async_register(DOMAIN, SERVICE_START_EVENT, _start_event, START_EVENT_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_SHED_LOAD, _shed_load, SHED_LOAD_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_END_SHED, _end_shed, END_SHED_SCHEMA)


async def _async_command_targets(hass: HomeAssistant, call: ServiceCall, command: Command) -> None:
    """Send ``command`` to every device of the call's target, one after the other.

    All targets are checked before anything is sent. A device whose command fails does not
    keep the others from theirs; the first failure is raised once all were tried.
    """
    coordinators = _resolve_targets(hass, call)
    failure: HomeAssistantError | None = None
    for coordinator in coordinators:
        try:
            await async_send_command(hass, coordinator, command)
        except HomeAssistantError as err:
            if failure is not None:
                LOGGER.error("%s: %s", coordinator.name, err)
            failure = failure or err
    if failure is not None:
        raise failure


def _resolve_targets(hass: HomeAssistant, call: ServiceCall) -> list[SkyCentricsCoordinator]:
    """The coordinators of the devices the call targets (see the module's docstring)."""
    if call.data.get(ATTR_ENTITY_ID) == ENTITY_MATCH_ALL:
        found = [
            coordinator
            for entry in hass.config_entries.async_loaded_entries(DOMAIN)
            for coordinator in entry.runtime_data.coordinators.values()
            if supports_demand_response(coordinator)
        ]
        if not found:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
        return found

    entity_registry = er.async_get(hass)
    selection = TargetSelection(call.data)
    selected = async_extract_referenced_entity_ids(hass, selection)
    found_by_id: dict[int, SkyCentricsCoordinator] = {}

    # Named explicitly: each must be a SkyCentrics device that takes commands.
    explicit: list[tuple[str, str | None]] = [  # (what the user named, its device)
        (device_id, device_id) for device_id in sorted(selection.device_ids)
    ]
    for entity_id in sorted(selected.referenced):
        entity = entity_registry.async_get(entity_id)
        explicit.append((entity_id, entity.device_id if entity is not None else None))
    for named, device_id in explicit:
        coordinator = _coordinator_of(hass, device_id, named)
        if not supports_demand_response(coordinator):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_supported",
                translation_placeholders={"target": device_label(hass, coordinator)},
            )
        found_by_id.setdefault(coordinator.device_id, coordinator)

    # Reached through an area, a floor, a label or a targeted gateway: only those that take
    # commands (an area holds many other devices).
    indirect = set(selected.referenced_devices) - selection.device_ids
    for entity_id in selected.indirectly_referenced:
        entity = entity_registry.async_get(entity_id)
        if entity is not None and entity.device_id is not None:
            indirect.add(entity.device_id)
    for device_id in sorted(indirect):
        try:
            coordinator = _coordinator_of(hass, device_id, device_id)
        except HomeAssistantError:
            continue
        if supports_demand_response(coordinator):
            found_by_id.setdefault(coordinator.device_id, coordinator)

    if not found_by_id:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_target")
    return list(found_by_id.values())


def _coordinator_of(
    hass: HomeAssistant, device_id: str | None, named: str
) -> SkyCentricsCoordinator:
    """The coordinator of a SkyCentrics device (one the API knows, not a part of a gateway);
    a translated error for anything else."""
    device = dr.async_get(hass).async_get(device_id) if device_id is not None else None
    if device is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_supported",
            translation_placeholders={"target": named},
        )
    label = device.name_by_user or device.name or named
    entry: SkyCentricsConfigEntry | None = hass.config_entries.async_get_entry(
        device.config_entry_id
    )
    # A part of a gateway ({gateway}_{part}) takes no commands itself: only the API's devices.
    ids = [i for domain, i in device.identifiers if domain == DOMAIN and i.isdigit()]
    if entry is None or entry.domain != DOMAIN or not ids:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_supported",
            translation_placeholders={"target": label},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"target": label, "entry": entry.title},
        )
    coordinator = entry.runtime_data.coordinators.get(int(ids[0]))
    if coordinator is None:  # not started yet (set-up tries it again in the background)
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="device_not_ready",
            translation_placeholders={"target": label},
        )
    return coordinator
