"""Energy preferences that name 0.1.0's counter entities: the fixable repair that moves them to
the hourly statistics (energy_preferences.py), with the real recorder, energy and repairs
integrations, the simulator over a real socket and virtual time (as in test_statistics).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.energy.data import async_get_manager
from homeassistant.components.energy.validate import async_validate
from homeassistant.components.recorder.models import StatisticMeanType, StatisticMetaData
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.skycentrics.const import (
    CONF_HISTORY_DAYS,
    DATA_HISTORY_START,
    DATA_REIMPORT,
    DOMAIN,
)
from skycentrics_simulator import SEED_DEVICE_ID, Simulator

from .common import entity_id
from .test_statistics import (
    CHARGED,
    COUNTERS,
    DISCHARGED,
    HOUR,
    METER,
    NOW,
    PV_1,
    PV_2,
    _assert_hours_exact,
    _poll_until,
    _rows,
    _settle,
    _setup,
    frozen,  # noqa: F401  # fixtures
    mock_recorder_before_hass,  # noqa: F401
    waits,  # noqa: F401
)

pytestmark = pytest.mark.usefixtures("recorder_mock", "waits")
OLD_START = (NOW - timedelta(days=3)).replace(minute=0)  # 0.1.0's first hour: before the import's


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """The energy and repairs integrations and the entry (a day of history); each counter's
    entity id, by sensor id."""
    assert await async_setup_component(hass, "energy", {})
    assert await async_setup_component(hass, "repairs", {})
    await _setup(hass, entry, **{CONF_HISTORY_DAYS: 1})
    return {
        sensor: entity_id(hass, "sensor", f"{SEED_DEVICE_ID}_{sensor}")
        for sensor in (PV_1, PV_2, CHARGED, DISCHARGED, METER)
    }


def _prefs(pv_1: str, charged: str, discharged: str, meter: str) -> dict[str, Any]:
    """A dashboard as 0.1.0's README set it up (a priced grid choice and a device besides)."""
    return {
        "energy_sources": [
            {"type": "solar", "stat_energy_from": pv_1, "config_entry_solar_forecast": None},
            {
                "type": "solar",
                "stat_energy_from": COUNTERS[PV_2],  # already the statistic: left alone
                "config_entry_solar_forecast": None,
            },
            {"type": "battery", "stat_energy_from": discharged, "stat_energy_to": charged},
            {
                "type": "grid",
                "stat_energy_from": meter,
                "stat_energy_to": None,
                "stat_cost": None,
                "entity_energy_price": None,
                "number_energy_price": 0.3,  # priced per kWh: stays on the entity
                "stat_compensation": None,
                "entity_energy_price_export": None,
                "number_energy_price_export": None,
                "cost_adjustment_day": 0,
            },
        ],
        "device_consumption": [{"stat_consumption": meter}],
    }


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"energy_preferences_{entry.entry_id}")


async def _validation(hass: HomeAssistant) -> list[list[dict[str, Any]]]:
    return list((await async_validate(hass)).as_dict()["energy_sources"])


async def test_fix_moves_the_counters_and_imports_their_past_again(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A dashboard naming the counter entities raises one fixable issue; confirming it moves
    each unpriced choice to the counter's statistic and nothing else, keeps the old statistic,
    and imports the counter again from the old statistic's first hour (exact hours)."""
    ids = await _set_up(hass, config_entry)
    async_import_statistics(
        hass,
        StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=None,
            source="recorder",
            statistic_id=ids[PV_1],
            unit_class="energy",
            unit_of_measurement="kWh",
        ),
        [{"start": OLD_START + n * HOUR, "state": 100.0 + n, "sum": float(n)} for n in range(24)],
    )
    await async_wait_recording_done(hass)
    assert _issue(hass, config_entry) is None  # no Energy preferences yet
    manager = await async_get_manager(hass)
    await manager.async_update(_prefs(ids[PV_1], ids[CHARGED], ids[DISCHARGED], ids[METER]))  # type: ignore[arg-type]
    await hass.async_block_till_done()
    issue = _issue(hass, config_entry)
    assert issue is not None
    assert issue.is_fixable
    choices = (issue.translation_placeholders or {})["choices"]
    for sensor in (PV_1, CHARGED, DISCHARGED, METER):
        assert f"({ids[sensor]} → {COUNTERS[sensor]})" in choices
    assert ids[PV_2] not in choices
    unexpected = {
        entity
        for found in await _validation(hass)
        for issue in found
        if issue["type"] == "entity_unexpected_state_class"
        for entity, _ in issue["affected_entities"]
    }
    assert unexpected == {ids[PV_1], ids[CHARGED], ids[DISCHARGED], ids[METER]}

    flow = repairs_flow_manager(hass)
    assert flow is not None
    result: Any = await flow.async_init(DOMAIN, context={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.FORM
    assert ids[PV_1] in result["description_placeholders"]["choices"]
    result = await flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await _settle(hass)

    moved = _prefs(COUNTERS[PV_1], COUNTERS[CHARGED], COUNTERS[DISCHARGED], ids[METER])
    moved["device_consumption"] = [{"stat_consumption": COUNTERS[METER]}]
    assert manager.data is not None
    assert manager.data["energy_sources"] == moved["energy_sources"]
    assert manager.data["device_consumption"] == moved["device_consumption"]
    assert _issue(hass, config_entry) is None  # what is left (the priced one) cannot move
    solar, _, battery, grid = await _validation(hass)
    assert solar == battery == []
    assert "entity_unexpected_state_class" in [i["type"] for i in grid]  # priced: stays
    # Imported again from the old statistic's first hour; the other counters not.
    assert config_entry.state is ConfigEntryState.LOADED
    assert config_entry.data[DATA_REIMPORT] == []
    assert config_entry.data[DATA_HISTORY_START][str(SEED_DEVICE_ID)] == OLD_START.isoformat()
    rows = await _rows(hass, COUNTERS[PV_1])
    assert rows[0]["start"] == OLD_START
    _assert_hours_exact(simulator, PV_1, rows)
    charged = await _rows(hass, COUNTERS[CHARGED])
    assert charged[0]["start"] == (NOW - timedelta(days=1)).replace(minute=0)  # history_days
    assert len(await _rows(hass, ids[PV_1])) == 24  # the old statistic, kept
    fixed = dt_util.utcnow()
    await _poll_until(hass, freezer, fixed + 2 * HOUR)  # and the hours after the fix come
    _assert_hours_exact(simulator, PV_1, rows := await _rows(hass, COUNTERS[PV_1]))
    assert rows[-1]["start"] >= fixed.replace(minute=0, second=0, microsecond=0)


async def test_issue_follows_the_preferences(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """Moved by hand in the Energy settings, the issue goes by itself; a flow started for an
    entry that is not loaded ends without changing anything."""
    ids = await _set_up(hass, config_entry)
    manager = await async_get_manager(hass)
    solar = {"type": "solar", "stat_energy_from": ids[PV_1], "config_entry_solar_forecast": None}
    await manager.async_update({"energy_sources": [solar]})  # type: ignore[list-item]
    await hass.async_block_till_done()
    issue = _issue(hass, config_entry)
    assert issue is not None
    await manager.async_update(
        {"energy_sources": [{**solar, "stat_energy_from": COUNTERS[PV_1]}]}  # type: ignore[list-item]
    )
    await hass.async_block_till_done()
    assert _issue(hass, config_entry) is None

    await manager.async_update({"energy_sources": [solar]})  # type: ignore[list-item]
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    flow = repairs_flow_manager(hass)
    assert flow is not None
    result: Any = await flow.async_init(DOMAIN, context={"issue_id": issue.issue_id})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"
    assert manager.data is not None
    assert manager.data["energy_sources"][0]["stat_energy_from"] == ids[PV_1]
