"""Sensors: one per numeric or text reading, and the device's Last reading."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .const import DOMAIN, LOGGER
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .descriptions import Described, SkyCentricsSensorEntityDescription, to_number, value_in_unit
from .entity import SkyCentricsEntity, SkyCentricsReadingEntity, async_add_reading_entities

PARALLEL_UPDATES = 0  # read-only: the coordinator does all requests

LAST_READING = SensorEntityDescription(
    key="last_reading",
    translation_key="last_reading",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
    # It changes on every poll (a state write, and a recorder row, each time): opt-in.
    entity_registry_enabled_default=False,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up SkyCentrics sensors, now and as new readings appear."""

    def factory(
        coordinator: SkyCentricsCoordinator, described: Described
    ) -> Iterator[SensorEntity]:
        for description in described.sensors:
            yield SkyCentricsSensor(coordinator, description, described.part)

    async_add_entities(
        SkyCentricsLastReadingSensor(coordinator, LAST_READING)
        for coordinator in entry.runtime_data.coordinators.values()
    )
    async_add_reading_entities(entry, async_add_entities, factory)


class SkyCentricsSensor(SkyCentricsReadingEntity, SensorEntity):
    """A SkyCentrics reading as a sensor.

    The entity keeps the unit it was created with: a reading in another unit of the same kind
    (Wh for kWh, W for kW...) is converted; any other unit makes the entity unknown and raises a
    repair issue (``unit_changed_<device>_<key>``), cleared when the unit returns. A lifetime
    counter shows the value its coordinator last accepted as plausible (counters.py).
    """

    entity_description: SkyCentricsSensorEntityDescription

    def _needs_computing(self) -> bool:
        # A counter's shown value may change with the guard although its reading did not.
        return super()._needs_computing() or self.entity_description.counter

    @property
    def native_value(self) -> StateType:
        """The value computed when the reading last changed."""
        return self._value  # type: ignore[no-any-return]

    def _compute(self) -> StateType:
        """The reading's value in the entity's unit; a counter's last plausible value."""
        description = self.entity_description
        value = self.convert(description.convert)
        point = self.point
        if point is None or not (description.counter or isinstance(value, int | float)):
            return value
        number = value_in_unit(description, point.value, point.units)
        wrong_unit = number is None and to_number(point.value) is not None
        self._async_unit_issue(point.units if wrong_unit else None)
        if wrong_unit or not description.counter:
            return number
        return self.coordinator.counters[description.key].guard.last

    def _async_unit_issue(self, units: str | None) -> None:
        """The repair issue for a reading in ``units``, which the entity cannot show (None:
        none)."""
        coordinator = self.coordinator
        key = self.entity_description.key
        issue_id = f"unit_changed_{coordinator.device_id}_{key}"
        placeholders = None
        if units is not None:
            if ir.async_get(self.hass).async_get_issue(DOMAIN, issue_id) is None:
                LOGGER.warning(
                    "%s: sensor %s now reports %r, which is not a unit of %s; shown as unknown",
                    coordinator.name,
                    key,
                    units,
                    self.native_unit_of_measurement,
                )
            placeholders = {
                "device": coordinator.name,
                "sensor": key,
                "unit": self.native_unit_of_measurement or "",
                "new_unit": units or "(none)",
            }
        coordinator.async_set_issue(issue_id, "unit_changed", placeholders)


class SkyCentricsLastReadingSensor(SkyCentricsEntity, SensorEntity):
    """When the device's readings were taken (the median reading time of the newest poll)."""

    def _compute(self) -> datetime | None:
        return self.coordinator.latest_reading

    @property
    def native_value(self) -> datetime | None:
        """The newest reading time seen."""
        return self._value  # type: ignore[no-any-return]
