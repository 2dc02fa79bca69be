"""The settings a device takes beyond demand response, each body built here and only here.

Every setting is ``PUT /api/<group>/{id}/<prop>``, signed as the demand-response PUTs are (the
client sends it). Source: SkyCentrics' PHP SDK (``src/Query/Device/Properties/``), the one public
source of these shapes: likely, not certain. The SDK writes setpoints in whole degrees
Fahrenheit, whatever the device reports. The codes below are the ones the SDK *writes*; what the
codes in a device's own readings mean is documented nowhere public (README).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Final, Literal

type ControlGroup = Literal["devices", "smartplugs", "thermostats"]

PLUG_TYPES: Final = frozenset({2, 3, 4})
"""Device types controlled under ``/api/smartplugs/``."""
LEGACY_THERMOSTAT_TYPES: Final = frozenset({1})
"""Device types controlled under ``/api/thermostats/`` (deprecated in the SDK)."""

MIN_SETPOINT_F: Final = 40
MAX_SETPOINT_F: Final = 95
"""The setpoints sent, in whole degrees Fahrenheit (a Radio Thermostat's range)."""

MAX_LEVEL: Final = 100
"""Largest ``power_level`` or ``dimmer`` (percent)."""


class ThermostatMode(IntEnum):
    """``thermostat_mode`` as the SDK writes it."""

    OFF = 0
    COOL = 3
    HEAT = 4
    FAN = 8


class FanMode(IntEnum):
    """``fan_mode`` as the SDK writes it."""

    AUTO = 0
    LOW = 3
    HIGH = 5


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting to send: the property (the last part of the path) and its JSON body."""

    prop: str
    body: Mapping[str, object]


def control_group(device_type: int | None) -> ControlGroup:
    """The path's group for a device type (``devices`` for every type not listed elsewhere)."""
    if device_type in PLUG_TYPES:
        return "smartplugs"
    if device_type in LEGACY_THERMOSTAT_TYPES:
        return "thermostats"
    return "devices"


def setpoints(heat_f: int, cool_f: int) -> Setting:
    """Both setpoints of a thermostat, whole °F: ``{"setpoint": [heat, cool], "units": "F",
    "type": 10}``. ValueError for a setpoint that is not a whole number within
    [MIN_SETPOINT_F, MAX_SETPOINT_F], or a heat setpoint above the cool one."""
    for value in (heat_f, cool_f):
        if type(value) is not int or not MIN_SETPOINT_F <= value <= MAX_SETPOINT_F:
            raise ValueError(
                f"a setpoint must be a whole number of °F from {MIN_SETPOINT_F} to "
                f"{MAX_SETPOINT_F}, not {value!r}"
            )
    if heat_f > cool_f:
        raise ValueError(f"the heat setpoint {heat_f} is above the cool setpoint {cool_f}")
    return Setting("temp_setpoint", {"setpoint": [heat_f, cool_f], "units": "F", "type": 10})


def thermostat_mode(mode: ThermostatMode) -> Setting:
    """``{"data": 0 | 3 | 4 | 8}``: off, cool, heat, fan."""
    return Setting("thermostat_mode", {"data": int(ThermostatMode(mode))})


def fan_mode(mode: FanMode) -> Setting:
    """``{"data": 0 | 3 | 5}``: auto, low, high."""
    return Setting("fan_mode", {"data": int(FanMode(mode))})


def hold(on: bool) -> Setting:
    """``hold_mode`` ``{"data": 1 | 0}``: keep the setpoints until released (the SDK takes an
    int; 1 on and 0 off as the Radio Thermostat's own API has them: inferred)."""
    return Setting("hold_mode", {"data": int(bool(on))})


def relay(on: bool) -> Setting:
    """A plug's relay: ``{"d": 1 | 0}``."""
    return Setting("relay", {"d": int(bool(on))})


def level(prop: Literal["power_level", "dimmer"], value: int) -> Setting:
    """A plug's power level or dimmer: ``{"d": 0 to MAX_LEVEL}``; ValueError outside."""
    if type(value) is not int or not 0 <= value <= MAX_LEVEL:
        raise ValueError(f"{prop} must be a whole number from 0 to {MAX_LEVEL}, not {value!r}")
    return Setting(prop, {"d": value})
