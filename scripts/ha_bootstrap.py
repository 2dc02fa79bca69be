#!/usr/bin/env python3
"""Onboard a local Home Assistant and add the SkyCentrics config entry, over HA's own HTTP API.

Everything goes through the APIs the frontend uses, so the result is what a person clicking
through the UI would get:

* onboarding: ``/api/onboarding/users`` (owner account, answers an auth code), ``/auth/token``
  (code -> access token), websocket ``config/core/update`` (location, units, currency, as the
  frontend's core-config step does), ``/api/onboarding/core_config``, ``/api/onboarding/analytics``
  and ``/api/onboarding/integration``;
* an instance that is already onboarded is logged into through ``/auth/login_flow``;
* the ``skycentrics`` entry is added through ``/api/config/config_entries/flow`` (the user step,
  then the ``devices`` or ``device_id`` step when the keys lead there), unless
  ``/api/config/config_entries/entry`` already lists one.

Before Home Assistant starts, ``prepare_config_dir`` (``ha_bootstrap.py prepare``) writes a
minimal ``configuration.yaml``, links the integration in and sets the HTTP server's address and
port. Since 2026.x those live in ``.storage/http``, not in YAML: a YAML ``http:`` block is migrated
once as a *pending* config that reverts (with a restart) unless confirmed in the UI within five
minutes, and is ignored afterwards.

Used by ``scripts/develop`` as a script (``python scripts/ha_bootstrap.py {prepare,setup} --help``),
and meant to be imported by path from end-to-end tests::

    spec = importlib.util.spec_from_file_location("ha_bootstrap", "scripts/ha_bootstrap.py")
    ha_bootstrap = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ha_bootstrap)
    await ha_bootstrap.wait_for_ha(url, 600)
    async with aiohttp.ClientSession() as session:
        token = await ha_bootstrap.onboard_or_login(session, url, "dev", "secret")
        entry = await ha_bootstrap.add_skycentrics_entry(session, url, token, cid, secret, api)
        states = await ha_bootstrap.integration_states(session, url, token)

Only aiohttp (a Home Assistant dependency) and the standard library are needed.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import sys
import time
from typing import Any, Final, cast

import aiohttp

DOMAIN: Final = "skycentrics"
HA_AUTH_PROVIDER: Final = ("homeassistant", None)
MAX_FLOW_STEPS: Final = 10
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=120)
_POLL_TIMEOUT: Final = aiohttp.ClientTimeout(total=10)

type JSON = dict[str, Any]

ONBOARDING_CLOUD_DOMAINS: Final = ("google_translate", "met", "radio_browser")
"""Integrations the core-config onboarding step adds on its own that need the internet."""

DEFAULT_CORE_CONFIG: Final[Mapping[str, Any]] = {
    # Portland, Oregon (the guide's PAE Living Building): US units, currency and time zone.
    "latitude": 45.5152,
    "longitude": -122.6784,
    "elevation": 15,
    "unit_system": "us_customary",
    "time_zone": "America/Los_Angeles",
    "currency": "USD",
    "country": "US",
    "language": "en",
}


class BootstrapError(Exception):
    """Home Assistant did not answer as expected; the message says what and where."""


def log(message: str) -> None:
    """Print one progress line (flushed, so a log file follows along)."""
    print(f"[bootstrap] {message}", flush=True)


def _base(url: str) -> str:
    return url.rstrip("/")


def client_id_for(url: str) -> str:
    """The OAuth client id the frontend served from ``url`` uses (its origin, with a slash)."""
    return f"{_base(url)}/"


def redirect_uri_for(url: str) -> str:
    """The redirect URI the frontend served from ``url`` uses."""
    return f"{_base(url)}/?auth_callback=1"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _read_json(response: aiohttp.ClientResponse, what: str) -> Any:
    """The JSON body of a 2xx answer; anything else raises BootstrapError with the body."""
    text = await response.text()
    if not 200 <= response.status < 300:
        raise BootstrapError(f"{what}: HTTP {response.status}: {text[:500]}")
    try:
        return await response.json(content_type=None)
    except ValueError as err:
        raise BootstrapError(f"{what}: not JSON: {text[:500]}") from err


async def _request_json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    what: str,
) -> Any:
    headers = _auth(token) if token else None
    async with session.request(
        method, url, headers=headers, json=json, data=data, timeout=REQUEST_TIMEOUT
    ) as response:
        return await _read_json(response, what)


def _as_object(value: Any, what: str) -> JSON:
    if not isinstance(value, dict):
        raise BootstrapError(f"{what}: expected a JSON object, got {value!r:.300}")
    return cast(JSON, value)


# --- the configuration directory ---------------------------------------------------------------

REPO_DIR: Final = Path(__file__).resolve().parent.parent
INTEGRATION_DIR: Final = REPO_DIR / "custom_components" / DOMAIN

CONFIGURATION_YAML: Final = """\
# Written by scripts/ha_bootstrap.py (prepare) for a local development instance; edit freely,
# it is not overwritten. Only what the UI and the Energy dashboard need, without
# default_config's discovery, Bluetooth, cloud and media integrations (which want hardware or
# the internet). The HTTP address and port are not set here: since 2026.x they live in
# .storage/http, which `ha_bootstrap.py prepare` writes before each start.
homeassistant:
  name: SkyCentrics development

frontend:
config:
energy:
history:
logbook:
recorder:
  purge_keep_days: 30
person:
sun:
system_health:
diagnostics:

logger:
  default: info
  logs:
    custom_components.skycentrics: debug
"""

# HTTP_STORAGE_SCHEMA({}) of homeassistant/components/http/config.py, less the port.
_HTTP_DEFAULTS: Final[Mapping[str, Any]] = {
    "cors_allowed_origins": ["https://cast.home-assistant.io"],
    "login_attempts_threshold": -1,
    "ip_ban_enabled": True,
    "ssl_profile": "modern",
    "use_x_frame_options": True,
}
_HTTP_STORE_VERSION: Final = (2, 2)


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only (as HA's own store)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    tmp.replace(path)


def write_http_config(config_dir: Path, port: int, host: str = "127.0.0.1") -> bool:
    """Make ``host``:``port`` the HTTP server's confirmed config; return whether it changed.

    Sets the ``stable`` slot of ``.storage/http`` (keeping its other settings), drops any
    ``pending`` trial and marks the YAML migration done, so Home Assistant binds there at once and
    never reverts. Call it while Home Assistant is stopped: it rewrites the store on its own exit.
    """
    path = config_dir / ".storage" / "http"
    try:
        stored: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        stored = None
    except ValueError as err:
        raise BootstrapError(f"{path} is not JSON: {err}") from err
    data = stored.get("data") if isinstance(stored, dict) else None
    stable = data.get("stable") if isinstance(data, dict) else None
    if not isinstance(stable, dict):
        stable = {
            **_HTTP_DEFAULTS,
            "created_at": datetime.now(UTC).isoformat(),
            "error": None,
            "error_message": None,
        }
    wanted = {
        "version": _HTTP_STORE_VERSION[0],
        "minor_version": _HTTP_STORE_VERSION[1],
        "key": "http",
        "data": {
            "stable": {**stable, "server_host": [host], "server_port": port},
            "pending": None,
            "yaml_migration_done": True,
        },
    }
    if stored == wanted:
        return False
    _write_private(path, json.dumps(wanted, indent=2) + "\n")
    return True


def prepare_config_dir(
    config_dir: Path,
    port: int,
    host: str = "127.0.0.1",
    integration_dir: Path = INTEGRATION_DIR,
) -> None:
    """Get ``config_dir`` ready for ``python -m homeassistant -c config_dir``.

    Writes ``configuration.yaml`` unless there is one, links
    ``custom_components/skycentrics`` to ``integration_dir`` (relative, so it holds wherever the
    tree is mounted) and sets the HTTP address (see write_http_config).
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists():
        configuration.write_text(CONFIGURATION_YAML, encoding="utf-8")
    link = config_dir / "custom_components" / DOMAIN
    link.parent.mkdir(exist_ok=True)
    target = os.path.relpath(integration_dir, link.parent)
    if not link.is_symlink() or os.readlink(link) != target:
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.exists():
            raise BootstrapError(f"{link} is a directory; remove it so it can be linked")
        link.symlink_to(target, target_is_directory=True)
    write_http_config(config_dir, port, host)


# --- waiting -------------------------------------------------------------------------------------


async def wait_for_ha(url: str, timeout: float = 600.0) -> None:  # noqa: ASYNC109
    """Wait until Home Assistant's HTTP API answers (raise BootstrapError after ``timeout`` s).

    HA opens its HTTP port once the frontend (and with it auth and onboarding) is set up; on a
    first start that comes after installing the frontend package, which can take minutes.
    ``/auth/providers`` answers 200 when a user exists and 400 while onboarding still needs one.
    """
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    async with aiohttp.ClientSession(timeout=_POLL_TIMEOUT) as session:
        while True:
            try:
                async with session.get(f"{_base(url)}/auth/providers") as response:
                    if response.status in (200, 400):
                        return
                    last = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as err:
                last = f"{type(err).__name__}: {err}"
            if time.monotonic() >= deadline:
                raise BootstrapError(
                    f"Home Assistant at {url} not up after {timeout:.0f}s ({last})"
                )
            await asyncio.sleep(1)


async def wait_until_running(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    timeout: float = 300.0,  # noqa: ASYNC109
) -> None:
    """Wait until ``/api/core/state`` says RUNNING (integrations set up, start-up finished)."""
    deadline = time.monotonic() + timeout
    state = "unknown"
    while True:
        answer = await _request_json(
            session, "GET", f"{_base(url)}/api/core/state", token=token, what="core state"
        )
        state = str(_as_object(answer, "core state").get("state"))
        if state == "RUNNING":
            return
        if time.monotonic() >= deadline:
            raise BootstrapError(f"Home Assistant still {state} after {timeout:.0f}s")
        await asyncio.sleep(1)


# --- auth and onboarding -------------------------------------------------------------------------


async def onboarding_status(session: aiohttp.ClientSession, url: str) -> dict[str, bool]:
    """Map each onboarding step to whether it is done; empty when onboarding is over.

    ``/api/onboarding`` exists only while some step is left (404 afterwards).
    """
    async with session.get(f"{_base(url)}/api/onboarding", timeout=REQUEST_TIMEOUT) as response:
        if response.status == 404:
            return {}
        steps = await _read_json(response, "onboarding status")
    if not isinstance(steps, list):
        raise BootstrapError(f"onboarding status: unexpected answer {steps!r:.300}")
    return {str(step["step"]): bool(step["done"]) for step in steps}


async def exchange_auth_code(session: aiohttp.ClientSession, url: str, code: str) -> JSON:
    """Trade an authorization code for tokens at ``/auth/token`` (access and refresh token)."""
    answer = await _request_json(
        session,
        "POST",
        f"{_base(url)}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": client_id_for(url)},
        what="token exchange",
    )
    tokens = _as_object(answer, "token exchange")
    if not isinstance(tokens.get("access_token"), str):
        raise BootstrapError(f"token exchange: no access token in {sorted(tokens)}")
    return tokens


async def login(session: aiohttp.ClientSession, url: str, username: str, password: str) -> str:
    """Log in through ``/auth/login_flow`` as the frontend does; return an access token."""
    base = _base(url)
    client_id = client_id_for(url)
    flow = _as_object(
        await _request_json(
            session,
            "POST",
            f"{base}/auth/login_flow",
            json={
                "client_id": client_id,
                "handler": list(HA_AUTH_PROVIDER),
                "redirect_uri": redirect_uri_for(url),
            },
            what="login flow start",
        ),
        "login flow start",
    )
    result = _as_object(
        await _request_json(
            session,
            "POST",
            f"{base}/auth/login_flow/{flow['flow_id']}",
            json={"client_id": client_id, "username": username, "password": password},
            what="login",
        ),
        "login",
    )
    if result.get("type") != "create_entry":
        raise BootstrapError(
            f"login as {username!r} refused ({result.get('errors') or result.get('reason')}); "
            "this config/ belongs to other credentials (scripts/develop --reset starts over)"
        )
    tokens = await exchange_auth_code(session, url, str(result["result"]))
    return str(tokens["access_token"])


async def ws_command(
    session: aiohttp.ClientSession, url: str, token: str, command: Mapping[str, Any]
) -> Any:
    """Send one websocket command (``{"type": ..., ...}``) and return its result."""
    async with session.ws_connect(f"{_base(url)}/api/websocket") as ws:
        hello = await ws.receive_json(timeout=30)
        if hello.get("type") != "auth_required":
            raise BootstrapError(f"websocket: unexpected greeting {hello!r:.300}")
        await ws.send_json({"type": "auth", "access_token": token})
        answer = await ws.receive_json(timeout=30)
        if answer.get("type") != "auth_ok":
            raise BootstrapError(f"websocket: authentication refused: {answer!r:.300}")
        await ws.send_json({"id": 1, **command})
        while True:
            message = _as_object(await ws.receive_json(timeout=60), "websocket")
            if message.get("id") == 1 and message.get("type") == "result":
                break
    if not message.get("success"):
        raise BootstrapError(f"websocket {command.get('type')}: {message.get('error')}")
    return message.get("result")


async def onboard_or_login(
    session: aiohttp.ClientSession,
    url: str,
    username: str,
    password: str,
    *,
    name: str = "Developer",
    language: str = "en",
    core_config: Mapping[str, Any] | None = None,
) -> str:
    """Finish whatever onboarding is left and return an access token for ``username``.

    A fresh instance gets ``username`` as its owner; an onboarded one is logged into. Steps left
    over from an interrupted earlier run are finished. ``core_config`` (default: Portland, US
    units, USD) is applied with ``config/core/update`` before the core-config step, as the
    frontend does; pass ``{}`` to keep Home Assistant's defaults.
    """
    base = _base(url)
    steps = await onboarding_status(session, url)
    if steps and not steps.get("user", True):
        answer = _as_object(
            await _request_json(
                session,
                "POST",
                f"{base}/api/onboarding/users",
                json={
                    "client_id": client_id_for(url),
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": language,
                },
                what="onboarding: user",
            ),
            "onboarding: user",
        )
        token = str(
            (await exchange_auth_code(session, url, str(answer["auth_code"])))["access_token"]
        )
        log(f"onboarding: created the owner {username!r}")
    else:
        token = await login(session, url, username, password)
        log(f"logged in as {username!r}")

    if steps and not steps.get("core_config", True):
        values = DEFAULT_CORE_CONFIG if core_config is None else core_config
        if values:
            await ws_command(session, url, token, {"type": "config/core/update", **values})
        await _request_json(
            session,
            "POST",
            f"{base}/api/onboarding/core_config",
            token=token,
            json={},
            what="onboarding: core config",
        )
        log("onboarding: core config done")
    if steps and not steps.get("analytics", True):
        await _request_json(
            session,
            "POST",
            f"{base}/api/onboarding/analytics",
            token=token,
            json={},
            what="onboarding: analytics",
        )
        log("onboarding: analytics done (nothing shared)")
    if steps and not steps.get("integration", True):
        await _request_json(
            session,
            "POST",
            f"{base}/api/onboarding/integration",
            token=token,
            json={"client_id": client_id_for(url), "redirect_uri": redirect_uri_for(url)},
            what="onboarding: integration",
        )
        log("onboarding: integration step done")
    return token


# --- config entries ------------------------------------------------------------------------------


async def get_config_entries(
    session: aiohttp.ClientSession, url: str, token: str, domain: str = DOMAIN
) -> list[JSON]:
    """The config entries of ``domain`` as ``/api/config/config_entries/entry`` lists them."""
    answer = await _request_json(
        session,
        "GET",
        f"{_base(url)}/api/config/config_entries/entry",
        token=token,
        what="config entries",
    )
    if not isinstance(answer, list):
        raise BootstrapError(f"config entries: unexpected answer {answer!r:.300}")
    return [cast(JSON, entry) for entry in answer if entry.get("domain") == domain]


def _field(form: JSON, name: str) -> JSON:
    for field in form.get("data_schema") or []:
        if isinstance(field, dict) and field.get("name") == name:
            return cast(JSON, field)
    raise BootstrapError(f"flow step {form.get('step_id')!r} has no field {name!r}: {form!r:.500}")


def _chosen_devices(form: JSON, device_ids: Sequence[int | str] | None) -> list[str]:
    """The answer to the ``devices`` step: the given ids, else the form's default, else all."""
    if device_ids:
        return [str(device_id) for device_id in device_ids]
    field = _field(form, "devices")
    default = field.get("default")
    if isinstance(default, list) and default:
        return [str(value) for value in default]
    options = (field.get("selector") or {}).get("select", {}).get("options", [])
    return [str(option["value"] if isinstance(option, dict) else option) for option in options]


async def run_skycentrics_flow(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    start: Mapping[str, Any],
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    api_url: str | None = None,
    device_ids: Sequence[int | str] | None = None,
) -> JSON:
    """Start a config flow with ``start`` and answer its forms until it ends; return the end.

    Answers the ``user`` step (keys and URL), ``reconfigure`` (URL), ``devices`` (``device_ids``,
    else the form's default, else every listed device) and ``device_id`` (``device_ids``). A form
    shown again with errors raises BootstrapError. The end is the ``create_entry`` or ``abort``
    result as the REST API gives it.
    """
    base = _base(url)
    flow_url = f"{base}/api/config/config_entries/flow"
    result = _as_object(
        await _request_json(
            session, "POST", flow_url, token=token, json=dict(start), what="config flow start"
        ),
        "config flow start",
    )
    for _ in range(MAX_FLOW_STEPS):
        if result.get("type") != "form":
            return result
        step = str(result.get("step_id"))
        if result.get("errors"):
            raise BootstrapError(f"config flow step {step!r} refused the input: {result['errors']}")
        answer: JSON
        if step == "user":
            if client_id is None or client_secret is None or api_url is None:
                raise BootstrapError("config flow asks for keys and URL, and none were given")
            answer = {"client_id": client_id, "client_secret": client_secret, "url": api_url}
        elif step == "reconfigure":
            if api_url is None:
                raise BootstrapError("config flow asks for the API URL, and none was given")
            answer = {"url": api_url}
        elif step == "devices":
            answer = {"devices": _chosen_devices(result, device_ids)}
        elif step == "device_id":
            if not device_ids:
                raise BootstrapError("the keys may not list devices: pass the device id(s)")
            answer = {"device_id": ", ".join(str(device_id) for device_id in device_ids)}
        else:
            raise BootstrapError(f"config flow: unexpected step {step!r}: {result!r:.500}")
        log(f"config flow: answering step {step!r}")
        result = _as_object(
            await _request_json(
                session,
                "POST",
                f"{flow_url}/{result['flow_id']}",
                token=token,
                json=answer,
                what=f"config flow step {step!r}",
            ),
            f"config flow step {step!r}",
        )
    raise BootstrapError(f"config flow did not end after {MAX_FLOW_STEPS} steps: {result!r:.500}")


async def add_skycentrics_entry(  # noqa: PLR0917 - the positional order e2e tests use
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    client_id: str,
    client_secret: str,
    api_url: str,
    *,
    device_ids: Sequence[int | str] | None = None,
) -> JSON:
    """Add the SkyCentrics entry through the config flow, unless one exists; return the entry.

    The entry is the JSON object ``/api/config/config_entries/entry`` gives (``entry_id``,
    ``title``, ``state``...). An existing entry is returned untouched.
    """
    if existing := await get_config_entries(session, url, token):
        return existing[0]
    result = await run_skycentrics_flow(
        session,
        url,
        token,
        {"handler": DOMAIN, "show_advanced_options": False},
        client_id=client_id,
        client_secret=client_secret,
        api_url=api_url,
        device_ids=device_ids,
    )
    if result.get("type") == "create_entry":
        return _as_object(result.get("result"), "created entry")
    if (
        result.get("type") == "abort"
        and result.get("reason") == "already_configured"
        and (existing := await get_config_entries(session, url, token))
    ):
        return existing[0]
    raise BootstrapError(f"config flow ended without an entry: {result!r:.500}")


async def remove_onboarding_entries(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    domains: Sequence[str] = ONBOARDING_CLOUD_DOMAINS,
) -> list[str]:
    """Delete the entries onboarding added for ``domains``; return their domains.

    Finishing the core-config step makes Home Assistant add Met.no, Radio Browser and Google
    Translate entries (source ``onboarding``) that only fail and log errors without the internet.
    Entries a person added (source ``user``) are left alone.
    """
    removed: list[str] = []
    for domain in domains:
        for entry in await get_config_entries(session, url, token, domain):
            if entry.get("source") != "onboarding":
                continue
            await _request_json(
                session,
                "DELETE",
                f"{_base(url)}/api/config/config_entries/entry/{entry['entry_id']}",
                token=token,
                what=f"removing the {domain} entry",
            )
            removed.append(domain)
    return removed


async def reconfigure_skycentrics_entry(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    entry_id: str,
    api_url: str,
    *,
    device_ids: Sequence[int | str] | None = None,
) -> JSON:
    """Point an entry at ``api_url`` through its reconfigure flow; return the entry afterwards."""
    result = await run_skycentrics_flow(
        session,
        url,
        token,
        {"handler": DOMAIN, "entry_id": entry_id},
        api_url=api_url,
        device_ids=device_ids,
    )
    if result.get("type") != "abort" or result.get("reason") != "reconfigure_successful":
        raise BootstrapError(f"reconfigure flow did not succeed: {result!r:.500}")
    for entry in await get_config_entries(session, url, token):
        if entry.get("entry_id") == entry_id:
            return entry
    raise BootstrapError(f"entry {entry_id} is gone after reconfiguring it")


async def wait_for_entry_state(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    entry_id: str,
    timeout: float = 60.0,  # noqa: ASYNC109
) -> JSON:
    """Poll the entry until it leaves the transient states (not loaded yet, being set up)."""
    deadline = time.monotonic() + timeout
    while True:
        entry = next(
            (e for e in await get_config_entries(session, url, token) if e["entry_id"] == entry_id),
            None,
        )
        if entry is None:
            raise BootstrapError(f"entry {entry_id} is not listed")
        if entry.get("state") not in ("not_loaded", "setup_in_progress", "unload_in_progress"):
            return entry
        if time.monotonic() >= deadline:
            return entry
        await asyncio.sleep(1)


# --- entities ------------------------------------------------------------------------------------


async def integration_entities(
    session: aiohttp.ClientSession, url: str, token: str, platform: str = DOMAIN
) -> list[JSON]:
    """The entity registry entries of ``platform`` (websocket ``config/entity_registry/list``)."""
    answer = await ws_command(session, url, token, {"type": "config/entity_registry/list"})
    if not isinstance(answer, list):
        raise BootstrapError(f"entity registry: unexpected answer {answer!r:.300}")
    return [cast(JSON, entry) for entry in answer if entry.get("platform") == platform]


async def get_states(session: aiohttp.ClientSession, url: str, token: str) -> list[JSON]:
    """All states, as ``GET /api/states`` gives them."""
    answer = await _request_json(
        session, "GET", f"{_base(url)}/api/states", token=token, what="states"
    )
    if not isinstance(answer, list):
        raise BootstrapError(f"states: unexpected answer {answer!r:.300}")
    return [cast(JSON, state) for state in answer]


async def integration_states(
    session: aiohttp.ClientSession, url: str, token: str, platform: str = DOMAIN
) -> list[JSON]:
    """The current states of the entities of ``platform`` (enabled ones have a state)."""
    entity_ids = {e["entity_id"] for e in await integration_entities(session, url, token, platform)}
    return [s for s in await get_states(session, url, token) if s["entity_id"] in entity_ids]


def is_number(state: str) -> bool:
    """Whether a state string is a number (as numeric sensors report)."""
    try:
        float(state)
    except ValueError:
        return False
    return True


# --- command line --------------------------------------------------------------------------------


async def bootstrap(args: argparse.Namespace) -> int:
    """Wait for HA, onboard or log in, make sure the SkyCentrics entry exists and works."""
    url = _base(args.url)
    log(f"waiting for Home Assistant at {url} (first start installs packages: minutes)")
    started = time.monotonic()
    await wait_for_ha(url, args.timeout)
    log(f"Home Assistant answers after {time.monotonic() - started:.0f}s")
    async with aiohttp.ClientSession() as session:
        token = await onboard_or_login(session, url, args.username, args.password, name=args.name)
        await wait_until_running(session, url, token, args.timeout)
        existing = await get_config_entries(session, url, token)
        entry = await add_skycentrics_entry(
            session,
            url,
            token,
            args.client_id,
            args.client_secret,
            args.api_url,
            device_ids=args.device_id,
        )
        verb = "found" if existing else "added"
        entry = await wait_for_entry_state(session, url, token, entry["entry_id"])
        if existing and entry.get("state") == "setup_retry":
            log(f"entry {entry['title']!r} cannot set up; pointing it at {args.api_url}")
            entry = await reconfigure_skycentrics_entry(
                session, url, token, entry["entry_id"], args.api_url, device_ids=args.device_id
            )
            entry = await wait_for_entry_state(session, url, token, entry["entry_id"])
        if not args.keep_onboarding_entries and (
            removed := await remove_onboarding_entries(session, url, token)
        ):
            log(f"removed the entries onboarding added that need the internet: {removed}")
        log(f"SkyCentrics entry {verb}: {entry['title']!r} ({entry['entry_id']}), {entry['state']}")
        if entry.get("state") != "loaded":
            log(f"entry not loaded: {entry.get('reason')} (see config/home-assistant.log)")
            return 1
        registry = await integration_entities(session, url, token)
        states = await integration_states(session, url, token)
        numeric = sum(1 for state in states if is_number(str(state.get("state"))))
        disabled = sum(1 for entity in registry if entity.get("disabled_by"))
        log(
            f"{len(registry)} SkyCentrics entities ({disabled} disabled), "
            f"{len(states)} with a state, {numeric} numeric"
        )
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)

    prepare = commands.add_parser("prepare", help="get a config directory ready (HA stopped)")
    prepare.add_argument("--config-dir", type=Path, required=True, help="HA config directory")
    prepare.add_argument("--port", type=int, default=8123, help="HTTP port (default 8123)")
    prepare.add_argument("--host", default="127.0.0.1", help="HTTP address (default 127.0.0.1)")

    setup = commands.add_parser("setup", help="onboard or log in, add the SkyCentrics entry")
    setup.add_argument("--url", default="http://127.0.0.1:8123", help="Home Assistant URL")
    setup.add_argument("--username", required=True, help="owner's username (created if new)")
    setup.add_argument("--password", required=True, help="owner's password")
    setup.add_argument("--name", default="Developer", help="owner's display name")
    setup.add_argument("--client-id", required=True, help="SkyCentrics API client id")
    setup.add_argument("--client-secret", required=True, help="SkyCentrics API client secret")
    setup.add_argument("--api-url", required=True, help="SkyCentrics API URL (the simulator)")
    setup.add_argument(
        "--device-id",
        action="append",
        help="device id to add (repeatable; default: what the flow offers)",
    )
    setup.add_argument(
        "--keep-onboarding-entries",
        action="store_true",
        help=f"keep what onboarding adds by itself ({', '.join(ONBOARDING_CLOUD_DOMAINS)})",
    )
    setup.add_argument(
        "--timeout", type=float, default=900.0, help="seconds to wait for HA (default 900)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    try:
        if args.command == "prepare":
            prepare_config_dir(args.config_dir.resolve(), args.port, args.host)
            return 0
        return asyncio.run(bootstrap(args))
    except BootstrapError as err:
        log(f"error: {err}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
