"""Units that change and lifetime counters that glitch, against the simulator over a socket.

The plausibility rule (const.py): a counter may rise by at most
max(1 kWh, max(10 kW, 10 x the largest |power| the device reported) x hours since the last
accepted reading, at least one poll interval); 1000 kW when the device has no power reading.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_add_external_statistics
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_STATE_CHANGED,
    STATE_UNKNOWN,
    UnitOfEnergy,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.skycentrics.const import CONF_HISTORY_DAYS, DOMAIN
from custom_components.skycentrics.coordinator import SkyCentricsCoordinator
from custom_components.skycentrics.descriptions import statistic_id
from skycentrics_simulator import SEED_DEVICE_ID, Simulator
from skycentrics_simulator.__main__ import pin_to_seed
from skycentrics_simulator.model import LIFETIME_COUNTERS

from .test_statistics import mock_recorder_before_hass  # noqa: F401  # a fixture

COUNTER_ID = "SOLAR_INVERTER_1_ENERGY"
COUNTER = "sensor.ssb_001_pae_replacement_pv_inverter_1_lifetime_energy_produced"
ISSUE = f"unit_changed_{SEED_DEVICE_ID}_{COUNTER_ID}"


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 61) -> None:
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> SkyCentricsCoordinator:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (coordinator,) = entry.runtime_data.coordinators.values()
    assert isinstance(coordinator, SkyCentricsCoordinator)
    return coordinator


def _state(hass: HomeAssistant, entity_id: str = COUNTER) -> State:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


def _switch_units(simulator: Simulator, units: str, data: Any) -> None:
    """The device now reports the counter in other units (same id, name and type)."""
    (sensor,) = [s for s in simulator.sensors(SEED_DEVICE_ID) if s["id"] == COUNTER_ID]
    simulator.remove_sensor(SEED_DEVICE_ID, COUNTER_ID)
    simulator.add_sensor(SEED_DEVICE_ID, {**sensor, "units": units, "data": data})


def _record_states(hass: HomeAssistant, entity_id: str = COUNTER) -> list[str]:
    """Every state the entity is given from now on."""
    states: list[str] = []

    @callback
    def _changed(event: Event[EventStateChangedData]) -> None:
        if event.data["entity_id"] == entity_id and (new := event.data["new_state"]):
            states.append(new.state)

    hass.bus.async_listen(EVENT_STATE_CHANGED, _changed)
    return states


def _warnings(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING
        and r.name.startswith("custom_components.skycentrics")
        and text in r.getMessage()
    ]


def _hour_start() -> datetime:
    return dt_util.utcnow().replace(minute=0, second=0, microsecond=0)


# --- units -------------------------------------------------------------------------------------


async def test_counter_switching_to_wh_keeps_its_unit_and_number(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A kWh lifetime counter now reported in Wh (value x 1000): the entity stays in kWh with
    the same number, so its statistics see no jump; and back to kWh."""
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190000.0)
    await _setup(hass, config_entry)
    states = _record_states(hass)
    _switch_units(simulator, "Wh", 190000400.0)
    await _poll(hass, freezer)
    assert float(_state(hass).state) == pytest.approx(190000.4)
    assert _state(hass).attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfEnergy.KILO_WATT_HOUR
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190000900)
    await _poll(hass, freezer)
    assert float(_state(hass).state) == pytest.approx(190000.9)
    _switch_units(simulator, "kWh", 190001.2)
    await _poll(hass, freezer)
    assert _state(hass).state == "190001.2"
    assert _state(hass).attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfEnergy.KILO_WATT_HOUR
    values = [float(s) for s in states]
    assert values == pytest.approx([190000.4, 190000.9, 190001.2])  # no jump, no dip
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None


async def test_power_switching_to_w_is_converted(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A kW power now reported in W: shown in kW."""
    power = "SOLAR_INVERTER_2_ACTIVE_POWER"
    (sensor,) = [s for s in simulator.sensors(SEED_DEVICE_ID) if s["id"] == power]
    simulator.remove_sensor(SEED_DEVICE_ID, power)
    simulator.add_sensor(SEED_DEVICE_ID, {**sensor, "units": "W", "data": 12340})
    await _poll(hass, freezer)
    state = _state(hass, "sensor.ssb_001_pae_replacement_pv_inverter_2_power")
    assert float(state.state) == pytest.approx(12.34)
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kW"


async def test_counter_switching_to_volts_is_unknown_with_a_repair_issue(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """kWh -> V: no conversion exists: unknown and a repair issue (logged once); both go when
    the unit returns, and the counter goes on from its last accepted value."""
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190000.0)
    coordinator = await _setup(hass, config_entry)
    _switch_units(simulator, "V", 190000.0)  # the same number: only the unit says it changed
    await _poll(hass, freezer)
    assert _state(hass).state == STATE_UNKNOWN
    assert _state(hass).attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfEnergy.KILO_WATT_HOUR
    issue = ir.async_get(hass).async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "unit_changed"
    assert not issue.is_fixable
    assert issue.translation_placeholders == {
        "device": "SkyCentrics ssb-001-pae-replacement",
        "sensor": COUNTER_ID,
        "unit": "kWh",
        "new_unit": "V",
    }
    # While unknown, the counter's guard keeps the last accepted value, in kWh.
    guard = coordinator.counters[COUNTER_ID].guard
    assert (guard.last, guard.unit) == (190000.0, UnitOfEnergy.KILO_WATT_HOUR)
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 230.5)
    await _poll(hass, freezer)
    assert _state(hass).state == STATE_UNKNOWN
    assert len(_warnings(caplog, "which is not a unit of kWh")) == 1
    _switch_units(simulator, "kWh", 190000.7)
    await _poll(hass, freezer)
    assert _state(hass).state == "190000.7"
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None


@pytest.mark.parametrize(
    ("saved", "unit", "reading", "shown"),
    [
        pytest.param(250.0, "MWh", 0, "250000.0", id="MWh converted, a 0 kept out"),
        pytest.param(250000000.0, "Wh", 249999.0, "250000.0", id="Wh converted, a drop kept out"),
        pytest.param(250000.0, "V", 0, "0", id="not energy: dropped"),
    ],
)
async def test_restored_value_in_another_unit(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    saved: float,
    unit: str,
    reading: float,
    shown: str,
) -> None:
    """The counter is restored from its statistic's last row, in the statistic's unit:
    converted to the entity's unit (and then guards the counter), or dropped when it is not an
    energy."""
    async_add_external_statistics(
        hass,
        StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name="Left from before",
            source=DOMAIN,
            statistic_id=statistic_id(SEED_DEVICE_ID, COUNTER_ID),
            unit_class="energy" if unit != "V" else None,
            unit_of_measurement=unit,
        ),
        [StatisticData(start=_hour_start() - timedelta(hours=2), state=saved, sum=0.0)],
    )
    await async_wait_recording_done(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_HISTORY_DAYS: 0})
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, reading)
    await _setup(hass, config_entry)
    assert _state(hass).state == shown


# --- glitches ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "glitch",
    [
        pytest.param(1e308, id="1e308"),
        pytest.param(1e9, id="1e9"),
        pytest.param(190000.0 + 50, id="50 kWh in a minute"),
        pytest.param(0, id="zero"),
        pytest.param(189000.0, id="drop"),
        pytest.param(None, id="null"),
    ],
)
async def test_a_counter_glitch_never_sticks(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    glitch: float | None,
) -> None:
    """A glitch, high or low, for three polls: the last good value stays (one warning for the
    episode), no rejected value ever reaches the state, the next plausible reading is shown."""
    pin_to_seed(simulator)  # powers fixed: the largest is 29.7 kW, so 297 kW x 1 min ~ 5 kWh
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190000.0)
    await _setup(hass, config_entry)
    states = _record_states(hass)
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, glitch)
    for _ in range(3):
        await _poll(hass, freezer)
        assert _state(hass).state == "190000.0"
    assert len(_warnings(caplog, f"counter {COUNTER_ID} went from 190000.0 to")) == 1
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190003.0)
    await _poll(hass, freezer)
    assert _state(hass).state == "190003.0"
    assert states == ["190003.0"]  # nothing else was ever written
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, glitch)  # a second episode: a second warning
    await _poll(hass, freezer)
    assert _state(hass).state == "190003.0"
    assert len(_warnings(caplog, f"counter {COUNTER_ID} went from")) == 2


async def test_a_real_jump_is_shown_once_the_device_could_have_delivered_it(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A jump of 50 kWh that stays: at 297 kW (10 x the 29.7 kW the device reports at most) it
    is plausible once 50/297 h (about 10 minutes) have passed since the last accepted reading;
    the entity shows it then, not before, not never. Small rises pass at once."""
    pin_to_seed(simulator)
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190000.0)
    coordinator = await _setup(hass, config_entry)
    assert coordinator.max_power_kw == pytest.approx(29.7)
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190004.0)  # < 297 kW x 1 minute
    await _poll(hass, freezer, 60)
    assert _state(hass).state == "190004.0"
    accepted_at = simulator.reading_time()
    simulator.set_value(SEED_DEVICE_ID, COUNTER_ID, 190054.0)
    shown_after: int | None = None
    for _ in range(15):
        await _poll(hass, freezer, 60)
        if _state(hass).state == "190054.0":
            shown_after = simulator.reading_time() - accepted_at
            break
        assert _state(hass).state == "190004.0"
    assert shown_after is not None
    assert 50 / 297 * 3600 <= shown_after < 50 / 297 * 3600 + 60


async def test_allowed_rise(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """The rule's numbers: floor, power-based rate, its minimum, no power at all."""
    (coordinator,) = loaded_entry.runtime_data.coordinators.values()
    now = coordinator.latest_reading
    assert now is not None
    hour = timedelta(hours=1)
    coordinator.max_power_kw = 29.7
    assert coordinator.allowed_rise_kwh(now - hour, now) == pytest.approx(297.0)
    assert coordinator.allowed_rise_kwh(now, now) == pytest.approx(297.0 / 60)  # one interval
    assert coordinator.allowed_rise_kwh(None, now) == pytest.approx(297.0 / 60)
    assert coordinator.allowed_rise_kwh(now - timedelta(seconds=1), now) == pytest.approx(4.95)
    coordinator.max_power_kw = 0.05
    assert coordinator.allowed_rise_kwh(now - hour, now) == pytest.approx(10.0)  # 10 kW minimum
    assert coordinator.allowed_rise_kwh(now, now) == pytest.approx(1.0)  # 1 kWh floor
    coordinator.max_power_kw = None
    assert coordinator.allowed_rise_kwh(now - hour, now) == pytest.approx(1000.0)


async def test_seed_counters_moving_with_the_clock_all_pass(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The simulator's counters follow its powers over a whole day and more (PV, battery,
    building load): every poll (here every 2 minutes), every counter shows exactly what the
    device reports."""
    ids = {
        sid: entity_id
        for sid in LIFETIME_COUNTERS
        if (entity_id := _counter_entity_id(hass, sid)) is not None
    }
    assert len(ids) == len(LIFETIME_COUNTERS)
    for _ in range(26 * 30):  # 26 hours
        await _poll(hass, freezer, 120)
        served = {s["id"]: s["data"] for s in simulator.snapshot(SEED_DEVICE_ID)["sensors"]}
        for sid, entity_id in ids.items():
            assert float(_state(hass, entity_id).state) == pytest.approx(served[sid]), sid
    assert not _warnings(caplog, "counter")


def _counter_entity_id(hass: HomeAssistant, sensor_id: str) -> str | None:
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{SEED_DEVICE_ID}_{sensor_id}")
