"""The config flow, against the simulator over a real socket (mocks only for the unexpected)."""

from __future__ import annotations

from typing import Any, Literal
from unittest.mock import patch

from aiohttp import web
from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.skycentrics.api import DEFAULT_URL
from custom_components.skycentrics.const import (
    CONF_DEVICE_ID,
    DOMAIN,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_SCAN_INTERVAL_SECONDS,
)
from skycentrics_simulator import SEED_DEVICE_ID, Fault, Handler, Simulator, faults

from .common import CLIENT_ID, CLIENT_SECRET

SECOND_ID = SEED_DEVICE_ID + 1


def _keys(simulator: Simulator, **overrides: str) -> dict[str, str]:
    return {
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: CLIENT_SECRET,
        CONF_URL: simulator.url,
    } | overrides


async def _start(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    schema_defaults = {
        str(k): k.default() for k in result["data_schema"].schema if callable(k.default)
    }  # type: ignore[union-attr]
    assert schema_defaults == {CONF_URL: DEFAULT_URL}
    return str(result["flow_id"])


async def _create(
    hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]
) -> ConfigFlowResult:
    """Submit the step that ends the flow: the entry is created (and set up once)."""
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True) as setup:
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(setup.mock_calls) == 1
    return result


async def test_one_device(hass: HomeAssistant, simulator: Simulator) -> None:
    """Keys that read one device: the entry is created right away, checked by the API."""
    flow_id = await _start(hass)
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True) as setup:
        result = await hass.config_entries.flow.async_configure(
            flow_id, _keys(simulator, **{CONF_CLIENT_ID: f"  {CLIENT_ID} "})
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "ssb-001-pae-replacement"
    assert result["data"] == {
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: CLIENT_SECRET,
        CONF_URL: simulator.url,
        CONF_DEVICES: [SEED_DEVICE_ID],
    }
    assert result["result"].unique_id == CLIENT_ID
    assert len(setup.mock_calls) == 1
    assert [r[1] for r in simulator.requests] == ["/api/devices/"]


async def test_several_devices_pick(hass: HomeAssistant, socket_enabled: None) -> None:
    """Keys that read several devices: the user picks; none picked is an error."""
    async with Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=3) as sim:
        flow_id = await _start(hass)
        result = await hass.config_entries.flow.async_configure(flow_id, _keys(sim))
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "devices"
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_DEVICES: []})
        assert result["errors"] == {"base": "no_devices_selected"}
        with patch("custom_components.skycentrics.async_setup_entry", return_value=True):
            result = await hass.config_entries.flow.async_configure(
                flow_id, {CONF_DEVICES: [str(SEED_DEVICE_ID), str(SEED_DEVICE_ID + 2)]}
            )
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert result["title"] == "SkyCentrics (2 devices)"
        assert result["data"][CONF_DEVICES] == [SEED_DEVICE_ID, SEED_DEVICE_ID + 2]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({CONF_CLIENT_SECRET: "wrong"}, {"base": "invalid_auth"}),
        ({CONF_CLIENT_ID: "unknown-client"}, {"base": "invalid_auth"}),
        ({CONF_URL: "http://192.168.1.20"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "not a url"}, {CONF_URL: "invalid_url"}),
        ({CONF_URL: "http://127.0.0.1:9"}, {"base": "cannot_connect"}),
    ],
)
async def test_user_errors_then_recover(
    hass: HomeAssistant, simulator: Simulator, change: dict[str, str], error: dict[str, str]
) -> None:
    """Bad keys, a bad URL and an unreachable host are form errors; fixing them works."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator, **change))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == error
    result = await _create(hass, flow_id, _keys(simulator))
    assert result["data"][CONF_DEVICES] == [SEED_DEVICE_ID]


async def _html_page(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A URL that answers 200, but with a web page, not like the API."""
    return web.Response(text="<html>Welcome to nginx</html>", content_type="text/html")


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (_html_page, "invalid_response"),
        (faults.html(502), "invalid_response"),
        (faults.invalid_json(), "invalid_response"),
        (faults.status(500), "invalid_response"),
    ],
    ids=["not_an_api", "proxy_error_page", "not_json", "server_error"],
)
async def test_not_an_api(
    hass: HomeAssistant, simulator: Simulator, fault: Fault, error: str
) -> None:
    """A URL that answers, but not like the API: a form error; the next try works."""
    simulator.add_fault(fault)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    await _create(hass, flow_id, _keys(simulator))


async def test_unexpected_error(hass: HomeAssistant, simulator: Simulator) -> None:
    """An unexpected exception is logged and shown as unknown (the branch a server can't reach);
    the next try, without it, creates the entry."""
    flow_id = await _start(hass)
    with patch(
        "custom_components.skycentrics.config_flow.SkyCentricsClient.async_get_devices",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    await _create(hass, flow_id, _keys(simulator))


async def test_listing_refused_type_device_id(hass: HomeAssistant, simulator: Simulator) -> None:
    """Listing refused: the user types the device id; a wrong one is an error."""
    simulator.list_forbidden = True
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "device_id"
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_DEVICE_ID: "abc"})
    assert result["errors"] == {CONF_DEVICE_ID: "invalid_device_id"}
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_DEVICE_ID: "123"})
    assert result["errors"] == {CONF_DEVICE_ID: "device_not_found"}
    result = await _create(hass, flow_id, {CONF_DEVICE_ID: f" {SEED_DEVICE_ID} "})
    assert result["data"][CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_listing_not_found_type_device_id(hass: HomeAssistant, simulator: Simulator) -> None:
    """A server without the list endpoint (404) also asks for the device id, which works."""
    simulator.add_fault(faults.status(404, message="Not found"))  # the listing only
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "device_id"
    result = await _create(hass, flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID)})
    assert result["data"][CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_listing_empty_type_device_id(hass: HomeAssistant, simulator: Simulator) -> None:
    """An empty device list also asks for the id; a connection loss there is an error; the
    next try works."""
    simulator.add_fault(faults.replay([]))  # the listing: no devices
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["step_id"] == "device_id"
    await simulator.stop()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID)}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    await simulator.start(port=simulator.port)  # back, at the same URL
    result = await _create(hass, flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID)})
    assert result["data"][CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_listing_empty_device_not_readable(hass: HomeAssistant, simulator: Simulator) -> None:
    """Keys that may read no device: an empty list, and a typed id is not found; once the
    account may read the device, the same id works."""
    simulator.readable_by = {CLIENT_ID: set()}
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["step_id"] == "device_id"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID)}
    )
    assert result["errors"] == {CONF_DEVICE_ID: "device_not_found"}
    simulator.readable_by = {CLIENT_ID: {SEED_DEVICE_ID}}
    await _create(hass, flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID)})


async def test_already_configured(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """The same client id twice is refused."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def _reauth_succeeds(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry, flow_id: str
) -> None:
    """Submit the right secret: the entry is updated and reloaded, nothing else changed."""
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True) as setup:
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_CLIENT_SECRET: " new-secret "}
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert len(setup.mock_calls) == 1  # the entry was reloaded
    assert config_entry.data == {
        CONF_CLIENT_ID: CLIENT_ID,
        CONF_CLIENT_SECRET: "new-secret",
        CONF_URL: simulator.url,
        CONF_DEVICES: [SEED_DEVICE_ID],
    }


@pytest.mark.parametrize(
    ("fault", "secret", "error"),
    [
        (None, "still-wrong", "invalid_auth"),
        ("down", "new-secret", "cannot_connect"),
        (faults.invalid_json(), "new-secret", "invalid_response"),
        (faults.status(404), "new-secret", "device_not_found"),
    ],
    ids=["invalid_auth", "cannot_connect", "invalid_response", "device_not_found"],
)
async def test_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    fault: Fault | Literal["down"] | None,
    secret: str,
    error: str,
) -> None:
    """A new secret for the same account: checked, stored, entry reloaded; nothing else lost.
    A wrong secret or a failed check is a form error; the next try succeeds."""
    simulator.clients[CLIENT_ID] = "new-secret"
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    if fault == "down":
        await simulator.stop()
    elif fault is not None:
        simulator.add_fault(fault)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: secret}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    if fault == "down":
        await simulator.start(port=simulator.port)  # back, at the same URL
    await _reauth_succeeds(hass, simulator, config_entry, result["flow_id"])


async def test_reauth_unexpected_error(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """An unexpected exception during reauth is shown as unknown; the next try succeeds."""
    simulator.clients[CLIENT_ID] = "new-secret"
    result = await config_entry.start_reauth_flow(hass)
    with patch(
        "custom_components.skycentrics.config_flow.SkyCentricsClient.async_get_device",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_CLIENT_SECRET: "new-secret"}
        )
    assert result["errors"] == {"base": "unknown"}
    await _reauth_succeeds(hass, simulator, config_entry, result["flow_id"])


@pytest.mark.parametrize(
    ("bad_url", "error"),
    [
        ("http://example.com", {CONF_URL: "invalid_url"}),
        ("http://127.0.0.1:9", {"base": "cannot_connect"}),
    ],
)
async def test_reconfigure_url_and_devices(
    hass: HomeAssistant, socket_enabled: None, bad_url: str, error: dict[str, str]
) -> None:
    """Reconfigure: a new URL is checked (a bad one is a form error), then the devices are
    chosen again."""
    async with (
        Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=1) as old,
        Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=2) as new,
    ):
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=CLIENT_ID,
            data=_keys(old) | {CONF_DEVICES: [SEED_DEVICE_ID]},
        )
        entry.add_to_hass(hass)
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: bad_url}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == error
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: new.url}
        )
        assert result["step_id"] == "devices"
        with patch("custom_components.skycentrics.async_setup_entry", return_value=True):
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {CONF_DEVICES: [str(SEED_DEVICE_ID), str(SECOND_ID)]}
            )
            await hass.async_block_till_done()
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "reconfigure_successful"
        assert entry.data[CONF_URL] == new.url
        assert entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND_ID]
        assert entry.data[CONF_CLIENT_SECRET] == CLIENT_SECRET


async def test_reconfigure_listing_refused(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """Reconfigure where listing is refused: device ids typed, current ones suggested."""
    simulator.list_forbidden = True
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: simulator.url}
    )
    assert result["step_id"] == "device_id"
    suggested = {
        str(k): (k.description or {}).get("suggested_value")
        for k in result["data_schema"].schema  # type: ignore[union-attr]
    }
    assert suggested == {CONF_DEVICE_ID: str(SEED_DEVICE_ID)}
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_DEVICE_ID: str(SEED_DEVICE_ID)}
        )
    assert result["reason"] == "reconfigure_successful"


async def test_options_poll_interval(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The poll interval option is bounded, stored and applied by a reload."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 300}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: 300}
    (coordinator,) = loaded_entry.runtime_data.coordinators.values()
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 300


@pytest.mark.parametrize(
    "out_of_range", [5, MIN_SCAN_INTERVAL_SECONDS - 1, MAX_SCAN_INTERVAL_SECONDS + 1]
)
async def test_options_poll_interval_out_of_range(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry, out_of_range: int
) -> None:
    """A poll interval outside 30-3600 s is refused; the same flow then takes a good one."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    flow_id = result["flow_id"]
    with pytest.raises(InvalidData, match="scan_interval"):
        await hass.config_entries.options.async_configure(
            flow_id, {CONF_SCAN_INTERVAL: out_of_range}
        )
    assert loaded_entry.options == {}
    result = await hass.config_entries.options.async_configure(
        flow_id, {CONF_SCAN_INTERVAL: MIN_SCAN_INTERVAL_SECONDS}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: MIN_SCAN_INTERVAL_SECONDS}
