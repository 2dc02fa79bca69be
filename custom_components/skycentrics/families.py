"""What the payload families become: CTA-2045 controllers, thermostats, a gateway's CT channels.

Their fields are typed by the API's parser (api.Cta2045, api.Thermostat, api.CtChannel); each
field here is one fixed entity description with a ``value_fn``, as core's homewizard and
enphase_envoy describe theirs. A field's entity exists once a snapshot holds the field. Keys
(``cta2045|relay``, ``ct|<channel>|current``) hold a single ``|``, which no sensor of a list has
in its key (classification.reading_key), and make the entities' unique ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
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

from .api import Cta2045, CtChannel, Measure, Snapshot, Thermostat
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

# The units a cloud's temperature may come in -> (unit, display precision).
_TEMPERATURES: Final = {
    "f": (UnitOfTemperature.FAHRENHEIT, 0),
    "°f": (UnitOfTemperature.FAHRENHEIT, 0),
    "c": (UnitOfTemperature.CELSIUS, 1),
    "°c": (UnitOfTemperature.CELSIUS, 1),
}


def _fixed(unit: str | None, _units: str) -> str | None:
    """A field whose unit the family fixes, whatever units text it has."""
    return unit


def _temperature_unit(units: str) -> str | None:
    return _TEMPERATURES.get(units.lower(), (units or None, None))[0]


def _cta2045(get: Callable[[Cta2045], Measure | None]) -> ValueFn:
    def value_fn(snapshot: Snapshot) -> Point | None:
        return None if snapshot.cta2045 is None else get(snapshot.cta2045)

    return value_fn


def _thermostat(get: Callable[[Thermostat], Measure | None]) -> ValueFn:
    def value_fn(snapshot: Snapshot) -> Point | None:
        return None if snapshot.thermostat is None else get(snapshot.thermostat)

    return value_fn


def _commodity(code: int, cumulative: bool) -> ValueFn:
    def value_fn(snapshot: Snapshot) -> Point | None:
        family = snapshot.cta2045
        if family is None or (commodity := family.commodities.get(code)) is None:
            return None
        return commodity.cumulative if cumulative else commodity.instantaneous

    return value_fn


def _sensor(
    key: str,
    translation_key: str,
    value_fn: ValueFn,
    unit: str | None = None,
    **kwargs: Any,
) -> SkyCentricsSensorEntityDescription:
    """A sensor of a family field; a temperature's unit comes with each snapshot."""
    temperature = kwargs.get("device_class") in (
        SensorDeviceClass.TEMPERATURE,
        SensorDeviceClass.TEMPERATURE_DELTA,
    )
    return SkyCentricsSensorEntityDescription(
        key=key,
        translation_key=translation_key,
        value_fn=value_fn,
        native_unit_of_measurement=unit,
        unit_of=_temperature_unit if temperature else partial(_fixed, unit),
        family=True,
        **kwargs,
    )


def _power(key: str, translation_key: str, value_fn: ValueFn, **kwargs: Any) -> Description:
    return _sensor(
        key,
        translation_key,
        value_fn,
        UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        **kwargs,
    )


def _temperature(key: str, translation_key: str, value_fn: ValueFn, **kwargs: Any) -> Description:
    return _sensor(
        key,
        translation_key,
        value_fn,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        **kwargs,
    )


def _code(key: str, translation_key: str, value_fn: ValueFn, **kwargs: Any) -> Description:
    return _sensor(key, translation_key, value_fn, state_class=None, **kwargs)


CTA2045: Final[tuple[Description, ...]] = (
    SkyCentricsBinarySensorEntityDescription(
        key="cta2045|relay",
        translation_key="relay",
        device_class=BinarySensorDeviceClass.POWER,
        value_fn=_cta2045(lambda family: family.relay),
    ),
    SkyCentricsBinarySensorEntityDescription(
        key="cta2045|override",
        translation_key="override",
        value_fn=_cta2045(lambda family: family.override),
    ),
    _code(
        "cta2045|state",
        "operational_state",
        _cta2045(lambda family: family.state),
        device_class=SensorDeviceClass.ENUM,
        options=list(CTA2045_STATES.values()),
        convert=to_operational_state,
    ),
    _power(
        "cta2045|power",
        "power",
        _cta2045(lambda family: family.power),
        statistic=CloudStatistic.MEAN,
    ),
    _code(
        "cta2045|hold_mode",
        "hold_mode",
        _cta2045(lambda family: family.hold_mode),
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _sensor(
        "cta2045|offset",
        "setpoint_offset",
        _cta2045(lambda family: family.offset),
        device_class=SensorDeviceClass.TEMPERATURE_DELTA,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _temperature("cta2045|temperature", "temperature", _cta2045(lambda f: f.temperature)),
    _temperature(
        "cta2045|setpoint_1",
        "setpoint_n",
        _cta2045(lambda family: family.setpoint_1),
        translation_placeholders={"n": "1"},
    ),
    _temperature(
        "cta2045|setpoint_2",
        "setpoint_n",
        _cta2045(lambda family: family.setpoint_2),
        translation_placeholders={"n": "2"},
    ),
    # Commodities: 0 electricity consumed, 1 produced (lifetime counters, Wh, like the
    # gateway's), 6 total and 7 present energy storage capacity (up and down).
    *(
        description
        for code, name in ((0, "consumed"), (1, "produced"))
        for description in (
            _power(
                f"cta2045|commodity_{code}_instantaneous",
                f"power_{name}",
                _commodity(code, cumulative=False),
                statistic=CloudStatistic.MEAN,
            ),
            _sensor(
                f"cta2045|commodity_{code}_cumulative",
                f"energy_{name}",
                _commodity(code, cumulative=True),
                UnitOfEnergy.WATT_HOUR,
                device_class=SensorDeviceClass.ENERGY,
                state_class=None,
                suggested_display_precision=0,
                counter=True,
                statistic=CloudStatistic.SUM,
            ),
        )
    ),
    *(
        description
        for code, name in ((6, "total"), (7, "present"))
        for description in (
            _power(
                f"cta2045|commodity_{code}_instantaneous",
                f"{name}_storage_capacity_rate",
                _commodity(code, cumulative=False),
                entity_registry_enabled_default=False,
            ),
            _sensor(
                f"cta2045|commodity_{code}_cumulative",
                f"{name}_storage_capacity",
                _commodity(code, cumulative=True),
                UnitOfEnergy.WATT_HOUR,
                device_class=SensorDeviceClass.ENERGY_STORAGE,
                state_class=SensorStateClass.MEASUREMENT,
                suggested_display_precision=0,
            ),
        )
    ),
)

# Thermostats: what their mode and state codes mean is not published: they stay numbers.
THERMOSTAT: Final[tuple[Description, ...]] = (
    _temperature("thermostat|temperature", "temperature", _thermostat(lambda t: t.temperature)),
    _sensor(
        "thermostat|humidity",
        "humidity",
        _thermostat(lambda thermostat: thermostat.humidity),
        PERCENTAGE,
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    _code("thermostat|mode", "thermostat_mode", _thermostat(lambda t: t.mode)),
    _code("thermostat|state", "thermostat_state", _thermostat(lambda t: t.state)),
    _code("thermostat|fan_mode", "fan_mode", _thermostat(lambda t: t.fan_mode)),
    _code("thermostat|fan_state", "fan_state", _thermostat(lambda t: t.fan_state)),
    _temperature(
        "thermostat|heat_setpoint", "heat_setpoint", _thermostat(lambda t: t.heat_setpoint)
    ),
    _temperature(
        "thermostat|cool_setpoint", "cool_setpoint", _thermostat(lambda t: t.cool_setpoint)
    ),
)


@dataclass(frozen=True, slots=True)
class _CtField:
    """A quantity of every CT channel: its key's last part and its description."""

    suffix: str
    get: Callable[[CtChannel], Measure | None]
    description: SkyCentricsSensorEntityDescription


def _ct(
    suffix: str,
    translation_key: str,
    get: Callable[[CtChannel], Measure | None],
    unit: str | None,
    **kwargs: Any,
) -> _CtField:
    return _CtField(suffix, get, _sensor("", translation_key, _no_value, unit, **kwargs))


def _no_value(_snapshot: Snapshot) -> Point | None:
    return None  # a template's: each channel gets its own (describe_families)


# A Super SkyBox's CT channels (their units are documented nowhere public: W, VA, V, A assumed).
CT: Final[tuple[_CtField, ...]] = (
    _ct(
        "current",
        "ct_current",
        lambda ct: ct.current,
        UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _ct(
        "power_real",
        "ct_power",
        lambda ct: ct.power_real,
        UnitOfPower.WATT,
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        statistic=CloudStatistic.MEAN,
    ),
    _ct(
        "power_apparent",
        "ct_apparent_power",
        lambda ct: ct.power_apparent,
        UnitOfApparentPower.VOLT_AMPERE,
        device_class=SensorDeviceClass.APPARENT_POWER,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
    ),
    _ct(
        "power_factor",
        "ct_power_factor",
        lambda ct: ct.power_factor,
        None,
        device_class=SensorDeviceClass.POWER_FACTOR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_registry_enabled_default=False,
    ),
    _ct(
        "voltage",
        "ct_voltage",
        lambda ct: ct.voltage,
        UnitOfElectricPotential.VOLT,
        device_class=SensorDeviceClass.VOLTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    _ct(
        "rating",
        "ct_rating",
        lambda ct: ct.rating,
        UnitOfElectricCurrent.AMPERE,
        device_class=SensorDeviceClass.CURRENT,
        state_class=None,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)


def _channel_value(
    channel_id: str, get: Callable[[CtChannel], Measure | None], snapshot: Snapshot
) -> Point | None:
    for channel in snapshot.ct:
        if channel.id == channel_id:
            return get(channel)
    return None


def _fields(snapshot: Snapshot) -> Iterator[Description]:
    if snapshot.cta2045 is not None:
        yield from CTA2045
    if snapshot.thermostat is not None:
        yield from THERMOSTAT
    for channel in snapshot.ct:
        for field in CT:  # named "CT {ct} current"...
            yield replace(
                field.description,
                key=f"ct|{channel.id}|{field.suffix}",
                translation_placeholders={"ct": channel.id},
                value_fn=partial(_channel_value, channel.id, field.get),
            )


def describe_families(snapshot: Snapshot) -> dict[str, Described]:
    """What the snapshot's family fields become, by key: each field the snapshot holds."""
    described: dict[str, Described] = {}
    for description in _fields(snapshot):
        if (point := description.value_fn(snapshot)) is None:
            continue
        if isinstance(description, SkyCentricsBinarySensorEntityDescription):
            described[description.key] = Described(binary_sensors=(description,))
            continue
        if description.unit_of is _temperature_unit:  # the unit the cloud gives it
            known = point.units.lower() in _TEMPERATURES
            unit, precision = _TEMPERATURES.get(point.units.lower(), (point.units or None, None))
            description = replace(  # noqa: PLW2901 (the same field, its unit chosen)
                description,
                native_unit_of_measurement=unit,
                suggested_display_precision=precision,
                device_class=description.device_class if known else None,
            )
        described[description.key] = Described(sensors=(description,))
    return described
