"""Thermostats as climate entities: types 239-243, 105, 7 and 9, and a device of no known type,
once their readings hold the thermostat family.

Everything shown is what the device reports (what their codes mean is inferred, README):

- HVAC mode from ``thermostat.mode`` (0 off, 1 heat, 2 cool, 3 auto as heat_cool); off with the
  fan on (``fan.mode`` 2) is fan only, as a Radio Thermostat runs its fan alone. Off, heat, cool
  and fan only are set (``thermostat_mode``). The API writes no auto: heat_cool is listed only
  while the device reports it, and choosing it then sends nothing.
- The target as the thermostat card reads it: one temperature in heat (the heat setpoint) and
  in cool (the cool setpoint); the range in heat_cool (low: heat, high: cool); none when off or
  fan only (the card shows no target it would not use).
- Fan modes auto, low and high (``fan_mode``); the readings tell only auto or on (whichever
  speed), shown as they come.
- Hold as the presets ``hold`` and ``none`` (``hold_mode``): the card's own preset control (as
  core's honeywell has it); a switch would sit outside the card.
- HVAC action from ``thermostat.state`` (0 idle, 1 heating, 2 cooling); off when off, fan when
  fan only.

A setpoint is sent with the other one as reported (``temp_setpoint`` takes both), in whole °F:
converted and rounded where the device reports °C. A change the API would not take (a heat
setpoint above the cool one, a setpoint outside MIN/MAX_SETPOINT_F, a single target while the
mode has none) is a translated ServiceValidationError before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import math
from typing import Any, Final

from homeassistant.components.climate import ClimateEntity, ClimateEntityDescription
from homeassistant.components.climate.const import (
    ATTR_HVAC_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    DOMAIN as CLIMATE_DOMAIN,
    FAN_AUTO,
    FAN_HIGH,
    FAN_LOW,
    FAN_ON,
    PRESET_NONE,
    ClimateEntityFeature as Feature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import (
    ATTR_TEMPERATURE,
    PRECISION_HALVES,
    PRECISION_TENTHS,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util.unit_conversion import TemperatureConverter

from .api import Measure, control
from .api.control import MAX_SETPOINT_F, MIN_SETPOINT_F, FanMode, Setting, ThermostatMode
from .api.device_types import DEVICE_MODELS, THERMOSTAT_TYPES
from .const import DOMAIN
from .coordinator import SkyCentricsConfigEntry, SkyCentricsCoordinator
from .descriptions import to_code
from .entity import SkyCentricsControlEntity, async_add_device_entities
from .families import in_unit, shown_unit
from .services import device_label

PARALLEL_UPDATES = 1  # settings one at a time

PRESET_HOLD: Final = "hold"
FAN_CIRCULATE: Final = "circulate"

READ_MODES: Final = {0: HVACMode.OFF, 1: HVACMode.HEAT, 2: HVACMode.COOL, 3: HVACMode.HEAT_COOL}
WRITE_MODES: Final = {
    HVACMode.OFF: ThermostatMode.OFF,
    HVACMode.HEAT: ThermostatMode.HEAT,
    HVACMode.COOL: ThermostatMode.COOL,
    HVACMode.FAN_ONLY: ThermostatMode.FAN,
}
ACTIONS: Final = {0: HVACAction.IDLE, 1: HVACAction.HEATING, 2: HVACAction.COOLING}
READ_FANS: Final = {0: FAN_AUTO, 1: FAN_CIRCULATE, 2: FAN_ON}
WRITE_FANS: Final = {FAN_AUTO: FanMode.AUTO, FAN_LOW: FanMode.LOW, FAN_HIGH: FanMode.HIGH}
_FAN_ON_CODE: Final = 2

THERMOSTAT = ClimateEntityDescription(key="climate", translation_key="thermostat")


def _supported(coordinator: SkyCentricsCoordinator) -> bool | None:
    """A thermostat (or a device of no known type) once it reports the thermostat family."""
    device_type = coordinator.device.type
    if device_type not in THERMOSTAT_TYPES and device_type in DEVICE_MODELS:
        return False
    return True if coordinator.data.thermostat is not None else None


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SkyCentricsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a climate entity for each thermostat, once it reports the thermostat family."""
    async_add_device_entities(
        entry,
        async_add_entities,
        _supported,
        lambda coordinator: [SkyCentricsClimate(coordinator, THERMOSTAT)],
    )


def _code(measure: Measure | None) -> int | None:
    """A code reading as an int (None without one, or for a fraction)."""
    return to_code(measure.value) if measure is not None else None


def _read[T](table: Mapping[int, T], measure: Measure | None) -> T | None:
    """What a code reading means (None for a code the table lacks)."""
    code = _code(measure)
    return None if code is None else table.get(code)


@dataclass(frozen=True, slots=True)
class _Shown:
    """What the thermostat reports, in the entity's terms."""

    unit: str
    temperature: float | None
    humidity: float | None
    mode: HVACMode | None
    action: HVACAction | None
    heat: float | None
    cool: float | None
    fan: str | None
    hold: bool | None


_NOTHING: Final = _Shown(UnitOfTemperature.FAHRENHEIT, *(None,) * 8)
"""What an entity shows before its first value (it is unavailable then)."""


class SkyCentricsClimate(SkyCentricsControlEntity, ClimateEntity):
    """A thermostat: what it reports, and its settings (see the module)."""

    _attr_name = None  # the device's own entity
    _value: _Shown | None

    def __init__(
        self, coordinator: SkyCentricsCoordinator, description: ClimateEntityDescription
    ) -> None:
        """Bind the thermostat to its device."""
        super().__init__(coordinator, description)
        self._attr_fan_modes = list(WRITE_FANS)
        self._attr_preset_modes = [PRESET_NONE, PRESET_HOLD]

    def _compute(self) -> _Shown | None:
        family = self.coordinator.data.thermostat
        if family is None:
            return None
        unit = shown_unit(family.temperature, family.heat_setpoint, family.cool_setpoint)
        mode = _read(READ_MODES, family.mode)
        if mode is HVACMode.OFF and _code(family.fan_mode) == _FAN_ON_CODE:
            mode = HVACMode.FAN_ONLY
        action = _read(ACTIONS, family.state)
        if mode in (HVACMode.OFF, HVACMode.FAN_ONLY):
            action = HVACAction.OFF if mode is HVACMode.OFF else HVACAction.FAN
        held = _code(family.hold)
        return _Shown(
            unit=unit,
            temperature=in_unit(family.temperature, unit),
            humidity=family.humidity.value if family.humidity is not None else None,
            mode=mode,
            action=action,
            heat=in_unit(family.heat_setpoint, unit),
            cool=in_unit(family.cool_setpoint, unit),
            fan=_read(READ_FANS, family.fan_mode),
            hold=None if held is None else held != 0,
        )

    # --- what the card shows ------------------------------------------------------------------

    @property
    def _report(self) -> _Shown:
        return self._value or _NOTHING

    @property
    def temperature_unit(self) -> str:
        """The unit the device reports its temperatures in (°F when it names none)."""
        return self._report.unit

    @property
    def _fahrenheit(self) -> bool:
        return self.temperature_unit == UnitOfTemperature.FAHRENHEIT

    @property
    def precision(self) -> float:
        """Half degrees Fahrenheit (a Radio Thermostat measures them), tenths of a degree
        Celsius."""
        return PRECISION_HALVES if self._fahrenheit else PRECISION_TENTHS

    @property
    def target_temperature_step(self) -> float:
        """Whole degrees Fahrenheit (what is sent); half degrees Celsius."""
        return 1.0 if self._fahrenheit else 0.5

    @property
    def min_temp(self) -> float:
        """MIN_SETPOINT_F in the entity's unit (up to its step)."""
        return self._bound(MIN_SETPOINT_F, math.ceil)

    @property
    def max_temp(self) -> float:
        """MAX_SETPOINT_F in the entity's unit (down to its step)."""
        return self._bound(MAX_SETPOINT_F, math.floor)

    def _bound(self, fahrenheit: int, to_step: Callable[[float], int]) -> float:
        step = self.target_temperature_step
        value = TemperatureConverter.convert(
            fahrenheit, UnitOfTemperature.FAHRENHEIT, self.temperature_unit
        )
        return to_step(round(value / step, 6)) * step

    @property
    def supported_features(self) -> Feature:
        """Targets, on and off always; the fan modes and the presets where the device reports
        them."""
        features = (
            Feature.TARGET_TEMPERATURE
            | Feature.TARGET_TEMPERATURE_RANGE
            | Feature.TURN_OFF
            | Feature.TURN_ON
        )
        family = self.coordinator.data.thermostat
        if family is not None and family.fan_mode is not None:
            features |= Feature.FAN_MODE
        if family is not None and family.hold is not None:
            features |= Feature.PRESET_MODE
        return features

    @property
    def hvac_modes(self) -> list[HVACMode]:
        """Off, heat, cool, fan only; heat_cool too while the device is in it."""
        modes = [HVACMode.OFF, HVACMode.HEAT, HVACMode.COOL, HVACMode.FAN_ONLY]
        if self.hvac_mode is HVACMode.HEAT_COOL:
            modes.insert(3, HVACMode.HEAT_COOL)
        return modes

    @property
    def hvac_mode(self) -> HVACMode | None:
        """The mode the device reports."""
        return self._report.mode

    @property
    def hvac_action(self) -> HVACAction | None:
        """What the device is doing."""
        return self._report.action

    @property
    def current_temperature(self) -> float | None:
        """The room temperature."""
        return self._report.temperature

    @property
    def current_humidity(self) -> float | None:
        """The room humidity (%)."""
        return self._report.humidity

    @property
    def target_temperature(self) -> float | None:
        """The heat setpoint in heat, the cool setpoint in cool; none in the other modes."""
        if self.hvac_mode is HVACMode.HEAT:
            return self._report.heat
        return self._report.cool if self.hvac_mode is HVACMode.COOL else None

    @property
    def target_temperature_low(self) -> float | None:
        """The heat setpoint, in heat_cool."""
        return self._report.heat if self.hvac_mode is HVACMode.HEAT_COOL else None

    @property
    def target_temperature_high(self) -> float | None:
        """The cool setpoint, in heat_cool."""
        return self._report.cool if self.hvac_mode is HVACMode.HEAT_COOL else None

    @property
    def fan_mode(self) -> str | None:
        """Auto or on (the readings do not tell low from high), circulate."""
        return self._report.fan

    @property
    def preset_mode(self) -> str | None:
        """``hold`` while the device holds its setpoints, else ``none``."""
        held = self._report.hold
        return None if held is None else PRESET_HOLD if held else PRESET_NONE

    # Home Assistant 2026.11 reads the native_ names (it logs the ones above as calls that "will
    # stop working" in 2027.11 unless a class provides both); 2026.10 the ones above.
    native_temperature_unit = temperature_unit
    native_current_temperature = current_temperature
    native_target_temperature = target_temperature
    native_target_temperature_low = target_temperature_low
    native_target_temperature_high = target_temperature_high

    # --- settings -----------------------------------------------------------------------------

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Send the mode (heat_cool, listed only while the device is in it, sends nothing)."""
        if hvac_mode in WRITE_MODES:
            await self.async_send(control.thermostat_mode(WRITE_MODES[hvac_mode]))

    async def async_set_fan_mode(self, fan_mode: str) -> None:
        """Send the fan mode."""
        await self.async_send(control.fan_mode(WRITE_FANS[fan_mode]))

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Hold the setpoints (``hold``) or release them (``none``)."""
        await self.async_send(control.hold(preset_mode == PRESET_HOLD))

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Send both setpoints: the one (or the range) asked for, the other as reported; with
        ``hvac_mode``, the mode after them (two requests)."""
        mode = kwargs.get(ATTR_HVAC_MODE)
        if mode is not None and mode not in self.hvac_modes:
            raise ServiceValidationError(
                translation_domain=CLIMATE_DOMAIN,
                translation_key="not_valid_hvac_mode",
                translation_placeholders={"mode": mode, "modes": ", ".join(self.hvac_modes)},
            )
        setting = self._setpoints(mode or self.hvac_mode, kwargs)
        await self.async_send(setting)
        if mode is not None and mode != self.hvac_mode:
            await self.async_set_hvac_mode(mode)

    def _setpoints(self, mode: HVACMode | None, asked: dict[str, Any]) -> Setting:
        """The temp_setpoint for a set_temperature call (see the module)."""
        heat, cool = self._report.heat, self._report.cool
        placeholders = {"device": device_label(self.hass, self.coordinator)}
        if ATTR_TARGET_TEMP_LOW in asked:
            heat, cool = asked[ATTR_TARGET_TEMP_LOW], asked[ATTR_TARGET_TEMP_HIGH]
        if (target := asked.get(ATTR_TEMPERATURE)) is not None:
            if mode not in (HVACMode.HEAT, HVACMode.COOL):
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="setpoint_needs_mode",
                    translation_placeholders={**placeholders, "mode": str(mode)},
                )
            heat, cool = (target, cool) if mode is HVACMode.HEAT else (heat, target)
        if heat is None or cool is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="setpoint_unknown",
                translation_placeholders=placeholders,
            )
        unit = self.temperature_unit
        placeholders |= {"heat": f"{heat:g} {unit}", "cool": f"{cool:g} {unit}"}
        heat_f, cool_f = (
            TemperatureConverter.convert(value, unit, UnitOfTemperature.FAHRENHEIT)
            for value in (heat, cool)
        )
        if heat_f > cool_f:  # (rounding keeps the order)
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="heat_above_cool",
                translation_placeholders=placeholders,
            )
        try:
            return control.setpoints(round(heat_f), round(cool_f))
        except ValueError as err:  # outside the range, or not a number (NaN)
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="setpoint_out_of_range",
                translation_placeholders={
                    **placeholders,
                    "min": f"{self.min_temp:g} {unit}",
                    "max": f"{self.max_temp:g} {unit}",
                },
            ) from err
