"""Binary sensors: two-state readings (active/inactive) and alarm problem flags."""

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

from .api import Reading
from .classification import SkyCentricsBinarySensorEntityDescription, describe
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .entity import (
    SkyCentricsEntity,
    SkyCentricsReadingEntity,
    async_add_reading_entities,
    registered_platform,
)

PARALLEL_UPDATES = 0  # read-only: the coordinator does all requests


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up SkyCentrics binary sensors, now and as new readings appear."""

    def factory(
        coordinator: SkyCentricsCoordinator, reading: Reading
    ) -> Iterator[BinarySensorEntity]:
        registered = registered_platform(hass, coordinator.device.id, reading.id)
        for description in describe(reading, registered).binary_sensors:
            yield SkyCentricsBinarySensor(coordinator, description, reading.id)

    async_add_entities(
        SkyCentricsStaleSensor(coordinator, STALE)
        for coordinator in entry.runtime_data.coordinators.values()
    )
    async_add_reading_entities(entry, async_add_entities, factory)


class SkyCentricsBinarySensor(SkyCentricsReadingEntity, BinarySensorEntity):
    """A SkyCentrics reading as a binary sensor."""

    entity_description: SkyCentricsBinarySensorEntityDescription

    def _compute(self) -> bool | None:
        """Unknown when the value is not a recognised two-state word."""
        return self.convert(self.entity_description.value_fn)

    @property
    def is_on(self) -> bool | None:
        """The state computed when the reading last changed."""
        return self._value  # type: ignore[no-any-return]


STALE = BinarySensorEntityDescription(
    key="stale",
    translation_key="stale",
    device_class=BinarySensorDeviceClass.PROBLEM,
    entity_category=EntityCategory.DIAGNOSTIC,
)


class SkyCentricsStaleSensor(SkyCentricsEntity, BinarySensorEntity):
    """On when the gateway's readings stopped advancing for several poll intervals."""

    def _compute(self) -> bool:
        return self.coordinator.stale

    @property
    def is_on(self) -> bool:
        """Whether the readings are stale."""
        return self._value  # type: ignore[no-any-return]
