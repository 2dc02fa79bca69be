"""End-to-end harness: the simulator and a real Home Assistant, each its own process.

Run apart from the unit tests, without pytest-homeassistant-custom-component's plugin (it blocks
sockets and fakes the event loop): ``pytest -p no:homeassistant tests/e2e`` (scripts/test does).

One Home Assistant serves the whole session (starting one costs seconds, a first start minutes):
the test files run in their numbered order and build on each other, as a user would: set up,
look, restart, remove. Everything lives under ``.e2e/run-<pid>/`` (git-ignored): the
configuration directory, the logs, the screenshots. When a test fails, the end of the Home
Assistant log is printed with it. The session fails if Home Assistant's log reports a call of
this integration that "will stop working in Home Assistant <version>".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, field
import importlib.util
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from types import ModuleType
from typing import Any

import aiohttp
import pytest

from skycentrics_simulator import FLEET_PLUG_ID

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT = ROOT / "custom_components" / "skycentrics"  # the integration in this checkout
E2E_DIR = ROOT / ".e2e"
USERNAME = "e2e"
PASSWORD = "e2e-password-not-secret"
SIM_CLIENT_ID = "e2e-client"
SIM_CLIENT_SECRET = "e2e-secret-never-logged"
HA_START_TIMEOUT = float(os.environ.get("SKYCENTRICS_E2E_START_TIMEOUT", "900"))
# The Python whose Home Assistant is started: the pinned one of .venv by default; scripts/test
# points it at .venv-ha-latest to run the same checks against the newest release on PyPI.
HA_PYTHON = os.environ.get("SKYCENTRICS_E2E_HA_PYTHON") or sys.executable


def load_script(name: str) -> ModuleType:
    """``scripts/<name>.py`` as a module (scripts/ is no package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / f"scripts/{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


ha_harness = load_script("ha_harness")


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct TCP ports free on 127.0.0.1 right now: held open together
    while picked (picked one after another, the same port can come back twice: a simulator
    once got its control port equal to its own and could not start)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _stop(process: subprocess.Popen[bytes], timeout: float) -> float:
    """Stop a process with SIGTERM (SIGKILL after ``timeout``); return the seconds it took."""
    start = time.monotonic()
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return time.monotonic() - start


@dataclass
class Stack:
    """The running simulator and Home Assistant, and ways to talk to them."""

    config_dir: Path
    artifacts: Path
    ha_port: int
    sim_port: int
    control_port: int = 0
    token: str = ""
    entry_id: str = ""
    ha: subprocess.Popen[bytes] | None = None
    sim: subprocess.Popen[bytes] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    sim_started: float = 0.0  # Unix seconds: the guide's values from then on (``--static``)
    # Reports of calls that "will stop working", collected at each stop (a start rotates the log).
    stop_working: list[str] = field(default_factory=list)
    # The integration's folder linked in: the checkout's (Home Assistant then starts in the
    # checkout), another version's (test_7_upgrade); None: custom_components/skycentrics as the
    # caller put it (test_0_release). Else Home Assistant starts in config_dir, where no other
    # custom_components can be imported.
    integration: Path | None = CHECKOUT
    # What the simulator runs besides the guide's values: the fleet, the plug joining later.
    sim_args: tuple[str, ...] = ("--fleet", "--without", str(FLEET_PLUG_ID))

    @property
    def ha_url(self) -> str:
        """Home Assistant's base URL."""
        return f"http://127.0.0.1:{self.ha_port}"

    @property
    def sim_url(self) -> str:
        """The simulator's base URL."""
        return f"http://127.0.0.1:{self.sim_port}"

    @property
    def log_file(self) -> Path:
        """Home Assistant's log."""
        return self.config_dir / "home-assistant.log"

    def log_tail(self, lines: int = 150) -> str:
        """The end of Home Assistant's log."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no Home Assistant log)"

    # --- processes ----------------------------------------------------------------------

    def start_simulator(self) -> None:
        """Start the simulator (the guide's values, unchanged) and wait for its URL."""
        log = (self.artifacts / "simulator.log").open("ab")
        self.sim_started = time.time()
        self.sim = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "skycentrics_simulator",
                "--port",
                str(self.sim_port),
                "--client-id",
                SIM_CLIENT_ID,
                "--client-secret",
                SIM_CLIENT_SECRET,
                "--static",
                *self.sim_args,
                "--control-port",
                str(self.control_port),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(self.sim_port, 30, self.sim)
        _wait_for_port(self.control_port, 30, self.sim)

    def sim_values(self, device_id: int, values: dict[str, Any]) -> int:
        """Pin simulator sensors to ``values`` from the next reading on; return its Unix time."""

        async def call(session: aiohttp.ClientSession) -> int:
            async with session.put(
                f"http://127.0.0.1:{self.control_port}/values/{device_id}", json=values
            ) as response:
                assert response.status == 200, await response.text()
                return int((await response.json())["since"])

        return self.run_session(call)

    def sim_account(self, method: str, device_id: int) -> list[int]:
        """Put a fleet device on the simulator's account (``PUT``) or take one off it
        (``DELETE``) while everything runs; return the account's device ids."""

        async def call(session: aiohttp.ClientSession) -> list[int]:
            async with session.request(
                method, f"http://127.0.0.1:{self.control_port}/devices/{device_id}"
            ) as response:
                assert response.status == 200, await response.text()
                return list((await response.json())["devices"])

        return self.run_session(call)

    def start_ha(self) -> float:
        """Start Home Assistant and wait until its API answers; return the seconds it took."""
        ha_harness.prepare_config_dir(self.config_dir, self.ha_port, self.integration)
        log = (self.artifacts / "home-assistant.console.log").open("ab")
        start = time.monotonic()
        self.ha = subprocess.Popen(  # noqa: S603
            [HA_PYTHON, "-m", "homeassistant", "-c", str(self.config_dir), "--log-no-color"],
            cwd=ROOT if self.integration == CHECKOUT else self.config_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.run(ha_harness.wait_for_ha(self.ha_url, HA_START_TIMEOUT))
        if self.token:
            self.token = self.run_ha(lambda ha: ha.login(USERNAME, PASSWORD))
            self.run_ha(lambda ha: ha.wait_until_running())
        return time.monotonic() - start

    def stop_ha(self) -> float:
        """Stop Home Assistant as a service manager would (SIGTERM); return the seconds it took."""
        assert self.ha is not None
        took = _stop(self.ha, 120)
        self.ha = None
        if self.log_file.exists():
            log = self.log_file.read_text(errors="replace")
            self.stop_working += ha_harness.stop_working_reports(log)
        return took

    def stop_simulator(self) -> None:
        """Stop the simulator."""
        if self.sim is not None:
            _stop(self.sim, 10)
            self.sim = None

    def restart_ha(self) -> float:
        """Stop and start Home Assistant on the same configuration; return the start's seconds."""
        self.stop_ha()
        return self.start_ha()

    # --- talking to Home Assistant --------------------------------------------------------

    @staticmethod
    def run[T](coroutine: Awaitable[T]) -> T:
        """Run one coroutine to completion."""

        async def _wrap() -> T:
            return await coroutine

        return asyncio.run(_wrap())

    def run_session[T](self, call: Callable[[aiohttp.ClientSession], Awaitable[T]]) -> T:
        """Run ``call(session)`` with a fresh aiohttp session."""

        async def _wrap() -> T:
            async with aiohttp.ClientSession() as session:
                return await call(session)

        return asyncio.run(_wrap())

    def run_ha[T](self, call: Callable[[Any], Awaitable[T]]) -> T:
        """Run ``call(ha)`` with a fresh ``ha_harness.HomeAssistant`` for this stack's token."""
        return self.run_session(
            lambda s: call(ha_harness.HomeAssistant(s, self.ha_url, self.token))
        )

    def ws(self, command: dict[str, Any]) -> Any:
        """One websocket command, as the frontend sends it; return its result."""
        return self.run_ha(lambda ha: ha.ws(command))

    def rest(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call with the owner's token; return the decoded JSON (None if empty)."""

        async def call(session: aiohttp.ClientSession) -> Any:
            async with session.request(
                method,
                self.ha_url + path,
                json=body,
                headers={"Authorization": f"Bearer {self.token}"},
            ) as response:
                text = await response.text()
                assert response.status < 400, f"{method} {path}: HTTP {response.status} {text}"
                return None if not text else await response.json(content_type=None)

        return self.run_session(call)

    def states(self) -> dict[str, dict[str, Any]]:
        """Every state, by entity id."""
        return {state["entity_id"]: state for state in self.rest("GET", "/api/states")}

    def entity_registry(self) -> list[dict[str, Any]]:
        """The entity registry entries of the SkyCentrics config entry."""
        entries: list[dict[str, Any]] = self.ws({"type": "config/entity_registry/list"})
        return [e for e in entries if e.get("config_entry_id") == self.entry_id]

    def device_registry(self) -> list[dict[str, Any]]:
        """The device registry entries of the SkyCentrics config entry."""
        devices: list[dict[str, Any]] = self.ws({"type": "config/device_registry/list"})
        return [d for d in devices if self.entry_id in d.get("config_entries", [])]

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
        """Poll ``check`` until it returns something true; fail with ``what`` after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            if result := check():
                return result
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.5)


def _wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, f"process exited with {process.returncode}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert time.monotonic() < deadline, f"nothing listens on port {port} after {timeout}s"
        time.sleep(0.1)


_STACK: Stack | None = None
TIMINGS: dict[str, float] = {}
HA_VERSION: list[str] = []


def ha_version() -> str:
    """The version of the Home Assistant that the suite starts."""
    return subprocess.run(  # noqa: S603
        [HA_PYTHON, "-m", "homeassistant", "--version"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def new_stack(name: str = "", **fields: Any) -> Stack:
    """A stack in this run's folder, on free ports; ``name``: a folder of its own in it (a test
    with a Home Assistant of its own)."""
    run_dir = E2E_DIR / f"run-{os.getpid()}" / name
    artifacts = run_dir / "artifacts"
    artifacts.mkdir(parents=True)
    ha_port, sim_port, control_port = free_ports(3)
    return Stack(
        config_dir=run_dir / "config",
        artifacts=artifacts,
        ha_port=ha_port,
        sim_port=sim_port,
        control_port=control_port,
        **fields,
    )


def boot(stack: Stack) -> None:
    """Start the simulator and Home Assistant; onboard it, as a new user does."""
    stack.start_simulator()
    started = time.monotonic()
    stack.timings["start to API up"] = stack.start_ha()
    stack.token = stack.run_ha(lambda ha: ha.onboard_or_login(USERNAME, PASSWORD, "End to end"))
    # The YAML's port is on trial until confirmed: confirm it, as the frontend's button does.
    assert stack.run_ha(lambda ha: ha.promote_http_config(stack.config_dir))
    stack.run_ha(lambda ha: ha.wait_until_running())
    stack.timings["start to running, onboarded"] = time.monotonic() - started
    stack.run_ha(lambda ha: ha.remove_onboarding_entries())


def shut_down(stack: Stack) -> None:
    """Stop Home Assistant and the simulator, if they run."""
    if stack.ha is not None:
        stack.timings["final stop"] = stack.stop_ha()
    stack.stop_simulator()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The simulator and an onboarded Home Assistant with the SkyCentrics entry set up."""
    global _STACK  # noqa: PLW0603 (the report hook below needs it)
    # One folder per run (runs may overlap); folders of runs that have ended are removed.
    for old in E2E_DIR.glob("run-*"):
        if not Path(f"/proc/{old.name.removeprefix('run-')}").exists():
            shutil.rmtree(old, ignore_errors=True)
    the_stack = new_stack()
    _STACK = the_stack
    HA_VERSION[:] = [ha_version()]
    try:
        boot(the_stack)
        yield the_stack
    finally:
        shut_down(the_stack)
        _STACK = None
        TIMINGS.update(the_stack.timings)
    # Reached only when the session's tests ran: a teardown error fails the run.
    reports = "\n".join(the_stack.stop_working)
    assert not reports, f"Home Assistant reports calls that will stop working:\n{reports}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the end of the Home Assistant log to a failed end-to-end test."""
    report = yield
    if report.failed and _STACK is not None:
        report.sections.append(("Home Assistant log (last lines)", _STACK.log_tail()))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which Home Assistant ran, and what its starts and stops cost in this run."""
    if HA_VERSION:
        terminalreporter.write_line(f"Home Assistant version: {HA_VERSION[0]}")
    if TIMINGS:
        timings = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in TIMINGS.items())
        terminalreporter.write_line(f"Home Assistant: {timings}")
