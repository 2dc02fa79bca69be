"""Look at the integration as a user does: log in with a browser, open its pages, compare.

One headless Chromium (see ``browser.py``) serves the file, and one page, logged in through the
login page, serves every test (the login test also logs in on a fresh page of its own).
Expectations come from Home Assistant's own APIs (registries, states, display precisions), so
what the browser shows is compared with what the API gave.

Screenshots land in ``stack.artifacts``; a failed test leaves ``FAILED-<test>.png`` and
``FAILED-<test>.txt`` (the URL and the page's text, through the shadow roots) there: the page as
it was. With ``SKYCENTRICS_UPDATE_SCREENSHOTS=1`` the screenshots of passing checks are also
copied to ``docs/images/`` (the README's pictures).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
import os
from pathlib import Path
import re
import shutil
from typing import Any

from playwright.sync_api import (
    Browser,
    Error as PlaywrightError,
    Locator,
    Page,
    ViewportSize,
    expect,
)
import pytest

from .browser import (
    PAGE_TEXT,
    VIEWPORT,
    chromium,
    log_in,
    logged_in_page,
    new_context,
    screenshot,
    state_pattern,
)
from .conftest import PASSWORD, ROOT, USERNAME, Stack

DOCS_IMAGES = ROOT / "docs" / "images"
UPDATE_DOCS = os.environ.get("SKYCENTRICS_UPDATE_SCREENSHOTS") == "1"
GATEWAY = "ssb-001-pae-replacement"
PARTS = [
    "ssb-001-pae-replacement Battery",
    "ssb-001-pae-replacement Lighting controller 0062",
    "ssb-001-pae-replacement Meter E30A_3",
    "ssb-001-pae-replacement PV inverter 1",
    "ssb-001-pae-replacement PV inverter 2",
]
# Device pages are taller than the other pages: room for the "Connected devices" card.
DEVICE_VIEWPORT: ViewportSize = {"width": VIEWPORT["width"], "height": 1300}
# The persistent notification Home Assistant raises for a failed login (http/ban.py).
LOGIN_NOTIFICATION = "http-login"


@dataclass(frozen=True)
class Shown:
    """An entity as the device page should show it: its name and a pattern for its state."""

    entity_id: str
    name: str
    state: re.Pattern[str]


@dataclass(frozen=True)
class Expected:
    """What the APIs say the pages should show."""

    devices: dict[str, dict[str, Any]]  # name -> device registry entry
    entity_counts: dict[str, int]  # device id -> every registry entity (any integration)
    own_counts: dict[str, int]  # device id -> the SkyCentrics entry's entities
    own_entities: int
    states: dict[str, dict[str, Any]]
    shown: dict[str, list[Shown]]  # device id -> its enabled SkyCentrics entities

    def device(self, name: str) -> dict[str, Any]:
        """The device registry entry named ``name``."""
        return self.devices[name]


def shown_entities(stack: Stack, states: dict[str, dict[str, Any]]) -> dict[str, list[Shown]]:
    """Device id -> its enabled SkyCentrics entities as its page shows them with ``states``."""
    display = stack.ws({"type": "config/entity_registry/list_for_display"})["entities"]
    shown: dict[str, list[Shown]] = {}
    for entry in display:
        if entry.get("pl") != "skycentrics" or not entry.get("en") or entry["ei"] not in states:
            continue
        state = states[entry["ei"]]
        pattern = state_pattern(
            state["state"],
            domain=entry["ei"].split(".")[0],
            precision=entry.get("dp"),
            unit=state["attributes"].get("unit_of_measurement"),
            device_class=state["attributes"].get("device_class"),
        )
        if pattern is not None:
            shown.setdefault(entry["di"], []).append(Shown(entry["ei"], entry["en"], pattern))
    return shown


@pytest.fixture(scope="module")
def expected(stack: Stack) -> Expected:
    """Registries, states and display precisions, read once through the APIs."""
    if not stack.entry_id:
        pytest.fail("no SkyCentrics entry: run tests/e2e/test_1_setup.py first (file order)")
    devices = {d["name"]: d for d in stack.device_registry()}
    all_entities: list[dict[str, Any]] = stack.ws({"type": "config/entity_registry/list"})
    own = stack.entity_registry()
    states = stack.states()
    return Expected(
        devices=devices,
        entity_counts={
            d["id"]: sum(e["device_id"] == d["id"] for e in all_entities) for d in devices.values()
        },
        own_counts={d["id"]: sum(e["device_id"] == d["id"] for e in own) for d in devices.values()},
        own_entities=len(own),
        states=states,
        shown=shown_entities(stack, states),
    )


@pytest.fixture(scope="module")
def browser(expected: Expected) -> Iterator[Browser]:
    """One headless Chromium for the file (after the API expectations, so a setup fails fast)."""
    with chromium() as the_browser:
        yield the_browser


@pytest.fixture(scope="module")
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    """A page logged in through the login page, shared by every test of the file."""
    context = new_context(browser)
    the_page = context.new_page()
    try:
        log_in(the_page, stack.ha_url, USERNAME, PASSWORD)
    except Exception:
        _save_failure(the_page, stack, "log-in")
        raise
    yield the_page
    context.close()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(
    request: pytest.FixtureRequest, page: Page, stack: Stack
) -> Iterator[None]:
    """Save the shared page as it was when a test of this file failed.

    The call phase's report is logged (and counted in ``session.testsfailed``) before the
    fixtures are torn down, so the count tells whether the test just failed.
    """
    failed_before = request.session.testsfailed
    yield
    if request.session.testsfailed > failed_before:
        _save_failure(page, stack, request.node.name)


def _stack_page(
    stack: Stack, name: str, viewport: ViewportSize | None = None
) -> AbstractContextManager[Page]:
    """A logged-in page of the stack's Home Assistant, saved as ``name`` if its block fails."""
    return logged_in_page(
        stack.ha_url,
        USERNAME,
        PASSWORD,
        viewport=viewport,
        on_failure=lambda page: _save_failure(page, stack, name),
    )


def _save_failure(page: Page, stack: Stack, name: str) -> None:
    """Save the page as it was: a screenshot and its text (every card, even below the fold).

    Best effort: a page that cannot be read (closed, crashed) leaves the test's own error alone.
    """
    with suppress(PlaywrightError):
        screenshot(page, stack.artifacts / f"FAILED-{name}.png")
        text = f"{page.url}\n\n" + "\n".join(page.evaluate(PAGE_TEXT))
        (stack.artifacts / f"FAILED-{name}.txt").write_text(text)


def _outside_playwright[T](call: Callable[..., T], *args: Any) -> T:
    """Run a ``stack`` API call in a worker thread.

    Playwright's sync API keeps an event loop running in this thread, and the ``stack`` helpers
    use ``asyncio.run``, which refuses to start inside a running loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args).result()


def _save(page: Page, stack: Stack, name: str) -> Path:
    """Screenshot the page into the artifacts (and ``docs/images/`` when asked); return it."""
    path = stack.artifacts / f"{name}.png"
    screenshot(page, path)
    if UPDATE_DOCS:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / path.name)
    return path


def _open(page: Page, stack: Stack, path: str) -> None:
    """Navigate inside the frontend (the stored tokens keep the session logged in)."""
    page.goto(stack.ha_url + path)
    expect(page.locator("ha-sidebar")).to_be_visible()


def _entity_row(page: Page, name: str) -> Locator:
    """The row of the entity called ``name`` on a device page (not a longer, similar name)."""
    rows = page.locator("ha-device-entities-card hui-generic-entity-row")
    return rows.filter(has=page.get_by_text(name, exact=True))


def _check_entity_rows(page: Page, shown: list[Shown]) -> None:
    """Every entity in ``shown`` has its row with its name and its state as the API gave."""
    for entity in shown:
        row = _entity_row(page, entity.name)
        expect(row, f"{entity.entity_id}: one row named {entity.name!r}").to_have_count(1)
        expect(row, f"{entity.entity_id}: its state").to_contain_text(entity.state)


def test_login_page_logs_the_owner_in(browser: Browser, stack: Stack) -> None:
    """The real login page: a wrong password is refused, the right one opens the dashboard."""
    context = new_context(browser)
    login = context.new_page()
    try:
        login.goto(stack.ha_url)
        login.wait_for_url(re.compile(r"/auth/authorize\?"))
        expect(login.get_by_role("button", name="Log in")).to_be_visible()
        login.get_by_label("Username").fill(USERNAME)
        login.get_by_label("Password", exact=True).fill("not-the-password")
        login.get_by_role("button", name="Log in").click()
        expect(login.get_by_text("Invalid username or password")).to_be_visible()
        assert "/auth/authorize" in login.url
        # Home Assistant notes the failed attempt; dismiss it so later pages and files see none.
        notes = _outside_playwright(stack.ws, {"type": "persistent_notification/get"})
        assert LOGIN_NOTIFICATION in [n["notification_id"] for n in notes]
        _outside_playwright(
            stack.rest,
            "POST",
            "/api/services/persistent_notification/dismiss",
            {"notification_id": LOGIN_NOTIFICATION},
        )

        log_in(login, stack.ha_url, USERNAME, PASSWORD)
        sidebar = login.locator("ha-sidebar")
        for item in ("Overview", "Energy", "Settings"):
            expect(sidebar.get_by_text(item, exact=True)).to_be_visible()
        expect(sidebar.get_by_text("End to end", exact=True)).to_be_visible()  # the owner
        assert "/auth/" not in login.url
        tokens = login.evaluate("() => localStorage.getItem('hassTokens')")
        assert tokens is not None
        assert "access_token" in tokens
        screenshot(login, stack.artifacts / "dashboard.png")
    except Exception:
        _save_failure(login, stack, "login-page")
        raise
    finally:
        context.close()


def test_gateway_device_page(page: Page, stack: Stack, expected: Expected) -> None:
    """The gateway's page: its model and maker, its entities' values, its five parts."""
    gateway = expected.device(GATEWAY)
    assert gateway["model"] == "Super SkyBox"
    page.set_viewport_size(DEVICE_VIEWPORT)
    try:
        _open(page, stack, f"/config/devices/device/{gateway['id']}")
        expect(page.locator("hass-subpage .main-title")).to_have_text(GATEWAY)
        info = page.locator("ha-device-info-card")
        expect(info).to_contain_text("Super SkyBox")
        expect(info).to_contain_text("by SkyCentrics")
        expect(info).to_contain_text("2C:CF:67:6D:AD:BB")
        shown = expected.shown[gateway["id"]]
        assert len(shown) >= 5, shown
        _check_entity_rows(page, shown)

        parts = page.locator("ha-device-via-devices-card")
        expect(parts).to_contain_text("Connected devices")
        items = parts.locator("ha-list-item")
        expect(items).to_have_count(len(PARTS))
        for item, name in zip(items.all(), PARTS, strict=True):  # sorted by name
            count = expected.entity_counts[expected.device(name)["id"]]
            expect(item).to_have_text(re.compile(rf"^\s*{re.escape(name)}\s*{count} entities\s*$"))
        _save(page, stack, "device-gateway")
    finally:
        page.set_viewport_size(VIEWPORT)


def test_connected_device_link_opens_the_pv_inverter(
    page: Page, stack: Stack, expected: Expected
) -> None:
    """A click on the gateway's "PV inverter 1" under it opens the part's page, with its power."""
    gateway = expected.device(GATEWAY)
    inverter = expected.device("ssb-001-pae-replacement PV inverter 1")
    _open(page, stack, f"/config/devices/device/{gateway['id']}")
    link = page.locator(f'ha-device-via-devices-card a[href$="/device/{inverter["id"]}"]')
    expect(link).to_contain_text("ssb-001-pae-replacement PV inverter 1")
    link.click()
    page.wait_for_url(f"**/config/devices/device/{inverter['id']}")
    expect(page.locator("hass-subpage .main-title")).to_have_text(
        "ssb-001-pae-replacement PV inverter 1"
    )
    power = expected.states["sensor.ssb_001_pae_replacement_pv_inverter_1_power"]["state"]
    assert float(power) == pytest.approx(14.31)
    expect(_entity_row(page, "Power")).to_contain_text(re.compile(r"(?<![\d.])14\.31\s?kW"))
    _check_entity_rows(page, expected.shown[inverter["id"]])
    expect(page.get_by_text(f"Connected via {GATEWAY}")).to_be_visible()


def test_battery_device_page(page: Page, stack: Stack, expected: Expected) -> None:
    """The battery's page: every enabled entity with its value, as the API and precision say."""
    battery = expected.device("ssb-001-pae-replacement Battery")
    page.set_viewport_size(DEVICE_VIEWPORT)
    try:
        _open(page, stack, f"/config/devices/device/{battery['id']}")
        expect(page.locator("hass-subpage .main-title")).to_have_text(
            "ssb-001-pae-replacement Battery"
        )
        info = page.locator("ha-device-info-card")
        expect(info).to_contain_text("Battery energy storage system")
        expect(info).to_contain_text(f"Connected via {GATEWAY}")
        shown = expected.shown[battery["id"]]
        names = {entity.name for entity in shown}
        assert {
            "State of charge",
            "Charge (+)/discharge (-) power",
            "Lifetime energy charged",
            "Lifetime energy discharged",
            "Voltage",
            "Current",
        } <= names
        _check_entity_rows(page, shown)
        # The guide's values, as Home Assistant formats them (precision 0 and 2).
        expect(_entity_row(page, "State of charge")).to_contain_text(re.compile(r"\b30\s?%"))
        expect(_entity_row(page, "Charge (+)/discharge (-) power")).to_contain_text(
            re.compile(r"(?<![-\d.])9\.90\s?kW")
        )
        _save(page, stack, "device-battery")
    finally:
        page.set_viewport_size(VIEWPORT)


def test_integration_page(page: Page, stack: Stack, expected: Expected) -> None:
    """The integration's page: our icon, one hub entry, six devices with their models and entity
    counts."""
    _open(page, stack, "/config/integrations/integration/skycentrics")
    page_root = page.locator("ha-config-integration-page")
    expect(page_root.get_by_text("SkyCentrics", exact=True).first).to_be_visible()
    # The header's icon comes from custom_components/skycentrics/brand/ (the brands API), and
    # has loaded: a broken image has no natural width.
    icon = page_root.locator('img[src*="/api/brands/integration/skycentrics/"]').first
    expect(icon).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=icon.element_handle())
    assert icon.evaluate("img => img.naturalWidth") in (256, 512)
    expect(page_root).to_contain_text(f"{len(expected.devices)} devices")
    expect(page_root).to_contain_text(f"{expected.own_entities} entities")
    entries = page.locator("ha-config-entry-row")
    expect(entries).to_have_count(1)
    rows = entries.locator("ha-config-entry-device-row")
    expect(rows).to_have_count(len(expected.devices))
    for name, device in expected.devices.items():
        row = rows.filter(has=page.get_by_text(name, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(device["model"])
        expect(row).to_contain_text(f"{expected.own_counts[device['id']]} entities")
    _save(page, stack, "integration")


def test_energy_dashboard_shows_solar_and_battery(
    page: Page, stack: Stack, expected: Expected
) -> None:
    """The Energy dashboard draws our sources (not its set-up prompt), with the live charge.

    Long-term statistics are compiled every 5 minutes, so energy totals may still be zero; the
    cards, the sources' circles and the state of charge (read live) are there at once.
    """
    _open(page, stack, "/energy")
    # In the first hour after midnight the dashboard opens on yesterday, without the live
    # charge: "Now" picks today.
    page.locator("hui-energy-period-selector").first.get_by_text("Now", exact=True).click()
    distribution = page.locator("hui-energy-distribution-card")
    expect(distribution).to_be_visible()
    expect(distribution.locator(".circle-container.solar")).to_contain_text("Solar")
    battery = distribution.locator(".circle-container.battery")
    expect(battery).to_contain_text("Battery")
    charge = round(
        float(expected.states["sensor.ssb_001_pae_replacement_battery_state_of_charge"]["state"])
    )
    expect(battery).to_contain_text(re.compile(rf"(?<!\d){charge}\s?%"))
    totals = page.locator("hui-energy-sources-table-card")
    expect(totals.get_by_text("Solar total", exact=True)).to_be_visible()
    expect(totals.get_by_text("Battery total", exact=True)).to_be_visible()
    expect(page.locator("hui-power-sources-graph-card")).to_be_visible()
    # README's picture of the dashboard is test_3_energy's: the imported week.
    screenshot(page, stack.artifacts / "energy-dashboard-first-look.png")


def test_energy_now_shows_the_live_power(page: Page, stack: Stack, expected: Expected) -> None:
    """The Energy dashboard's "Now" view: power used = solar + battery discharge, live."""
    states = expected.states
    # kW, as the API reports them; the battery counts charging as positive.
    solar = sum(
        float(states[f"sensor.ssb_001_pae_replacement_pv_inverter_{n}_power"]["state"])
        for n in (1, 2)
    )
    charging = float(
        states["sensor.ssb_001_pae_replacement_battery_charge_discharge_power"]["state"]
    )
    _open(page, stack, "/energy/now")
    usage = page.locator("hui-view-badges hui-badge").filter(has_text="Power usage")
    value = usage.get_by_text(re.compile(r"\d\s?kW"))
    expect(value).to_be_visible()
    text = value.inner_text()
    found = re.search(r"(-?[\d,]+(?:\.\d+)?)\s?kW", text)
    assert found, text
    assert float(found.group(1).replace(",", "")) == pytest.approx(solar - charging, abs=0.01)
    legend = page.locator("hui-power-sources-graph-card")
    for name in ("Solar", "Battery"):
        expect(legend.get_by_text(name, exact=True)).to_be_visible()
    screenshot(page, stack.artifacts / "energy-now.png")
