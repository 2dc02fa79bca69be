"""Base entity and device registry helpers shared by the platforms."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Device, Reading, ReadingValue
from .api.device_types import DEVICE_MODELS
from .classification import component_of, device_name
from .const import DOMAIN, LOGGER, MANUFACTURER
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator


def gateway_identifier(device_id: int) -> tuple[str, str]:
    """Return the device registry identifier of a gateway."""
    return (DOMAIN, str(device_id))


def part_identifier(device_id: int, part_key: str) -> tuple[str, str]:
    """Return the device registry identifier of a gateway's part (see component_of)."""
    return (DOMAIN, f"{device_id}_{part_key}")


# Unique ids. A reading's entity is ``{device}_{sensor}`` (reading ids never hold a ``|``); what
# is not a reading gets a ``|``-namespaced id, so no reading can ever take it:
#   the gateway's own entities   {device}|stale, {device}|last_reading
#   derived from a reading       {device}_{sensor}|problem  (the alarm flag)


def reading_unique_id(device_id: int, sensor_id: str, key: str) -> str:
    """Return the unique id of an entity for a reading (``key``: its description's key)."""
    if key == sensor_id:
        return f"{device_id}_{sensor_id}"
    derived = key.removeprefix(sensor_id).lstrip("_")  # e.g. "problem" of X_ALARM_problem
    return f"{device_id}_{sensor_id}|{derived}"


def registered_platform(hass: HomeAssistant, device_id: int, sensor_id: str) -> Platform | None:
    """The platform a reading's own entity is registered in (None: not registered yet).

    An entity keeps the platform it was created in (classification.rule_for).
    """
    registry = er.async_get(hass)
    unique_id = reading_unique_id(device_id, sensor_id, sensor_id)
    for platform in (Platform.BINARY_SENSOR, Platform.SENSOR):
        if registry.async_get_entity_id(platform, DOMAIN, unique_id) is not None:
            return platform
    return None


def gateway_unique_id(device_id: int, key: str) -> str:
    """Return the unique id of one of the gateway's own entities."""
    return f"{device_id}|{key}"


def _mac(device: Device) -> str | None:
    """Return the device's MAC in registry form, when its `mac` field is one."""
    raw = device.mac.replace(":", "").replace("-", "").lower()
    if len(raw) == 12 and all(c in "0123456789abcdef" for c in raw):
        return dr.format_mac(raw)
    return None


def _model(device: Device) -> str:
    """The device's model from its type (api/device_types.py); the type's number otherwise."""
    if device.type is None:
        return "SkyCentrics device"
    return DEVICE_MODELS.get(device.type, f"SkyCentrics device type {device.type}")


@callback
def async_register_gateway(
    hass: HomeAssistant, entry: SkyCentricsConfigEntry, device: Device
) -> None:
    """Register a device before its components name it as their via device.

    Its MAC is a connection; a ``mac`` field that is not a MAC is its serial number.
    """
    mac = _mac(device)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={gateway_identifier(device.id)},
        connections={(CONNECTION_NETWORK_MAC, mac)} if mac else set(),
        manufacturer=MANUFACTURER,
        model=_model(device),
        name=device.name,
        serial_number=None if mac or not device.mac else device.mac,
    )


def device_info_for(
    hass: HomeAssistant, coordinator: SkyCentricsCoordinator, sensor_id: str
) -> DeviceInfo:
    """Return the device an entity of this sensor belongs to: a component, or the gateway."""
    gateway = coordinator.device
    component = component_of(sensor_id)
    if component is None:
        return DeviceInfo(identifiers={gateway_identifier(gateway.id)})
    return DeviceInfo(
        identifiers={part_identifier(gateway.id, component.key)},
        manufacturer=MANUFACTURER,
        model=component.model,
        name=device_name(gateway.name, component),
        via_device_id=dr.async_get_device_id_by_identifier(
            hass, gateway_identifier(gateway.id), config_entry_id=coordinator.config_entry.entry_id
        ),
    )


class SkyCentricsEntity(CoordinatorEntity[SkyCentricsCoordinator]):
    """An entity of one SkyCentrics device; by default one of the device's own (stale, last
    reading, buttons), on the device itself.

    What the entity shows is ``_value`` (``native_value``/``is_on`` return it), computed by
    ``_compute`` after each poll. The state is written only when what it shows changed: a poll
    brings new timestamps for every reading but most values stay the same, and skipping those
    entities saves the state machine's work (and the recorder's). An exception while computing
    or writing touches this entity alone: it is logged once and the entity is unavailable until
    it computes again; the other entities of the poll carry on.
    """

    _attr_has_entity_name = True
    _value: Any = None

    def __init__(
        self,
        coordinator: SkyCentricsCoordinator,
        description: EntityDescription,
        unique_id: str | None = None,
        device_info: DeviceInfo | None = None,
    ) -> None:
        """Bind the entity to its device (the first value is computed when it is added)."""
        super().__init__(coordinator)
        self.entity_description = description
        device_id = coordinator.device.id
        self._attr_unique_id = unique_id or gateway_unique_id(device_id, description.key)
        self._attr_device_info = device_info or DeviceInfo(
            identifiers={gateway_identifier(device_id)}
        )
        self._failed = False  # computing or writing this entity's state raised
        self._shown: tuple[bool, Any] | None = None  # what the last state write showed

    @property
    def available(self) -> bool:
        """Available once there were readings (also while the device is unreachable), unless
        its state could not be computed."""
        return self.coordinator.data is not None and not self._failed

    async def async_added_to_hass(self) -> None:
        """Compute the first value, and remember what the first state write (right after
        this) shows."""
        await super().async_added_to_hass()
        if self._needs_computing():
            self._refresh()
        self._shown = (self.available, self._value)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Compute again, and write the state only when what this entity shows changed."""
        if self._needs_computing():
            self._refresh()
        if (self.available, self._value) == self._shown:
            return
        try:
            self.async_write_ha_state()
        except Exception as err:  # one entity's bug must not stop the others
            self._async_failed(err)
            self.async_write_ha_state()  # unavailable: nothing of the failing state is computed
        self._shown = (self.available, self._value)

    @property
    def _label(self) -> str:
        """What the entity shows, for the log."""
        return self.entity_description.key

    def _needs_computing(self) -> bool:
        """Whether this poll may change the value (reading entities: their reading changed)."""
        return True

    def _compute(self) -> Any:
        """What the entity shows now (platforms)."""
        return None

    def _refresh(self) -> None:
        """Compute the value; an exception fails this entity only."""
        try:
            self._value = self._compute()
        except Exception as err:  # one entity's bug must not stop the others
            self._async_failed(err)
        else:
            self._failed = False

    def _async_failed(self, err: Exception) -> None:
        if not self._failed:
            LOGGER.error(
                "%s: %s could not be shown (%s: %s); its entity is unavailable until it changes",
                self.coordinator.name,
                self._label,
                type(err).__name__,
                err,
                exc_info=err,
            )
        self._failed = True


class SkyCentricsReadingEntity(SkyCentricsEntity):
    """An entity that shows one reading of its device, on the device's part it belongs to.

    The value is computed again only when the reading's value, unit or availability changed
    (or the platform asks for it: ``_recheck``).
    """

    def __init__(
        self,
        coordinator: SkyCentricsCoordinator,
        description: EntityDescription,
        sensor_id: str,
    ) -> None:
        """Bind the entity to one sensor of the coordinator's device."""
        device_id = coordinator.device.id
        super().__init__(
            coordinator,
            description,
            reading_unique_id(device_id, sensor_id, description.key),
            device_info_for(coordinator.hass, coordinator, sensor_id),
        )
        self._sensor_id = sensor_id
        self._bad_value_logged = False
        self._computed_from: tuple[bool, ReadingValue, str] | None = None

    @property
    def _label(self) -> str:
        return f"sensor {self._sensor_id}"

    @property
    def _reading(self) -> Reading | None:
        """This entity's reading in the latest snapshot (None when it is missing)."""
        return self.coordinator.data.readings.get(self._sensor_id)

    @property
    def value(self) -> ReadingValue:
        """This entity's value in the latest snapshot (None when it is missing)."""
        reading = self._reading
        return reading.value if reading is not None else None

    @property
    def available(self) -> bool:
        """Unavailable when the device is unreachable, stopped reporting this sensor, or the
        state could not be computed."""
        return (
            self.coordinator.available
            and self._sensor_id in self.coordinator.data.readings
            and not self._failed
        )

    @property
    def _recheck(self) -> bool:
        """Whether to compute again although the reading did not change (platforms)."""
        return False

    def _needs_computing(self) -> bool:
        reading = self._reading
        seen = (
            self.coordinator.available and reading is not None,
            reading.value if reading is not None else None,
            reading.units if reading is not None else "",
        )
        if seen == self._computed_from and not self._recheck:
            return False
        self._computed_from = seen
        return True

    def convert[T](self, convert: Callable[[ReadingValue], T]) -> T:
        """Convert this entity's value; an unusable one is logged once and becomes unknown."""
        raw = self.value
        converted = convert(raw)
        if converted is None and raw is not None:
            if not self._bad_value_logged:
                LOGGER.warning(
                    "%s: sensor %s reported %r, which is not a usable value; shown as unknown",
                    self.coordinator.name,
                    self._sensor_id,
                    str(raw)[:50],
                )
                self._bad_value_logged = True
        else:
            self._bad_value_logged = False
        return converted


@callback
def async_add_reading_entities(
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[SkyCentricsCoordinator, Reading], Iterable[Entity]],
) -> None:
    """Add entities for every reading, now and whenever a new sensor shows up (no reload).

    A reading whose entities cannot be built is logged once and tried again on later polls;
    the other new readings of the poll get their entities.
    """
    for coordinator in entry.runtime_data.coordinators.values():
        known: set[str] = set()
        failed: set[str] = set()

        @callback
        def _add_new(
            coordinator: SkyCentricsCoordinator = coordinator,
            known: set[str] = known,
            failed: set[str] = failed,
        ) -> None:
            new_ids = coordinator.data.readings.keys() - known
            if not new_ids:
                return
            entities: list[Entity] = []
            for sensor_id in sorted(new_ids):
                try:
                    built = list(factory(coordinator, coordinator.data.readings[sensor_id]))
                except Exception as err:  # one reading must not stop the others
                    if sensor_id not in failed:
                        LOGGER.error(
                            "%s: no entity for sensor %s (%s: %s); trying again on later polls",
                            coordinator.name,
                            sensor_id,
                            type(err).__name__,
                            err,
                            exc_info=err,
                        )
                        failed.add(sensor_id)
                    continue
                entities.extend(built)
                known.add(sensor_id)
                failed.discard(sensor_id)
            if entities:
                async_add_entities(entities)

        _add_new()
        entry.async_on_unload(coordinator.async_add_listener(_add_new))
