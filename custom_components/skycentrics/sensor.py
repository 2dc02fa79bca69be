"""Sensors: one per numeric or text SkyCentrics reading."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api import Reading
from .classification import SkyCentricsSensorEntityDescription, describe
from .const import LOGGER
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .entity import SkyCentricsDeviceEntity, SkyCentricsEntity, async_add_reading_entities

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

    async_add_entities(
        SkyCentricsLastReadingSensor(coordinator, LAST_READING)
        for coordinator in entry.runtime_data.coordinators.values()
    )
    async_add_reading_entities(entry, async_add_entities, factory)


LAST_READING = SensorEntityDescription(
    key="last_reading",
    translation_key="last_reading",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
    # It changes on every poll (a state write, and a recorder row, each time): opt-in.
    entity_registry_enabled_default=False,
)


class SkyCentricsSensor(SkyCentricsEntity, RestoreSensor):
    """A SkyCentrics reading as a sensor.

    A lifetime counter (total_increasing) never goes down here: a drop, or a 0 after a good
    value, is not passed on (the Energy dashboard would count the whole counter again). The last
    good value is restored after a restart, so the guard holds across one.
    """

    entity_description: SkyCentricsSensorEntityDescription
    _last_good: float | None = None

    def __init__(
        self,
        coordinator: SkyCentricsCoordinator,
        description: SkyCentricsSensorEntityDescription,
        sensor_id: str,
    ) -> None:
        """Compute the first value right away."""
        super().__init__(coordinator, description, sensor_id)
        self._is_counter = description.state_class is SensorStateClass.TOTAL_INCREASING
        self._update_value()

    async def async_added_to_hass(self) -> None:
        """Restore the last good counter value, then apply the guard to the current one."""
        await super().async_added_to_hass()
        if self._is_counter and (last := await self.async_get_last_sensor_data()) is not None:
            restored = last.native_value
            if isinstance(restored, int | float | Decimal):
                self._last_good = float(restored)
                self._update_value()

    def _update_from_reading(self) -> None:
        """Compute the value once per change (the state write reads it)."""
        self._update_value()

    def _update_value(self) -> None:
        value: StateType = self.convert(self.entity_description.value_fn)
        if self._is_counter and isinstance(value, int | float):
            last = self._last_good
            if last is not None and (value < last or (value == 0 and last > 0)):
                LOGGER.warning(
                    "%s: counter %s went from %s to %s; keeping %s",
                    self.coordinator.name,
                    self._sensor_id,
                    last,
                    value,
                    last,
                )
                value = last
            self._last_good = float(value)
        self._attr_native_value = value


class SkyCentricsLastReadingSensor(SkyCentricsDeviceEntity, SensorEntity):
    """When the gateway's newest reading was taken."""

    @property
    def native_value(self) -> datetime | None:
        """The newest reading time seen."""
        return self.coordinator.latest_reading
