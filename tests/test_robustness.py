"""Robustness: arbitrary payloads, a long soak with random faults, and the secret kept secret."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
import logging
import random
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.skycentrics import async_remove_config_entry_device
from custom_components.skycentrics.api import SkyCentricsError, Snapshot
from custom_components.skycentrics.const import DOMAIN
from custom_components.skycentrics.diagnostics import async_get_config_entry_diagnostics
from skycentrics_simulator import SEED_DEVICE_ID, Simulator, faults

from .common import CLIENT_ID, CLIENT_SECRET

# --- the parser never fails in any other way ------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
SENSOR = st.fixed_dictionaries(
    {},
    optional={
        "id": JSON | st.text(max_size=30),
        "name": JSON,
        "type": JSON,
        "units": JSON,
        "data": JSON,
        "time": JSON | st.integers(min_value=-(2**62), max_value=2**62),
    },
)
PAYLOAD = st.fixed_dictionaries(
    {},
    optional={
        "device": JSON | st.just(7),
        "sensors": st.lists(SENSOR | JSON, max_size=8) | JSON,
        "time": JSON | st.text(max_size=30),
        "ct": JSON,
    },
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=PAYLOAD | JSON)
def test_parser_returns_a_snapshot_or_its_own_error(payload: Any) -> None:
    """Any JSON: a snapshot whose readings are well-formed, or SkyCentricsError; nothing else."""
    try:
        snapshot = Snapshot.from_dict(payload, 7)
    except SkyCentricsError:
        return
    assert snapshot.device_id == 7
    for sensor_id, reading in snapshot.readings.items():
        assert sensor_id == reading.id
        assert isinstance(reading.id, str)
        assert reading.id.strip()
        assert isinstance(reading.name, str)
        assert isinstance(reading.units, str)
        assert reading.value is None or isinstance(reading.value, int | float | str)
        assert not isinstance(reading.value, float) or reading.value == reading.value  # no NaN


# --- a soak: many polls, random faults -------------------------------------------------------


async def test_soak_1000_polls_with_random_faults(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """1,000 polls on virtual time, a fault in about one in five: nothing escapes, the entry
    stays loaded without any flow, and at the end the states match the simulator's values."""
    chooser = random.Random(20261125)
    menu = [
        faults.status(500),
        faults.status(502),
        faults.status(503),
        faults.html(),
        faults.invalid_json(),
        faults.truncated_json(),
        faults.drop(),
        faults.status(429, retry_after=5),
        faults.status(404),
    ]
    (coordinator,) = loaded_entry.runtime_data.coordinators.values()
    for _ in range(1000):
        if chooser.random() < 0.2:
            simulator.add_fault(chooser.choice(menu))
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        simulator.faults.clear()  # a dropped request may leave its fault for the retry
    assert loaded_entry.state.value == "loaded"
    assert not hass.config_entries.flow.async_progress()
    assert len(simulator.requests) > 900
    assert simulator.open_connections == 1  # one kept-alive connection, reused: no leak
    # One more good poll, then every reading shows what the simulator serves now.
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.failures == 0
    served = {s["id"]: s["data"] for s in simulator.snapshot(SEED_DEVICE_ID)["sensors"]}
    registry = er.async_get(hass)
    checked = 0
    for entry in er.async_entries_for_config_entry(registry, loaded_entry.entry_id):
        sensor_id = entry.unique_id.removeprefix(f"{SEED_DEVICE_ID}_")
        if entry.domain != "sensor" or sensor_id not in served or entry.disabled_by:
            continue
        state = hass.states.get(entry.entity_id)
        assert state is not None
        assert state.state != STATE_UNAVAILABLE
        value = served[sensor_id]
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert float(state.state) == pytest.approx(value), entry.entity_id
            checked += 1
    assert checked > 30


# --- the secret stays secret -------------------------------------------------------------------


async def test_secret_is_in_no_log_and_no_diagnostics(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set-up, flows with wrong and right keys, faults, skew, reauth, diagnostics: with every
    log record captured at DEBUG, the secret appears nowhere, nor in errors or reprs."""
    caplog.set_level(logging.DEBUG)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    # A config flow with a wrong and then the right secret (already configured in the end).
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    for secret in ("wrong-" + CLIENT_SECRET, CLIENT_SECRET):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"client_id": "other-client", "client_secret": secret, "url": simulator.url},
        )
    # Faults of every kind, a skewed server clock, and finally a rotated secret (reauth).
    for fault in (faults.status(500), faults.drop(), faults.invalid_json(), faults.status(429)):
        simulator.add_fault(fault)
        freezer.tick(timedelta(seconds=61))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    simulator.clock = lambda: datetime.now(UTC) + timedelta(minutes=7)
    simulator.clients[CLIENT_ID] = "rotated"
    for _ in range(2):
        freezer.tick(timedelta(minutes=11))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    diagnostics = await async_get_config_entry_diagnostics(hass, config_entry)
    (coordinator,) = config_entry.runtime_data.coordinators.values()
    texts = [
        caplog.text,
        json.dumps(diagnostics, default=str),
        repr(coordinator.client),
        repr(coordinator),
        str(coordinator.last_exception),
        repr(coordinator.last_exception),
    ]
    assert len(caplog.records) > 20
    for text in texts:
        assert CLIENT_SECRET not in text
    assert CLIENT_ID not in json.dumps(diagnostics, default=str)
    assert "2ccf676dadbb" not in json.dumps(diagnostics, default=str)
    assert diagnostics["devices"][0]["raw_payload"]["device"] == SEED_DEVICE_ID


# --- removing devices that are gone -------------------------------------------------------------


async def test_only_gone_devices_can_be_removed(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A part whose sensors all vanished may be removed from the UI; live devices may not."""
    registry = dr.async_get(hass)
    devices = {
        d.name: d for d in dr.async_entries_for_config_entry(registry, loaded_entry.entry_id)
    }
    assert not await async_remove_config_entry_device(
        hass, loaded_entry, devices["ssb-001-pae-replacement Battery"]
    )
    assert not await async_remove_config_entry_device(
        hass, loaded_entry, devices["ssb-001-pae-replacement"]
    )
    for sensor in simulator.sensors(SEED_DEVICE_ID):
        if sensor["id"].startswith("SOLAR_INVERTER_2_"):
            simulator.remove_sensor(SEED_DEVICE_ID, sensor["id"])
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": loaded_entry.entry_id,
            "device_id": devices["ssb-001-pae-replacement PV inverter 2"].id,
        }
    )
    response = await client.receive_json()
    assert response["success"], response
    assert registry.async_get(devices["ssb-001-pae-replacement PV inverter 2"].id) is None
    assert registry.async_get(devices["ssb-001-pae-replacement Battery"].id) is not None
