"""Whatever the cloud sends, Home Assistant keeps its data: a property test through the real
integration, polls served as raw JSON text by the simulator over a real socket.

After every poll of a hostile payload, Home Assistant must still be able to serialise its states,
its restore-state data and its entity and device registries (one reading of 2**64 or one lone
surrogate used to break them for every integration), no ERROR may have been logged, and a
control reading that changes on every poll must show its new value (a bad reading stays inside
its own entity).
"""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    restore_state as rs,
)
from homeassistant.helpers.json import json_bytes
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.skycentrics.const import DOMAIN
from skycentrics_simulator import SEED_DEVICE_ID, Handler, Simulator


class Raw(str):
    """JSON text put into a payload as it is (what json.dumps cannot write)."""

    __slots__ = ()


def render(value: Any) -> str:
    """Write JSON, with Raw pieces verbatim and lone surrogates as \\ud800-style escapes."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{render(str(k))}:{render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(v) for v in value) + "]"
    return json.dumps(value)  # ensure_ascii: surrogates become escapes, as a cloud would send


HOSTILE_NUMBERS = st.sampled_from(
    [
        Raw("18446744073709551616"),  # 2**64
        Raw("9" * 5000),  # beyond Python's int string limit
        Raw("1e400"),  # inf
        Raw("-1e400"),
        Raw("NaN"),
        Raw("Infinity"),
        Raw("1e308"),
        Raw("-0.0"),
        Raw("123456789012345678901234567890"),
    ]
)
HOSTILE_TEXT = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "\x00\x1b[31m",
        "line\r\nbreak",
        "x" * 5000,
        "①",
        "²",
        "stale",
        "last_reading",
        "BESS_ALARMS_BITFIELD_1_problem",
        "BESS_ALARMS_BITFIELD_1|problem",
        "a|b",
        "cta2045|commodity_0_cumulative",
        "ct|1|power_real",
        "",
        " ",
    ]
)
DEEP = st.integers(min_value=50, max_value=100_000).map(lambda n: Raw("[" * n + "]" * n))
TIMES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    HOSTILE_NUMBERS,
    HOSTILE_TEXT,
    st.just("9000-01-01T00:00:00Z"),
    st.just(253402300800),  # the year 10000
)
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    HOSTILE_NUMBERS,
    HOSTILE_TEXT,
    st.text(max_size=30),
    DEEP,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
# Existing seed sensors are hit too (their entities exist: kinds, units and counters change).
SENSOR_IDS = st.one_of(
    HOSTILE_TEXT,
    st.text(max_size=40),
    st.sampled_from(
        [
            "BESS_STATE_OF_CHARGE",
            "SOLAR_INVERTER_1_ENERGY",
            "BESS_LIFETIME_CHARGE_COUNTER",
            "SSU_[0062]_BV420_ZStat",
            "E30A_3_Frequency",
            "BESS_ALARMS_BITFIELD_1",
        ]
    ),
)
UNITS = st.one_of(
    st.sampled_from(["kWh", "Wh", "MWh", "kW", "W", "V", "%", "", "°F", "luxes"]),
    HOSTILE_TEXT,
    ANY_VALUE,
)
TYPES = st.one_of(
    st.sampled_from(["Energy", "Power", "State", "Voltage", "Charge", "Lighting Control"]),
    HOSTILE_TEXT,
    ANY_VALUE,
)
SENSOR = st.fixed_dictionaries(
    {"id": SENSOR_IDS},
    optional={"name": ANY_VALUE, "type": TYPES, "units": UNITS, "data": ANY_VALUE, "time": TIMES},
)
SENSORS = st.lists(st.one_of(SENSOR, ANY_VALUE), max_size=6)
# The payload families beside the list (api/families.py), of the right shape or not: their
# entities come and go on the seed device as the answers hold them.
WRAPPED = st.one_of(
    ANY_VALUE,
    st.fixed_dictionaries(
        {"data": st.one_of(ANY_VALUE, st.lists(ANY_VALUE, max_size=3))}, optional={"units": UNITS}
    ),
)
CT_CHANNEL = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(0, 2), HOSTILE_TEXT, ANY_VALUE)},
    optional={
        "current": ANY_VALUE,
        "power": st.one_of(
            st.fixed_dictionaries({}, optional={"real": ANY_VALUE, "apparent": ANY_VALUE}),
            ANY_VALUE,
        ),
        "voltage": ANY_VALUE,
        "rating": ANY_VALUE,
    },
)
COMMODITY = st.fixed_dictionaries(
    {"code": st.one_of(st.sampled_from([0, 1, 6, 7]), ANY_VALUE)},
    optional={
        "instantaneous": ANY_VALUE,
        "cumulative": ANY_VALUE,
        "units": st.one_of(st.just("W & W-hr"), UNITS),
    },
)
FAMILIES = st.fixed_dictionaries(
    {},
    optional={
        "relay": ANY_VALUE,
        "state": ANY_VALUE,
        "power": ANY_VALUE,
        "offset": WRAPPED,
        "temperature": WRAPPED,
        "setpoint": WRAPPED,
        "humidity": WRAPPED,
        "thermostat": st.one_of(
            st.fixed_dictionaries({}, optional={"mode": ANY_VALUE, "state": ANY_VALUE}), ANY_VALUE
        ),
        "commodities": st.one_of(st.lists(st.one_of(COMMODITY, ANY_VALUE), max_size=3), ANY_VALUE),
        "ct": st.one_of(st.lists(st.one_of(CT_CHANNEL, ANY_VALUE), max_size=3), ANY_VALUE),
    },
)

CONTROL_ID = "HOSTILE_TEST_CONTROL"


@pytest.fixture
def polls(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> dict[str, Any]:
    """``polls["serve"](body)`` makes the seed device's next /data answer ``body``."""
    served: dict[str, Any] = {"count": 0}

    def serve_next(body: bytes) -> None:
        async def answer(request: web.Request, handler: Handler) -> web.StreamResponse:
            return web.Response(body=body, content_type="application/json")

        simulator.add_fault(answer)  # one-shot: the next request, which is the next poll

    served["serve"] = serve_next
    return served


def _assert_home_assistant_can_save(hass: HomeAssistant) -> None:
    """Everything Home Assistant writes to disk still serialises."""
    json_bytes([state.as_dict() for state in hass.states.async_all()])
    json_bytes([stored.as_dict() for stored in rs.async_get(hass).async_get_stored_states()])
    json_bytes(er.async_get(hass)._data_to_save())
    json_bytes(dr.async_get(hass)._data_to_save())


@settings(
    max_examples=200,
    deadline=None,
    # The examples share one Home Assistant (a sequence of polls, as in life): shrinking one
    # without its predecessors says little, and is slow. The failing payload is printed.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sensors=SENSORS, top_time=TIMES, families=FAMILIES)
async def test_hostile_payloads_stay_inside_one_entity(
    hass: HomeAssistant,
    polls: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    sensors: list[Any],
    top_time: Any,
    families: dict[str, Any],
) -> None:
    """A poll of hostile readings and family fields: HA can save everything, logs no ERROR,
    and the control reading next to them shows its new value."""
    polls["count"] += 1
    control_value = float(polls["count"])
    now = int(freezer().timestamp())
    control = {
        "id": CONTROL_ID,
        "name": CONTROL_ID,
        "type": "Power",
        "units": "kW",
        "data": control_value,
        "time": now,
    }
    payload = {
        "device": SEED_DEVICE_ID,
        "ct": [],
        **families,
        "sensors": [control, *sensors],
        "time": top_time,
    }
    polls["serve"](render(payload).encode())
    caplog.clear()
    freezer.tick(timedelta(seconds=61))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage()[:300] for r in errors]
    _assert_home_assistant_can_save(hass)
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{SEED_DEVICE_ID}_{CONTROL_ID}"
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    assert float(state.state) == control_value
