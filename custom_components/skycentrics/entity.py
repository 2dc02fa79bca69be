"""The entities' base: their devices, unique ids, and a state written only when it changed.

Unique ids: a reading's entity is ``{device}_{key}`` (its description's key: the sensor id of
the list, or a family's ``cta2045|relay``); a derived flag adds ``|problem``; the device's own
entities are ``{device}|stale``, ``{device}|last_reading``, ``{device}|shed_load``... (a ``|``
right after the device id, which no key starts with).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import Device, Measure, ReadingValue
from .api.control import PLUG_TYPES, Setting
from .api.device_types import DEVICE_MODELS
from .const import DOMAIN, LOGGER, MANUFACTURER
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .descriptions import Described, Part, Point, device_name, unique_id
from .services import async_send_command, keys_refused

# MACs that devices report when they have none of their own: never a connection.
_PLACEHOLDER_MACS = frozenset({"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"})


def gateway_identifier(device_id: int) -> tuple[str, str]:
    """The device registry identifier of a SkyCentrics device."""
    return (DOMAIN, str(device_id))


def part_identifier(device_id: int, part_key: str) -> tuple[str, str]:
    """The device registry identifier of a part of a gateway (classification.part_of)."""
    return (DOMAIN, f"{device_id}_{part_key}")


def _mac(device: Device) -> str | None:
    """The device's ``mac`` field in registry form, when it is a MAC."""
    raw = device.mac.replace(":", "").replace("-", "").lower()
    if len(raw) != 12 or any(c not in "0123456789abcdef" for c in raw):
        return None
    return dr.format_mac(raw)


@callback
def async_register_devices(
    hass: HomeAssistant, entry: SkyCentricsConfigEntry, devices: Iterable[Device]
) -> None:
    """Register an entry's devices before their parts name them as their via device.

    One Home Assistant device per SkyCentrics device id, always: the registry merges an
    entry's devices that share a connection, so a MAC is a connection only when it is no
    placeholder and no other device of the entry (listed here, or registered) has it; a
    device that an older version merged with another is split again. A ``mac`` field that is
    not a MAC is the device's serial number.
    """
    devices = list(devices)
    registry = dr.async_get(hass)
    macs = [_mac(device) for device in devices]
    for device, mac in zip(devices, macs, strict=True):
        own = gateway_identifier(device.id)
        connections: set[tuple[str, str]] = set()
        if mac and mac not in _PLACEHOLDER_MACS and macs.count(mac) == 1:
            connection = (CONNECTION_NETWORK_MAC, mac)
            holder = registry.async_get_device_by_connection(connection, entry.entry_id)
            if holder is None or own in holder.identifiers:
                connections = {connection}
        merged = registry.async_get_device_by_identifier(own, entry.entry_id)
        if merged is not None and any(
            domain == DOMAIN and key.isdigit() and key != str(device.id)
            for domain, key in merged.identifiers
        ):
            registry.async_update_device(merged.id, new_identifiers={own}, new_connections=set())
        model = "SkyCentrics device"
        if device.type is not None:
            model = DEVICE_MODELS.get(device.type, f"SkyCentrics device type {device.type}")
        registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={own},
            connections=connections,
            manufacturer=MANUFACTURER,
            model=model,
            name=device.name,
            serial_number=None if mac or not device.mac else device.mac,
        )


def device_info(coordinator: SkyCentricsCoordinator, part: Part | None) -> DeviceInfo:
    """The device an entity is on: the SkyCentrics device, or a part of a gateway."""
    device_id = coordinator.device_id
    if part is None:
        return DeviceInfo(identifiers={gateway_identifier(device_id)})
    return DeviceInfo(
        identifiers={part_identifier(device_id, part.key)},
        manufacturer=MANUFACTURER,
        model=part.model,
        name=device_name(coordinator.device.name, part),
        via_device_id=dr.async_get_device_id_by_identifier(
            coordinator.hass,
            gateway_identifier(device_id),
            config_entry_id=coordinator.config_entry.entry_id,
        ),
    )


class SkyCentricsEntity(CoordinatorEntity[SkyCentricsCoordinator]):
    """An entity of one SkyCentrics device; by default one of the device's own (stale, last
    reading, buttons), with the unique id ``{device}|{key}``.

    What the entity shows is ``_value`` (``native_value``/``is_on`` return it), computed by
    ``_compute`` after each poll. The state is written only when what it shows changed: a poll
    brings new timestamps for every reading but most values stay the same. An exception while
    computing or writing touches this entity alone: it is logged once and the entity is
    unavailable until it computes again; the other entities of the poll carry on.
    """

    _attr_has_entity_name = True
    _value: Any = None

    def __init__(
        self,
        coordinator: SkyCentricsCoordinator,
        description: EntityDescription,
        part: Part | None = None,
        unique: str | None = None,
    ) -> None:
        """Bind the entity to its device (the first value is computed when it is added)."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = unique or f"{coordinator.device_id}|{description.key}"
        self._attr_device_info = device_info(coordinator, part)
        self._failed = False  # computing or writing this entity's state raised
        self._shown: tuple[bool, Any] | None = None  # what the last state write showed

    @property
    def available(self) -> bool:
        """Available once there were readings (also while the device is unreachable), unless
        its state could not be computed."""
        return self.coordinator.data is not None and not self._failed

    async def async_added_to_hass(self) -> None:
        """Compute the first value, and remember what the first state write shows."""
        await super().async_added_to_hass()
        if self._needs_computing():
            self._refresh()
        self._shown = (self.available, self._value)

    @callback
    def _handle_coordinator_update(self) -> None:
        """Compute again, and write the state only when what this entity shows changed (it
        cannot when nothing it is computed from changed)."""
        if not self._needs_computing():
            return
        self._refresh()
        if (self.available, self._value) == self._shown:
            return
        try:
            self.async_write_ha_state()
        except Exception as err:  # one entity's bug must not stop the others
            self._async_failed(err)
            self.async_write_ha_state()  # unavailable: nothing of the failing state is computed
        self._shown = (self.available, self._value)

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
                self.entity_description.key,
                type(err).__name__,
                err,
                exc_info=err,
            )
        self._failed = True


class SkyCentricsDeviceEntity(SkyCentricsEntity):
    """An entity that shows a family of its device's readings as a whole (climate, water heater,
    switch, number), with the unique id ``{device}|{key}``: unavailable while the device is
    unreachable or its latest snapshot lacks what the entity shows (``_reported``)."""

    @property
    def available(self) -> bool:
        """Available while the device answers and reports what this entity shows."""
        return super().available and self.coordinator.available and self._reported()

    def _reported(self) -> bool:
        """Whether the latest snapshot holds what this entity shows: by default, whether it
        computed a value (None: not reported)."""
        return self._value is not None


class SkyCentricsControlEntity(SkyCentricsDeviceEntity):
    """A device entity that changes its device's settings: one request per change through
    services.async_send_command (translated errors, then a refresh). It shows only what the
    device reports, never what was asked of it."""

    @property
    def available(self) -> bool:
        """Also unavailable while the API refuses the entry's keys (nothing is sent with them)."""
        return super().available and not keys_refused(self.coordinator)

    async def async_send(self, setting: Setting) -> None:
        """Send one setting to the device, then ask for a refresh."""
        await async_send_command(self.hass, self.coordinator, setting)


class SkyCentricsPlugEntity(SkyCentricsControlEntity):
    """A control entity of a plug (types 2-4) that shows one CTA-2045 field, named by its
    description's key (relay, power_level): there while the plug reports the field."""

    @staticmethod
    def supported(key: str) -> Callable[[SkyCentricsCoordinator], bool | None]:
        """`async_add_device_entities`' test: a plug, once it reports the field ``key``."""

        def reports(coordinator: SkyCentricsCoordinator) -> bool | None:
            if coordinator.device.type not in PLUG_TYPES:
                return False
            family = coordinator.data.cta2045
            return True if getattr(family, key, None) is not None else None

        return reports

    @property
    def field(self) -> Measure | None:
        """The field in the latest snapshot (None when the plug does not report it)."""
        field: Measure | None = getattr(
            self.coordinator.data.cta2045, self.entity_description.key, None
        )
        return field

    def _reported(self) -> bool:
        return self.field is not None


class SkyCentricsReadingEntity(SkyCentricsEntity):
    """An entity that shows one reading, on the device or the part of a gateway it is in; its
    value is computed again only when the reading's value, units or availability changed."""

    entity_description: Any  # a description with value_fn (descriptions.py)

    def __init__(
        self, coordinator: SkyCentricsCoordinator, description: EntityDescription, part: Part | None
    ) -> None:
        """Bind the entity to one reading of the coordinator's device."""
        super().__init__(
            coordinator, description, part, unique_id(coordinator.device_id, description.key)
        )
        self._bad_value_logged = False
        self._computed_from: tuple[bool, ReadingValue, str] | None = None
        self._point: tuple[object, Point | None] = (None, None)  # (the snapshot, its reading)

    @property
    def point(self) -> Point | None:
        """This entity's reading in the latest snapshot (None when the snapshot lacks it),
        looked up once per snapshot."""
        data = self.coordinator.data
        if self._point[0] is not data:
            self._point = (data, self.entity_description.value_fn(data))
        return self._point[1]

    @property
    def available(self) -> bool:
        """Unavailable when the device is unreachable, stopped reporting this reading, or the
        state could not be computed."""
        return self.coordinator.available and self.point is not None and not self._failed

    def _needs_computing(self) -> bool:
        point = self.point
        seen = (
            self.coordinator.available and point is not None,
            point.value if point is not None else None,
            point.units if point is not None else "",
        )
        if seen == self._computed_from:
            return False
        self._computed_from = seen
        return True

    def convert[T](self, convert: Callable[[ReadingValue], T]) -> T:
        """Convert this entity's value; an unusable one is logged once and becomes unknown."""
        raw = point.value if (point := self.point) is not None else None
        converted = convert(raw)
        if converted is None and raw is not None:
            if not self._bad_value_logged:
                LOGGER.warning(
                    "%s: %s reported %r, which is not a usable value; shown as unknown",
                    self.coordinator.name,
                    self.entity_description.key,
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
    factory: Callable[[SkyCentricsCoordinator, Described], Iterable[Entity]],
) -> None:
    """Add entities for every reading, now and whenever a new one shows up (no reload).

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
            new_keys = coordinator.described.keys() - known
            if not new_keys:
                return
            entities: list[Entity] = []
            for key in sorted(new_keys):
                try:
                    built = list(factory(coordinator, coordinator.described[key]))
                except Exception as err:  # one reading must not stop the others
                    if key not in failed:
                        LOGGER.error(
                            "%s: no entity for %s (%s: %s); trying again on later polls",
                            coordinator.name,
                            key,
                            type(err).__name__,
                            err,
                            exc_info=err,
                        )
                        failed.add(key)
                    continue
                entities.extend(built)
                known.add(key)
                failed.discard(key)
            if entities:
                async_add_entities(entities)

        _add_new()
        entry.async_on_unload(coordinator.async_add_listener(_add_new))


@callback
def async_add_device_entities(
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    supported: Callable[[SkyCentricsCoordinator], bool | None],
    create: Callable[[SkyCentricsCoordinator], Iterable[Entity]],
) -> None:
    """Add a platform's entities of each device that has them (``supported``): now, or, while
    it says None (its readings have not told yet), at the first poll that shows them; never
    once it says False."""
    added: set[int] = set()

    @callback
    def _add(coordinator: SkyCentricsCoordinator) -> None:
        if coordinator.device_id not in added and supported(coordinator):
            added.add(coordinator.device_id)
            async_add_entities(create(coordinator))

    for coordinator in entry.runtime_data.coordinators.values():
        _add(coordinator)
        if coordinator.device_id not in added and supported(coordinator) is None:
            entry.async_on_unload(coordinator.async_add_listener(partial(_add, coordinator)))
