"""The CTA-2045 water heaters (types 106, 107, 108, 109, 112 and 5) as water heaters, read only.

Shown: the water temperature, the setpoint the device reports (the first of its ``setpoint``)
as the target, and as the state what the device is doing: its CTA-2045 operational state (idle,
running, running curtailed during a shed...), the options of the Operational state sensor.

Nothing is set here. Whether a CTA-2045 water heater takes ``temp_setpoint`` is documented
nowhere public, so the target temperature is shown, not offered (no TARGET_TEMPERATURE
feature). The demand-response states are no operation modes either: the device leaves them by
itself when the command ends; shed and load up stay with the buttons and the actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from homeassistant.components.water_heater import (
    WaterHeaterEntity,
    WaterHeaterEntityDescription,
)
from homeassistant.const import PRECISION_TENTHS, PRECISION_WHOLE, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.device_types import WATER_HEATER_TYPES
from .coordinator import SkyCentricsConfigEntry
from .descriptions import to_operational_state
from .entity import SkyCentricsDeviceEntity, async_add_device_entities
from .families import in_unit, shown_unit

PARALLEL_UPDATES = 0  # read-only: the coordinator does all requests

WATER_HEATER = WaterHeaterEntityDescription(key="water_heater", translation_key="water_heater")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a water heater for each device of a water heater type."""
    async_add_device_entities(
        entry,
        async_add_entities,
        lambda coordinator: coordinator.device.type in WATER_HEATER_TYPES,
        lambda coordinator: [SkyCentricsWaterHeater(coordinator, WATER_HEATER)],
    )


@dataclass(frozen=True, slots=True)
class _Shown:
    unit: str
    temperature: float | None
    target: float | None
    operation: str | None


_NOTHING: Final = _Shown(UnitOfTemperature.FAHRENHEIT, None, None, None)
"""What an entity shows before its first value (it is unavailable then)."""


class SkyCentricsWaterHeater(SkyCentricsDeviceEntity, WaterHeaterEntity):
    """A water heater that shows its temperatures and its CTA-2045 state, in the unit its
    temperature comes in (°F when it names none)."""

    _attr_name = None  # the device's own entity
    _value: _Shown | None

    def _compute(self) -> _Shown | None:
        family = self.coordinator.data.cta2045
        if family is None:
            return None
        unit = shown_unit(family.temperature, family.setpoint_1)
        state = family.state.value if family.state is not None else None
        return _Shown(
            unit,
            in_unit(family.temperature, unit),
            in_unit(family.setpoint_1, unit),
            to_operational_state(state),
        )

    @property
    def _report(self) -> _Shown:
        return self._value or _NOTHING

    @property
    def temperature_unit(self) -> str:
        """The unit the device reports its temperature in."""
        return self._report.unit

    @property
    def precision(self) -> float:
        """Whole degrees Fahrenheit, tenths of a degree Celsius."""
        return (
            PRECISION_WHOLE
            if self.temperature_unit == UnitOfTemperature.FAHRENHEIT
            else PRECISION_TENTHS
        )

    @property
    def current_temperature(self) -> float | None:
        """The water temperature."""
        return self._report.temperature

    @property
    def target_temperature(self) -> float | None:
        """The setpoint the device reports (not settable here)."""
        return self._report.target

    # Home Assistant 2026.11 reads the native_ names (it logs the ones above as calls that "will
    # stop working" in 2027.11 unless a class provides both); 2026.10 the ones above.
    native_temperature_unit = temperature_unit
    native_current_temperature = current_temperature
    native_target_temperature = target_temperature

    @property
    def current_operation(self) -> str | None:
        """What the device is doing: its CTA-2045 operational state."""
        return self._report.operation
