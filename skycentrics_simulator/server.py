"""A local SkyCentrics API server (aiohttp) for tests and development."""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Awaitable, Callable, Iterator, Mapping
import copy
from datetime import UTC, datetime
import functools
import json
import math
from types import TracebackType
from typing import Any, Literal, Self
import zlib

from aiohttp import hdrs, web

from . import auth, fleet, settings
from .fleet import Command, CommandKind, command_at, report_time
from .model import (
    LIFETIME_COUNTERS,
    SWAPPED_COUNTERS,
    SensorModel,
    like_seed,
    swap_words,
    unswap_words,
)
from .seed import SEED_DEVICE_ID, SEED_EPOCH, load_seed_device, load_seed_payload

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
"""An aiohttp request handler (what a middleware wraps)."""

type Fault = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
"""A pending fault: gets the request and the rest of the chain, returns the response to send.

A fault may answer on its own (an error status, an HTML page, ...), call `handler(request)` and
alter or delay its answer, or raise (e.g. to drop the connection).
"""

HISTORY_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""Format of the history endpoint's `b` and `e` query parameters (UTC)."""

GZIP_CONTENT_TYPE = "application/gzip"

type HistoryShape = Literal["list", "map", "map_unix"]
"""How a history answer is laid out (see `Simulator.history_shape`)."""

GZIP_LEVEL = 6
"""zlib level of the simulator's gzip: what web servers use (9 is slow for a day of history)."""

CLIENT_ID_KEY = web.RequestKey("skycentrics_client_id", str)
"""Key of the authenticated client id in a `web.Request`."""

FLEET_WATER_HEATER_ID = 1592700107
"""The fleet's AO Smith heat pump water heater (type 107, CTA-2045 fields)."""
FLEET_EV_CHARGER_ID = 1592700110
"""The fleet's ClipperCreek EV charger (type 110, CTA-2045 fields)."""
FLEET_THERMOSTAT_ID = 1592700242
"""The fleet's Radio Thermostat CT80 (type 242, thermostat fields)."""
FLEET_SKYBOX_ID = 1592700250
"""The fleet's second Super SkyBox (type 250): the guide's sensors and filled `ct` channels."""
FLEET_PLUG_ID = 1592700003
"""The fleet's SkyPlug (type 3, CTA-2045 fields and a power level)."""

type DeviceKind = Literal["skybox", "water_heater", "ev_charger", "thermostat", "plug"]

FLEET: tuple[tuple[int, int, DeviceKind, str], ...] = (
    (FLEET_WATER_HEATER_ID, 107, "water_heater", "water-heater-simulated"),
    (FLEET_THERMOSTAT_ID, 242, "thermostat", "ct80-simulated"),
    (FLEET_EV_CHARGER_ID, 110, "ev_charger", "ev-charger-simulated"),
    (FLEET_SKYBOX_ID, 250, "skybox", "ssb-fleet-simulated"),
    (FLEET_PLUG_ID, 3, "plug", "skyplug-simulated"),
)
"""(device id, type, kind, name) of the fleet's devices, in the order the device list shows."""

FLEET_DEVICE_IDS: tuple[int, ...] = tuple(entry[0] for entry in FLEET)

CONTROL_MAX_DURATION = 86_400
"""Longest event or shed the simulator takes, in seconds."""

EVENTS: frozenset[str] = frozenset({"LU", "CPE", "GE"})

FORBIDDEN_MESSAGE = "You do not have permission to perform this action."

_dumps = functools.partial(json.dumps, separators=(",", ":"))


def payload_time(unix: int) -> str:
    """Format Unix seconds like the payload's top-level `time` (`2025-07-31 01:37:47Z`)."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def json_error(status: int, message: str, **kwargs: Any) -> web.Response:
    """Return a SkyCentrics-style JSON error: `{"error": {"message": ...}}`."""
    return web.json_response({"error": {"message": message}}, status=status, **kwargs)


class _Device:
    """Sensors and pinned values of one simulated device (``kind``: what its `/data` holds)."""

    def __init__(
        self,
        index: int,
        sensors: list[dict[str, Any]],
        kind: DeviceKind = "skybox",
        *,
        ct: bool = False,
    ) -> None:
        self.index = index
        self.sensors = sensors
        self.modelled = {s["id"] for s in sensors}
        self.pinned: dict[str, Any] = {}
        # Pinned from this time on (Unix seconds); before it the model's past (see pin_from).
        self.pinned_since: dict[str, float] = {}
        self.kind = kind
        self.ct = ct  # a Super SkyBox with filled `ct` channels


class Simulator:
    """A SkyCentrics cloud API on a local port, with virtual time and hooks for tests.

    Device 1 is the guide's Super SkyBox (`SEED_DEVICE_ID`); each further device `n` (1-based
    offset) gets id `SEED_DEVICE_ID + n`, name `ssb-00{n+1}-simulated`, its own MAC and the same
    sensors. Every request must be signed (see `auth`); a request whose `Date` is more than
    `date_tolerance` seconds away from the simulator's clock is refused with 401.
    With `require_signature=False`, a request without an `x-sc-api-token` header is served too
    (as an anonymous client that may read every device), e.g. for Home Assistant's RESTful
    integration in the benchmark; a request that carries a token is still checked.

    History (`GET /api/devices/{id}/data?b=...&e=...&g=1`) and `/data` take every value from
    the same function of time (`counter_value`): the history record at `t` holds what a `/data`
    reading at `t` shows. Test controls: `history_gaps`, `history_shape`,
    `history_ignores_accept`, `swapped_counters`.

    With `fleet=True`, the same account (user, group, client of the guide's device) also holds
    the devices of `FLEET` (see `fleet`): a water heater (`FLEET_WATER_HEATER_ID`, type 107), a
    Radio Thermostat CT80 (`FLEET_THERMOSTAT_ID`, 242), an EV charger (`FLEET_EV_CHARGER_ID`,
    110), a second Super SkyBox with filled `ct` channels (`FLEET_SKYBOX_ID`, 250) and a SkyPlug
    (`FLEET_PLUG_ID`, 3), listed after the others. Without it, the devices are exactly as before.

    Demand response: `PUT /api/devices/{id}/event` (`{"event": "LU" | "CPE" | "GE",
    "duration": seconds}`) and `PUT /api/devices/{id}/load_shed` (`{"s": 1, "duration":
    seconds}`, the duration optional: until ended; `{"s": 0}` ends the command in force at once),
    signed like every request (content type and body MD5 included), with a JSON body
    (`application/json`, else 415; a malformed command is a 400). Any readable device takes
    them (answer `control_status`); the fleet's water heater and EV charger show their effect in
    `/data` and history (see `fleet`), from the second the command starts until it ends, in
    virtual time. Test controls: `control_forbidden`, `control_status`, `control_requests`,
    `commands`, `command_in_force`.

    Settings: `PUT /api/<group>/{id}/<prop>` (`settings`: the thermostat's setpoints, modes and
    hold, the plug's relay and level), checked and answered as the commands are; their effect
    shows from the PUT's second on (see `fleet`). `changes` lists what a device took.
    Devices that come and go: `add_fleet_device`, `remove_device`.

    Args:
        clients: client id -> secret of the API keys the server accepts.
        device_count: number of devices (at least 1).
        clock: returns the simulator's current time (an aware datetime); default: real UTC now.
        date_tolerance: largest accepted difference, in seconds, between a request's `Date`
            and the simulator's clock.
        sample_interval: seconds between two readings of the live `/data` endpoint.
        history_interval: seconds between two records of the history endpoint (default: one a
            minute, on the UTC minute).
        max_history_span: longest history range (`e - b`), in seconds, that one request may ask.
        require_signature: when False, unsigned requests are served (see above).
        fleet: when True, the devices of `FLEET` are added (see above).
    """

    def __init__(
        self,
        clients: Mapping[str, str],
        device_count: int = 1,
        clock: Callable[[], datetime] | None = None,
        date_tolerance: float = 300.0,
        *,
        sample_interval: int = 60,
        history_interval: int = 60,
        max_history_span: float = 86400.0,
        require_signature: bool = True,
        fleet: bool = False,
    ) -> None:
        """Set up the devices and the aiohttp application (the server is not started yet)."""
        if device_count < 1:
            raise ValueError("device_count must be at least 1")
        if fleet and SEED_DEVICE_ID + device_count > min(FLEET_DEVICE_IDS):
            raise ValueError("too many devices for the fleet's ids")
        if sample_interval < 1 or history_interval < 1:
            raise ValueError("intervals must be at least 1 second")
        self.clients: dict[str, str] = dict(clients)
        self.clock: Callable[[], datetime] | None = clock
        self.date_tolerance = date_tolerance
        self.sample_interval = sample_interval
        self.history_interval = history_interval
        self.max_history_span = max_history_span
        self.require_signature = require_signature
        self.requests: list[tuple[str, str, int]] = []
        """(method, raw path, status) of every request served, in order."""
        self.response_bytes: list[int] = []
        """Body size in bytes of every response in `requests` (same order; -1 if unknown)."""
        self.readable_by: dict[str, set[int]] | None = None
        """Client id -> device ids it may list and read; clients not in it (or None): all."""
        self.list_forbidden = False
        """When True, `GET /api/devices/` answers 403 while single devices stay readable."""
        self.faults: list[Fault] = []
        """Pending one-shot faults, applied in order to the next requests (empty: none)."""
        self.history_gaps: list[tuple[datetime, datetime]] = []
        """Ranges [start, end) with no history record (the device was offline)."""
        self.history_shape: HistoryShape = "list"
        """Layout of a history answer: "list" (a JSON list of records), "map" (an object keyed
        by each record's reading time, `2025-07-30T00:01:00`) or "map_unix" (keyed by its Unix
        seconds, as JSON keys are: text)."""
        self.history_ignores_accept = False
        """When True, history is plain JSON even for `Accept: application/gzip` (the real server
        sometimes ignores it); aiohttp's own `Content-Encoding: gzip` may still apply."""
        self.swapped_counters = False
        """When True, the battery's lifetime counters (`model.SWAPPED_COUNTERS`) are word-swapped
        32-bit registers of whole kWh: they move by 65,536 per kWh, in `/data` and history alike
        (see `counter_kwh`); un-swapping the words (`model.unswap_words`) gives the kWh. Past
        65,535 kWh (the model's registers: mid-2026 on) the value is no multiple of 65,536
        any more (see `model`). False: as the guide's raw values, moving by 1 per kWh."""
        self.control_forbidden: set[int] = set()
        """Device ids whose control requests are refused: 403 with the API's JSON error (the
        keys may still read them)."""
        self.control_status = 200
        """Status of an accepted control request (the API answers 200 or 202)."""
        self.control_requests: list[tuple[str, str, Any]] = []
        """(method, raw path, body parsed as JSON, or None if it is not JSON) of every signed
        control request that reached its handler (refused ones too), in order."""
        self._commands: dict[int, list[Command]] = {}
        self._changes: dict[int, list[settings.Change]] = {}
        self._device_count = device_count

        seed = load_seed_payload()
        self._model = SensorModel({s["id"]: s["data"] for s in seed["sensors"]})
        self._seed_sensors = [
            {k: s[k] for k in ("id", "name", "type", "units", "data")} for s in seed["sensors"]
        ]
        seed_device = self._seed_device = load_seed_device()
        self.devices: dict[int, dict[str, Any]] = {}
        """Device id -> device object, as `GET /api/devices/{id}/` answers it."""
        self._devices: dict[int, _Device] = {}
        for n in range(device_count):
            device = dict(seed_device)
            if n:
                device["id"] = SEED_DEVICE_ID + n
                device["name"] = f"ssb-{n + 1:03d}-simulated"
                device["mac"] = f"{int(seed_device['mac'], 16) + n:012x}"
            self.devices[device["id"]] = device
            self._devices[device["id"]] = _Device(n, copy.deepcopy(self._seed_sensors))
        for device_id in FLEET_DEVICE_IDS if fleet else ():
            self.add_fleet_device(device_id)

        self.app = web.Application(
            middlewares=[
                self._record_middleware,
                self._fault_middleware,
                self._error_middleware,
                self._auth_middleware,
            ]
        )
        self.app[SIMULATOR_KEY] = self
        self.app.on_response_prepare.append(self._on_response_prepare)
        self.app.router.add_get("/api/devices/", self._handle_list, allow_head=False)
        self.app.router.add_get(
            r"/api/devices/{device_id:\d+}/", self._handle_device, allow_head=False
        )
        self.app.router.add_get(
            r"/api/devices/{device_id:\d+}/data", self._handle_data, allow_head=False
        )
        self.app.router.add_put(r"/api/devices/{device_id:\d+}/event", self._handle_event)
        self.app.router.add_put(r"/api/devices/{device_id:\d+}/load_shed", self._handle_load_shed)
        self.app.router.add_put(
            r"/api/{group:devices|smartplugs|thermostats}/{device_id:\d+}/"
            rf"{{prop:{'|'.join(settings.PROPS)}}}",
            self._handle_setting,
        )
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving on `host`:`port` (port 0: a free port, see `port`)."""
        if self._runner is not None:
            raise RuntimeError("simulator already started")
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._host = host
        self._port = int(runner.addresses[0][1])

    @property
    def open_connections(self) -> int:
        """How many client connections the server holds open right now."""
        if self._runner is None or self._runner.server is None:
            return 0
        return len(self._runner.server.connections)

    async def stop(self) -> None:
        """Stop serving and close every connection (safe to call twice)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        """Start on 127.0.0.1, on a free port."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server."""
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on (after `start`)."""
        if self._port is None:
            raise RuntimeError("simulator not started")
        return self._port

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. `http://127.0.0.1:8099` (after `start`)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    # ------------------------------------------------------------------ time

    def now(self) -> datetime:
        """The simulator's current time (aware, UTC)."""
        when = self.clock() if self.clock is not None else datetime.now(UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC)

    def reading_time(self, at: datetime | None = None) -> int:
        """Unix seconds of the latest reading the live `/data` endpoint shows at `at`.

        Readings are taken every `sample_interval` seconds on a grid through the seed's reading
        time, and reach the cloud one second later (like the guide's payload).
        """
        t = math.floor((at or self.now()).timestamp())
        steps = (t - 1 - SEED_EPOCH) // self.sample_interval
        return SEED_EPOCH + steps * self.sample_interval

    # ------------------------------------------------------------------ test controls

    def _device(self, device_id: int) -> _Device:
        if device_id not in self.devices:
            raise KeyError(f"unknown device {device_id}")
        if device_id not in self._devices:  # a device object a test put in `devices` itself
            self._devices[device_id] = _Device(
                len(self._devices), copy.deepcopy(self._seed_sensors)
            )
        return self._devices[device_id]

    def _sensor_index(self, device: _Device, sensor_id: str) -> int:
        for i, sensor in enumerate(device.sensors):
            if sensor["id"] == sensor_id:
                return i
        raise KeyError(f"unknown sensor {sensor_id!r}")

    def set_value(self, device_id: int, sensor_id: str, value: Any) -> None:
        """Pin a sensor's `data` to `value` (any JSON value), overriding the model."""
        device = self._device(device_id)
        self._sensor_index(device, sensor_id)
        device.pinned[sensor_id] = copy.deepcopy(value)
        device.pinned_since.pop(sensor_id, None)

    def pin_from(self, device_id: int, sensor_id: str, value: Any, since: float) -> None:
        """Pin a sensor's `data` to `value` for readings from `since` (Unix seconds) on.

        Before `since`, readings (and history records) follow the model, so the past moves as a
        real site's does; a lifetime counter is shifted to meet `value` at `since` exactly (a
        word-swapped one, with `swapped_counters`, in kWh: its past moves by 65,536 per kWh).
        With it, a set-up shows the guide's values now and days of real energy in its history.
        """
        self.set_value(device_id, sensor_id, value)
        self._device(device_id).pinned_since[sensor_id] = since

    def clear_value(self, device_id: int, sensor_id: str) -> None:
        """Unpin a sensor: its `data` follows the model (or its static value) again."""
        self._device(device_id).pinned.pop(sensor_id, None)

    def add_sensor(self, device_id: int, sensor: Mapping[str, Any]) -> None:
        """Add a sensor to a device (shown from now on with its static `data`).

        `sensor` needs an `id`; `name` defaults to the id, `type` and `units` to "" and `data`
        to None.
        """
        device = self._device(device_id)
        sensor_id = str(sensor["id"])
        if any(s["id"] == sensor_id for s in device.sensors):
            raise ValueError(f"sensor {sensor_id!r} already exists")
        device.sensors.append(
            {
                "id": sensor_id,
                "name": sensor.get("name", sensor_id),
                "type": sensor.get("type", ""),
                "units": sensor.get("units", ""),
                "data": copy.deepcopy(sensor.get("data")),
            }
        )
        device.modelled.discard(sensor_id)

    def remove_sensor(self, device_id: int, sensor_id: str) -> None:
        """Remove a sensor from a device's payloads."""
        device = self._device(device_id)
        del device.sensors[self._sensor_index(device, sensor_id)]
        device.modelled.discard(sensor_id)
        device.pinned.pop(sensor_id, None)

    def sensors(self, device_id: int) -> list[dict[str, Any]]:
        """Definitions (`id`, `name`, `type`, `units`, seed/static `data`) of a device's sensors."""
        return copy.deepcopy(self._device(device_id).sensors)

    def add_fleet_device(self, device_id: int) -> None:
        """Put a device of `FLEET` on the account (at the end of the device list), whether or
        not the simulator has its fleet; one removed comes back with its settings and
        commands. KeyError for an id not in `FLEET`, ValueError if it is there already."""
        entry = next((f for f in FLEET if f[0] == device_id), None)
        if entry is None:
            raise KeyError(f"{device_id} is not a device of the fleet")
        _, device_type, kind, name = entry
        if device_id in self.devices:
            raise ValueError(f"device {device_id} is on the account already")
        if SEED_DEVICE_ID + self._device_count > min(FLEET_DEVICE_IDS):
            raise ValueError("too many devices for the fleet's ids")
        mac = int(self._seed_device["mac"], 16) + 0x10000 + device_type
        self.devices[device_id] = {
            **self._seed_device,
            "id": device_id,
            "type": device_type,
            "name": name,
            "mac": f"{mac:012x}",
        }
        if device_id not in self._devices:
            sensors = copy.deepcopy(self._seed_sensors) if kind == "skybox" else []
            self._devices[device_id] = _Device(
                self._device_count, sensors, kind, ct=kind == "skybox"
            )

    def remove_device(self, device_id: int) -> None:
        """Take a device off the account: gone from the device list, 404 for its object,
        `/data`, history and control (`add_fleet_device` brings a fleet device back).
        KeyError for a device that is not there."""
        self._device(device_id)
        del self.devices[device_id]

    def add_fault(self, fault: Fault, times: int = 1) -> None:
        """Queue a fault for the next ``times`` requests (see `Fault` and `faults`)."""
        self.faults.extend([fault] * times)

    # ------------------------------------------------------------------ payloads

    def _values(self, device: _Device, reading: float) -> dict[str, Any]:
        if not device.modelled:
            return {}
        return self._model.values(reading, device.index, swapped_counters=self.swapped_counters)

    def _data(
        self, device: _Device, sensor: Mapping[str, Any], values: Mapping[str, Any], t: float
    ) -> Any:
        sid = sensor["id"]
        if sid in device.pinned and t < device.pinned_since.get(sid, t):
            return self._before_pin(device, sensor, values, device.pinned_since[sid])
        if sid in device.pinned:
            return copy.deepcopy(device.pinned[sid])
        if sid in device.modelled and sid in values:
            return like_seed(values[sid], sensor["data"])
        return copy.deepcopy(sensor["data"])

    def _before_pin(
        self, device: _Device, sensor: Mapping[str, Any], values: Mapping[str, Any], since: float
    ) -> Any:
        """A pinned sensor's value before its pin: the model's, a counter shifted onto the pin."""
        sid = sensor["id"]
        pinned = device.pinned[sid]
        if sid not in device.modelled or sid not in values:
            return copy.deepcopy(pinned)
        if self.swapped_counters and sid in SWAPPED_COUNTERS and isinstance(pinned, int | float):
            # A word-swapped register: shifted in kWh (its un-swapped value), swapped again,
            # so the past moves by 65,536 per kWh up to the pinned value.
            gained = unswap_words(self._values(device, since)[sid]) - unswap_words(values[sid])
            return swap_words(max(0, unswap_words(pinned) - gained))
        if sid in LIFETIME_COUNTERS and isinstance(pinned, int | float):
            at_pin = self._values(device, since)[sid]
            return like_seed(pinned - (at_pin - values[sid]), sensor["data"])
        return like_seed(values[sid], sensor["data"])

    def _payload(self, device_id: int, reading: int) -> dict[str, Any]:
        device = self._device(device_id)
        if device.kind != "skybox":
            commands = self._commands.get(device_id, [])
            changes = self._changes.get(device_id, [])
            if device.kind == "water_heater":
                payload = fleet.water_heater_payload(device_id, reading, commands)
            elif device.kind == "ev_charger":
                payload = fleet.charger_payload(device_id, reading, commands)
            elif device.kind == "plug":
                payload = fleet.plug_payload(device_id, reading, changes)
            else:
                payload = fleet.thermostat_payload(device_id, reading, changes)
            payload["time"] = payload_time(reading + 1)
            return payload
        values = self._values(device, reading)
        sensors: list[dict[str, Any]] = [
            {
                "data": self._data(device, sensor, values, reading),
                "id": sensor["id"],
                "name": sensor["name"],
                "time": reading,
                "type": sensor["type"],
                "units": sensor["units"],
            }
            for sensor in device.sensors
        ]
        return {
            "device": device_id,
            "ct": fleet.ct_channels(reading) if device.ct else [],
            "sensors": sensors,
            "time": payload_time(reading + 1),
        }

    def counter_value(self, device_id: int, sensor_id: str, at: datetime | float) -> Any:
        """The `data` of a sensor in a reading taken at `at` (an aware datetime or Unix seconds).

        The very value `/data` shows for a reading at that time and the history record at that
        time holds (any sensor: modelled, pinned or static). For a lifetime counter, the
        expected increase between two records is `counter_kwh(t2) - counter_kwh(t1)`.
        """
        device = self._device(device_id)
        sensor = device.sensors[self._sensor_index(device, sensor_id)]
        t = at.timestamp() if isinstance(at, datetime) else float(at)
        return self._data(device, sensor, self._values(device, t), t)

    def counter_kwh(self, device_id: int, sensor_id: str, at: datetime | float) -> float:
        """What a counter's reading at `at` counts, in its own unit (kWh for energy).

        `counter_value`, except for the `model.SWAPPED_COUNTERS` while `swapped_counters` is on:
        then the register the word-swapped value was read from (338,624,512 -> 5,167 kWh).
        """
        value = self.counter_value(device_id, sensor_id, at)
        if self.swapped_counters and sensor_id in SWAPPED_COUNTERS:
            return float(unswap_words(value))
        return float(value)

    def snapshot(self, device_id: int, at: datetime | None = None) -> dict[str, Any]:
        """The `/data` payload the server sends for `device_id` at time `at` (default: now).

        The reading on the `sample_interval` grid (`reading_time`), or a report made since
        when a command started or ended (on a device that shows demand response) or when the
        device took a setting.
        """
        moment = at or self.now()
        moments: list[int | None] = [c.time for c in self._changes.get(device_id, [])]
        if self._device(device_id).kind in ("water_heater", "ev_charger"):
            moments += [m for c in self._commands.get(device_id, []) for m in (c.start, c.end)]
        reading = report_time(moments, self.reading_time(moment), moment.timestamp())
        return self._payload(device_id, reading)

    def changes(self, device_id: int) -> list[settings.Change]:
        """The settings a device took (`PUT /api/<group>/{id}/<prop>`), in order; ``dimmer``
        is kept as ``power_level`` (the plug has one level)."""
        return list(self._changes.get(device_id, []))

    def commands(self, device_id: int) -> list[Command]:
        """The demand-response commands a device was given, in order (copies)."""
        return [copy.copy(command) for command in self._commands.get(device_id, [])]

    def command_in_force(self, device_id: int, at: datetime | None = None) -> str | None:
        """The kind of command in force at `at` (default: now): "shed", "LU", "CPE", "GE"."""
        command = command_at(self._commands.get(device_id, []), (at or self.now()).timestamp())
        return None if command is None else command.kind

    def _command(self, device_id: int, kind: CommandKind | None, duration: int | None) -> None:
        """End the command in force now, then start ``kind`` (None: none) for ``duration``."""
        now = math.floor(self.now().timestamp())
        commands = self._commands.setdefault(device_id, [])
        for command in commands:
            if command.active(now):
                command.end = now
        if kind is not None:
            commands.append(Command(kind, now, None if duration is None else now + duration))

    def history_times(self, begin: datetime, end: datetime) -> list[int]:
        """Unix seconds of the history records between `begin` (included) and `end` (excluded).

        One every `history_interval` seconds on the UTC grid, none after the simulator's
        current time and none inside a `history_gaps` range.
        """
        first = math.ceil(begin.timestamp() / self.history_interval) * self.history_interval
        stop = end.timestamp()
        now = self.now().timestamp()
        gaps = [(a.timestamp(), b.timestamp()) for a, b in self.history_gaps]
        return [
            t
            for t in range(first, math.ceil(stop), self.history_interval)
            if t < stop and t <= now and not any(a <= t < b for a, b in gaps)
        ]

    def history(self, device_id: int, begin: datetime, end: datetime) -> list[dict[str, Any]]:
        """The history records between `begin` (included) and `end` (excluded), in time order.

        One record per time of `history_times`, shaped like the `/data` payload of a reading
        at that time.
        """
        return [self._payload(device_id, t) for t in self.history_times(begin, end)]

    def history_body(self, device_id: int, begin: datetime, end: datetime) -> bytes:
        """The history answer as JSON bytes, laid out as `history_shape` says.

        Built record by record (no list of a day's records in memory, and no long call that
        holds the GIL: the server runs it in a worker thread).
        """
        self._device(device_id)
        return b"".join(self._history_chunks(device_id, self.history_times(begin, end)))

    def _history_chunks(self, device_id: int, times: list[int]) -> Iterator[bytes]:
        shape = self.history_shape
        yield b"[" if shape == "list" else b"{"
        for n, t in enumerate(times):
            record = _dumps(self._payload(device_id, t))
            if shape == "map":
                key = datetime.fromtimestamp(t, UTC).strftime(HISTORY_TIME_FORMAT)
                record = f'"{key}":{record}'
            elif shape == "map_unix":
                record = f'"{t}":{record}'
            yield (record if n == 0 else "," + record).encode()
        yield b"]" if shape == "list" else b"}"

    # ------------------------------------------------------------------ access

    def _client_may_read(self, client_id: str, device_id: int) -> bool:
        if device_id not in self.devices:
            return False
        if self.readable_by is None or client_id not in self.readable_by:
            return True
        return device_id in self.readable_by[client_id]

    def _readable_device_id(self, request: web.Request) -> int:
        device_id = int(request.match_info["device_id"])
        if not self._client_may_read(request[CLIENT_ID_KEY], device_id):
            raise web.HTTPNotFound(reason="device not found")
        return device_id

    # ------------------------------------------------------------------ handlers

    async def _handle_list(self, request: web.Request) -> web.StreamResponse:
        if self.list_forbidden:
            return json_error(403, "You do not have permission to perform this action.")
        client_id = request[CLIENT_ID_KEY]
        devices = [d for i, d in self.devices.items() if self._client_may_read(client_id, i)]
        return web.json_response(devices, dumps=_dumps)

    async def _handle_device(self, request: web.Request) -> web.StreamResponse:
        device_id = self._readable_device_id(request)
        return web.json_response(self.devices[device_id], dumps=_dumps)

    async def _handle_data(self, request: web.Request) -> web.StreamResponse:
        device_id = self._readable_device_id(request)
        query = request.query
        if "b" not in query and "e" not in query:
            return web.json_response(self.snapshot(device_id), dumps=_dumps)
        begin = _parse_history_time(query.get("b"))
        end = _parse_history_time(query.get("e"))
        if begin is None or end is None:
            return json_error(400, "b and e must both be given as YYYY-MM-DDTHH:MM:SS (UTC)")
        if end <= begin:
            return json_error(400, "e must be later than b")
        if (end - begin).total_seconds() > self.max_history_span:
            return json_error(400, f"range longer than {self.max_history_span:g} seconds")
        as_gzip = (
            GZIP_CONTENT_TYPE in request.headers.get(hdrs.ACCEPT, "")
            and not self.history_ignores_accept
        )
        encode = not as_gzip and "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, "")

        def build() -> bytes:  # a day is about 11 MB of JSON: not on the event loop
            body = self.history_body(device_id, begin, end)
            return _gzip(body) if as_gzip or encode else body

        body = await asyncio.to_thread(build)
        if as_gzip:
            return web.Response(body=body, content_type=GZIP_CONTENT_TYPE)
        headers = {hdrs.CONTENT_ENCODING: "gzip"} if encode else None
        return web.Response(body=body, content_type="application/json", headers=headers)

    async def _control_command(self, request: web.Request) -> tuple[int, Any] | web.Response:
        """The device id and the parsed JSON body of a control request, recorded; or the error
        answer (404 unknown device or a group not the device's, 403 `control_forbidden`, 415
        not JSON)."""
        body = await request.read()
        try:
            command = json.loads(body)
        except ValueError:  # UnicodeDecodeError too
            command = None
        self.control_requests.append((request.method, request.raw_path, command))
        device_id = self._readable_device_id(request)
        group = request.match_info.get("group")
        if group is not None and group != settings.group_of(self.devices[device_id]["type"]):
            raise web.HTTPNotFound(reason="device not found")
        if device_id in self.control_forbidden:
            return json_error(403, FORBIDDEN_MESSAGE)
        if request.content_type != "application/json" or command is None:
            return json_error(415, "the body must be a JSON object (application/json)")
        return device_id, command

    def _accepted(self, device_id: int, command: Any) -> web.Response:
        return web.json_response(
            {"device": device_id, "accepted": command}, status=self.control_status, dumps=_dumps
        )

    async def _handle_event(self, request: web.Request) -> web.StreamResponse:
        found = await self._control_command(request)
        if isinstance(found, web.Response):
            return found
        device_id, command = found
        event = command.get("event") if isinstance(command, dict) else None
        duration = _duration(command.get("duration")) if isinstance(command, dict) else None
        if event not in EVENTS or duration is None:
            return json_error(
                400,
                'expected {"event": "LU" | "CPE" | "GE", "duration": 1 to '
                f"{CONTROL_MAX_DURATION} seconds}}",
            )
        self._command(device_id, event, duration)
        return self._accepted(device_id, command)

    async def _handle_load_shed(self, request: web.Request) -> web.StreamResponse:
        found = await self._control_command(request)
        if isinstance(found, web.Response):
            return found
        device_id, command = found
        shed = command.get("s") if isinstance(command, dict) else None
        raw_duration = command.get("duration") if isinstance(command, dict) else None
        duration = _duration(raw_duration)
        if shed == 0 and type(shed) is int:
            self._command(device_id, None, None)
        elif shed == 1 and type(shed) is int and (raw_duration is None or duration is not None):
            self._command(device_id, "shed", duration)
        else:
            return json_error(
                400,
                'expected {"s": 1, "duration": 1 to '
                f'{CONTROL_MAX_DURATION} seconds}} or {{"s": 0}}',
            )
        return self._accepted(device_id, command)

    async def _handle_setting(self, request: web.Request) -> web.StreamResponse:
        """``PUT /api/<group>/{id}/<prop>`` (`settings`): taken from this second on.

        A group that is not the device's (``smartplugs`` for types 2-4, ``thermostats`` for
        type 1, ``devices`` for the others) is a 404, as for an unknown device: what the real
        API answers is not known. A property the device does not take, or a body not of the
        SDK's shape, is a 400 that says why (the shape expected).
        """
        found = await self._control_command(request)
        if isinstance(found, web.Response):
            return found
        device_id, body = found
        prop = request.match_info["prop"]
        refusal = settings.refusal(self._device(device_id).kind, prop)
        if refusal is not None:
            return json_error(400, refusal)
        try:
            value = settings.parse(prop, body)
        except ValueError as err:
            return json_error(400, str(err))
        now = math.floor(self.now().timestamp())
        kept = "power_level" if prop == "dimmer" else prop
        changes = self._changes.setdefault(device_id, [])
        bisect.insort(changes, settings.Change(now, kept, value), key=lambda c: c.time)
        return self._accepted(device_id, body)

    # ------------------------------------------------------------------ middlewares

    async def _on_response_prepare(
        self, request: web.Request, response: web.StreamResponse
    ) -> None:
        response.headers[hdrs.DATE] = auth.http_date(self.now())

    @web.middleware
    async def _record_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        status = 500
        size = -1
        try:
            response = await handler(request)
            status = response.status
            if isinstance(response, web.Response) and isinstance(response.body, bytes):
                _compress_if_accepted(request, response)
                assert isinstance(response.body, bytes)
                size = len(response.body)  # as sent: compressed when the client allows it
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.requests.append((request.method, request.raw_path, status))
            self.response_bytes.append(size)

    @web.middleware
    async def _fault_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Extension point: hand the request to the next pending fault, if any."""
        if not self.faults:
            return await handler(request)
        fault = self.faults.pop(0)
        return await fault(request, handler)

    @web.middleware
    async def _error_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Turn aiohttp's HTTP errors (404 route, 405, ...) into SkyCentrics JSON errors."""
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            return json_error(exc.status, exc.reason, headers=_kept_headers(exc))

    @web.middleware
    async def _auth_middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse (401) every request that is not signed with known keys at the right time."""
        token = request.headers.get(auth.TOKEN_HEADER)
        if not token and not self.require_signature:
            request[CLIENT_ID_KEY] = ""
            return await handler(request)
        if not token:
            return json_error(401, f"missing {auth.TOKEN_HEADER} header")
        parts = auth.split_token(token)
        if parts is None:
            return json_error(401, f"malformed {auth.TOKEN_HEADER} header")
        client_id, given = parts
        secret = self.clients.get(client_id)
        if secret is None:
            return json_error(401, "unknown API client")
        date = request.headers.get(hdrs.DATE)
        if not date:
            return json_error(401, "missing Date header")
        when = auth.parse_http_date(date)
        if when is None:
            return json_error(401, "malformed Date header")
        request_line = f"{request.method} {request.raw_path} HTTP/1.1"
        content_type = request.headers.get(hdrs.CONTENT_TYPE, "")
        body = await request.read()
        expected = auth.signature(secret, request_line, date, content_type, body)
        if not auth.signatures_match(expected, given):
            return json_error(401, "invalid signature")
        skew = abs((when - self.now()).total_seconds())
        if skew > self.date_tolerance:
            return json_error(401, "request date is too far from the server time")
        request[CLIENT_ID_KEY] = client_id
        return await handler(request)


SIMULATOR_KEY = web.AppKey("skycentrics_simulator", Simulator)
"""Key of the `Simulator` in its `web.Application`."""


def _kept_headers(exc: web.HTTPException) -> dict[str, str]:
    """Headers of an aiohttp HTTP error worth keeping on its JSON version (e.g. Allow)."""
    return {k: v for k, v in exc.headers.items() if k in (hdrs.ALLOW, hdrs.RETRY_AFTER)}


def _duration(raw: object) -> int | None:
    """A command's duration: an int of 1 to `CONTROL_MAX_DURATION` seconds, else None."""
    if type(raw) is int and 1 <= raw <= CONTROL_MAX_DURATION:
        return raw
    return None


def _parse_history_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, HISTORY_TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def _gzip(body: bytes) -> bytes:
    """gzip `body` (no file name, no time: the same bytes every time)."""
    deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return deflate.compress(body) + deflate.flush()


def _compress_if_accepted(request: web.Request, response: web.Response) -> None:
    """gzip a JSON answer of more than 1 KiB when the client accepts it, as the cloud would."""
    body = response.body
    if (
        not isinstance(body, bytes)
        or len(body) < 1024
        or "gzip" not in request.headers.get(hdrs.ACCEPT_ENCODING, "")
        or response.content_type != "application/json"
        or hdrs.CONTENT_ENCODING in response.headers
    ):
        return
    response.body = _gzip(body)
    response.headers[hdrs.CONTENT_ENCODING] = "gzip"
