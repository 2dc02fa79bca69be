"""What the payload families become: CTA-2045 controllers, thermostats, a gateway's CT channels.

Their fields are typed by the API's parser (api.Cta2045, api.Thermostat, api.CtChannel); each
field here is one fixed entity description with a ``value_fn``, as core's homewizard and
enphase_envoy describe theirs. A field's entity exists once a snapshot holds the field. Keys
(``cta2045|relay``, ``ct|<channel>|current``) hold a single ``|``, which no sensor of a list has
in its key (classification.reading_key), and make the entities' unique ids. A temperature's
unit is the one the cloud gives it (°F or °C; another unit makes a plain sensor in that unit).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass as Class, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfApparentPower,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.util.unit_conversion import TemperatureConverter

from .api import Measure, Snapshot
from .descriptions import (
    CTA2045_STATES,
    CloudStatistic,
    Described,
    Point,
    SkyCentricsBinarySensorEntityDescription,
    SkyCentricsSensorEntityDescription,
    ValueFn,
    to_operational_state,
)

type Description = SkyCentricsSensorEntityDescription | SkyCentricsBinarySensorEntityDescription

# The units a cloud's temperature comes in -> (unit, display precision).
_TEMPERATURES: Final = {
    "f": (UnitOfTemperature.FAHRENHEIT, 0),
    "°f": (UnitOfTemperature.FAHRENHEIT, 0),
    "c": (UnitOfTemperature.CELSIUS, 1),
    "°c": (UnitOfTemperature.CELSIUS, 1),
}
_MEASURED: Final = SensorStateClass.MEASUREMENT
# Kinds of field: the description's fields they share.
_POWER: Final = {"device_class": Class.POWER, "native_unit_of_measurement": UnitOfPower.WATT}
_WH: Final = {"native_unit_of_measurement": UnitOfEnergy.WATT_HOUR}
_TEMPERATURE: Final = {"device_class": Class.TEMPERATURE, "unit_of": "cloud"}
_CODE: Final = {"state_class": None, "suggested_display_precision": None}
_AMPERE: Final = {
    "device_class": Class.CURRENT,
    "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
}


def _temperature_unit(units: str) -> str | None:
    return _TEMPERATURES.get(units.lower(), (units or None, None))[0]


def temperature_unit(units: str) -> str | None:
    """The unit of a family's temperature (°F or °C), None for any other units text."""
    known = _TEMPERATURES.get(units.lower())
    return None if known is None else known[0]


def shown_unit(*measures: Measure | None) -> str:
    """The temperature unit of an entity that shows several temperatures (climate, water
    heater): the first known unit of ``measures``, else °F (the unit the API's settings use)."""
    for measure in measures:
        if measure is not None and (unit := temperature_unit(measure.units)) is not None:
            return unit
    return UnitOfTemperature.FAHRENHEIT


def in_unit(measure: Measure | None, unit: str) -> float | None:
    """A temperature in ``unit``: converted from its own unit, as it is when its units text
    names none (taken to be the entity's); None without a value."""
    if measure is None or measure.value is None:
        return None
    own = temperature_unit(measure.units) or unit
    return TemperatureConverter.convert(float(measure.value), own, unit)


def _fixed(unit: str | None, _units: str) -> str | None:
    """A field whose unit the family fixes, whatever units text it comes with."""
    return unit


def _field(family: str, name: str, snapshot: Snapshot) -> Point | None:
    """A family's field in a snapshot (None when the snapshot lacks either)."""
    part = getattr(snapshot, family)
    return None if part is None else getattr(part, name)


def _commodity(code: int, name: str, snapshot: Snapshot) -> Point | None:
    family = snapshot.cta2045
    commodity = family.commodities.get(code) if family is not None else None
    return None if commodity is None else getattr(commodity, name)


def _sensor(key: str, translation_key: str, value_fn: ValueFn, **kw: Any) -> Description:
    """A sensor of a family field: measured, precision 0, unless said otherwise."""
    kw = {"state_class": _MEASURED, "suggested_display_precision": 0, **kw}
    unit = kw.get("native_unit_of_measurement")
    unit_of = _temperature_unit if kw.pop("unit_of", None) else partial(_fixed, unit)
    return SkyCentricsSensorEntityDescription(
        key=key,
        translation_key=translation_key,
        value_fn=value_fn,
        unit_of=unit_of,
        family=True,
        **kw,
    )


def _binary(key: str, value_fn: ValueFn, **kw: Any) -> Description:
    translation_key = key.rsplit("|", maxsplit=1)[-1]
    return SkyCentricsBinarySensorEntityDescription(
        key=key, translation_key=translation_key, value_fn=value_fn, **kw
    )


def _cta(name: str) -> ValueFn:
    return partial(_field, "cta2045", name)


def _thermostat(name: str) -> ValueFn:
    return partial(_field, "thermostat", name)


CTA2045: Final[tuple[Description, ...]] = (
    _binary("cta2045|relay", _cta("relay"), device_class=BinarySensorDeviceClass.POWER),
    _binary("cta2045|override", _cta("override")),
    _sensor(
        "cta2045|state",
        "operational_state",
        _cta("state"),
        **_CODE,
        device_class=Class.ENUM,
        options=list(CTA2045_STATES.values()),
        convert=to_operational_state,
    ),
    _sensor("cta2045|power", "power", _cta("power"), **_POWER, statistic=CloudStatistic.MEAN),
    _sensor(
        "cta2045|hold_mode",
        "hold_mode",
        _cta("hold_mode"),
        **_CODE,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _sensor(
        "cta2045|offset",
        "setpoint_offset",
        _cta("offset"),
        **_TEMPERATURE | {"device_class": Class.TEMPERATURE_DELTA},
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _sensor("cta2045|temperature", "temperature", _cta("temperature"), **_TEMPERATURE),
    *(
        _sensor(
            f"cta2045|setpoint_{n}",
            "setpoint_n",
            _cta(f"setpoint_{n}"),
            **_TEMPERATURE,
            translation_placeholders={"n": str(n)},
        )
        for n in (1, 2)
    ),
    # Commodities: 0 electricity consumed and 1 produced (lifetime counters in Wh, like the
    # gateway's), 6 total and 7 present energy storage capacity (going up and down).
    *(
        description
        for code, name in ((0, "consumed"), (1, "produced"))
        for description in (
            _sensor(
                f"cta2045|commodity_{code}_instantaneous",
                f"power_{name}",
                partial(_commodity, code, "instantaneous"),
                **_POWER,
                statistic=CloudStatistic.MEAN,
            ),
            _sensor(
                f"cta2045|commodity_{code}_cumulative",
                f"energy_{name}",
                partial(_commodity, code, "cumulative"),
                **_WH,
                device_class=Class.ENERGY,
                state_class=None,
                counter=True,
                statistic=CloudStatistic.SUM,
            ),
        )
    ),
    *(
        description
        for code, name in ((6, "total"), (7, "present"))
        for description in (
            _sensor(
                f"cta2045|commodity_{code}_instantaneous",
                f"{name}_storage_capacity_rate",
                partial(_commodity, code, "instantaneous"),
                **_POWER,
                entity_registry_enabled_default=False,
            ),
            _sensor(
                f"cta2045|commodity_{code}_cumulative",
                f"{name}_storage_capacity",
                partial(_commodity, code, "cumulative"),
                **_WH,
                device_class=Class.ENERGY_STORAGE,
            ),
        )
    ),
)

# Thermostats: what their mode and state codes mean is not published: they stay numbers.
THERMOSTAT: Final[tuple[Description, ...]] = (
    _sensor("thermostat|temperature", "temperature", _thermostat("temperature"), **_TEMPERATURE),
    _sensor(
        "thermostat|humidity",
        "humidity",
        _thermostat("humidity"),
        device_class=Class.HUMIDITY,
        native_unit_of_measurement=PERCENTAGE,
    ),
    _sensor("thermostat|mode", "thermostat_mode", _thermostat("mode"), **_CODE),
    _sensor("thermostat|state", "thermostat_state", _thermostat("state"), **_CODE),
    _sensor("thermostat|fan_mode", "fan_mode", _thermostat("fan_mode"), **_CODE),
    _sensor("thermostat|fan_state", "fan_state", _thermostat("fan_state"), **_CODE),
    _sensor(
        "thermostat|heat_setpoint", "heat_setpoint", _thermostat("heat_setpoint"), **_TEMPERATURE
    ),
    _sensor(
        "thermostat|cool_setpoint", "cool_setpoint", _thermostat("cool_setpoint"), **_TEMPERATURE
    ),
)


def _none(_snapshot: Snapshot) -> Point | None:
    return None  # a CT template's: each channel gets its own (describe_families)


# A Super SkyBox's CT channels, by the field of api.CtChannel (their units are documented
# nowhere public: A, W, VA and V are assumed). Each channel gets its keys and value_fns.
CT: Final[dict[str, Description]] = {
    "current": _sensor("", "ct_current", _none, **_AMPERE, suggested_display_precision=1),
    "power_real": _sensor("", "ct_power", _none, **_POWER, statistic=CloudStatistic.MEAN),
    "power_apparent": _sensor(
        "",
        "ct_apparent_power",
        _none,
        device_class=Class.APPARENT_POWER,
        native_unit_of_measurement=UnitOfApparentPower.VOLT_AMPERE,
        entity_registry_enabled_default=False,
    ),
    "power_factor": _sensor(
        "",
        "ct_power_factor",
        _none,
        device_class=Class.POWER_FACTOR,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
    ),
    "voltage": _sensor(
        "",
        "ct_voltage",
        _none,
        device_class=Class.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=1,
    ),
    "rating": _sensor(
        "",
        "ct_rating",
        _none,
        **_AMPERE,
        state_class=None,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
}


def _channel(channel_id: str, name: str, snapshot: Snapshot) -> Point | None:
    channel = next((c for c in snapshot.ct if c.id == channel_id), None)
    return None if channel is None else getattr(channel, name)


def describe_families(snapshot: Snapshot) -> dict[str, Described]:
    """What the snapshot's family fields become, by key: each field the snapshot holds."""
    fields = [
        *(CTA2045 if snapshot.cta2045 is not None else ()),
        *(THERMOSTAT if snapshot.thermostat is not None else ()),
        *(
            replace(
                description,
                key=f"ct|{channel.id}|{name}",
                translation_placeholders={"ct": channel.id},
                value_fn=partial(_channel, channel.id, name),
            )
            for channel in snapshot.ct
            for name, description in CT.items()
        ),
    ]
    described: dict[str, Described] = {}
    for description in fields:
        if (point := description.value_fn(snapshot)) is None:
            continue
        if isinstance(description, SkyCentricsBinarySensorEntityDescription):
            described[description.key] = Described(binary_sensors=(description,))
            continue
        if description.unit_of is _temperature_unit:  # the unit the cloud gives it
            unit, precision = _TEMPERATURES.get(point.units.lower(), (point.units or None, None))
            known = point.units.lower() in _TEMPERATURES
            description = replace(  # noqa: PLW2901 (the same field, its unit chosen)
                description,
                native_unit_of_measurement=unit,
                suggested_display_precision=precision,
                device_class=description.device_class if known else None,
            )
        described[description.key] = Described(sensors=(description,))
    return described
