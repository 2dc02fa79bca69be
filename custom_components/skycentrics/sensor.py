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
    SensorExtraStoredData,
)
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .api import Reading
from .classification import SkyCentricsSensorEntityDescription, describe
from .const import DOMAIN, LOGGER
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .counter import CounterGuard
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
    """Set up SkyCentrics sensors, now and as new readings appear."""

    def factory(coordinator: SkyCentricsCoordinator, reading: Reading) -> Iterator[SensorEntity]:
        registered = registered_platform(hass, coordinator.device.id, reading.id)
        for description in describe(reading, registered).sensors:
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


class SkyCentricsSensor(SkyCentricsReadingEntity, RestoreSensor):
    """A SkyCentrics reading as a sensor.

    Units: the entity keeps the unit it was created with. When the reading's unit changes, a
    value in a unit of the same kind (Wh for kWh, W for kW...) is converted with Home
    Assistant's unit converters; any other unit makes the entity unknown and raises a repair
    issue (``unit_changed_<device>_<sensor>``), cleared when the unit returns. (After a restart
    the entity is built from the reading of that time, unit included.)

    A lifetime counter (the classification's ``counter`` flag) shows only plausible readings: a
    drop, or a rise larger than the device could have delivered since the last accepted reading
    (counter.py, the very rule the hourly statistics apply), keeps the last accepted value. One
    warning per such episode; the next plausible reading is shown. The last accepted value is
    stored with its unit and restored after a restart (converted to the entity's unit, or
    dropped when it cannot be), so the guard holds across one.
    """

    entity_description: SkyCentricsSensorEntityDescription

    def __init__(
        self,
        coordinator: SkyCentricsCoordinator,
        description: SkyCentricsSensorEntityDescription,
        sensor_id: str,
    ) -> None:
        """Bind the sensor to its reading; a counter gets its guard."""
        super().__init__(coordinator, description, sensor_id)
        self._is_counter = description.counter
        self._counter = CounterGuard(description.native_unit_of_measurement)
        reading = self._reading
        self._created_units = reading.units if reading else ""  # the unit text the entity fits
        self._other_units: tuple[str, str | None] | None = None  # another unit text: its unit
        self._unit_issue: bool | None = None  # None: unknown (one may remain from a past run)

    async def async_added_to_hass(self) -> None:
        """Restore the last accepted counter value (the first value is computed after it).

        A reading with an hourly statistic tells the importer its entity (the statistic is
        named as the entity is).
        """
        if self.entity_description.statistic is not None:
            self.coordinator.history.entity_ids[self._sensor_id] = self.entity_id
        if self._is_counter:
            await self._async_restore_counter()
        await super().async_added_to_hass()

    async def _async_restore_counter(self) -> None:
        if self._sensor_id in self.coordinator.scales.rescaled:
            return  # saved in the other scale (repairs.py): not a value to judge by
        if (last := await self.async_get_last_sensor_data()) is None or not isinstance(
            last.native_value, int | float | Decimal
        ):
            return
        restored = self._in_own_unit(float(last.native_value), last.native_unit_of_measurement)
        if restored is None:
            LOGGER.info(
                "%s: counter %s: the value saved before the restart (%s %s) is not in a unit "
                "of %s; not used",
                self.coordinator.name,
                self._sensor_id,
                last.native_value,
                last.native_unit_of_measurement,
                self.native_unit_of_measurement,
            )
            return
        state = await self.async_get_last_state()
        self._counter.last = restored
        self._counter.last_time = state.last_updated if state is not None else None

    @property
    def extra_restore_state_data(self) -> SensorExtraStoredData:
        """Store a counter's last accepted value with its unit (also while it shows unknown)."""
        if self._is_counter and self._counter.last is not None:
            return SensorExtraStoredData(self._counter.last, self.native_unit_of_measurement)
        return super().extra_restore_state_data

    @property
    def _recheck(self) -> bool:
        # A rejected counter reading is judged again on the next poll, also when it did not
        # change: with time the device could have delivered more.
        return self._is_counter and self._counter.rejecting

    @property
    def native_value(self) -> StateType:
        """The value computed when the reading last changed."""
        return self._value  # type: ignore[no-any-return]

    def _compute(self) -> StateType:
        """The reading's value in the entity's unit; a counter's only when plausible."""
        value: StateType = self.convert(self.entity_description.value_fn)
        if isinstance(value, int | float):
            value = self._in_reading_unit(value)  # None: a unit the entity cannot show
            if self._is_counter and value is not None:
                value = self._guard(value)
        elif self._is_counter and self.value is None:
            value = self._guard(None)  # no value this time (null, or a number the client refused)
        return value

    def _in_reading_unit(self, value: float) -> float | None:
        """Return the reading's value in the entity's unit; None (and a repair issue) when the
        reading's unit cannot be converted to it."""
        reading = self._reading
        assert reading is not None  # a value was read from it
        if reading.units == self._created_units:
            self._async_unit_issue(False)
            return value
        if self._other_units is None or self._other_units[0] != reading.units:
            # The unit the table gives these units.
            described = describe(reading, Platform.SENSOR).sensors
            unit = described[0].native_unit_of_measurement if described else reading.units
            self._other_units = (reading.units, unit or None)
        unit = self._other_units[1]
        converted = self._in_own_unit(value, unit)
        self._async_unit_issue(converted is None, reading.units)
        return converted

    def _in_own_unit(self, value: float, unit: str | None) -> float | None:
        """Convert a value in ``unit`` to the entity's unit; None when it cannot be."""
        own = self.native_unit_of_measurement
        if unit == own:
            return value
        converter = UNIT_CONVERTERS.get(self.device_class)
        if (
            converter is None
            or unit not in converter.VALID_UNITS
            or own not in converter.VALID_UNITS
        ):
            return None
        return converter.convert(value, unit, own)

    def _async_unit_issue(self, wrong: bool, units: str = "") -> None:
        """Raise (or clear) the repair issue for a reading in ``units``, which the entity cannot
        show."""
        if wrong == self._unit_issue:
            return
        self._unit_issue = wrong
        hass = self.coordinator.hass
        issue_id = f"unit_changed_{self.coordinator.device_id}_{self._sensor_id}"
        if not wrong:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
            return
        LOGGER.warning(
            "%s: sensor %s now reports %r, which is not a unit of %s; shown as unknown",
            self.coordinator.name,
            self._sensor_id,
            units,
            self.native_unit_of_measurement,
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="unit_changed",
            translation_placeholders={
                "device": self.coordinator.name,
                "sensor": self._sensor_id,
                "unit": self.native_unit_of_measurement or "",
                "new_unit": units or "(none)",
            },
        )

    def _guard(self, value: float | None) -> float | None:
        """Return a counter's value if it is plausible, else the last accepted one."""
        counter = self._counter
        was_rejecting = counter.rejecting
        last = counter.last
        reading = self._reading
        when = reading.time if reading is not None and reading.time else dt_util.utcnow()
        problem = counter.judge(value, when, self.coordinator.allowed_rise_kwh)
        if problem is None:
            return value
        if not was_rejecting:
            LOGGER.warning(
                "%s: counter %s went from %s to %s (%s); keeping %s until a plausible reading",
                self.coordinator.name,
                self._sensor_id,
                last,
                value,
                problem,
                last,
            )
        return counter.last


class SkyCentricsLastReadingSensor(SkyCentricsEntity, SensorEntity):
    """When the gateway's newest reading was taken."""

    def _compute(self) -> datetime | None:
        return self.coordinator.latest_reading

    @property
    def native_value(self) -> datetime | None:
        """The newest reading time seen."""
        return self._value  # type: ignore[no-any-return]
