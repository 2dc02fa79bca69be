"""The settings beyond demand response (`PUT /api/<group>/{id}/<prop>`): which device takes
which, the body each must have, and the value a device keeps from it.

Shapes as SkyCentrics' PHP SDK writes them (``src/Query/Device/Properties/``), written here
independently of the integration's own code. A body must be exactly the SDK's (no other key).
What the real API answers to a wrong group, a property a device does not take or a malformed
body is not known: the simulator answers 404, 400 and 400 with a message naming the shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

type Group = Literal["devices", "smartplugs", "thermostats"]

PROPS: Final = (
    "temp_setpoint",
    "thermostat_mode",
    "fan_mode",
    "hold_mode",
    "relay",
    "power_level",
    "dimmer",
)
"""The properties the simulator serves (others, e.g. ``temp_offset``, are an unknown route)."""

TAKEN: Final[dict[str, frozenset[str]]] = {
    "thermostat": frozenset({"temp_setpoint", "thermostat_mode", "fan_mode", "hold_mode"}),
    "plug": frozenset({"relay", "power_level", "dimmer"}),
}
"""Device kind -> the properties it takes; other kinds (water heater, EV charger, Super
SkyBox) take none: demand response only."""

MIN_SETPOINT_F: Final = 40
MAX_SETPOINT_F: Final = 95

THERMOSTAT_MODES: Final = frozenset({0, 3, 4, 8})
"""``thermostat_mode`` codes as written: 0 off, 3 cool, 4 heat, 8 fan."""
FAN_MODES: Final = frozenset({0, 3, 5})
"""``fan_mode`` codes as written: 0 auto, 3 low, 5 high."""

_SHAPES: Final = {
    "temp_setpoint": '{"setpoint": [heat, cool], "units": "F", "type": 10}, whole degrees F '
    f"from {MIN_SETPOINT_F} to {MAX_SETPOINT_F}, heat <= cool",
    "thermostat_mode": '{"data": 0 | 3 | 4 | 8} (off, cool, heat, fan)',
    "fan_mode": '{"data": 0 | 3 | 5} (auto, low, high)',
    "hold_mode": '{"data": 0 | 1}',
    "relay": '{"d": 0 | 1}',
    "power_level": '{"d": 0 to 100}',
    "dimmer": '{"d": 0 to 100}',
}


@dataclass(frozen=True, slots=True)
class Change:
    """A setting a device took at ``time`` (Unix seconds): its property and value (a code, a
    level, or the setpoints (heat, cool))."""

    time: int
    prop: str
    value: int | tuple[int, int]


def group_of(device_type: object) -> Group:
    """The group a device type is controlled under (the SDK's table)."""
    if device_type in (2, 3, 4):
        return "smartplugs"
    if device_type == 1:
        return "thermostats"
    return "devices"


def refusal(kind: str, prop: str) -> str | None:
    """Why a device of ``kind`` does not take ``prop`` (None: it does)."""
    if prop in TAKEN.get(kind, ()):
        return None
    if kind == "water_heater" and prop == "temp_setpoint":
        return (
            "temp_setpoint is not documented for CTA-2045 water heaters; the simulator does "
            "not take it"
        )
    return f"this device does not take {prop}"


def parse(prop: str, body: Any) -> int | tuple[int, int]:
    """The value of a setting's body; ValueError (the expected shape) when it is not one."""
    value = _value(prop, body)
    if value is None:
        raise ValueError(f"expected {_SHAPES[prop]}")
    return value


def _int(raw: object, allowed: Iterable[int]) -> int | None:
    return raw if type(raw) is int and raw in allowed else None


def _value(prop: str, body: Any) -> int | tuple[int, int] | None:
    if not isinstance(body, Mapping):
        return None
    if prop == "temp_setpoint":
        if set(body) != {"setpoint", "units", "type"} or body["units"] != "F":
            return None
        pair = body["setpoint"]
        if _int(body["type"], (10,)) is None or not isinstance(pair, list) or len(pair) != 2:
            return None
        span = range(MIN_SETPOINT_F, MAX_SETPOINT_F + 1)
        heat, cool = _int(pair[0], span), _int(pair[1], span)
        return (heat, cool) if heat is not None and cool is not None and heat <= cool else None
    key = "data" if prop in ("thermostat_mode", "fan_mode", "hold_mode") else "d"
    if set(body) != {key}:
        return None
    allowed = {
        "thermostat_mode": THERMOSTAT_MODES,
        "fan_mode": FAN_MODES,
        "hold_mode": (0, 1),
        "relay": (0, 1),
    }.get(prop, range(101))
    return _int(body[key], allowed)


def in_force(changes: Iterable[Change], t: float, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting in force at ``t``: the latest change made at or before it, else the
    default."""
    found = dict(defaults)
    for change in changes:
        if change.time <= t:
            found[change.prop] = change.value
    return found
