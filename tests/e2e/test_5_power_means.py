"""The power sensors' own statistics: the recorder compiles their means every 5 minutes.

Checked late in the session (after the control tests), so that the stack has mostly run
through its first 5 minutes by then: the wait for the first compile is what is left of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .conftest import Stack
from .test_3_statistics import statistic_rows

POWER = [
    "sensor.ssb_001_pae_replacement_pv_inverter_1_power",
    "sensor.ssb_001_pae_replacement_pv_inverter_2_power",
    "sensor.ssb_001_pae_replacement_battery_charge_discharge_power",
]
# The recorder compiles statistics every 5 minutes, for the 5 minutes before.
COMPILE_WAIT = 7 * 60


@pytest.mark.timeout(COMPILE_WAIT + 60)
def test_power_sensors_have_their_own_means(stack: Stack) -> None:
    """Each power sensor's 5-minute means, in kW, from its state class."""
    power = stack.wait_for(
        "the first statistics compile",
        lambda: (
            (rows := statistic_rows(stack, POWER, "5minute", timedelta(hours=1)))
            and set(rows) == set(POWER)
            and rows
        ),
        timeout=COMPILE_WAIT,
    )
    assert power["sensor.ssb_001_pae_replacement_pv_inverter_1_power"][-1]["mean"] == pytest.approx(
        14.31
    )
    answer = stack.ws({"type": "recorder/get_statistics_metadata", "statistic_ids": POWER})
    metadata = {m["statistic_id"]: m for m in answer}
    for statistic_id in POWER:
        assert metadata[statistic_id]["mean_type"] != 0, statistic_id
        assert metadata[statistic_id]["statistics_unit_of_measurement"] == "kW"
