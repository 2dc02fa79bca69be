"""After a few polls: long-term statistics exist and the Energy dashboard finds no issue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import Stack

ENERGY = [
    "sensor.pv_inverter_1_lifetime_energy_produced",
    "sensor.pv_inverter_2_lifetime_energy_produced",
    "sensor.battery_lifetime_energy_charged",
    "sensor.battery_lifetime_energy_discharged",
]
POWER = [
    "sensor.pv_inverter_1_power",
    "sensor.pv_inverter_2_power",
    "sensor.battery_charge_discharge_power",
]
# The recorder compiles statistics every 5 minutes, for the 5 minutes before.
COMPILE_WAIT = 7 * 60


def _rows(stack: Stack) -> dict[str, list[dict[str, Any]]]:
    start = datetime.now(UTC) - timedelta(hours=1)
    rows: dict[str, list[dict[str, Any]]] = stack.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": start.isoformat(),
            "statistic_ids": [*ENERGY, *POWER],
            "period": "5minute",
            "types": ["state", "sum", "mean"],
        }
    )
    return rows


@pytest.mark.timeout(COMPILE_WAIT + 60)
def test_recorder_holds_statistics(stack: Stack) -> None:
    """Energy counters get sums, power sensors means, in their units."""
    rows = stack.wait_for(
        "the first statistics compile",
        lambda: (rows := _rows(stack)) and set(rows) == {*ENERGY, *POWER} and rows,
        timeout=COMPILE_WAIT,
    )
    assert rows["sensor.pv_inverter_1_lifetime_energy_produced"][-1]["state"] == 190025.0
    assert rows["sensor.pv_inverter_1_power"][-1]["mean"] == pytest.approx(14.31)
    answer = stack.ws(
        {"type": "recorder/get_statistics_metadata", "statistic_ids": [*ENERGY, *POWER]}
    )
    metadata = {m["statistic_id"]: m for m in answer}
    for statistic_id in ENERGY:
        assert metadata[statistic_id]["has_sum"], statistic_id
        assert metadata[statistic_id]["statistics_unit_of_measurement"] == "kWh"
    for statistic_id in POWER:
        assert metadata[statistic_id]["mean_type"] != 0, statistic_id
        assert metadata[statistic_id]["statistics_unit_of_measurement"] == "kW"


def test_energy_dashboard_validates(stack: Stack) -> None:
    """`energy/validate` reports no issue for any of our sensors."""
    result = stack.ws({"type": "energy/validate"})
    issues = [issue for source in result["energy_sources"] for issue in source]
    assert len(result["energy_sources"]) == 3
    assert issues == []
    assert result["device_consumption"] == []
