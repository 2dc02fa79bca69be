"""The thermostat as a climate entity, against the simulator's fleet over a real socket: every
setting's exact signed request, the state the device reports afterwards, and the values the API
would not take (refused before anything is sent)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.components.climate.const import (
    ATTR_FAN_MODE,
    ATTR_HVAC_MODE,
    ATTR_PRESET_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    SERVICE_SET_FAN_MODE,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_PRESET_MODE,
    SERVICE_SET_TEMPERATURE,
    ClimateEntityFeature as Feature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant, State
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from skycentrics_simulator import (
    FLEET_EV_CHARGER_ID,
    FLEET_PLUG_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_EPOCH,
    Simulator,
    faults,
)

from .common import (
    CLIENT_ID,
    CLIENT_SECRET,
    data_requests,
    entity_id,
    puts,
    setup_fleet,
)

THERMOSTAT = FLEET_THERMOSTAT_ID
PATH = f"/api/devices/{THERMOSTAT}"
ENTITY = "climate.ct80_simulated"


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        yield sim


@pytest.fixture(autouse=True)
async def _fahrenheit(hass: HomeAssistant) -> None:
    """Home Assistant in °F, the thermostat's own unit (so that values are compared as sent)."""
    await hass.config.async_update(unit_system="us_customary")


def _state(hass: HomeAssistant) -> State:
    state = hass.states.get(ENTITY)
    assert state is not None
    return state


async def _call(hass: HomeAssistant, service: str, **data: Any) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN, service, {ATTR_ENTITY_ID: ENTITY, **data}, blocking=True
    )


def _edit(**thermostat: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """An edit of the thermostat's answer: its ``thermostat`` object's fields replaced, and
    the other top-level fields given (``units`` changes those of every temperature)."""
    units = thermostat.pop("units", None)
    top = {key: thermostat.pop(key) for key in ("temperature", "setpoint") if key in thermostat}

    def edit(data: dict[str, Any]) -> dict[str, Any]:
        data = {**data, "thermostat": {**data["thermostat"], **thermostat}}
        for key in ("temperature", "setpoint"):
            data[key] = {**data[key], **({"data": top[key]} if key in top else {})}
            if units is not None:
                data[key]["units"] = units
        return data

    return edit


async def _setup_edited(
    hass: HomeAssistant, simulator: Simulator, edit: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    """The thermostat alone, its first answer edited."""
    simulator.add_fault(faults.delay(0), times=2)  # the device list and object, as they are
    simulator.add_fault(faults.edit_json(edit))
    await setup_fleet(hass, simulator.url, [THERMOSTAT], [Platform.CLIMATE])


# --- what it shows ---------------------------------------------------------------------------


async def test_climate_entity(
    hass: HomeAssistant,
    simulator: Simulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
    ha_snapshot: SnapshotAssertion,
) -> None:
    """One climate entity, for the thermostat only: registry entry and state at a fixed time
    (cool mode, 68/76 °F, fan auto, no hold)."""
    freezer.move_to(datetime.fromtimestamp(SEED_EPOCH + 30, UTC))
    entry = await setup_fleet(
        hass,
        simulator.url,
        [THERMOSTAT, FLEET_WATER_HEATER_ID, FLEET_EV_CHARGER_ID, FLEET_PLUG_ID],
        [Platform.CLIMATE],
    )
    await snapshot_platform(hass, entity_registry, ha_snapshot, entry.entry_id)
    assert entity_id(hass, CLIMATE_DOMAIN, f"{THERMOSTAT}|climate") == ENTITY


async def test_what_the_thermostat_reports(hass: HomeAssistant, simulator: Simulator) -> None:
    """Cool mode shows the cool setpoint as the one target; the modes that can be set; the
    fan as it reads (auto); no hold."""
    entry = await setup_fleet(hass, simulator.url, [THERMOSTAT], [Platform.CLIMATE])
    family = entry.runtime_data.coordinators[THERMOSTAT].data.thermostat
    state = _state(hass)
    assert state.state == HVACMode.COOL
    assert state.attributes["hvac_modes"] == ["off", "heat", "cool", "fan_only"]
    assert state.attributes[ATTR_TEMPERATURE] == 76
    assert state.attributes[ATTR_TARGET_TEMP_LOW] is None
    assert state.attributes[ATTR_TARGET_TEMP_HIGH] is None
    assert state.attributes["current_temperature"] == family.temperature.value  # type: ignore[union-attr]
    assert state.attributes["current_humidity"] == family.humidity.value  # type: ignore[union-attr]
    cooling = family.state.value == 2  # type: ignore[union-attr]
    assert state.attributes["hvac_action"] == (HVACAction.COOLING if cooling else HVACAction.IDLE)
    assert state.attributes[ATTR_FAN_MODE] == "auto"
    assert state.attributes["fan_modes"] == ["auto", "low", "high"]
    assert state.attributes[ATTR_PRESET_MODE] == "none"
    assert state.attributes["preset_modes"] == ["none", "hold"]
    assert (state.attributes["min_temp"], state.attributes["max_temp"]) == (40, 95)
    assert state.attributes["target_temp_step"] == 1


async def test_auto_shows_the_range(hass: HomeAssistant, simulator: Simulator) -> None:
    """Auto (mode 3) is heat_cool, listed while the device is in it: the range low heat, high
    cool, no single target. Choosing it again sends nothing; a single target is refused (which
    setpoint?); the range is sent."""
    await _setup_edited(hass, simulator, _edit(mode=3, state=1))
    state = _state(hass)
    assert state.state == HVACMode.HEAT_COOL
    assert state.attributes["hvac_modes"] == ["off", "heat", "cool", "heat_cool", "fan_only"]
    assert state.attributes[ATTR_TEMPERATURE] is None
    assert state.attributes[ATTR_TARGET_TEMP_LOW] == 68
    assert state.attributes[ATTR_TARGET_TEMP_HIGH] == 76
    assert state.attributes["hvac_action"] == HVACAction.HEATING
    await _call(hass, SERVICE_SET_HVAC_MODE, hvac_mode=HVACMode.HEAT_COOL)
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, SERVICE_SET_TEMPERATURE, temperature=70)
    assert caught.value.translation_key == "setpoint_needs_mode"
    assert str(caught.value) == (
        "ct80-simulated is in mode heat_cool, which has no single target temperature: give the "
        "mode (heat or cool) with the temperature, or set the range (low: heat, high: cool)"
    )
    assert simulator.control_requests == []
    await _call(hass, SERVICE_SET_TEMPERATURE, target_temp_low=66, target_temp_high=79)
    assert simulator.control_requests == [
        ("PUT", f"{PATH}/temp_setpoint", {"setpoint": [66, 79], "units": "F", "type": 10})
    ]


@pytest.mark.parametrize(
    ("mode", "fan", "shown", "action"),
    [
        (0, 0, HVACMode.OFF, HVACAction.OFF),
        (0, 2, HVACMode.FAN_ONLY, HVACAction.FAN),
        (1, 0, HVACMode.HEAT, HVACAction.IDLE),
        (7, 0, None, HVACAction.IDLE),
    ],
    ids=["off", "off-with-the-fan-on", "heat", "unknown-code"],
)
async def test_modes_as_read(
    hass: HomeAssistant,
    simulator: Simulator,
    mode: int,
    fan: int,
    shown: HVACMode | None,
    action: HVACAction,
) -> None:
    """Off; off with the fan on is fan only; heat shows the heat setpoint; a code of no known
    meaning is unknown."""
    await _setup_edited(
        hass,
        simulator,
        lambda d: {**_edit(mode=mode, state=0)(d), "fan": {"mode": fan, "state": 0}},
    )
    state = _state(hass)
    assert state.state == (shown or "unknown")
    assert state.attributes["hvac_action"] == action
    assert state.attributes[ATTR_TEMPERATURE] == (68 if shown is HVACMode.HEAT else None)
    assert state.attributes[ATTR_FAN_MODE] == ("on" if fan else "auto")


async def test_what_the_thermostat_does_not_report(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Without a fan and a hold, no fan modes and no presets; an answer without the family
    (a reading of a sensor list only) makes the entity unavailable until the family is back."""
    await _setup_edited(
        hass,
        simulator,
        lambda d: {
            **{k: v for k, v in d.items() if k != "fan"},
            "thermostat": {"mode": 2, "state": 0},
        },
    )
    state = _state(hass)
    assert state.attributes["supported_features"] == (
        Feature.TARGET_TEMPERATURE
        | Feature.TARGET_TEMPERATURE_RANGE
        | Feature.TURN_OFF
        | Feature.TURN_ON
    )
    assert ATTR_FAN_MODE not in state.attributes
    assert ATTR_PRESET_MODE not in state.attributes
    entry = next(iter(hass.config_entries.async_entries("skycentrics")))
    coordinator = entry.runtime_data.coordinators[THERMOSTAT]
    sensor = {"id": "ROOM", "name": "Room", "type": "Temperature", "units": "F", "data": 70}
    simulator.add_fault(
        faults.edit_json(lambda d: {"device": THERMOSTAT, "time": d["time"], "sensors": [sensor]})
    )
    await coordinator.async_refresh()
    assert _state(hass).state == STATE_UNAVAILABLE
    await coordinator.async_refresh()
    assert _state(hass).state == HVACMode.COOL


@pytest.mark.parametrize("unit_system", ["metric", "us_customary"])
async def test_celsius(hass: HomeAssistant, simulator: Simulator, unit_system: str) -> None:
    """A thermostat that reports °C is in °C (half-degree steps, the °F bounds in °C); a
    setpoint is sent in whole °F, the other one converted as reported."""
    await hass.config.async_update(unit_system=unit_system)
    await _setup_edited(
        hass, simulator, _edit(mode=1, units="C", temperature=[21.5], setpoint=[20, 24])
    )
    state = _state(hass)
    if unit_system == "metric":
        assert state.attributes["current_temperature"] == 21.5
        assert state.attributes[ATTR_TEMPERATURE] == 20
        assert (state.attributes["min_temp"], state.attributes["max_temp"]) == (4.5, 35)
        assert state.attributes["target_temp_step"] == 0.5
        await _call(hass, SERVICE_SET_TEMPERATURE, temperature=21)  # 69.8 °F; cool 75.2 °F
    else:
        assert state.attributes[ATTR_TEMPERATURE] == 68
        await _call(hass, SERVICE_SET_TEMPERATURE, temperature=70)
    assert simulator.control_requests == [
        ("PUT", f"{PATH}/temp_setpoint", {"setpoint": [70, 75], "units": "F", "type": 10})
    ]


async def test_a_device_of_no_known_type_gets_it_once_it_reports_a_thermostat(
    hass: HomeAssistant, simulator: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """No type, and a first answer without the thermostat family: no climate entity; it comes
    with the first poll that shows the family."""
    sensor = {"id": "ROOM", "name": "Room", "type": "Temperature", "units": "F", "data": 70}
    simulator.add_fault(faults.delay(0))  # the device list, as it is
    simulator.add_fault(faults.edit_json(lambda device: {**device, "type": None}))
    simulator.add_fault(
        faults.edit_json(lambda d: {"device": THERMOSTAT, "time": d["time"], "sensors": [sensor]})
    )
    await setup_fleet(hass, simulator.url, [THERMOSTAT], [Platform.CLIMATE])
    assert hass.states.get(ENTITY) is None
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _state(hass).state == HVACMode.COOL


# --- settings --------------------------------------------------------------------------------


async def test_modes(hass: HomeAssistant, simulator: Simulator) -> None:
    """Each HVAC mode: one signed PUT of thermostat_mode, then the device as it reports it."""
    await setup_fleet(hass, simulator.url, [THERMOSTAT], [Platform.CLIMATE])
    steps = [
        (HVACMode.HEAT, 4, HVACMode.HEAT, 68),
        (HVACMode.FAN_ONLY, 8, HVACMode.FAN_ONLY, None),
        (HVACMode.OFF, 0, HVACMode.OFF, None),
        (HVACMode.COOL, 3, HVACMode.COOL, 76),
    ]
    for mode, code, shown, target in steps:
        await _call(hass, SERVICE_SET_HVAC_MODE, hvac_mode=mode)
        assert simulator.control_requests[-1] == ("PUT", f"{PATH}/thermostat_mode", {"data": code})
        state = _state(hass)
        assert state.state == shown, mode
        assert state.attributes[ATTR_TEMPERATURE] == target, mode
    assert puts(simulator) == [("PUT", f"{PATH}/thermostat_mode", 200)] * 4
    await _call(hass, SERVICE_TURN_OFF)
    await _call(hass, SERVICE_TURN_ON)  # heat: the first mode that heats or cools
    assert [body for _, _, body in simulator.control_requests[-2:]] == [{"data": 0}, {"data": 4}]


async def test_setpoints(hass: HomeAssistant, simulator: Simulator) -> None:
    """A setpoint is sent with the other as reported; the range sends both; with a mode, the
    setpoints and then the mode (two requests). The entity shows what the device reports."""
    await setup_fleet(hass, simulator.url, [THERMOSTAT], [Platform.CLIMATE])
    polls = data_requests(simulator, THERMOSTAT)
    await _call(hass, SERVICE_SET_TEMPERATURE, temperature=74)
    assert simulator.control_requests == [
        ("PUT", f"{PATH}/temp_setpoint", {"setpoint": [68, 74], "units": "F", "type": 10})
    ]
    assert data_requests(simulator, THERMOSTAT) == polls + 1  # read again at once
    assert _state(hass).attributes[ATTR_TEMPERATURE] == 74
    await _call(hass, SERVICE_SET_TEMPERATURE, target_temp_low=65, target_temp_high=80)
    await _call(hass, SERVICE_SET_TEMPERATURE, temperature=70.4, hvac_mode=HVACMode.HEAT)
    assert simulator.control_requests[1:] == [
        ("PUT", f"{PATH}/temp_setpoint", {"setpoint": [65, 80], "units": "F", "type": 10}),
        ("PUT", f"{PATH}/temp_setpoint", {"setpoint": [70, 80], "units": "F", "type": 10}),
        ("PUT", f"{PATH}/thermostat_mode", {"data": 4}),
    ]
    state = _state(hass)
    assert (state.state, state.attributes[ATTR_TEMPERATURE]) == (HVACMode.HEAT, 70)
    assert puts(simulator) == [
        ("PUT", f"{PATH}/temp_setpoint", 200),
        ("PUT", f"{PATH}/temp_setpoint", 200),
        ("PUT", f"{PATH}/temp_setpoint", 200),
        ("PUT", f"{PATH}/thermostat_mode", 200),
    ]


async def test_fan_and_hold(hass: HomeAssistant, simulator: Simulator) -> None:
    """fan_mode low and high (the fan then reads on), auto; the hold preset and none."""
    await setup_fleet(hass, simulator.url, [THERMOSTAT], [Platform.CLIMATE])
    await _call(hass, SERVICE_SET_FAN_MODE, fan_mode="low")
    assert _state(hass).attributes[ATTR_FAN_MODE] == "on"
    await _call(hass, SERVICE_SET_FAN_MODE, fan_mode="high")
    await _call(hass, SERVICE_SET_FAN_MODE, fan_mode="auto")
    assert _state(hass).attributes[ATTR_FAN_MODE] == "auto"
    await _call(hass, SERVICE_SET_PRESET_MODE, preset_mode="hold")
    assert _state(hass).attributes[ATTR_PRESET_MODE] == "hold"
    await _call(hass, SERVICE_SET_PRESET_MODE, preset_mode="none")
    assert _state(hass).attributes[ATTR_PRESET_MODE] == "none"
    assert simulator.control_requests == [
        ("PUT", f"{PATH}/fan_mode", {"data": 3}),
        ("PUT", f"{PATH}/fan_mode", {"data": 5}),
        ("PUT", f"{PATH}/fan_mode", {"data": 0}),
        ("PUT", f"{PATH}/hold_mode", {"data": 1}),
        ("PUT", f"{PATH}/hold_mode", {"data": 0}),
    ]


# --- values the API would not take: refused, nothing sent ------------------------------------


@pytest.mark.parametrize(
    ("data", "domain", "key"),
    [
        ({ATTR_TEMPERATURE: 96}, "climate", "temp_out_of_range"),
        ({ATTR_TEMPERATURE: 39}, "climate", "temp_out_of_range"),
        (
            {ATTR_TARGET_TEMP_LOW: 75, ATTR_TARGET_TEMP_HIGH: 70},
            "climate",
            "low_temp_higher_than_high_temp",
        ),
        ({ATTR_TEMPERATURE: 77, ATTR_HVAC_MODE: HVACMode.HEAT}, "skycentrics", "heat_above_cool"),
        (
            {ATTR_TEMPERATURE: 67, ATTR_HVAC_MODE: HVACMode.OFF},
            "skycentrics",
            "setpoint_needs_mode",
        ),
        (
            {ATTR_TEMPERATURE: 67, ATTR_HVAC_MODE: HVACMode.HEAT_COOL},
            "climate",
            "not_valid_hvac_mode",
        ),
    ],
    ids=["above-max", "below-min", "low-above-high", "heat-above-cool", "off", "auto"],
)
async def test_refused_setpoints(
    hass: HomeAssistant, simulator: Simulator, data: dict[str, Any], domain: str, key: str
) -> None:
    """A setpoint out of the API's range (Home Assistant's own check, from min/max_temp), a
    heat setpoint above the cool one, a target for a mode that has none, a mode the API cannot
    set: translated ServiceValidationErrors, nothing sent."""
    await setup_fleet(hass, simulator.url, [THERMOSTAT], [Platform.CLIMATE])
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, SERVICE_SET_TEMPERATURE, **data)
    assert (caught.value.translation_domain, caught.value.translation_key) == (domain, key)
    if key == "heat_above_cool":
        assert str(caught.value) == (
            "The heat setpoint of ct80-simulated (77 °F) would be above its cool setpoint "
            "(76 °F); nothing was sent. Lower the heat setpoint or raise the cool setpoint first"
        )
    assert simulator.control_requests == []


async def test_setpoints_the_device_does_not_report(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Without both setpoints reported, none is sent (temp_setpoint takes both); a reported
    setpoint outside the API's range is not sent either."""
    await _setup_edited(hass, simulator, _edit(mode=1, setpoint=[68]))
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, SERVICE_SET_TEMPERATURE, temperature=74)
    assert caught.value.translation_key == "setpoint_unknown"
    entry = next(iter(hass.config_entries.async_entries("skycentrics")))
    simulator.add_fault(faults.edit_json(_edit(mode=2, setpoint=[30, 76])))
    await entry.runtime_data.coordinators[THERMOSTAT].async_refresh()
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, SERVICE_SET_TEMPERATURE, temperature=74)
    assert caught.value.translation_key == "setpoint_out_of_range"
    assert str(caught.value) == (
        "Both setpoints of ct80-simulated are sent together, heat 30 °F and cool 74 °F, but the "
        "SkyCentrics API takes setpoints from 40 °F to 95 °F only (in whole degrees "
        "Fahrenheit); nothing was sent"
    )
    assert simulator.control_requests == []
