#!/usr/bin/env python3
"""Get a real Home Assistant ready: config directory, onboarding, the SkyCentrics entry.

Used by ``scripts/develop`` (``python scripts/ha_harness.py {prepare,setup} --help``) and by
``tests/e2e/conftest.py`` (imported by path). After the start, only the frontend's APIs are used.
The HTTP port: a fresh config directory gets an ``http:`` YAML block, which Home Assistant's first
start moves into a *pending* HTTP config (reverted after five minutes unless confirmed);
``promote_http_config`` confirms it as the frontend does, later starts use it. Another port for
an existing directory is refused. Only aiohttp (a Home Assistant dependency) and the stdlib.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import os
from pathlib import Path
import re
import sys
import time
from typing import Any, Final

import aiohttp

DOMAIN: Final = "skycentrics"
ROOT: Final = Path(__file__).resolve().parent.parent
TIMEOUT: Final = aiohttp.ClientTimeout(total=120)
PORT_FILE: Final = ".ha_harness_port"  # ours: the port this directory was set up with
ONBOARDING_CLOUD_DOMAINS: Final = ("google_translate", "met", "radio_browser")
# Portland, Oregon (the guide's PAE Living Building): US units, currency and time zone.
CORE_CONFIG: Final[Mapping[str, Any]] = {
    "latitude": 45.5152,
    "longitude": -122.6784,
    "unit_system": "us_customary",
    "time_zone": "America/Los_Angeles",
    "currency": "USD",
    "country": "US",
}
CONFIGURATION_YAML: Final = """\
# Written by scripts/ha_harness.py; edit freely, it is not overwritten. What the UI and the
# Energy dashboard need; not default_config, whose integrations want hardware or the internet.
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
my:  # My Home Assistant links (/_my_redirect/...), as default_config has them

logger:
  default: info
  logs:
    custom_components.skycentrics: debug
"""
HTTP_YAML: Final = """
# First start only: scripts/ha_harness.py confirms it after onboarding and removes this block.
http:
  server_host: 127.0.0.1
  server_port: {port}
"""


class HarnessError(Exception):
    """Home Assistant did not answer as expected; the message says what and where."""


def log(message: str) -> None:
    """One progress line, flushed so a log file follows along."""
    print(f"[harness] {message}", flush=True)


# A record of Home Assistant's log starts with its time, "2026-12-06 14:57:06.991" (2026.10,
# bootstrap.py) or "...991+00:00" (2026.11, util/logging.py); a stack may follow.
_RECORD_START: Final = re.compile(
    r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}(?:[+-]\d\d:\d\d)? )", re.MULTILINE
)
_STOP_WORKING: Final = re.compile(r"stop working in Home Assistant", re.IGNORECASE)
# helpers/frame.py: "Detected that custom integration 'skycentrics' ... at
# custom_components/skycentrics/x.py, line n: ..."; helpers/deprecation.py: our module's name.
_OURS: Final = re.compile(rf"integration '{DOMAIN}'|custom_components[./]{DOMAIN}\b")


def stop_working_reports(log_text: str) -> list[str]:
    """The records of a Home Assistant log saying that this integration does something which
    "will stop working in Home Assistant <version>" (helpers/frame.py's report_usage...)."""
    records = _RECORD_START.split(log_text)
    return [r.strip() for r in records if _STOP_WORKING.search(r) and _OURS.search(r)]


def prepare_config_dir(
    config_dir: Path, port: int, integration: Path | None = ROOT / "custom_components" / DOMAIN
) -> None:
    """Get ``config_dir`` ready for ``python -m homeassistant -c config_dir`` on ``port``: a
    ``configuration.yaml`` unless there is one, and a relative link to ``integration`` (this
    checkout's, or another version's folder); None: ``custom_components/skycentrics`` is the
    caller's (a release's)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    port_file = config_dir / PORT_FILE
    if port_file.exists() and (known := port_file.read_text().strip()) != str(port):
        raise HarnessError(f"{config_dir} was set up for port {known}: use it, or --reset")
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists():
        # With the http: block only where Home Assistant has no HTTP config yet (else ignored).
        if fresh := not (config_dir / ".storage" / "http").exists():
            port_file.write_text(f"{port}\n")
        configuration.write_text(
            CONFIGURATION_YAML + (HTTP_YAML.format(port=port) if fresh else "")
        )
    if integration is None:
        return
    link = config_dir / "custom_components" / DOMAIN
    link.parent.mkdir(exist_ok=True)
    link.unlink(missing_ok=True)  # a link (a directory raises: not ours to remove)
    link.symlink_to(os.path.relpath(integration, link.parent))


@dataclass
class HomeAssistant:
    """One running Home Assistant at ``url``, spoken to as ``token``'s user."""

    session: aiohttp.ClientSession
    url: str
    token: str = ""

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer to one REST call; an HTTP error raises HarnessError with the body."""
        auth = {"Authorization": f"Bearer {self.token}"} if self.token else None
        async with self.session.request(
            method, self.url + path, headers=auth, timeout=TIMEOUT, **kwargs
        ) as response:
            text = await response.text()
            if response.status >= 300:
                raise HarnessError(f"{method} {path}: HTTP {response.status}: {text[:500]}")
            return await response.json(content_type=None) if text else None

    async def ws(self, command: Mapping[str, Any]) -> Any:
        """Send one websocket command (``{"type": ..., ...}``); return its result."""
        async with self.session.ws_connect(f"{self.url}/api/websocket") as ws:
            await ws.receive_json(timeout=30)  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (answer := await ws.receive_json(timeout=30)).get("type") != "auth_ok":
                raise HarnessError(f"websocket authentication refused: {answer}")
            await ws.send_json({"id": 1, **command})
            while (message := await ws.receive_json(timeout=60)).get("id") != 1:
                pass
        if not message.get("success"):
            raise HarnessError(f"websocket {command['type']}: {message.get('error')}")
        return message.get("result")

    async def wait_until_running(self, timeout: float = 300) -> None:  # noqa: ASYNC109
        """Wait until ``/api/core/state`` says RUNNING (start-up finished)."""
        deadline = time.monotonic() + timeout
        while (state := (await self.request("GET", "/api/core/state"))["state"]) != "RUNNING":
            if time.monotonic() > deadline:
                raise HarnessError(f"Home Assistant still {state} after {timeout:.0f}s")
            await asyncio.sleep(1)

    @property
    def client(self) -> dict[str, str]:
        """The frontend's OAuth client: its origin, and where the login returns to."""
        return {"client_id": f"{self.url}/", "redirect_uri": f"{self.url}/?auth_callback=1"}

    async def _use_code(self, code: str) -> str:
        """Trade an authorization code for an access token, as the frontend does; keep it."""
        data = {"grant_type": "authorization_code", "code": code, "client_id": f"{self.url}/"}
        self.token = str((await self.request("POST", "/auth/token", data=data))["access_token"])
        return self.token

    async def login(self, username: str, password: str) -> str:
        """Log in through ``/auth/login_flow``; return (and keep) an access token."""
        start = {**self.client, "handler": ["homeassistant", None]}
        flow = await self.request("POST", "/auth/login_flow", json=start)
        login = {"client_id": f"{self.url}/", "username": username, "password": password}
        result = await self.request("POST", f"/auth/login_flow/{flow['flow_id']}", json=login)
        if result.get("type") != "create_entry":
            raise HarnessError(f"login as {username!r} refused: {result.get('errors')}")
        return await self._use_code(str(result["result"]))

    async def onboard_or_login(self, username: str, password: str, name: str) -> str:
        """Finish what onboarding has left as the frontend does (owner ``username``, core config,
        analytics: nothing shared, integrations), or log in; return (and keep) a token."""
        async with self.session.get(f"{self.url}/api/onboarding", timeout=TIMEOUT) as response:
            steps = [] if response.status == 404 else await response.json()
        left = {step["step"] for step in steps if not step["done"]}
        if "user" in left:
            user = {"name": name, "username": username, "password": password, "language": "en"}
            user["client_id"] = f"{self.url}/"
            answer = await self.request("POST", "/api/onboarding/users", json=user)
            await self._use_code(str(answer["auth_code"]))
        else:
            await self.login(username, password)
        if "core_config" in left:
            await self.ws({"type": "config/core/update", **CORE_CONFIG})
            await self.request("POST", "/api/onboarding/core_config", json={})
        if "analytics" in left:
            await self.request("POST", "/api/onboarding/analytics", json={})
        if "integration" in left:
            await self.request("POST", "/api/onboarding/integration", json=self.client)
        if left:
            log(f"onboarded ({', '.join(sorted(left))}); owner {username!r}")
        return self.token

    async def promote_http_config(self, config_dir: Path) -> bool:
        """Confirm a pending HTTP config (the YAML block's), as the frontend's button does,
        and drop the block from the YAML, so later starts raise no "YAML still present" repair.
        Return whether there was one to confirm.
        """
        pending = (await self.ws({"type": "http/config"}))["pending"]
        if promote := pending is not None and pending["error"] is None:
            await self.ws({"type": "http/config/promote"})
            log(f"HTTP config confirmed: {pending['server_host']} port {pending['server_port']}")
        if (port_file := config_dir / PORT_FILE).exists():
            block = HTTP_YAML.format(port=port_file.read_text().strip())
            configuration = config_dir / "configuration.yaml"
            configuration.write_text(configuration.read_text().replace(block, ""))
        return promote

    async def config_entries(self, domain: str = DOMAIN) -> list[dict[str, Any]]:
        """The config entries of ``domain``."""
        entries = await self.request("GET", "/api/config/config_entries/entry")
        return [entry for entry in entries if entry["domain"] == domain]

    async def remove_onboarding_entries(self) -> None:
        """Delete the entries onboarding adds on its own that need the internet (without it
        they only log errors); entries a person added are kept."""
        for domain in ONBOARDING_CLOUD_DOMAINS:
            for entry in await self.config_entries(domain):
                if entry["source"] == "onboarding":
                    path = f"/api/config/config_entries/entry/{entry['entry_id']}"
                    await self.request("DELETE", path)

    async def add_entry(self, user_step: Mapping[str, str]) -> dict[str, Any]:
        """Add a SkyCentrics entry through the config flow as the frontend does: ``user_step``
        (client_id, client_secret, url), then the other forms' defaults (the devices offered);
        return the entry, set up."""
        path = "/api/config/config_entries/flow"
        start = {"handler": DOMAIN, "show_advanced_options": False}
        result: dict[str, Any] = await self.request("POST", path, json=start)
        while result["type"] == "form":
            if result.get("errors"):
                raise HarnessError(f"config flow step {result['step_id']!r}: {result['errors']}")
            defaults = {f["name"]: f["default"] for f in result["data_schema"] if "default" in f}
            answer = user_step if result["step_id"] == "user" else defaults
            result = await self.request("POST", f"{path}/{result['flow_id']}", json=answer)
        if result["type"] != "create_entry":
            raise HarnessError(f"config flow ended without an entry: {result}")
        return dict(result["result"])


async def wait_for_ha(url: str, timeout: float) -> None:  # noqa: ASYNC109
    """Wait until Home Assistant's HTTP server answers (a first start installs packages first):
    ``/auth/providers`` says 200 once a user exists, 400 while onboarding still needs one."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{url}/auth/providers") as response:
                    if response.status in {200, 400}:
                        return
                    last = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as err:
                last = repr(err)
            await asyncio.sleep(1)
    raise HarnessError(f"Home Assistant at {url} not up after {timeout:.0f}s ({last})")


async def setup(args: argparse.Namespace) -> int:
    """Wait for Home Assistant, onboard or log in, add the SkyCentrics entry unless there is one."""
    url = args.url.rstrip("/")
    log(f"waiting for Home Assistant at {url} (a first start installs packages: minutes)")
    await wait_for_ha(url, args.timeout)
    async with aiohttp.ClientSession() as session:
        ha = HomeAssistant(session, url)
        await ha.onboard_or_login(args.username, args.password, "Developer")
        await ha.promote_http_config(args.config_dir)
        await ha.wait_until_running(args.timeout)
        await ha.remove_onboarding_entries()
        if not (entries := await ha.config_entries()):
            keys = {"client_id": args.client_id, "client_secret": args.client_secret}
            entries = [await ha.add_entry({**keys, "url": args.api_url})]
    log(f"SkyCentrics entry {entries[0]['title']!r}: {entries[0]['state']}")
    if entries[0]["state"] != "loaded":  # e.g. the simulator's port changed since it was added
        log("see its log; reconfigure the entry in the UI, or start over (--reset)")
        return 1
    return 0


def main() -> int:
    """Command line for scripts/develop."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="get a config directory ready (HA stopped)")
    setup_ = commands.add_parser("setup", help="onboard or log in, add the SkyCentrics entry")
    for command in (prepare, setup_):
        command.add_argument("--config-dir", type=Path, required=True, help="HA config directory")
    prepare.add_argument("--port", type=int, default=8123, help="HTTP port (default 8123)")
    setup_.add_argument("--url", default="http://127.0.0.1:8123", help="Home Assistant URL")
    for option in ("username", "password", "client-id", "client-secret", "api-url"):
        setup_.add_argument(f"--{option}", required=True)
    setup_.add_argument("--timeout", type=float, default=900, help="seconds to wait for HA")
    args = parser.parse_args()
    try:
        if args.command == "prepare":
            prepare_config_dir(args.config_dir.resolve(), args.port)
            return 0
        return asyncio.run(setup(args))
    except HarnessError as err:
        log(f"error: {err}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
