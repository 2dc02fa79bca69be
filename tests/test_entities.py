"""Entities against the simulator: one failing entity stays alone."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.skycentrics import classification, sensor
from custom_components.skycentrics.api import Reading, ReadingValue
from custom_components.skycentrics.classification import Descriptions
from custom_components.skycentrics.const import DOMAIN
from skycentrics_simulator import SEED_DEVICE_ID, Simulator

DEVICE = SEED_DEVICE_ID


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)


def _state(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    entity_id = _entity_id(hass, platform, unique_id)
    assert entity_id is not None, unique_id
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# --- one entity's failure is its own ---------------------------------------------------------

_real_to_number = classification.to_number


def _to_number(value: ReadingValue) -> float | int | None:
    """The real conversion, except that it raises for "boom..." (no parser produces that)."""
    if isinstance(value, str) and value.startswith("boom"):
        raise ValueError(f"cannot read {value}")
    return _real_to_number(value)


def _power(sensor_id: str, data: ReadingValue) -> dict[str, Any]:
    return {"id": sensor_id, "name": sensor_id, "type": "Power", "units": "kW", "data": data}


async def test_a_failing_entity_fails_alone(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A reading whose value conversion raises, next to a new valid one in the same poll: the
    valid one gets its entity and state, the failing one is unavailable (logged once, however
    many polls it fails), the rest of the device carries on; both recover when the value does."""
    soc = "sensor.battery_state_of_charge"
    with patch.object(classification, "to_number", _to_number):  # descriptions made from now on
        simulator.add_sensor(DEVICE, _power("NEW_BAD_POWER", "boom"))
        simulator.add_sensor(DEVICE, _power("NEW_GOOD_POWER", 1.5))
        simulator.set_value(DEVICE, "BESS_STATE_OF_CHARGE", 44.0)
        await _poll(hass, freezer)
    assert _state(hass, "sensor", f"{DEVICE}_NEW_GOOD_POWER") == "1.5"
    assert _state(hass, "sensor", f"{DEVICE}_NEW_BAD_POWER") == STATE_UNAVAILABLE
    state = hass.states.get(soc)
    assert state is not None
    assert state.state == "44.0"
    # Now the good one fails too, on an update, for three polls with changing values.
    for n in range(3):
        simulator.set_value(DEVICE, "NEW_GOOD_POWER", f"boom{n}")
        simulator.set_value(DEVICE, "BESS_STATE_OF_CHARGE", 45.0 + n)
        await _poll(hass, freezer)
        assert _state(hass, "sensor", f"{DEVICE}_NEW_GOOD_POWER") == STATE_UNAVAILABLE
        state = hass.states.get(soc)
        assert state is not None
        assert state.state == f"{45.0 + n}"
    errors = _errors(caplog)
    assert len(errors) == 2, errors
    assert "sensor NEW_BAD_POWER could not be shown (ValueError: cannot read boom)" in errors[0]
    assert "sensor NEW_GOOD_POWER could not be shown (ValueError: cannot read boom0)" in errors[1]
    assert "Unexpected error" not in caplog.text  # nothing reached Home Assistant's handlers
    simulator.set_value(DEVICE, "NEW_BAD_POWER", 3.0)
    simulator.set_value(DEVICE, "NEW_GOOD_POWER", 2.5)
    await _poll(hass, freezer)
    assert _state(hass, "sensor", f"{DEVICE}_NEW_BAD_POWER") == "3.0"
    assert _state(hass, "sensor", f"{DEVICE}_NEW_GOOD_POWER") == "2.5"
    assert len(_errors(caplog)) == 2


async def test_a_reading_whose_entity_cannot_be_built(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Building the entities of one new reading raises: the other new reading of the poll gets
    its entity; the failing one is logged once and built on a later poll once it can be."""
    real_describe = classification.describe

    def describe(reading: Reading) -> Descriptions:
        if reading.id == "NEW_BROKEN_POWER":
            raise RuntimeError("no description")
        return real_describe(reading)

    simulator.add_sensor(DEVICE, _power("NEW_BROKEN_POWER", 4.0))
    simulator.add_sensor(DEVICE, _power("NEW_FINE_POWER", 5.0))
    with patch.object(sensor, "describe", describe):
        for _ in range(3):
            await _poll(hass, freezer)
        assert _state(hass, "sensor", f"{DEVICE}_NEW_FINE_POWER") == "5.0"
        assert _entity_id(hass, "sensor", f"{DEVICE}_NEW_BROKEN_POWER") is None
        (error,) = _errors(caplog)
        assert "no entity for sensor NEW_BROKEN_POWER (RuntimeError: no description)" in error
        # The binary sensor platform built what it makes of the reading (nothing) regardless.
    await _poll(hass, freezer)
    assert _state(hass, "sensor", f"{DEVICE}_NEW_BROKEN_POWER") == "4.0"
    assert len(_errors(caplog)) == 1


async def test_a_state_home_assistant_refuses_fails_alone(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A conversion that hands back text for a power (Home Assistant refuses to write it): that
    entity is unavailable, logged once; the others are written; it recovers with the value."""

    def text_for_weird(value: ReadingValue) -> Any:
        return "not a number" if value == "weird" else _real_to_number(value)

    with patch.object(classification, "to_number", text_for_weird):
        simulator.add_sensor(DEVICE, _power("NEW_ODD_POWER", 1.0))
        await _poll(hass, freezer)
    assert _state(hass, "sensor", f"{DEVICE}_NEW_ODD_POWER") == "1.0"
    for soc in (50.0, 51.0):
        simulator.set_value(DEVICE, "NEW_ODD_POWER", "weird")
        simulator.set_value(DEVICE, "BESS_STATE_OF_CHARGE", soc)
        await _poll(hass, freezer)
        assert _state(hass, "sensor", f"{DEVICE}_NEW_ODD_POWER") == STATE_UNAVAILABLE
        assert _state(hass, "sensor", f"{DEVICE}_BESS_STATE_OF_CHARGE") == str(soc)
    (error,) = _errors(caplog)
    assert "sensor NEW_ODD_POWER could not be shown (ValueError:" in error
    simulator.set_value(DEVICE, "NEW_ODD_POWER", 2.0)
    await _poll(hass, freezer)
    assert _state(hass, "sensor", f"{DEVICE}_NEW_ODD_POWER") == "2.0"
