"""A water heater joins the entry as a user adds one: reconfigure, tick it, look, command it.

The simulator's fleet (``--fleet``) holds an AO Smith heat pump water heater on the seed's
account; test_1 chose the gateway only. Here the reconfigure flow (as the frontend starts it:
the entry's id with the handler) adds it, its CTA-2045 readings become entities, its "Shed
load" button curtails it (the simulator opens its relay) and "Back to normal" ends that. Its
device page is looked at in the browser, as test_2_browser looks at the gateway's.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
import pytest

from skycentrics_simulator import FLEET_WATER_HEATER_ID, SEED_DEVICE_ID

from .conftest import Stack
from .test_2_browser import (
    DEVICE_VIEWPORT,
    Shown,
    _check_entity_rows,
    _open,
    _outside_playwright,
    _save,
    _stack_page,
    shown_entities,
)

FLOW = "/api/config/config_entries/flow"
NAME = "water-heater-simulated"
MODEL = "AO Smith heat pump water heater"
BUTTONS = ("shed_load", "load_up", "end_shed")
CURTAILED = {"running_curtailed", "idle_curtailed"}
NORMAL = {"running_normal", "idle_normal"}
STATE_KEY = "component.skycentrics.entity.sensor.operational_state.state.{}"


def _water_heater(stack: Stack) -> dict[str, Any] | None:
    """The water heater's device registry entry, once it is there."""
    return next((d for d in stack.device_registry() if d["name"] == NAME), None)


def _entities(stack: Stack, device_id: str) -> dict[str, str]:
    """The device's entities: translation key -> entity id."""
    return {
        e["translation_key"]: e["entity_id"]
        for e in stack.entity_registry()
        if e["device_id"] == device_id and e["translation_key"]
    }


def _translations(stack: Stack) -> dict[str, str]:
    """The integration's entity translations (English), as the frontend loads them."""
    result = stack.ws(
        {
            "type": "frontend/get_translations",
            "language": "en",
            "category": "entity",
            "integration": ["skycentrics"],
        }
    )
    resources: dict[str, str] = result["resources"]
    return resources


def _loaded(stack: Stack) -> bool:
    return any(
        e["entry_id"] == stack.entry_id and e["state"] == "loaded"
        for e in stack.rest("GET", "/api/config/config_entries/entry")
    )


def test_reconfigure_adds_the_water_heater(stack: Stack) -> None:
    """Reconfigure (the URL kept), tick the water heater next to the gateway: the entry reloads
    with both, the gateway's entities kept."""
    if not stack.entry_id:
        pytest.fail("no SkyCentrics entry: run tests/e2e/test_1_setup.py first (file order)")
    before = {e["unique_id"]: e["entity_id"] for e in stack.entity_registry()}
    assert _water_heater(stack) is None
    form = stack.rest("POST", FLOW, {"handler": "skycentrics", "entry_id": stack.entry_id})
    assert form["type"] == "form", form
    assert form["step_id"] == "reconfigure"
    assert [field["name"] for field in form["data_schema"]] == ["url"]
    devices = stack.rest("POST", f"{FLOW}/{form['flow_id']}", {"url": stack.sim_url})
    assert devices["type"] == "form", devices
    assert devices["step_id"] == "devices"
    [field] = devices["data_schema"]
    assert field["default"] == [str(SEED_DEVICE_ID)]  # the entry's devices, ticked
    labels = {o["value"]: o["label"] for o in field["selector"]["select"]["options"]}
    assert labels[str(FLEET_WATER_HEATER_ID)] == f"{NAME} ({FLEET_WATER_HEATER_ID})"
    done = stack.rest(
        "POST",
        f"{FLOW}/{form['flow_id']}",
        {"devices": [str(SEED_DEVICE_ID), str(FLEET_WATER_HEATER_ID)]},
    )
    assert done["type"] == "abort", done
    assert done["reason"] == "reconfigure_successful"

    heater = stack.wait_for("the water heater's device", lambda: _water_heater(stack))
    stack.wait_for("the entry to reload", lambda: _loaded(stack))
    stack.wait_for(
        "the water heater's entities with states",
        lambda: (
            (entities := _entities(stack, heater["id"]))
            and {"operational_state", "temperature", *BUTTONS} <= set(entities)
            and entities["operational_state"] in stack.states()
        ),
    )
    after = {e["unique_id"]: e["entity_id"] for e in stack.entity_registry()}
    assert {k: v for k, v in after.items() if k in before} == before  # the gateway's kept
    entries = [
        e
        for e in stack.rest("GET", "/api/config/config_entries/entry")
        if e["domain"] == "skycentrics"
    ]
    assert [e["entry_id"] for e in entries] == [stack.entry_id]


def test_water_heater_device_and_entities(stack: Stack) -> None:
    """Its device and what its CTA-2045 readings became: the operational state (an enum with
    translated states), the water's temperature in the unit system, the storage capacities,
    the lifetime energy, the relay and the three demand-response buttons."""
    heater = _water_heater(stack)
    assert heater is not None
    assert heater["model"] == MODEL
    assert heater["manufacturer"] == "SkyCentrics"
    assert heater["via_device_id"] is None  # a device of its own, not a gateway's part
    entities = _entities(stack, heater["id"])
    states = stack.states()

    state = states[entities["operational_state"]]
    assert state["attributes"]["device_class"] == "enum"
    options = state["attributes"]["options"]
    assert set(options) >= CURTAILED | NORMAL
    assert state["state"] in options
    translations = _translations(stack)
    assert translations[STATE_KEY.format("running_curtailed")] == "Running curtailed (shed)"
    assert all(STATE_KEY.format(option) in translations for option in options)

    temperature = states[entities["temperature"]]
    unit = stack.rest("GET", "/api/config")["unit_system"]["temperature"]
    assert temperature["attributes"]["unit_of_measurement"] == unit == "°F"
    assert temperature["attributes"]["device_class"] == "temperature"
    assert 80 <= float(temperature["state"]) <= 130  # the simulator: 85 to 125 °F

    present = states[entities["present_storage_capacity"]]
    total = states[entities["total_storage_capacity"]]
    for storage in (present, total):
        assert storage["attributes"]["device_class"] == "energy_storage"
        assert storage["attributes"]["unit_of_measurement"] == "Wh"
    assert float(total["state"]) == 4800  # the simulator's tank
    assert 0 <= float(present["state"]) <= float(total["state"])

    energy = states[entities["energy_consumed"]]
    assert energy["attributes"]["device_class"] == "energy"
    assert energy["attributes"]["unit_of_measurement"] == "Wh"
    assert float(energy["state"]) >= 2_345_678  # the simulator's counter at the seed's time

    relay = states[entities["relay"]]
    assert relay["attributes"]["device_class"] == "power"
    assert relay["state"] in {"on", "off"}

    for key in BUTTONS:
        assert states[entities[key]]["state"] == "unknown"  # never pressed
    names = {key: states[entities[key]]["attributes"]["friendly_name"] for key in BUTTONS}
    assert names == {
        "shed_load": f"{NAME} Shed load",
        "load_up": f"{NAME} Load up",
        "end_shed": f"{NAME} Back to normal",
    }


def _press(stack: Stack, entity_id: str) -> None:
    stack.rest("POST", "/api/services/button/press", {"entity_id": entity_id})


def test_shed_load_then_back_to_normal(stack: Stack) -> None:
    """ "Shed load" curtails the water heater (relay open) at the refresh after the press; "Back
    to normal" ends it."""
    heater = _water_heater(stack)
    assert heater is not None
    entities = _entities(stack, heater["id"])
    operational, relay = entities["operational_state"], entities["relay"]

    _press(stack, entities["shed_load"])
    shed = stack.wait_for(
        "the water heater curtailed",
        lambda: (s := stack.states())[operational]["state"] in CURTAILED and s,
        timeout=45,
    )
    assert shed[relay]["state"] == "off"  # the simulator opens the relay while curtailed
    assert shed[entities["shed_load"]]["state"] != "unknown"  # when it was pressed

    _press(stack, entities["end_shed"])
    normal = stack.wait_for(
        "the water heater back to normal",
        lambda: (s := stack.states())[operational]["state"] in NORMAL and s,
        timeout=45,
    )
    assert normal[entities["end_shed"]]["state"] != "unknown"


def _shown(stack: Stack, device_id: str) -> list[Shown]:
    """The device's enabled entities as its page should show them now (test_2_browser's rule),
    and the operational state in words."""
    states = stack.states()
    shown = shown_entities(stack, states).get(device_id, [])
    operational = _entities(stack, device_id)["operational_state"]
    words = _translations(stack)[STATE_KEY.format(states[operational]["state"])]
    # The whole words: "Running" is not "Running curtailed (shed)" (the row's next word, its
    # name, is capitalised).
    pattern = re.compile(rf"(?<!\S){re.escape(words)}(?!\S|\s+[a-z(])")
    shown.append(Shown(operational, "Operational state", pattern))
    return shown


def test_water_heater_device_page(stack: Stack) -> None:
    """Its device page in the browser: model and maker, every enabled entity with its state as
    the API gave, the operational state in words. The README's picture of a water heater.

    Unlike the seed's, its readings move (a new one a minute): a poll between reading the
    states and looking at the page changes some; the page is compared again with fresh states.
    """
    heater = _water_heater(stack)
    assert heater is not None
    shown = _shown(stack, heater["id"])
    names = {entity.name for entity in shown}
    assert {"Temperature", "Present energy storage capacity", "Relay", "Shed load"} <= names

    with _stack_page(stack, "water-heater-device-page", DEVICE_VIEWPORT) as page:
        _open(page, stack, f"/config/devices/device/{heater['id']}")
        expect(page.locator("hass-subpage .main-title")).to_have_text(NAME)
        info = page.locator("ha-device-info-card")
        expect(info).to_contain_text(MODEL)
        expect(info).to_contain_text("by SkyCentrics")
        for attempt in range(3):
            try:
                _check_entity_rows(page, shown)
                break
            except AssertionError:
                if attempt == 2:
                    raise
                shown = _outside_playwright(_shown, stack, heater["id"])
        _save(page, stack, "device-water-heater")
