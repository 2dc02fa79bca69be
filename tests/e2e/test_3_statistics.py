"""After set-up: the cloud's history imported as hourly statistics, and the Energy dashboard
finds no issue (the power sensors' own statistics: test_5_power_means.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import itertools
from typing import Any

from skycentrics_simulator import SEED_DEVICE_ID

from .conftest import Stack

# The lifetime counters' hourly statistics (the entities have no state class of their own).
GATEWAY = "ssb-001-pae-replacement"  # part devices, so their entities, are named after it
ENERGY = {
    f"skycentrics:{SEED_DEVICE_ID}_{sensor.lower()}": f"{GATEWAY} {name}"
    for sensor, name in (
        ("SOLAR_INVERTER_1_ENERGY", "PV inverter 1 Lifetime energy produced"),
        ("SOLAR_INVERTER_2_ENERGY", "PV inverter 2 Lifetime energy produced"),
        ("BESS_LIFETIME_CHARGE_COUNTER", "Battery Lifetime energy charged"),
        ("BESS_LIFETIME_DISCHARGE_COUNTER", "Battery Lifetime energy discharged"),
    )
}


def statistic_rows(stack: Stack, statistic_ids: list[str], period: str, since: timedelta) -> Any:
    rows: dict[str, list[dict[str, Any]]] = stack.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": (datetime.now(UTC) - since).isoformat(),
            "statistic_ids": statistic_ids,
            "period": period,
            "types": ["state", "sum", "mean"],
        }
    )
    return rows


def _history_imported(stack: Stack) -> Any:
    """The last 7 days of every counter (6 days and more of hours), else nothing."""
    rows = statistic_rows(stack, list(ENERGY), "hour", timedelta(days=8))
    full = set(rows) == set(ENERGY) and all(len(r) > 6 * 24 for r in rows.values())
    return full and rows


def test_recorder_holds_statistics(stack: Stack) -> None:
    """Energy counters: the cloud's history as hourly sums, named as their entities, in kWh."""
    energy = stack.wait_for("the history import", lambda: _history_imported(stack), timeout=120)
    pv_1 = energy["skycentrics:1592651608_solar_inverter_1_energy"]
    # The guide's value is the counter's at start-up: the history climbs to it.
    assert 0 < pv_1[0]["state"] < pv_1[-1]["state"] <= 190025.0
    assert all(a["sum"] <= b["sum"] for a, b in itertools.pairwise(pv_1))
    answer = stack.ws({"type": "recorder/get_statistics_metadata", "statistic_ids": list(ENERGY)})
    metadata = {m["statistic_id"]: m for m in answer}
    for statistic_id, name in ENERGY.items():
        assert metadata[statistic_id]["has_sum"], statistic_id
        assert metadata[statistic_id]["source"] == "skycentrics"
        assert metadata[statistic_id]["name"] == name
        assert metadata[statistic_id]["statistics_unit_of_measurement"] == "kWh"


def test_energy_dashboard_validates(stack: Stack) -> None:
    """`energy/validate` reports no issue for any of our sensors."""
    result = stack.ws({"type": "energy/validate"})
    issues = [issue for source in result["energy_sources"] for issue in source]
    assert len(result["energy_sources"]) == 3
    assert issues == []
    assert result["device_consumption"] == []
