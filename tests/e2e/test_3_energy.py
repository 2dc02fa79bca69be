"""The Energy dashboard, set up word for word as README.md says, right after set-up.

What README's Energy section names is looked up the way its pickers show it (a statistic by its
name, an entity by its friendly name) and saved with ``energy/save_prefs``. Then: the last 7
days of solar and battery energy are there, hour by hour as the simulator produced them; the
dashboard validates; the "Now" view draws the battery charging while the simulator's battery
charges and discharging while it discharges; and README's screenshot shows the imported week.

The simulator runs ``--static``: the guide's values from its start on, the model's past before
(``skycentrics_simulator.model``), so the expected energy of every hour before its start is the
model's increase over that hour. When its battery counters are word-swapped registers, as the
guide's are, README's repair step (decode them) comes first. Its ``--control-port`` turns the
battery round (``Stack.sim_values``) for the "Now" view.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
import math
import os
import re
import shutil
from typing import Any

from playwright.sync_api import Page, expect
import pytest

from skycentrics_simulator import SEED_DEVICE_ID
from skycentrics_simulator.model import (
    BESS_CHARGE_COUNTER,
    BESS_DISCHARGE_COUNTER,
    BESS_POWER,
    PV_1_ENERGY,
    PV_2_ENERGY,
    SOC_MAX,
    SOC_MIN,
    SensorModel,
)
from skycentrics_simulator.seed import load_seed_payload
from skycentrics_simulator.server import Simulator

from .browser import logged_in_page, screenshot
from .conftest import PASSWORD, ROOT, USERNAME, Stack

DOCS_IMAGES = ROOT / "docs" / "images"
UPDATE_DOCS = os.environ.get("SKYCENTRICS_UPDATE_SCREENSHOTS") == "1"
HOUR = timedelta(hours=1)
# What README's Energy section tells to pick, as Home Assistant's pickers show it.
SOLAR = [
    (
        "ssb-001-pae-replacement PV inverter 1 Lifetime energy produced",
        "ssb-001-pae-replacement PV inverter 1 Power",
    ),
    (
        "ssb-001-pae-replacement PV inverter 2 Lifetime energy produced",
        "ssb-001-pae-replacement PV inverter 2 Power",
    ),
]
CHARGED = "ssb-001-pae-replacement Battery Lifetime energy charged"
DISCHARGED = "ssb-001-pae-replacement Battery Lifetime energy discharged"
STATE_OF_CHARGE = "ssb-001-pae-replacement Battery State of charge"
BATTERY_POWER = "ssb-001-pae-replacement Battery Charge (+)/discharge (-) power"
# The simulator's sensor behind each energy statistic.
SENSOR_OF = {
    "ssb-001-pae-replacement PV inverter 1 Lifetime energy produced": PV_1_ENERGY,
    "ssb-001-pae-replacement PV inverter 2 Lifetime energy produced": PV_2_ENERGY,
    CHARGED: BESS_CHARGE_COUNTER,
    DISCHARGED: BESS_DISCHARGE_COUNTER,
}
# The simulator's counters carry 2 decimals (a decoded register: whole kWh); an hour's energy is
# the difference of two rounded values.
ROUNDING = 0.02
BACKFILL_TIMEOUT = 240  # 7 requests 5 s apart, each a day of per-minute history (~11 MB)
DISCHARGING_KW = -9.9  # the guide's battery power (+9.9 kW, charging), the other way


def _readme_energy_section() -> str:
    """README's Energy section, its whitespace (line breaks) folded."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Energy dashboard", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split())


def _model() -> SensorModel:
    return SensorModel({s["id"]: s["data"] for s in load_seed_payload()["sensors"]})


def _peak_kw() -> dict[str, float]:
    """The largest power (kW) behind each counter in the simulator's model: no hour above."""
    model = _model()
    battery = model.bess_capacity / 100 * (SOC_MAX - SOC_MIN) / 2 * 2 * math.pi / 24
    return {
        PV_1_ENERGY: model.pv_peak_1,
        PV_2_ENERGY: model.pv_peak_2,
        BESS_CHARGE_COUNTER: battery,
        BESS_DISCHARGE_COUNTER: battery,
    }


def _outside_playwright[T](call: Callable[..., T], *args: Any) -> T:
    """Run a ``stack`` call in a worker thread (Playwright's sync API holds this one's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args).result()


@pytest.fixture(scope="module")
def prefs(stack: Stack) -> dict[str, Any]:
    """README's choices, found by the names it gives, saved as the Energy dashboard's."""
    if not stack.entry_id:
        pytest.fail("no SkyCentrics entry: run tests/e2e/test_1_setup.py first (file order)")
    energy_names = [*(energy for energy, _ in SOLAR), CHARGED, DISCHARGED]

    def listed() -> Any:
        found = stack.ws({"type": "recorder/list_statistic_ids", "statistic_type": "sum"})
        return {s.get("name") for s in found} >= set(energy_names) and found

    # The statistics come with the first hours the background import writes.
    statistics = stack.wait_for("the energy statistics", listed, timeout=BACKFILL_TIMEOUT)
    states = stack.states()

    def statistic(name: str) -> str:
        found: list[str] = [s["statistic_id"] for s in statistics if s.get("name") == name]
        assert len(found) == 1, f"{name!r}: {found}"
        return found[0]

    def entity(name: str) -> str:
        found = [e for e, s in states.items() if s["attributes"].get("friendly_name") == name]
        assert len(found) == 1, f"{name!r}: {found}"
        return found[0]

    sources: list[dict[str, Any]] = [
        {
            "type": "solar",
            "stat_energy_from": statistic(energy),
            "stat_rate": entity(power),
            "config_entry_solar_forecast": None,
        }
        for energy, power in SOLAR
    ]
    sources.append(
        {
            "type": "battery",
            "stat_energy_to": statistic(CHARGED),
            "stat_energy_from": statistic(DISCHARGED),
            "stat_soc": entity(STATE_OF_CHARGE),
            # "Type of power measurement: Inverted", as README says.
            "power_config": {"stat_rate_inverted": entity(BATTERY_POWER)},
        }
    )
    saved = stack.ws({"type": "energy/save_prefs", "energy_sources": sources})
    return {"sources": saved["energy_sources"], "names": _names(sources)}


def _names(sources: list[dict[str, Any]]) -> dict[str, str]:
    """Statistic id -> the README name it was found by (the energy statistics)."""
    names = [*(energy for energy, _ in SOLAR), DISCHARGED, CHARGED]
    ids = [s["stat_energy_from"] for s in sources] + [sources[-1]["stat_energy_to"]]
    return dict(zip(ids, names, strict=True))


def test_readme_names_what_the_test_picks() -> None:
    """Every name this file picks is written in README's Energy section, with the inverted
    choice for the battery's power: following README is what this file does."""
    section = _readme_energy_section()
    for name in [*(n for pair in SOLAR for n in pair), CHARGED, DISCHARGED, STATE_OF_CHARGE]:
        assert f"*{name}*" in section, name
    assert f"*{BATTERY_POWER}*" in section
    assert "**Type of power measurement**: **Inverted**" in section
    assert "**Decode with the halves swapped**" in section  # the repair `decoded` follows


def test_saved_as_readme_says(stack: Stack, prefs: dict[str, Any]) -> None:
    """Home Assistant keeps README's choices; for the inverted battery power it makes its own
    helper (the sign turned), which the dashboard then reads."""
    sources = prefs["sources"]
    assert [s["type"] for s in sources] == ["solar", "solar", "battery"]
    battery = sources[2]
    assert battery["power_config"] == {
        "stat_rate_inverted": "sensor.ssb_001_pae_replacement_battery_charge_discharge_power"
    }
    assert (
        battery["stat_rate"]
        == "sensor.ssb_001_pae_replacement_battery_charge_discharge_power_inverted"
    )
    assert stack.ws({"type": "energy/get_prefs"})["energy_sources"] == sources
    helper = stack.wait_for(
        "Home Assistant's inverted battery power",
        lambda: stack.states().get(
            "sensor.ssb_001_pae_replacement_battery_charge_discharge_power_inverted"
        ),
    )
    live = float(
        stack.states()["sensor.ssb_001_pae_replacement_battery_charge_discharge_power"]["state"]
    )
    assert live == pytest.approx(9.9)  # the guide's value: charging
    assert float(helper["state"]) == pytest.approx(-live)


def _hours(stack: Stack, ids: list[str], since: datetime) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = stack.ws(
        {
            "type": "recorder/statistics_during_period",
            "start_time": since.isoformat(),
            "statistic_ids": ids,
            "period": "hour",
            "types": ["sum"],
            "units": {"energy": "kWh"},
        }
    )
    return rows


def _range(first: datetime, last: datetime) -> set[datetime]:
    hours = set()
    while first <= last:
        hours.add(first)
        first += HOUR
    return hours


def _week(stack: Stack) -> tuple[datetime, datetime]:
    """The first and the last hour (starts) of the week the simulator's model made.

    Its last hour ends before the simulator's start (its pin: up to a reading, 61 s, earlier);
    its first is the third hour of the imported week (the first ones: the statistic's start).
    """
    started = datetime.fromtimestamp(stack.sim_started, UTC)
    last = started.replace(minute=0, second=0, microsecond=0) - HOUR
    if started - last - HOUR < timedelta(seconds=120):
        last -= HOUR
    return last - timedelta(days=7) + 3 * HOUR, last


def _imported(stack: Stack, ids: list[str], *, energy: bool = False) -> Any:
    """The hourly rows of ``ids`` once every hour of the week is there (with energy: > 0)."""
    first, last = _week(stack)
    rows = _hours(stack, ids, first - timedelta(days=1))
    if set(rows) != set(ids):
        return None
    for series in rows.values():
        hours = {datetime.fromtimestamp(r["start"] / 1000, UTC) for r in series}
        if not hours >= _range(first, last) or (energy and series[-1]["sum"] <= 0):
            return None
    return rows


@pytest.fixture(scope="module")
def decoded(stack: Stack, prefs: dict[str, Any]) -> set[str]:
    """The battery counters decoded as README says, when Settings → Repairs asks.

    Once the week's history is in (the PV statistics: every hour), every counter that looks
    like a register with its halves swapped has its repair. README: **Decode with the halves
    swapped**, through the repair's own flow, as the frontend runs it. The decoded counters
    (simulator sensor ids); none when the simulator's counters are not swapped.
    """
    solar = [s["stat_energy_from"] for s in prefs["sources"][:2]]
    stack.wait_for("the week's history", lambda: _imported(stack, solar), BACKFILL_TIMEOUT)
    issues = stack.ws({"type": "repairs/list_issues"})["issues"]
    swapped = [
        i["issue_id"]
        for i in issues
        if i["domain"] == "skycentrics" and i["issue_id"].startswith("swapped_counter_")
    ]
    sensors = set()
    for issue_id in swapped:
        flow = stack.rest(
            "POST", "/api/repairs/issues/fix", {"handler": "skycentrics", "issue_id": issue_id}
        )
        assert flow["type"] == "menu", flow
        assert "swapped" in flow["menu_options"], flow
        done = stack.rest(
            "POST", f"/api/repairs/issues/fix/{flow['flow_id']}", {"next_step_id": "swapped"}
        )
        assert done["type"] == "create_entry", done
        sensors.add(issue_id.removeprefix(f"swapped_counter_{SEED_DEVICE_ID}_"))
    assert sensors <= {BESS_CHARGE_COUNTER, BESS_DISCHARGE_COUNTER}, sensors
    return sensors


def test_the_past_week_of_energy_is_there(
    stack: Stack, prefs: dict[str, Any], decoded: set[str]
) -> None:
    """Right after set-up (the background import done, the battery's counters decoded as README
    says when asked): the last 7 days of every chosen energy statistic, hour by hour as the
    simulator produced it (its model before its start, nothing after), no hour above the
    model's largest power, the week's totals the counters' increase."""
    names: dict[str, str] = prefs["names"]
    first, last = _week(stack)
    started = datetime.fromtimestamp(stack.sim_started, UTC)
    # Decoding imports the counter's statistics again: wait for the whole week, with energy.
    rows = stack.wait_for(
        "the week's energy",
        lambda: _imported(stack, list(names), energy=True),
        timeout=BACKFILL_TIMEOUT,
    )
    simulator = Simulator(clients={"e2e": "unused"})  # the model, not started (no pin)
    simulator.swapped_counters = bool(decoded)  # then whole kWh, as the registers hold them
    peaks = _peak_kw()
    for statistic_id, name in names.items():
        sensor = SENSOR_OF[name]
        series = rows[statistic_id]
        sums = [0.0] + [r["sum"] for r in series]  # the statistic's first hour counts from 0
        tolerance = (1.0 if sensor in decoded else ROUNDING) + 1e-6
        week = 0.0
        for before, row in zip(sums, series, strict=False):
            start = datetime.fromtimestamp(row["start"] / 1000, UTC)
            energy = row["sum"] - before
            assert -1e-6 <= energy <= peaks[sensor] + tolerance, (name, start, energy)
            if first <= start <= last:
                # An hour holds (last reading before its end) - (last reading before its start):
                # the history's readings are on the UTC minute.
                expected = simulator.counter_kwh(
                    SEED_DEVICE_ID, sensor, start + HOUR - timedelta(minutes=1)
                ) - simulator.counter_kwh(SEED_DEVICE_ID, sensor, start - timedelta(minutes=1))
                assert energy == pytest.approx(expected, abs=tolerance), (name, start)
                week += energy
            elif start > started:
                assert energy == 0, (name, start)  # the guide's values, unchanged
        total = simulator.counter_kwh(
            SEED_DEVICE_ID, sensor, last + HOUR - timedelta(minutes=1)
        ) - simulator.counter_kwh(SEED_DEVICE_ID, sensor, first - timedelta(minutes=1))
        assert week == pytest.approx(total, abs=tolerance), name
        assert week > 100, (name, week)  # days of real energy, not a trickle


def test_energy_validate_finds_no_issue(
    stack: Stack, prefs: dict[str, Any], decoded: set[str]
) -> None:
    """`energy/validate`: no issue for any source, the inverted battery power included."""
    result = stack.ws({"type": "energy/validate"})
    assert result["energy_sources"] == [[], [], []]
    assert result["device_consumption"] == []


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(stack: Stack, prefs: dict[str, Any], decoded: set[str]) -> Iterator[Page]:
    """One logged-in page for the file's browser tests."""
    with logged_in_page(stack.ha_url, USERNAME, PASSWORD) as the_page:
        yield the_page


# The series of the "Now" view's power graph (hui-power-sources-graph-card): the battery's
# power above the axis ("battery": discharging) and below it ("battery-negative": charging); the
# last point of each is the live state of the source's stat_rate, in kW.
LAST_POINTS = """card => {
  const chart = card.shadowRoot.querySelector('ha-chart-base');
  const out = {};
  for (const series of chart.data || []) {
    const last = series.data[series.data.length - 1];
    out[series.id] = Array.isArray(last) ? last[1] : last.value[1];
  }
  return out;
}"""


def _now_view(page: Page, stack: Stack) -> tuple[dict[str, float], float]:
    """Open the "Now" view; return the power graph's last points and the "Power usage" (kW)."""
    page.goto(stack.ha_url + "/energy/now")
    card = page.locator("hui-power-sources-graph-card")
    expect(card.locator("ha-chart-base")).to_be_visible()
    page.wait_for_function(
        "card => (card.shadowRoot.querySelector('ha-chart-base').data || []).some("
        "s => s.id === 'battery')",
        arg=card.element_handle(),
    )
    points: dict[str, float] = card.evaluate(LAST_POINTS)
    usage = page.locator("hui-view-badges hui-badge").filter(has_text="Power usage")
    text = usage.get_by_text(re.compile(r"\d\s?kW")).inner_text()
    found = re.search(r"(-?[\d,]+(?:\.\d+)?)\s?kW", text)
    assert found, text
    return points, float(found.group(1).replace(",", ""))


def _wait_for_power(stack: Stack, kw: float) -> None:
    stack.wait_for(
        f"the battery's power at {kw} kW in Home Assistant",
        lambda: (
            float(
                stack.states()["sensor.ssb_001_pae_replacement_battery_charge_discharge_power"][
                    "state"
                ]
            )
            == kw
        ),
        timeout=150,  # the next reading (60 s apart) and the poll after it (30 s apart)
    )


def test_now_view_draws_the_battery_direction(page: Page, stack: Stack) -> None:
    """The simulator's battery charges (+9.9 kW, the guide's value): the "Now" view draws it
    charging (below the axis, power usage = solar - 9.9 kW); it discharges (-9.9 kW): drawn
    discharging (above the axis, power usage = solar + 9.9 kW). README's inverted choice."""
    states = _outside_playwright(stack.states)
    solar = sum(
        float(states[f"sensor.ssb_001_pae_replacement_pv_inverter_{n}_power"]["state"])
        for n in (1, 2)
    )
    charging = float(
        states["sensor.ssb_001_pae_replacement_battery_charge_discharge_power"]["state"]
    )
    assert charging == pytest.approx(9.9)
    points, usage = _now_view(page, stack)
    assert points["battery-negative"] == pytest.approx(-charging)
    assert points["battery"] == 0
    assert usage == pytest.approx(solar - charging, abs=0.01)
    screenshot(page, stack.artifacts / "energy-now-charging.png")
    try:
        _outside_playwright(stack.sim_values, SEED_DEVICE_ID, {BESS_POWER: DISCHARGING_KW})
        _outside_playwright(_wait_for_power, stack, DISCHARGING_KW)
        points, usage = _now_view(page, stack)
        assert points["battery"] == pytest.approx(-DISCHARGING_KW)
        assert points["battery-negative"] == 0
        assert usage == pytest.approx(solar - DISCHARGING_KW, abs=0.01)
        screenshot(page, stack.artifacts / "energy-now-discharging.png")
    finally:  # the guide's value again for the files after this one
        _outside_playwright(stack.sim_values, SEED_DEVICE_ID, {BESS_POWER: charging})


# The sum of every value a chart (ha-chart-base) draws, over all its series.
CHART_TOTAL = """card => {
  const chart = card.shadowRoot.querySelector('ha-chart-base');
  let total = 0;
  for (const series of chart.data || []) {
    for (const point of series.data || []) {
      const y = Array.isArray(point) ? point[1] : point?.value?.[1];
      if (typeof y === 'number') total += Math.abs(y);
    }
  }
  return total;
}"""


def test_energy_dashboard_shows_the_week(page: Page, stack: Stack) -> None:
    """The Energy dashboard's Electricity view over **Last 7 days**: the imported week in its
    charts (usage and solar bars, the totals with README's names); README's screenshot,
    docs/images/energy-dashboard.png."""
    page.set_viewport_size({"width": 1280, "height": 1100})  # the totals below the charts
    page.goto(stack.ha_url + "/energy/electricity")
    selector = page.locator("hui-energy-period-selector").first
    expect(selector).to_be_visible()
    selector.locator(".date-range").click()
    page.get_by_text("Last 7 days", exact=True).click()
    for card in ("hui-energy-usage-graph-card", "hui-energy-solar-graph-card"):
        chart = page.locator(card).first
        expect(chart.locator("ha-chart-base")).to_be_visible()
        page.wait_for_function(f"card => ({CHART_TOTAL})(card) > 100", arg=chart.element_handle())
    totals = page.locator("hui-energy-sources-table-card")
    for energy, _ in SOLAR:
        row = totals.locator("tr").filter(has=page.get_by_text(energy, exact=True))
        expect(row).to_contain_text(re.compile(r"[1-9][\d,]*(\.\d+)?\s?kWh"))
    expect(page.get_by_text(re.compile("There is no data"))).to_have_count(0)
    page.wait_for_timeout(1000)  # the charts' entry animation
    path = stack.artifacts / "energy-dashboard.png"
    screenshot(page, path)
    if UPDATE_DOCS:
        shutil.copyfile(path, DOCS_IMAGES / path.name)
