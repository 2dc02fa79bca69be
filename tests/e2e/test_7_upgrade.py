"""Upgrading from 0.1.0 keeps the Energy dashboard: its own Home Assistant and simulator.

0.1.0 (commit eea2d3c, taken from this repository's history) is set up in a fresh Home
Assistant, and its Energy dashboard as 0.1.0's README said (the names it gives, found as the
pickers show them); the recorder gets three days of those counters' statistics, as 0.1.0 would
have kept them. Then this checkout replaces 0.1.0's folder and Home Assistant restarts:
``energy/validate`` reports the counters (``entity_unexpected_state_class``) and the
integration raises its fixable repair; fixed through the repairs API as the frontend does it,
the dashboard names the hourly statistics, ``energy/validate`` is clean, and the statistics hold
the days before the upgrade and the hours since; the old statistics are still readable.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import io
import os
import subprocess
import tarfile
import time
from typing import Any

import pytest

from .conftest import (
    ROOT,
    SIM_CLIENT_ID,
    SIM_CLIENT_SECRET,
    Stack,
    boot,
    new_stack,
    shut_down,
)

V0_1_0 = "eea2d3c"
HOUR = timedelta(hours=1)
OLD_DAYS = 3  # how long 0.1.0 ran before the upgrade (its statistics, imported)
IMPORT_TIMEOUT = 300  # the first start's 7 days of history, a day per request 5 s apart
# What 0.1.0's README's Energy section tells to pick (its friendly names then).
SOLAR = ("PV inverter 1 Lifetime energy produced", "PV inverter 2 Lifetime energy produced")
CHARGED = "Battery Lifetime energy charged"
DISCHARGED = "Battery Lifetime energy discharged"
GRID = "Meter E30A_3 Energy"


def _old_readme_energy_section() -> str:
    readme = subprocess.run(  # noqa: S603
        ["git", "show", f"{V0_1_0}:README.md"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return " ".join(readme.split("## Energy dashboard", 1)[1].split("\n## ", 1)[0].split())


def _extract_0_1_0(into: os.PathLike[str]) -> None:
    """0.1.0's integration folder, from this repository's history (``git archive``)."""
    archive = subprocess.run(  # noqa: S603
        ["git", "archive", "--format=tar", V0_1_0, "custom_components/skycentrics"],  # noqa: S607
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


@pytest.fixture(scope="module")
def upgrade() -> Iterator[Stack]:
    """A Home Assistant with 0.1.0's entry set up (its own simulator: the guide's gateway)."""
    stack = new_stack("upgrade", sim_args=())
    _extract_0_1_0(old := stack.config_dir.parent / "v0.1.0")
    stack.integration = old / "custom_components" / "skycentrics"
    try:
        boot(stack)
        entry = stack.run_ha(
            lambda ha: ha.add_entry(
                {
                    "client_id": SIM_CLIENT_ID,
                    "client_secret": SIM_CLIENT_SECRET,
                    "url": stack.sim_url,
                }
            )
        )
        stack.entry_id = entry["entry_id"]
        yield stack
    finally:
        shut_down(stack)


def _entity(stack: Stack, name: str) -> str:
    """The entity a picker shows by this friendly name."""

    def found() -> list[str]:
        return [
            e for e, s in stack.states().items() if s["attributes"].get("friendly_name") == name
        ]

    (entity_id,) = stack.wait_for(f"the entity {name!r}", found)
    return str(entity_id)


def _validation(stack: Stack) -> list[list[dict[str, Any]]]:
    return list(stack.ws({"type": "energy/validate"})["energy_sources"])


def _sums(stack: Stack, ids: list[str], start: datetime) -> dict[str, list[dict[str, Any]]]:
    return dict(
        stack.ws(
            {
                "type": "recorder/statistics_during_period",
                "start_time": start.isoformat(),
                "statistic_ids": ids,
                "period": "hour",
                "types": ["sum"],
            }
        )
    )


def test_readme_0_1_0_names_what_the_test_picks() -> None:
    """The names this file picks are those 0.1.0's README gave, word for word."""
    section = _old_readme_energy_section()
    for name in (*SOLAR, CHARGED, DISCHARGED, GRID):
        assert f"*{name}*" in section, name


def test_upgrade_from_0_1_0_keeps_the_energy_dashboard(upgrade: Stack) -> None:
    """0.1.0's dashboard validates; after the upgrade it does not, the repair says so and,
    confirmed, makes it valid again with the days before and the hours after the upgrade."""
    stack = upgrade
    solar = [_entity(stack, name) for name in SOLAR]
    charged, discharged, grid = (_entity(stack, n) for n in (CHARGED, DISCHARGED, GRID))
    old_ids = [*solar, charged, discharged, grid]
    sources: list[dict[str, Any]] = [
        {"type": "solar", "stat_energy_from": s, "config_entry_solar_forecast": None} for s in solar
    ]
    sources.append({"type": "battery", "stat_energy_from": discharged, "stat_energy_to": charged})
    sources.append(
        {"type": "grid", "stat_energy_from": grid, "stat_energy_to": None, "cost_adjustment_day": 0}
    )
    stack.ws({"type": "energy/save_prefs", "energy_sources": sources})
    # Three days of 0.1.0's statistics, as its entities' recorder statistics were kept.
    now = datetime.now(UTC)
    first = (now - timedelta(days=OLD_DAYS)).replace(minute=0, second=0, microsecond=0)
    hours = int((now.replace(minute=0, second=0, microsecond=0) - first) / HOUR)
    for statistic_id in old_ids:
        stack.ws(
            {
                "type": "recorder/import_statistics",
                "metadata": {
                    "has_mean": False,
                    "has_sum": True,
                    "name": None,
                    "source": "recorder",
                    "statistic_id": statistic_id,
                    "unit_of_measurement": "kWh",
                },
                "stats": [
                    {"start": (first + n * HOUR).isoformat(), "state": 1000.0 + n, "sum": float(n)}
                    for n in range(hours)
                ],
            }
        )

    clean: list[list[Any]] = [
        [],
        [],
        [],
        [],
    ]  # 0.1.0, once the recorder has its statistics: as promised
    stack.wait_for("0.1.0's dashboard valid", lambda: _validation(stack) == clean, timeout=30)

    # The upgrade: this checkout's folder instead of 0.1.0's, then a restart.
    stack.stop_ha()
    stack.stop_working.clear()  # 0.1.0's own reports are not this version's
    stack.integration = ROOT / "custom_components" / "skycentrics"
    stack.start_ha()
    stack.run_ha(lambda ha: ha.wait_until_running())

    unexpected = {
        entity
        for found in _validation(stack)
        for issue in found
        if issue["type"] == "entity_unexpected_state_class"
        for entity, _ in issue["affected_entities"]
    }
    assert unexpected == set(old_ids)
    issue_id = f"energy_preferences_{stack.entry_id}"

    def issue() -> dict[str, Any] | None:
        issues = stack.ws({"type": "repairs/list_issues"})["issues"]
        return next((i for i in issues if i["issue_id"] == issue_id), None)

    shown = stack.wait_for("the Energy preferences repair", issue)
    assert shown["is_fixable"]
    assert shown["domain"] == "skycentrics"
    for entity_id in old_ids:
        assert entity_id in shown["translation_placeholders"]["choices"]

    # Fixed as the frontend's repair dialog does it: start the flow, submit its form.
    flow = stack.rest(
        "POST", "/api/repairs/issues/fix", {"handler": "skycentrics", "issue_id": issue_id}
    )
    assert (flow["type"], flow["step_id"]) == ("form", "confirm")
    done = stack.rest("POST", f"/api/repairs/issues/fix/{flow['flow_id']}", {})
    assert done["type"] == "create_entry"
    assert issue() is None

    prefs = stack.ws({"type": "energy/get_prefs"})["energy_sources"]
    new_ids = [
        *(s["stat_energy_from"] for s in prefs[:2]),
        prefs[2]["stat_energy_to"],
        prefs[2]["stat_energy_from"],
        prefs[3]["stat_energy_from"],
    ]
    assert all(i.startswith("skycentrics:") for i in new_ids), prefs
    # The statistics are there once the first start's import (7 days back) has reached now.
    last_hour = (datetime.now(UTC) - timedelta(minutes=5)).replace(
        minute=0, second=0, microsecond=0
    ) - HOUR

    def imported() -> dict[str, list[dict[str, Any]]] | None:
        rows = _sums(stack, new_ids, first - HOUR)
        ends = [found[-1]["start"] / 1000 for found in rows.values() if found]
        return rows if len(ends) == len(new_ids) and min(ends) >= last_hour.timestamp() else None

    started = time.monotonic()
    rows = stack.wait_for("the hourly statistics up to now", imported, timeout=IMPORT_TIMEOUT)
    stack.timings["import after the upgrade"] = time.monotonic() - started
    assert _validation(stack) == clean
    for statistic_id in new_ids:
        starts = [row["start"] / 1000 for row in rows[statistic_id]]
        assert starts[0] <= first.timestamp()  # the days before the upgrade
        assert starts[-1] >= last_hour.timestamp()  # and since
    solar_energy = rows[new_ids[0]][-1]["sum"] - rows[new_ids[0]][0]["sum"]
    assert solar_energy > 0  # three days of sunshine
    old = _sums(stack, old_ids, first)
    assert all(len(old[i]) == hours for i in old_ids)  # 0.1.0's statistics, readable
    stack.stop_ha()
    reports = "\n".join(stack.stop_working)
    assert not reports, f"Home Assistant reports calls that will stop working:\n{reports}"
