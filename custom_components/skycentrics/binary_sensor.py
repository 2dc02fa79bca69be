"""Binary sensors: two-state readings, alarm problem flags, and the device's Readings stale."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .descriptions import Described, SkyCentricsBinarySensorEntityDescription
from .entity import SkyCentricsEntity, SkyCentricsReadingEntity, async_add_reading_entities

PARALLEL_UPDATES = 0  # read-only: the coordinator does all requests

STALE = BinarySensorEntityDescription(
    key="stale",
    translation_key="stale",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up SkyCentrics binary sensors, now and as new readings appear."""

    def factory(
        coordinator: SkyCentricsCoordinator, described: Described
    ) -> Iterator[BinarySensorEntity]:
        for description in described.binary_sensors:
            yield SkyCentricsBinarySensor(coordinator, description, described.part)

    async_add_entities(
        SkyCentricsStaleSensor(coordinator, STALE)
        for coordinator in entry.runtime_data.coordinators.values()
    )
    async_add_reading_entities(entry, async_add_entities, factory)


class SkyCentricsBinarySensor(SkyCentricsReadingEntity, BinarySensorEntity):
    """A SkyCentrics reading as a binary sensor; unknown when its value is not two-state."""

    entity_description: SkyCentricsBinarySensorEntityDescription

    def _compute(self) -> bool | None:
        return self.convert(self.entity_description.convert)

    @property
    def is_on(self) -> bool | None:
        """The state computed when the reading last changed."""
        return self._value  # type: ignore[no-any-return]


class SkyCentricsStaleSensor(SkyCentricsEntity, BinarySensorEntity):
    """On when the device's readings stopped advancing for several poll intervals."""

    def _compute(self) -> bool:
        return self.coordinator.stale

    @property
    def is_on(self) -> bool:
        """Whether the readings are stale."""
        return self._value  # type: ignore[no-any-return]
