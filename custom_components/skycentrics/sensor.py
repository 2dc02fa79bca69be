"""Sensors: one per numeric or text SkyCentrics reading."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.components.sensor import SensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api import Reading
from .classification import SkyCentricsSensorEntityDescription, describe
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .entity import SkyCentricsEntity, async_add_reading_entities

PARALLEL_UPDATES = 0  # read-only: the coordinator does all requests


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up SkyCentrics sensors, now and as new readings appear."""

    def factory(coordinator: SkyCentricsCoordinator, reading: Reading) -> Iterator[SensorEntity]:
        for description in describe(reading).sensors:
            yield SkyCentricsSensor(coordinator, description, reading.id)

    async_add_reading_entities(entry, async_add_entities, factory)


class SkyCentricsSensor(SkyCentricsEntity, SensorEntity):
    """A SkyCentrics reading as a sensor."""

    entity_description: SkyCentricsSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """Return the reading's value; unknown when it is unusable."""
        return self.entity_description.value_fn(self.value)
