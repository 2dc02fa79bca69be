"""The config flow, against the simulator over a real socket (mocks only for the unexpected).

Every form and abort the flows show is checked against translations/en.json: the step, each
field, error and abort has text, and every placeholder of those texts is given (`_texts`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
import contextlib
from datetime import UTC, datetime, timedelta
import json
import logging
import math
from pathlib import Path
import re
from typing import Any, Literal
import unicodedata
from unittest.mock import patch

from aiohttp import web
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlowManager,
)
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_DEVICE_ID,
    CONF_DEVICES,
    CONF_SCAN_INTERVAL,
    CONF_URL,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowManager, FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.skycentrics.api import DEFAULT_URL
from custom_components.skycentrics.const import (
    CONF_COMMAND_DURATION,
    CONF_HISTORY_DAYS,
    DATA_ALL_DEVICES,
    DATA_NOT_CHOSEN,
    DOMAIN,
    MAX_HISTORY_DAYS,
    MAX_SCAN_INTERVAL_SECONDS,
    MIN_SCAN_INTERVAL_SECONDS,
)
from skycentrics_simulator import SEED_DEVICE_ID, Fault, Handler, Simulator, faults

from .common import CLIENT_ID, CLIENT_SECRET

SECOND_ID = SEED_DEVICE_ID + 1
OTHER_ID = "b7FqTz3LmNp9XrWc2VdK"  # a second set of API keys for the same account
OTHER_SECRET = "other-secret-do-not-log"
EN = json.loads(
    (
        Path(__file__).resolve().parent.parent
        / "custom_components"
        / "skycentrics"
        / "translations"
        / "en.json"
    ).read_text()
)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def _texts(result: Any, section: str = "config") -> list[str]:
    """The texts the user reads for a form or an abort, placeholders filled in.

    Fails when a step, field, error or abort has no text, or a placeholder is not given.
    """
    given: dict[str, str] = result.get("description_placeholders") or {}
    texts: list[str] = []
    if result["type"] is FlowResultType.FORM:
        step = EN[section]["step"][result["step_id"]]
        texts.append(step.get("description", ""))
        fields = {str(key) for key in getattr(result["data_schema"], "schema", {})}
        assert fields <= set(step.get("data", {})), fields
        assert fields <= set(step.get("data_description", {})), fields
        texts += [EN[section]["error"][error] for error in (result["errors"] or {}).values()]
    elif result["type"] is FlowResultType.ABORT:
        texts.append(EN[section]["abort"][result["reason"]])
    for text in texts:
        assert _placeholders(text) <= set(given), (text, given)
    return [re.sub(r"{(\w+)}", lambda m: given[m[1]], text) for text in texts]


@pytest.fixture(autouse=True)
def _every_text_checked() -> Generator[None]:
    """Check the texts of every form and abort any flow of these tests shows."""
    original = FlowManager._async_handle_step

    async def handle_step(self: FlowManager, *args: Any) -> Any:
        result = await original(self, *args)
        _texts(result, "options" if isinstance(self, OptionsFlowManager) else "config")
        return result

    with patch.object(FlowManager, "_async_handle_step", handle_step):
        yield


def _keys(simulator: Simulator | str, **overrides: str) -> dict[str, str]:
    url = simulator if isinstance(simulator, str) else simulator.url
    return {CONF_CLIENT_ID: CLIENT_ID, CONF_CLIENT_SECRET: CLIENT_SECRET, CONF_URL: url} | overrides


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
    """Submit the step that ends the flow: the entry is created and set up (other entries of
    the tests are set up with it, when it loads the integration)."""
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True) as setup:
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert len(setup.mock_calls) == len(hass.config_entries.async_entries(DOMAIN))
    assert result["result"].state is ConfigEntryState.LOADED
    return result


def _selectors(result: Any) -> dict[str, Any]:
    return {str(k): v for k, v in result["data_schema"].schema.items()}


def _suggested(result: Any) -> dict[str, Any]:
    return {
        str(k): (k.description or {}).get("suggested_value")
        for k in result["data_schema"].schema  # type: ignore[union-attr]
    }


def _add_device(simulator: Simulator, device_id: int, name: str) -> None:
    """A further device on the simulator, with the seed device's sensors."""
    seed = simulator.devices[SEED_DEVICE_ID]
    mac = f"{int(seed['mac'], 16) + device_id - SEED_DEVICE_ID:012x}"
    simulator.devices[device_id] = {**seed, "id": device_id, "name": name, "mac": mac}


def _other_entry(hass: HomeAssistant, simulator: Simulator, devices: list[int]) -> MockConfigEntry:
    """An entry of a second set of API keys (same account) that holds ``devices``."""
    simulator.clients[OTHER_ID] = OTHER_SECRET
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Other keys",
        unique_id=OTHER_ID,
        data={
            CONF_CLIENT_ID: OTHER_ID,
            CONF_CLIENT_SECRET: OTHER_SECRET,
            CONF_URL: simulator.url,
            CONF_DEVICES: devices,
        },
    )
    entry.add_to_hass(hass)
    return entry


@contextlib.asynccontextmanager
async def _not_found_everywhere() -> AsyncIterator[str]:
    """A web server on loopback that answers 404 to everything (a wrong host); its URL."""

    async def not_found(request: web.Request) -> web.StreamResponse:
        return web.Response(status=404, text="<html>Not Found</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_found)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


# --- user step -------------------------------------------------------------------------------


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
        DATA_ALL_DEVICES: True,  # the one listed: devices added later join by themselves
        DATA_NOT_CHOSEN: [],
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
        # Chosen devices: devices added later are offered, never the one left out here.
        assert result["data"][DATA_ALL_DEVICES] is False
        assert result["data"][DATA_NOT_CHOSEN] == [SEED_DEVICE_ID + 1]


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


async def test_bad_keys_text_does_not_blame_the_clock(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """The client corrects clock differences itself (api/client.py): refused keys are the
    keys; the same keys work although this computer's clock is 10 minutes off."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _keys(simulator, **{CONF_CLIENT_SECRET: "wrong"})
    )
    (text,) = [t for t in _texts(result) if "refused" in t]
    assert "clock" not in text
    assert "client ID" in text
    simulator.clock = lambda: datetime.now(UTC) + timedelta(minutes=10)
    await _create(hass, flow_id, _keys(simulator))


# Each refused before any request, as a field error (none of them a traceback and "unknown").
BAD_FIELDS = [
    pytest.param(
        CONF_CLIENT_ID, f"{CLIENT_ID}\r\nX-Injected: 1", "invalid_client_id", id="id-crlf"
    ),
    pytest.param(CONF_CLIENT_ID, "a2Ea\x00By6D", "invalid_client_id", id="id-nul"),
    pytest.param(CONF_CLIENT_ID, "   ", "invalid_client_id", id="id-blank"),
    pytest.param(CONF_CLIENT_ID, "", "invalid_client_id", id="id-empty"),
    pytest.param(CONF_CLIENT_ID, "clïent", "invalid_client_id", id="id-not-ascii"),
    pytest.param(CONF_CLIENT_ID, "client id", "invalid_client_id", id="id-space"),
    pytest.param(CONF_CLIENT_ID, "client:id", "invalid_client_id", id="id-colon"),
    pytest.param(CONF_CLIENT_ID, "x" * 513, "invalid_client_id", id="id-too-long"),
    pytest.param(CONF_CLIENT_SECRET, "sec\nret", "invalid_client_secret", id="secret-lf"),
    pytest.param(CONF_CLIENT_SECRET, "sec\tret", "invalid_client_secret", id="secret-tab"),
    pytest.param(CONF_CLIENT_SECRET, " \t ", "invalid_client_secret", id="secret-blank"),
    pytest.param(CONF_CLIENT_SECRET, "sec\x00ret", "invalid_client_secret", id="secret-nul"),
    pytest.param(CONF_CLIENT_SECRET, "sec\x85ret", "invalid_client_secret", id="secret-c1"),
    pytest.param(CONF_CLIENT_SECRET, "sec\ud800", "invalid_client_secret", id="secret-surrogate"),
    pytest.param(CONF_CLIENT_SECRET, "s" * 4097, "invalid_client_secret", id="secret-too-long"),
    pytest.param(CONF_CLIENT_SECRET, "é" * 2049, "invalid_client_secret", id="secret-4098-bytes"),
    pytest.param(CONF_URL, "http://[::1", "invalid_url", id="url-ipv6-open"),
    pytest.param(CONF_URL, "https://[::1]x", "invalid_url", id="url-ipv6-tail"),
    pytest.param(CONF_URL, "https://[zz]", "invalid_url", id="url-ipv6-garbage"),
    pytest.param(CONF_URL, "http://127.0.0.1:99999", "invalid_url", id="url-port-range"),
    pytest.param(CONF_URL, "http://127.0.0.1:port", "invalid_url", id="url-port-text"),
    pytest.param(CONF_URL, "https://api.sky centrics.com", "invalid_url", id="url-space"),
    pytest.param(CONF_URL, "https://api.skycentrics.com\r\nX: 1", "invalid_url", id="url-crlf"),
    pytest.param(CONF_URL, "https://api.sky\x00centrics.com", "invalid_url", id="url-nul"),
    pytest.param(CONF_URL, "https://user:pw@api.skycentrics.com", "invalid_url", id="url-user"),
    pytest.param(CONF_URL, "https://api.skycentrics.com/?a=1", "invalid_url", id="url-query"),
    pytest.param(CONF_URL, "ftp://api.skycentrics.com", "invalid_url", id="url-scheme"),
    pytest.param(CONF_URL, "https://" + "a" * 2100 + ".com", "invalid_url", id="url-too-long"),
    pytest.param(CONF_URL, "", "invalid_url", id="url-empty"),
    pytest.param(CONF_URL, "https://api.skycentrics.com/v2", "url_has_path", id="url-path"),
    pytest.param(
        CONF_URL, "https://api.skycentrics.com/api/devices/", "url_has_path", id="url-endpoint"
    ),
]


@pytest.mark.parametrize(("field", "value", "error"), BAD_FIELDS)
async def test_fields_checked_before_any_request(
    hass: HomeAssistant, simulator: Simulator, field: str, value: str, error: str
) -> None:
    """Every field is checked before a request is sent: a field error on that field, never
    "unknown"; then the corrected form creates the entry."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _keys(simulator, **{field: value})
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {field: error}
    assert simulator.requests == []
    await _create(hass, flow_id, _keys(simulator))


async def test_every_bad_field_at_once(hass: HomeAssistant, simulator: Simulator) -> None:
    """Three bad fields: three field errors in one answer."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_CLIENT_ID: "a\nb", CONF_CLIENT_SECRET: "", CONF_URL: "http://[::1"}
    )
    assert result["errors"] == {
        CONF_CLIENT_ID: "invalid_client_id",
        CONF_CLIENT_SECRET: "invalid_client_secret",
        CONF_URL: "invalid_url",
    }
    assert simulator.requests == []
    await _create(hass, flow_id, _keys(simulator))


@pytest.mark.parametrize(
    ("secret", "other"),
    [
        pytest.param(
            "sécret ☃ 秘密 🔑", unicodedata.normalize("NFD", "sécret ☃ 秘密 🔑"), id="utf8"
        ),
        pytest.param("a secret, with spaces", "a secret,  with spaces", id="spaces"),
        pytest.param("é" * 2048, "é" * 2047 + "e", id="4096-bytes"),
    ],
)
async def test_any_utf8_secret_is_signed(
    hass: HomeAssistant, simulator: Simulator, secret: str, other: str
) -> None:
    """Bug 9: a secret is any UTF-8 text up to 4096 bytes, signed with its UTF-8 bytes (as
    scripts/create_api_token.py and the simulator sign it): the entry is created with it. A
    secret of other bytes (the same text decomposed, NFD) is refused by the API."""
    simulator.clients[CLIENT_ID] = secret
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _keys(simulator, **{CONF_CLIENT_SECRET: other})
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await _create(hass, flow_id, _keys(simulator, **{CONF_CLIENT_SECRET: secret}))
    assert result["data"][CONF_CLIENT_SECRET] == secret


async def test_secret_error_says_what_a_secret_is(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A secret with a control character: the field error says what is accepted."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _keys(simulator, **{CONF_CLIENT_SECRET: "sec\x07ret"})
    )
    assert result["errors"] == {CONF_CLIENT_SECRET: "invalid_client_secret"}
    (_, text) = _texts(result)
    assert "4096 bytes" in text
    assert "control characters" in text
    assert "ASCII" not in text


@pytest.mark.parametrize("tail", ["/api", "/api/", "/API/", "/"])
async def test_pasted_api_path_is_dropped(
    hass: HomeAssistant, simulator: Simulator, tail: str
) -> None:
    """The endpoint pasted as the address (".../api/"): the path is dropped, the devices are
    listed at the right place and the entry keeps the bare address."""
    flow_id = await _start(hass)
    result = await _create(hass, flow_id, _keys(f"{simulator.url}{tail}"))
    assert result["data"][CONF_URL] == simulator.url
    assert [r[1] for r in simulator.requests] == ["/api/devices/"]


async def test_not_found_everywhere_has_a_way_back(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """A wrong host that answers 404 to everything leads to "type the device id", where the
    device is not found; the URL can be corrected on that same form, and then it is."""
    async with _not_found_everywhere() as wrong_url:
        flow_id = await _start(hass)
        result = await hass.config_entries.flow.async_configure(flow_id, _keys(wrong_url))
        assert result["step_id"] == "device_id"
        assert _suggested(result) == {CONF_DEVICE_ID: "", CONF_URL: wrong_url}
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID), CONF_URL: wrong_url}
        )
        assert result["errors"] == {CONF_DEVICE_ID: "device_not_found"}
        assert str(SEED_DEVICE_ID) in " ".join(_texts(result))
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID), CONF_URL: "http://[::1"}
        )
        assert result["errors"] == {CONF_URL: "invalid_url"}
        result = await _create(
            hass, flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID), CONF_URL: f"{simulator.url}/api"}
        )
    assert result["data"][CONF_URL] == simulator.url
    assert result["data"][CONF_DEVICES] == [SEED_DEVICE_ID]


async def test_device_id_step_bad_keys_go_back(hass: HomeAssistant, simulator: Simulator) -> None:
    """No device list, and the typed device is refused for bad keys: back to the first form
    (the only one with the keys) with the error; the right keys then work."""
    simulator.add_fault(faults.status(404, message="Not found"))  # the listing only
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _keys(simulator, **{CONF_CLIENT_SECRET: "wrong"})
    )
    assert result["step_id"] == "device_id"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID)}
    )
    assert result["step_id"] == "user"
    assert result["errors"] == {"base": "invalid_auth"}
    assert _suggested(result)[CONF_CLIENT_ID] == CLIENT_ID
    assert _suggested(result)[CONF_CLIENT_SECRET] is None  # typed again, never sent back
    await _create(hass, flow_id, _keys(simulator))


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


# --- typing device ids -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param("abc", id="letters"),
        pytest.param("①", id="circled-digit"),  # str.isdigit() says yes, int() refuses
        pytest.param("١٥٩٢٦٥١٦٠٨", id="arabic-indic-digits"),  # isdigit() and int() take them
        pytest.param("1" * 5000, id="5000-digits"),
        pytest.param("9223372036854775808", id="int64-max-plus-1"),
        pytest.param("12345678901234567890", id="20-digits"),
        pytest.param("-1", id="negative"),
        pytest.param("1.5", id="fraction"),
        pytest.param("0x10", id="hex"),
        pytest.param(f"{SEED_DEVICE_ID}, abc", id="one-bad-of-two"),
        pytest.param(" , ;", id="separators-only"),
    ],
)
async def test_listing_refused_type_device_id(
    hass: HomeAssistant, simulator: Simulator, typed: str
) -> None:
    """Listing refused: the user types the device id; what is not one is a field error
    without a request, an id the keys cannot read is another; the right one works."""
    simulator.list_forbidden = True
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "device_id"
    served = len(simulator.requests)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_DEVICE_ID: typed})
    assert result["errors"] == {CONF_DEVICE_ID: "invalid_device_id"}
    assert len(simulator.requests) == served
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_DEVICE_ID: "123"})
    assert result["errors"] == {CONF_DEVICE_ID: "device_not_found"}
    assert result["description_placeholders"] == {"device_id": "123"}
    result = await _create(hass, flow_id, {CONF_DEVICE_ID: f" {SEED_DEVICE_ID} "})
    assert result["data"][CONF_DEVICES] == [SEED_DEVICE_ID]
    assert result["data"][DATA_ALL_DEVICES] is False  # typed: not every device of a list
    assert result["data"][DATA_NOT_CHOSEN] == []


async def test_device_id_int64_max_is_an_id(hass: HomeAssistant, simulator: Simulator) -> None:
    """19 digits up to int64's maximum are an id (asked for, not found); several ids are read
    in order and the one that fails is named."""
    simulator.list_forbidden = True
    flow_id = await _start(hass)
    await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_DEVICE_ID: f"{SEED_DEVICE_ID}; 9223372036854775807"}
    )
    assert result["errors"] == {CONF_DEVICE_ID: "device_not_found"}
    assert result["description_placeholders"] == {"device_id": "9223372036854775807"}
    await _create(hass, flow_id, {CONF_DEVICE_ID: str(SEED_DEVICE_ID)})


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
    """The same client id twice is refused, naming the client id and the entry, before any
    request."""
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    (text,) = _texts(result)
    assert CLIENT_ID in text
    assert config_entry.title in text
    assert simulator.requests == []


# --- a device another entry holds ------------------------------------------------------------


async def test_held_device_not_offered(
    hass: HomeAssistant, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys of the same account list three devices, one of which another entry holds: it is
    neither offered nor ticked; the others can be added."""
    _add_device(simulator, SECOND_ID, "ssb-002-simulated")
    _add_device(simulator, SECOND_ID + 1, "ssb-003-simulated")
    _other_entry(hass, simulator, [SEED_DEVICE_ID])
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["step_id"] == "devices"
    (selector,) = result["data_schema"].schema.values()  # type: ignore[union-attr]
    assert [o["value"] for o in selector.config["options"]] == [
        str(SECOND_ID),
        str(SECOND_ID + 1),
    ]
    (key,) = result["data_schema"].schema  # type: ignore[union-attr]
    assert key.default() == [str(SECOND_ID), str(SECOND_ID + 1)]
    result = await _create(hass, flow_id, {CONF_DEVICES: [str(SECOND_ID)]})
    assert result["data"][CONF_DEVICES] == [SECOND_ID]
    assert result["data"][DATA_ALL_DEVICES] is False
    assert result["data"][DATA_NOT_CHOSEN] == [SECOND_ID + 1]  # the held one was not offered


async def test_only_free_device_is_taken(hass: HomeAssistant, simulator: Simulator) -> None:
    """Two devices, one held by another entry: the other one is added right away."""
    _add_device(simulator, SECOND_ID, "ssb-002-simulated")
    _other_entry(hass, simulator, [SEED_DEVICE_ID])
    flow_id = await _start(hass)
    result = await _create(hass, flow_id, _keys(simulator))
    assert result["title"] == "ssb-002-simulated"
    assert result["data"][CONF_DEVICES] == [SECOND_ID]
    assert result["data"][DATA_ALL_DEVICES] is True  # every device offered


async def test_every_device_held_aborts(hass: HomeAssistant, simulator: Simulator) -> None:
    """Every listed device is held by another entry: the flow ends saying which entry, and
    nothing is added."""
    _other_entry(hass, simulator, [SEED_DEVICE_ID])
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "all_devices_held"
    (text,) = _texts(result)
    assert "Other keys" in text
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_typed_held_device_is_an_error(hass: HomeAssistant, simulator: Simulator) -> None:
    """A typed device id another entry holds: a field error naming that entry, without a
    request; another id then works."""
    _add_device(simulator, SECOND_ID, "ssb-002-simulated")
    _other_entry(hass, simulator, [SEED_DEVICE_ID])
    simulator.list_forbidden = True
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["step_id"] == "device_id"
    served = len(simulator.requests)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_DEVICE_ID: f"{SECOND_ID}, {SEED_DEVICE_ID}"}
    )
    assert result["errors"] == {CONF_DEVICE_ID: "device_already_configured"}
    assert result["description_placeholders"] == {
        "device_id": str(SEED_DEVICE_ID),
        "entry": "Other keys",
    }
    (_, text) = _texts(result)
    assert f"Device {SEED_DEVICE_ID} is already set up" in text
    assert "“Other keys”" in text
    assert len(simulator.requests) == served
    result = await _create(hass, flow_id, {CONF_DEVICE_ID: str(SECOND_ID)})
    assert result["data"][CONF_DEVICES] == [SECOND_ID]


async def test_device_taken_while_choosing(hass: HomeAssistant, simulator: Simulator) -> None:
    """Another entry takes a device while the form offering it is open: not added twice."""
    _add_device(simulator, SECOND_ID, "ssb-002-simulated")
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _keys(simulator))
    assert result["step_id"] == "devices"
    _other_entry(hass, simulator, [SECOND_ID])
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_DEVICES: [str(SEED_DEVICE_ID), str(SECOND_ID)]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "device_taken_meanwhile"
    assert "Other keys" in _texts(result)[0]
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_two_entries_share_no_device(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The reported case, set up for real: an entry holds the gateway; a second set of keys of
    the same account can add only the other device. No "does not generate unique IDs" error,
    and deleting the second entry leaves every entity of the first (disabled ones too)."""
    _add_device(simulator, SECOND_ID, "ssb-002-simulated")
    simulator.clients[OTHER_ID] = OTHER_SECRET
    first = er.async_entries_for_config_entry(entity_registry, loaded_entry.entry_id)
    assert any(e.disabled_by is not None for e in first)
    flow_id = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _keys(simulator, **{CONF_CLIENT_ID: OTHER_ID, CONF_CLIENT_SECRET: OTHER_SECRET})
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_DEVICES] == [SECOND_ID]
    second = result["result"]
    second_entities = er.async_entries_for_config_entry(entity_registry, second.entry_id)
    assert second_entities
    assert not {e.unique_id for e in second_entities} & {e.unique_id for e in first}
    assert "does not generate unique IDs" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await hass.config_entries.async_remove(second.entry_id)
    await hass.async_block_till_done()
    after = er.async_entries_for_config_entry(entity_registry, loaded_entry.entry_id)
    assert sorted(e.entity_id for e in after) == sorted(e.entity_id for e in first)


# --- reauth ----------------------------------------------------------------------------------


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


async def test_reauth_form_names_the_client_id(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """The form says whose secret to enter: the entry and its client id."""
    simulator.clients[CLIENT_ID] = "new-secret"
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"] == {
        "name": config_entry.title,
        "client_id": CLIENT_ID,
    }
    (text,) = _texts(result)
    assert CLIENT_ID in text
    await _reauth_succeeds(hass, simulator, config_entry, result["flow_id"])


@pytest.mark.parametrize(
    ("fault", "secret", "error"),
    [
        (None, "still-wrong", {CONF_CLIENT_SECRET: "invalid_secret"}),
        (None, "new\r\nsecret", {CONF_CLIENT_SECRET: "invalid_client_secret"}),
        (None, "  ", {CONF_CLIENT_SECRET: "invalid_client_secret"}),
        ("down", "new-secret", {"base": "cannot_connect"}),
        (faults.invalid_json(), "new-secret", {"base": "invalid_response"}),
    ],
    ids=["invalid_secret", "control_characters", "blank", "cannot_connect", "invalid_response"],
)
async def test_reauth(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    fault: Fault | Literal["down"] | None,
    secret: str,
    error: dict[str, str],
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
    assert result["errors"] == error
    if fault == "down":
        await simulator.start(port=simulator.port)  # back, at the same URL
    await _reauth_succeeds(hass, simulator, config_entry, result["flow_id"])


async def test_reauth_wrong_secret_names_the_client_id(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """The error says the secret is wrong for this client id (the only field is the secret)."""
    simulator.clients[CLIENT_ID] = "new-secret"
    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: "still-wrong"}
    )
    (_, error) = _texts(result)
    assert f"refused this secret for client ID {CLIENT_ID}" in error
    await _reauth_succeeds(hass, simulator, config_entry, result["flow_id"])


async def test_reauth_device_gone_accepts_the_secret(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """The device the secret is checked with is gone (404): the API accepted the signature (it
    answers 401 first), so the secret is stored rather than refused forever."""
    simulator.clients[CLIENT_ID] = "new-secret"
    result = await config_entry.start_reauth_flow(hass)
    simulator.add_fault(faults.status(404))
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


# --- reconfigure -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_url", "error"),
    [
        ("http://example.com", {CONF_URL: "invalid_url"}),
        ("http://[::1", {CONF_URL: "invalid_url"}),
        ("http://127.0.0.1:9", {"base": "cannot_connect"}),
        ("{stranger}", {"base": "invalid_auth_reconfigure"}),
        ("{new}/v2", {CONF_URL: "url_has_path"}),
    ],
    ids=["http", "ipv6", "unreachable", "keys_refused", "path"],
)
async def test_reconfigure_url_and_devices(
    hass: HomeAssistant, socket_enabled: None, bad_url: str, error: dict[str, str]
) -> None:
    """Reconfigure: a new URL is checked (a bad one is a form error), then the devices are
    chosen again; a pasted /api is dropped."""
    async with (
        Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=1) as old,
        Simulator(clients={CLIENT_ID: CLIENT_SECRET}, device_count=2) as new,
        Simulator(clients={OTHER_ID: OTHER_SECRET}) as stranger,
    ):
        entry = MockConfigEntry(
            domain=DOMAIN,
            unique_id=CLIENT_ID,
            data=_keys(old) | {CONF_DEVICES: [SEED_DEVICE_ID]},
        )
        entry.add_to_hass(hass)
        result = await entry.start_reconfigure_flow(hass)
        assert result["step_id"] == "reconfigure"
        assert CLIENT_ID in _texts(result)[0]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: bad_url.format(new=new.url, stranger=stranger.url)}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "reconfigure"
        assert result["errors"] == error
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_URL: f"{new.url}/api/"}
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


async def test_reconfigure_one_device(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """Keys that read one device: reconfigure still shows the choice (it is the entry's), and
    says nothing of "several devices"."""
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: simulator.url}
    )
    assert result["step_id"] == "devices"
    (text,) = _texts(result)
    assert "several" not in text
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_DEVICES: [str(SEED_DEVICE_ID)]}
        )
    assert result["reason"] == "reconfigure_successful"


async def test_reconfigure_offers_own_devices_not_others(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """Reconfigure lists the entry's own device (ticked) and free ones, never a device another
    entry holds."""
    _add_device(simulator, SECOND_ID, "ssb-002-simulated")
    _add_device(simulator, SECOND_ID + 1, "ssb-003-simulated")
    _other_entry(hass, simulator, [SECOND_ID + 1])
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: simulator.url}
    )
    (key, selector) = next(iter(result["data_schema"].schema.items()))  # type: ignore[union-attr]
    assert [o["value"] for o in selector.config["options"]] == [
        str(SEED_DEVICE_ID),
        str(SECOND_ID),
    ]
    assert key.default() == [str(SEED_DEVICE_ID)]
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_DEVICES: [str(SEED_DEVICE_ID), str(SECOND_ID)]}
        )
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data[CONF_DEVICES] == [SEED_DEVICE_ID, SECOND_ID]
    assert config_entry.data[DATA_ALL_DEVICES] is True  # the choice of reconfigure counts
    assert config_entry.data[DATA_NOT_CHOSEN] == []


async def test_reconfigure_listing_refused(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """Reconfigure where listing is refused: device ids typed, current ones suggested; its own
    device is not "held by another entry"."""
    simulator.list_forbidden = True
    result = await config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: simulator.url}
    )
    assert result["step_id"] == "device_id"
    assert _suggested(result) == {CONF_DEVICE_ID: str(SEED_DEVICE_ID), CONF_URL: simulator.url}
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_DEVICE_ID: str(SEED_DEVICE_ID)}
        )
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data[DATA_ALL_DEVICES] is False


async def test_reconfigure_device_id_keys_refused_go_back(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """Reconfigure, no device list, and the keys are refused when the device is read: back to
    the URL form (the keys are not editable here) with an error that says so."""
    result = await config_entry.start_reconfigure_flow(hass)
    simulator.add_fault(faults.status(404, message="Not found"))  # the listing only
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: simulator.url}
    )
    assert result["step_id"] == "device_id"
    simulator.clients[CLIENT_ID] = "rotated"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_DEVICE_ID: str(SEED_DEVICE_ID)}
    )
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {"base": "invalid_auth_reconfigure"}
    assert CLIENT_ID in _texts(result)[1]
    simulator.clients[CLIENT_ID] = CLIENT_SECRET
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: simulator.url}
    )
    assert result["step_id"] == "devices"
    with patch("custom_components.skycentrics.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_DEVICES: [str(SEED_DEVICE_ID)]}
        )
    assert result["reason"] == "reconfigure_successful"


# --- options ---------------------------------------------------------------------------------


async def test_options_poll_interval(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The poll interval option is a bounded number box, stored and applied by a reload."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["step_id"] == "init"
    selector = _selectors(result)[CONF_SCAN_INTERVAL]
    assert selector.serialize() == {
        "selector": {
            "number": {
                "min": MIN_SCAN_INTERVAL_SECONDS,
                "max": MAX_SCAN_INTERVAL_SECONDS,
                "step": 1,
                "unit_of_measurement": "s",
                "mode": "box",
            }
        }
    }
    assert _suggested(result) == {
        CONF_SCAN_INTERVAL: 60,
        CONF_HISTORY_DAYS: 7,
        CONF_COMMAND_DURATION: 60,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 300}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: 300}
    (coordinator,) = loaded_entry.runtime_data.coordinators.values()
    assert coordinator.update_interval is not None
    assert coordinator.update_interval.total_seconds() == 300


async def test_options_of_an_entry_not_loaded(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """An entry that is not loaded (its set-up failed, say) has options too: the numbers,
    without the counters' field (its readings are unknown); they are stored."""
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert list(_suggested(result)) == [
        CONF_SCAN_INTERVAL,
        CONF_HISTORY_DAYS,
        CONF_COMMAND_DURATION,
    ]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 120, CONF_HISTORY_DAYS: 3}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {CONF_SCAN_INTERVAL: 120, CONF_HISTORY_DAYS: 3}


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (5, "Value 5.0 is too small"),
        (MIN_SCAN_INTERVAL_SECONDS - 1, "Value 29.0 is too small"),
        (MAX_SCAN_INTERVAL_SECONDS + 1, "Value 3601.0 is too large"),
        (-30, "Value -30.0 is too small"),
        (math.inf, "Value inf is too large"),
        ("abc", "expected float"),
        (None, "expected float"),
    ],
)
async def test_options_poll_interval_out_of_range(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    value: Any,
    error: str,
) -> None:
    """A poll interval outside 30-3600 s (the frontend's box is bounded; posted by hand) or no
    number: the number selector refuses it before the step, with its own untranslated error
    (Home Assistant answers 400 with it); nothing is stored, and the same flow then takes a
    good one."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    flow_id = result["flow_id"]
    with pytest.raises(InvalidData) as refused:
        await hass.config_entries.options.async_configure(flow_id, {CONF_SCAN_INTERVAL: value})
    assert refused.value.schema_errors == {CONF_SCAN_INTERVAL: error}
    assert loaded_entry.options == {}
    result = await hass.config_entries.options.async_configure(
        flow_id, {CONF_SCAN_INTERVAL: MIN_SCAN_INTERVAL_SECONDS}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: MIN_SCAN_INTERVAL_SECONDS}


@pytest.mark.parametrize("field", [CONF_SCAN_INTERVAL, CONF_HISTORY_DAYS, CONF_COMMAND_DURATION])
@pytest.mark.parametrize("nan", [math.nan, "nan"])
async def test_options_not_a_number(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry, field: str, nan: Any
) -> None:
    """NaN (the number selector takes "nan", outside no range) is a translated field error; the
    form keeps the other numbers given; nothing is stored; the same flow then takes a number."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    flow_id = result["flow_id"]
    given = {CONF_SCAN_INTERVAL: 90, CONF_HISTORY_DAYS: 30, CONF_COMMAND_DURATION: 120}
    result = await hass.config_entries.options.async_configure(flow_id, given | {field: nan})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "not_a_number"}
    (_, text) = _texts(result, "options")
    assert text == "Enter a number."
    assert _suggested(result) == given | {field: 60 if field != CONF_HISTORY_DAYS else 7}
    assert loaded_entry.options == {}
    result = await hass.config_entries.options.async_configure(flow_id, given)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == given


async def test_options_poll_interval_whole_seconds(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """A fraction (sent anyway: the box steps by 1) is stored as whole seconds."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: "90.4"}
    )
    await hass.async_block_till_done()
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: 90}


async def test_options_history_days(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """The days of history: an optional number box of whole days, 0 to 365, stored with the
    poll interval (the entry reloads: set-up's history import reads it); kept when a later
    form leaves it out."""
    (before,) = loaded_entry.runtime_data.coordinators.values()
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert _selectors(result)[CONF_HISTORY_DAYS].serialize() == {
        "selector": {
            "number": {
                "min": 0,
                "max": MAX_HISTORY_DAYS,
                "step": 1,
                "unit_of_measurement": "d",
                "mode": "box",
            }
        }
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 60, CONF_HISTORY_DAYS: 365}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: 60, CONF_HISTORY_DAYS: 365}
    assert loaded_entry.state is ConfigEntryState.LOADED
    (after,) = loaded_entry.runtime_data.coordinators.values()
    assert after is not before  # set up again, with the option
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert _suggested(result) == {
        CONF_SCAN_INTERVAL: 60,
        CONF_HISTORY_DAYS: 365,
        CONF_COMMAND_DURATION: 60,
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 120}
    )
    await hass.async_block_till_done()
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: 120, CONF_HISTORY_DAYS: 365}
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: 120, CONF_HISTORY_DAYS: "0"}
    )
    await hass.async_block_till_done()
    assert loaded_entry.options == {CONF_SCAN_INTERVAL: 120, CONF_HISTORY_DAYS: 0}


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (400, "Value 400.0 is too large"),
        (MAX_HISTORY_DAYS + 1, "Value 366.0 is too large"),
        (-1, "Value -1.0 is too small"),
        ("abc", "expected float"),
    ],
)
async def test_options_history_days_out_of_range(
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
    value: Any,
    error: str,
) -> None:
    """More than 365 days (or fewer than 0, or no number), posted by hand: the number
    selector's own error, before the step; nothing is stored."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    with pytest.raises(InvalidData) as refused:
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SCAN_INTERVAL: 90, CONF_HISTORY_DAYS: value}
        )
    assert refused.value.schema_errors == {CONF_HISTORY_DAYS: error}
    assert loaded_entry.options == {}
