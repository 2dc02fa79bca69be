"""Entities against the simulator: one failing entity stays alone; unique ids no reading can
take (a sensor id with "|", any script); the 1.1 -> 1.2 migration of the gateway's and the
alarm flags' unique ids."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant, valid_entity_id
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.skycentrics import coordinator as coordinator_module, sensor
from custom_components.skycentrics.api import Reading, ReadingValue
from custom_components.skycentrics.classification import describe_reading
from custom_components.skycentrics.const import DOMAIN
from custom_components.skycentrics.descriptions import Described, Part, to_number
from skycentrics_simulator import FLEET_SKYBOX_ID, SEED_DEVICE_ID, Simulator

from .common import CLIENT_ID, CLIENT_SECRET

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


def _to_number(value: ReadingValue) -> float | int | None:
    """The real conversion, except that it raises for "boom..." (no parser produces that)."""
    if isinstance(value, str) and value.startswith("boom"):
        raise ValueError(f"cannot read {value}")
    return to_number(value)


@contextmanager
def _converting(convert: Callable[[ReadingValue], Any]) -> Iterator[None]:
    """Sensors described from now on (a reading seen for the first time) convert their values
    with ``convert``."""

    def describe(reading: Reading, registered: Platform | None = None) -> Described:
        described = describe_reading(reading, registered)
        sensors = tuple(replace(d, convert=convert) for d in described.sensors)
        return replace(described, sensors=sensors)

    with patch.object(coordinator_module, "describe_reading", describe):
        yield


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
    soc = "sensor.ssb_001_pae_replacement_battery_state_of_charge"
    with _converting(_to_number):
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
    assert ": NEW_BAD_POWER could not be shown (ValueError: cannot read boom)" in errors[0]
    assert ": NEW_GOOD_POWER could not be shown (ValueError: cannot read boom0)" in errors[1]
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
    real_sensor = sensor.SkyCentricsSensor

    def build(coordinator: Any, description: Any, part: Part | None) -> Any:
        if description.key == "NEW_BROKEN_POWER":
            raise RuntimeError("no description")
        return real_sensor(coordinator, description, part)

    simulator.add_sensor(DEVICE, _power("NEW_BROKEN_POWER", 4.0))
    simulator.add_sensor(DEVICE, _power("NEW_FINE_POWER", 5.0))
    with patch.object(sensor, "SkyCentricsSensor", build):
        for _ in range(3):
            await _poll(hass, freezer)
        assert _state(hass, "sensor", f"{DEVICE}_NEW_FINE_POWER") == "5.0"
        assert _entity_id(hass, "sensor", f"{DEVICE}_NEW_BROKEN_POWER") is None
        (error,) = _errors(caplog)
        assert ": no entity for NEW_BROKEN_POWER (RuntimeError: no description)" in error
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
        return "not a number" if value == "weird" else to_number(value)

    with _converting(text_for_weird):
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
    assert ": NEW_ODD_POWER could not be shown (ValueError:" in error
    simulator.set_value(DEVICE, "NEW_ODD_POWER", 2.0)
    await _poll(hass, freezer)
    assert _state(hass, "sensor", f"{DEVICE}_NEW_ODD_POWER") == "2.0"


# --- unique ids no reading can take ------------------------------------------------------------

CLASHING = [
    {"id": "stale", "name": "stale", "data": "active"},
    {"id": "last_reading", "name": "last_reading", "type": "Power", "units": "W", "data": 5},
    {"id": "X_ALARM", "name": "X_ALARM", "type": "State", "data": 1},
    {"id": "X_ALARM_problem", "name": "X_ALARM_problem", "data": "inactive"},
]


async def test_readings_named_like_our_own_entities(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Readings `stale`, `last_reading`, `X_ALARM` next to `X_ALARM_problem`: every one gets
    its entity, distinct from the gateway's entities and from the alarm's problem flag."""
    for reading in CLASHING:
        simulator.add_sensor(DEVICE, reading)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert "does not generate unique IDs" not in caplog.text
    entries = er.async_entries_for_config_entry(er.async_get(hass), config_entry.entry_id)
    assert len(entries) == 67 + 3 + 5  # 3: the gateway's demand-response buttons
    ours = {(e.domain, e.unique_id) for e in entries if not e.unique_id[11:].isupper()}
    assert ours >= {
        ("binary_sensor", f"{DEVICE}|stale"),  # the gateway's "Readings stale"
        ("sensor", f"{DEVICE}_stale"),  # the reading
        ("sensor", f"{DEVICE}|last_reading"),  # the gateway's "Last reading"
        ("sensor", f"{DEVICE}_last_reading"),  # the reading
        ("binary_sensor", f"{DEVICE}_X_ALARM|problem"),  # the alarm's problem flag
        ("sensor", f"{DEVICE}_X_ALARM_problem"),  # the reading
    }
    assert _state(hass, "binary_sensor", f"{DEVICE}|stale") == STATE_OFF
    assert _state(hass, "sensor", f"{DEVICE}_stale") == "active"
    assert _state(hass, "sensor", f"{DEVICE}_last_reading") == "5"
    assert _state(hass, "sensor", f"{DEVICE}_X_ALARM") == "1"
    assert _state(hass, "binary_sensor", f"{DEVICE}_X_ALARM|problem") == STATE_ON
    assert _state(hass, "sensor", f"{DEVICE}_X_ALARM_problem") == "inactive"


# A sensor id holding "|" (bug 8) beside what it looks like: the CT channel 1's power (a family
# field, key `ct|1|power_real`) and the alarm flag of BESS_WARNINGS (key `BESS_WARNINGS|problem`).
PIPED = [
    {"id": "ct|1|power_real", "name": "Fake CT", "type": "Power", "units": "W", "data": 5},
    {"id": "BESS_WARNINGS|problem", "name": "Fake flag", "type": "State", "units": "", "data": 7},
    {"id": "|", "name": "Pipe", "type": "", "units": "", "data": "x"},
]


@pytest.fixture
async def fleet(socket_enabled: None) -> AsyncGenerator[Simulator]:
    """The simulator with its fleet on the seed account."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, fleet=True) as sim:
        yield sim


async def test_a_sensor_id_with_a_pipe_gets_its_own_entity(
    hass: HomeAssistant, fleet: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Bug 8: a sensor id holding "|" gets its own entity, whose unique id doubles each "|"
    (classification.reading_key); it never takes a family field's entity (the CT channel's
    `ct|1|power_real`) nor an alarm's problem flag (`BESS_WARNINGS|problem`), which keep theirs
    and their values."""
    skybox = FLEET_SKYBOX_ID
    for piped in PIPED:
        fleet.add_sensor(skybox, piped)
    fleet.set_value(skybox, "BESS_WARNINGS", 0)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=CLIENT_ID,
        data={
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "url": fleet.url,
            "devices": [skybox],
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert "does not generate unique IDs" not in caplog.text
    # The sensors of the list, each under its id with "|" doubled.
    assert _state(hass, "sensor", f"{skybox}_ct||1||power_real") == "5"
    assert _state(hass, "sensor", f"{skybox}_BESS_WARNINGS||problem") == "7"
    assert _state(hass, "binary_sensor", f"{skybox}_BESS_WARNINGS||problem|problem") == STATE_ON
    assert _state(hass, "sensor", f"{skybox}_||") == "x"
    # What they look like keeps its entity and its own value.
    (channel, *_) = entry.runtime_data.coordinators[skybox].data.ct
    assert channel.id == "1"
    assert channel.power_real is not None
    ct_power = _state(hass, "sensor", f"{skybox}_ct|1|power_real")
    assert float(ct_power) == channel.power_real.value != 5
    assert _state(hass, "binary_sensor", f"{skybox}_BESS_WARNINGS|problem") == STATE_OFF
    registry = er.async_get(hass)
    for unique_id in (f"{skybox}_ct|1|power_real", f"{skybox}_ct||1||power_real"):
        entity = registry.async_get(_entity_id(hass, "sensor", unique_id) or "")
        assert entity is not None
        assert entity.original_device_class == "power", unique_id
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{skybox}_|") is None


UNICODE_SENSORS = [
    "Température",
    "温度センサー",  # CJK
    "מד חום",  # right-to-left
    "e\u0301te\u0301",  # combining marks
    "\U0001f50b",  # an emoji
    "\U0001f469\u200d\U0001f52c",  # an emoji ZWJ sequence
]


async def test_a_unicode_sensor_id_gets_an_entity(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bug 8: a sensor id in any script gets its entity through Home Assistant (it was dropped),
    with the unique id ``{device}_{sensor id}`` as sent and a valid entity id; a reload, with
    the sensors listed in another order, finds the very same entities and makes no new ones."""
    for n, sensor_id in enumerate(UNICODE_SENSORS):
        simulator.add_sensor(
            DEVICE, {"id": sensor_id, "type": "Power", "units": "kW", "data": n + 0.5}
        )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    found = {
        sensor_id: _entity_id(hass, "sensor", f"{DEVICE}_{sensor_id}")
        for sensor_id in UNICODE_SENSORS
    }
    assert all(entity_id is not None and valid_entity_id(entity_id) for entity_id in found.values())
    assert len(set(found.values())) == len(UNICODE_SENSORS)
    for n, sensor_id in enumerate(UNICODE_SENSORS):
        assert _state(hass, "sensor", f"{DEVICE}_{sensor_id}") == str(n + 0.5)
    count = len(er.async_entries_for_config_entry(registry, config_entry.entry_id))
    for n, sensor_id in reversed(list(enumerate(UNICODE_SENSORS))):  # the other order
        simulator.remove_sensor(DEVICE, sensor_id)
        simulator.add_sensor(
            DEVICE, {"id": sensor_id, "type": "Power", "units": "kW", "data": n + 0.5}
        )
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    again = {
        sensor_id: _entity_id(hass, "sensor", f"{DEVICE}_{sensor_id}")
        for sensor_id in UNICODE_SENSORS
    }
    assert again == found
    assert len(er.async_entries_for_config_entry(registry, config_entry.entry_id)) == count
    assert "does not generate unique IDs" not in caplog.text
    assert "skipping sensor" not in caplog.text


# --- migration 1.1 -> 1.2 -----------------------------------------------------------------------

# (platform, 1.1 unique id, registry fields, entity id the user had) -> 1.2 unique id
V1_REGISTRY: list[tuple[str, str, dict[str, Any], str, str]] = [
    (
        "binary_sensor",
        f"{DEVICE}_stale",
        {"translation_key": "stale", "original_device_class": "problem"},
        "binary_sensor.my_gateway_is_stale",
        f"{DEVICE}|stale",
    ),
    (
        "sensor",
        f"{DEVICE}_last_reading",
        {"translation_key": "last_reading", "original_device_class": "timestamp"},
        "sensor.my_last_reading",
        f"{DEVICE}|last_reading",
    ),
    (
        "binary_sensor",
        f"{DEVICE}_BESS_WARNINGS_problem",
        {"translation_key": "battery_warnings_problem", "original_device_class": "problem"},
        "binary_sensor.my_battery_warning",
        f"{DEVICE}_BESS_WARNINGS|problem",
    ),
    (  # an alarm flag without a friendly name: no translation key
        "binary_sensor",
        f"{DEVICE}_MICROGRID_ALARMS_problem",
        {"original_device_class": "problem"},
        "binary_sensor.my_microgrid_alarm",
        f"{DEVICE}_MICROGRID_ALARMS|problem",
    ),
    (  # readings keep their unique ids, also one whose id ends in _problem
        "binary_sensor",
        f"{DEVICE}_DOOR_problem",
        {},
        "binary_sensor.my_door_problem",
        f"{DEVICE}_DOOR_problem",
    ),
    (
        "sensor",
        f"{DEVICE}_BESS_STATE_OF_CHARGE",
        {"translation_key": "battery_state_of_charge", "original_device_class": "battery"},
        "sensor.my_soc",
        f"{DEVICE}_BESS_STATE_OF_CHARGE",
    ),
]


def _v1_entry(hass: HomeAssistant, simulator: Simulator) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="ssb-001-pae-replacement",
        unique_id=CLIENT_ID,
        version=1,
        minor_version=1,
        data={
            "client_id": CLIENT_ID,
            "client_secret": simulator.clients[CLIENT_ID],
            "url": simulator.url,
            "devices": [DEVICE],
        },
    )
    entry.add_to_hass(hass)
    return entry


async def test_migration_to_namespaced_unique_ids(
    hass: HomeAssistant, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A 1.1 entry's registry: the gateway's entities and the alarm flags move to their 1.2
    unique ids, keeping their entity ids (and so their history); readings keep theirs; set-up
    then makes no duplicates."""
    simulator.add_sensor(DEVICE, {"id": "DOOR_problem", "name": "DOOR_problem", "data": "open"})
    entry = _v1_entry(hass, simulator)
    registry = er.async_get(hass)
    for platform, unique_id, fields, entity_id, _ in V1_REGISTRY:
        created = registry.async_get_or_create(
            platform,
            DOMAIN,
            unique_id,
            config_entry=entry,
            suggested_object_id=entity_id.split(".")[1],
            **fields,
        )
        assert created.entity_id == entity_id
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 2)
    for platform, _, _, entity_id, new_unique_id in V1_REGISTRY:
        assert registry.async_get_entity_id(platform, DOMAIN, new_unique_id) == entity_id
        assert hass.states.get(entity_id) is not None or entity_id == "sensor.my_last_reading"
    assert hass.states.get("binary_sensor.my_gateway_is_stale").state == STATE_OFF  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.my_door_problem").state == STATE_ON  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.my_battery_warning").state == STATE_OFF  # type: ignore[union-attr]
    # 3: the gateway's demand-response buttons
    assert len(er.async_entries_for_config_entry(registry, entry.entry_id)) == 67 + 3 + 1
    assert "does not generate unique IDs" not in caplog.text


async def test_migration_leaves_a_unique_id_that_is_taken(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A 1.1 registry that already holds the 1.2 id (left by a newer version, then a downgrade):
    that entry stays as it is, the others move, and the entry loads."""
    entry = _v1_entry(hass, simulator)
    registry = er.async_get(hass)
    for unique_id, object_id in ((f"{DEVICE}_stale", "old_stale"), (f"{DEVICE}|stale", "stale")):
        registry.async_get_or_create(
            "binary_sensor",
            DOMAIN,
            unique_id,
            config_entry=entry,
            suggested_object_id=object_id,
            translation_key="stale",
            original_device_class="problem",
        )
    registry.async_get_or_create(
        "sensor",
        DOMAIN,
        f"{DEVICE}_last_reading",
        config_entry=entry,
        suggested_object_id="my_last_reading",
        translation_key="last_reading",
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == 2
    get = registry.async_get_entity_id
    assert get("binary_sensor", DOMAIN, f"{DEVICE}_stale") == "binary_sensor.old_stale"
    assert get("binary_sensor", DOMAIN, f"{DEVICE}|stale") == "binary_sensor.stale"
    assert get("sensor", DOMAIN, f"{DEVICE}|last_reading") == "sensor.my_last_reading"
