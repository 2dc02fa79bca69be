"""The thermostat, the water heater and the plug controlled the Home Assistant way.

The thermostat joins by reconfigure (as the water heater did in test_4); a dashboard with the
cards a user would add is saved; in the browser, the thermostat card's mode button and "+" send
the signed PUTs (the simulator records only requests whose signature it checked) and the card
follows what the device reports; the water heater card shows its state during a shed. The plug
joins the simulator's account while Home Assistant runs: it is offered through a discovery flow,
confirmed as the frontend does, and switched from the dashboard; taken off the account, it leaves.
Screenshot: the README's thermostat and water heater cards (``control-cards``).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from playwright.sync_api import Locator, Page, ViewportSize, expect
import pytest

from skycentrics_simulator import (
    FLEET_PLUG_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SEED_DEVICE_ID,
)

from .conftest import Stack
from .test_2_browser import _open, _outside_playwright, _save, _stack_page

FLOW = "/api/config/config_entries/flow"
THERMOSTAT = "ct80-simulated"
HEATER = "water-heater-simulated"
PLUG = "skyplug-simulated"
DASHBOARD = "skycentrics-cards"
DASHBOARD_VIEWPORT: ViewportSize = {"width": 1000, "height": 760}


def _device(stack: Stack, name: str) -> dict[str, Any] | None:
    return next((d for d in stack.device_registry() if d["name"] == name), None)


def _entity(stack: Stack, device_id: str, domain: str) -> str | None:
    """The device's entity of a platform (climate, water_heater, switch...)."""
    return next(
        (
            e["entity_id"]
            for e in stack.entity_registry()
            if e["device_id"] == device_id and e["entity_id"].startswith(f"{domain}.")
        ),
        None,
    )


def _sim_requests(stack: Stack) -> list[dict[str, Any]]:
    """The control requests the simulator took (each passed its signature check)."""

    async def call(session: aiohttp.ClientSession) -> list[dict[str, Any]]:
        async with session.get(f"http://127.0.0.1:{stack.control_port}/requests") as response:
            assert response.status == 200
            result: list[dict[str, Any]] = await response.json()
            return result

    return stack.run_session(call)


def _new_requests(stack: Stack, before: int) -> list[dict[str, Any]]:
    return _sim_requests(stack)[before:]


def _loaded(stack: Stack) -> bool:
    return any(
        e["entry_id"] == stack.entry_id and e["state"] == "loaded"
        for e in stack.rest("GET", "/api/config/config_entries/entry")
    )


def test_reconfigure_adds_the_thermostat(stack: Stack) -> None:
    """Reconfigure, tick the thermostat too: it becomes a climate entity with its readings."""
    if not stack.entry_id:
        pytest.fail("no SkyCentrics entry: run tests/e2e/test_1_setup.py first (file order)")
    form = stack.rest("POST", FLOW, {"handler": "skycentrics", "entry_id": stack.entry_id})
    devices = stack.rest("POST", f"{FLOW}/{form['flow_id']}", {"url": stack.sim_url})
    [field] = devices["data_schema"]
    chosen = [*field["default"], str(FLEET_THERMOSTAT_ID)]
    assert str(FLEET_WATER_HEATER_ID) in chosen  # test_4 added it
    done = stack.rest("POST", f"{FLOW}/{form['flow_id']}", {"devices": chosen})
    assert done["reason"] == "reconfigure_successful", done
    thermostat = stack.wait_for("the thermostat's device", lambda: _device(stack, THERMOSTAT))
    stack.wait_for("the entry to reload", lambda: _loaded(stack))
    climate = stack.wait_for(
        "the climate entity", lambda: _entity(stack, thermostat["id"], "climate")
    )
    state = stack.wait_for(
        "the climate entity's state", lambda: stack.states().get(climate), timeout=60
    )
    attributes = state["attributes"]
    assert state["state"] == "cool"  # the simulator's thermostat starts in cool (reading 2)
    assert set(attributes["hvac_modes"]) == {"off", "heat", "cool", "fan_only"}
    assert attributes["fan_modes"] == ["auto", "low", "high"]
    assert attributes["temperature"] == 76  # the cool setpoint, °F as the unit system
    assert 60 <= attributes["current_temperature"] <= 90
    assert attributes["hvac_action"] in {"cooling", "idle"}


def _save_dashboard(stack: Stack, climate: str, heater: str, *more: str) -> None:
    """A dashboard with the cards a user adds for these devices."""
    dashboards = stack.ws({"type": "lovelace/dashboards/list"})
    if not any(d["url_path"] == DASHBOARD for d in dashboards):
        stack.ws(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": "SkyCentrics",
                "mode": "storage",
            }
        )
    stack.ws(
        {
            "type": "lovelace/config/save",
            "url_path": DASHBOARD,
            "config": {
                "views": [
                    {
                        "title": "Devices",
                        "path": "devices",
                        "cards": [
                            {
                                "type": "thermostat",
                                "entity": climate,
                                "features": [
                                    {
                                        "type": "climate-hvac-modes",
                                        "hvac_modes": ["off", "heat", "cool", "fan_only"],
                                    }
                                ],
                            },
                            {"type": "thermostat", "entity": heater},
                            *([{"type": "entities", "entities": list(more)}] if more else []),
                        ],
                    }
                ]
            },
        }
    )


def _wait_for_state(stack: Stack, climate: str, mode: str, target: float | None) -> None:
    def reported() -> bool:
        state = stack.states()[climate]
        return state["state"] == mode and target in (None, state["attributes"]["temperature"])

    stack.wait_for(f"{mode} {target or ''} reported", reported, timeout=45)


def _thermostat_id(stack: Stack) -> str:
    device = _device(stack, THERMOSTAT)
    assert device is not None
    return str(device["id"])


def _heater_id(stack: Stack) -> str:
    device = _device(stack, HEATER)
    assert device is not None
    return str(device["id"])


def _card(page: Page, index: int) -> Locator:
    return page.locator("hui-thermostat-card").nth(index)


def test_thermostat_card_sets_mode_and_temperature(stack: Stack) -> None:
    """On the thermostat card: "Heat", then "+" once. Each sends one signed PUT of the SDK's
    shape, and the card shows what the device reports afterwards (69 °F, heating mode)."""
    thermostat = _device(stack, THERMOSTAT)
    heater = _device(stack, HEATER)
    assert thermostat is not None
    assert heater is not None
    climate = _entity(stack, thermostat["id"], "climate")
    water_heater = _entity(stack, heater["id"], "water_heater")
    assert climate is not None
    assert water_heater is not None
    _save_dashboard(stack, climate, water_heater)
    before = len(_sim_requests(stack))
    with _stack_page(stack, "thermostat-card", DASHBOARD_VIEWPORT) as page:
        _open(page, stack, f"/{DASHBOARD}/devices")
        card = _card(page, 0)
        expect(card).to_contain_text(THERMOSTAT)
        card.locator('[aria-label="Heat"]').first.click()
        _outside_playwright(_wait_for_state, stack, climate, "heat", None)
        # "+": the second of the card's two round buttons (this frontend gives them no
        # accessible name)
        expect(card.locator("ha-outlined-icon-button")).to_have_count(2)
        card.locator("ha-outlined-icon-button").nth(1).click()
        _outside_playwright(_wait_for_state, stack, climate, "heat", 69)
        expect(card).to_contain_text("69")
    sent = _new_requests(stack, before)
    group = f"/api/devices/{FLEET_THERMOSTAT_ID}"
    assert sent == [
        {"method": "PUT", "path": f"{group}/thermostat_mode", "body": {"data": 4}},
        {
            "method": "PUT",
            "path": f"{group}/temp_setpoint",
            "body": {"setpoint": [69, 76], "units": "F", "type": 10},
        },
    ]


def test_water_heater_card_during_a_shed(stack: Stack) -> None:
    """The water heater card shows the CTA-2045 state while shed, then normal again."""
    heater = _device(stack, HEATER)
    assert heater is not None
    water_heater = _entity(stack, heater["id"], "water_heater")
    assert water_heater is not None
    shed = next(
        e["entity_id"]
        for e in stack.entity_registry()
        if e["device_id"] == heater["id"] and e["translation_key"] == "shed_load"
    )
    stack.rest("POST", "/api/services/button/press", {"entity_id": shed})
    state = stack.wait_for(
        "the water heater curtailed",
        lambda: (s := stack.states()[water_heater])["state"].endswith("curtailed") and s,
        timeout=45,
    )
    assert state["attributes"]["current_temperature"] is not None
    with _stack_page(stack, "water-heater-card", DASHBOARD_VIEWPORT) as page:
        _open(page, stack, f"/{DASHBOARD}/devices")
        expect(_card(page, 1)).to_contain_text(HEATER)
        expect(_card(page, 1)).to_contain_text("Running curtailed (shed)")
        _save(page, stack, "control-cards")  # the README's picture: both cards
    end = next(
        e["entity_id"]
        for e in stack.entity_registry()
        if e["device_id"] == heater["id"] and e["translation_key"] == "end_shed"
    )
    stack.rest("POST", "/api/services/button/press", {"entity_id": end})
    stack.wait_for(
        "the water heater back to normal",
        lambda: not stack.states()[water_heater]["state"].endswith("curtailed"),
        timeout=45,
    )


def _discovery(stack: Stack) -> dict[str, Any] | None:
    flows = stack.ws({"type": "config_entries/flow/progress"})
    return next(
        (
            f
            for f in flows
            if f["handler"] == "skycentrics" and f["context"]["source"] == "integration_discovery"
        ),
        None,
    )


def test_plug_joins_through_discovery_and_switches(stack: Stack) -> None:
    """The plug joins the account while Home Assistant runs: the entry (made with chosen
    devices) offers it; confirmed, its switch appears, and turning it off on the dashboard in the
    browser sends the relay PUT; the switch then shows the relay as the plug reports it."""
    assert _device(stack, PLUG) is None
    assert FLEET_PLUG_ID in stack.sim_account("PUT", FLEET_PLUG_ID)
    stack.rest(
        "POST", "/api/services/homeassistant/reload_config_entry", {"entry_id": stack.entry_id}
    )
    flow = stack.wait_for("the plug offered", lambda: _discovery(stack), timeout=60)
    assert flow["step_id"] == "discovery_confirm", flow
    assert PLUG in flow["context"]["title_placeholders"]["name"], flow
    done = stack.rest("POST", f"{FLOW}/{flow['flow_id']}", {})
    assert done["type"] == "abort", done
    plug = stack.wait_for("the plug's device", lambda: _device(stack, PLUG), timeout=60)
    switch = stack.wait_for("the plug's switch", lambda: _entity(stack, plug["id"], "switch"))
    stack.wait_for("the plug on", lambda: stack.states().get(switch, {}).get("state") == "on")
    climate = _entity(stack, _thermostat_id(stack), "climate")
    heater = _entity(stack, _heater_id(stack), "water_heater")
    assert climate is not None
    assert heater is not None
    _save_dashboard(stack, climate, heater, switch)
    before = len(_sim_requests(stack))
    with _stack_page(stack, "plug-switch") as page:
        _open(page, stack, f"/{DASHBOARD}/devices")
        row = page.locator("hui-entities-card hui-toggle-entity-row")
        expect(row).to_contain_text(PLUG)
        row.locator("ha-entity-toggle").click()
        _outside_playwright(
            stack.wait_for,
            "the plug off",
            lambda: stack.states()[switch]["state"] == "off",
            45,
        )
    assert _new_requests(stack, before) == [
        {"method": "PUT", "path": f"/api/smartplugs/{FLEET_PLUG_ID}/relay", "body": {"d": 0}}
    ]


def test_plug_taken_off_the_account_leaves(stack: Stack) -> None:
    """Off the account (not listed, its data 404): at the next list read it leaves the entry,
    with its device and entities; the other devices stay."""
    plug = _device(stack, PLUG)
    assert plug is not None
    assert FLEET_PLUG_ID not in stack.sim_account("DELETE", FLEET_PLUG_ID)
    stack.rest(
        "POST", "/api/services/homeassistant/reload_config_entry", {"entry_id": stack.entry_id}
    )
    stack.wait_for("the plug gone", lambda: _device(stack, PLUG) is None, timeout=60)
    assert not [e for e in stack.entity_registry() if e["device_id"] == plug["id"]]
    assert _device(stack, THERMOSTAT) is not None
    assert any(str(SEED_DEVICE_ID) in str(d["identifiers"]) for d in stack.device_registry())
