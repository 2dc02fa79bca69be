"""Run the SkyCentrics simulator until interrupted.

    python -m skycentrics_simulator --port 8099 --client-id ID --client-secret SECRET [--devices N]
        [--fleet [--without ID ...]] [--static] [--swapped-counters] [--control-port PORT]

On start it prints three lines, `url=...`, `client_id=...` and `client_secret=...`.

`--control-port` (for end-to-end tests, off by default) serves one more route, on 127.0.0.1 and
that port only, apart from the API: `PUT /values/<device id>` with a JSON object sensor id ->
value pins each sensor to its value from the device's next reading on (`Simulator.pin_from`;
before it, that sensor's readings and history follow the model). It answers `{"since": <Unix
seconds of that reading>}`, or 404 for an unknown device or sensor. `PUT /devices/<id>` puts
a device of the fleet on the account (`Simulator.add_fleet_device`; e.g. one left out with
`--without`) and `DELETE /devices/<id>` takes a device off it (`Simulator.remove_device`): each
answers `{"devices": [the account's ids]}`, 404 for an id it cannot add or remove, 409 for one
already there. Unsigned: loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import ipaddress
import secrets
import signal
import sys
from typing import Any

from aiohttp import web

from .seed import load_seed_payload
from .server import FLEET_DEVICE_IDS, Simulator


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine only (localhost or a loopback address)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m skycentrics_simulator",
        description="Serve a simulated SkyCentrics cloud API until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=8099, help="TCP port (0: a free one)")
    parser.add_argument("--client-id", default="simulator", help="API client id to accept")
    parser.add_argument(
        "--client-secret", default=None, help="API client secret (default: a random one)"
    )
    parser.add_argument("--devices", type=int, default=1, help="number of devices (default 1)")
    parser.add_argument(
        "--date-tolerance",
        type=float,
        default=300.0,
        help="largest accepted Date skew in seconds (default 300)",
    )
    parser.add_argument(
        "--fleet",
        action="store_true",
        help="add a water heater, a thermostat, an EV charger, a second Super SkyBox "
        "(with CT channels) and a plug to the same account",
    )
    parser.add_argument(
        "--without",
        type=int,
        action="append",
        default=[],
        metavar="ID",
        help="with --fleet, leave this fleet device off the account at start (repeatable; the "
        "control port's PUT /devices/<id> adds it later)",
    )
    parser.add_argument(
        "--static",
        action="store_true",
        help="serve the guide's values unchanged from start-up on (only the reading times "
        "move); the history before start-up moves as a real site's, its counters meeting the "
        "guide's values at start-up",
    )
    parser.add_argument(
        "--control-port",
        type=int,
        default=None,
        help="also serve PUT /values/<device id> (tests: pin sensors from the next reading on) "
        "on 127.0.0.1 at this port; off by default",
    )
    parser.add_argument(
        "--swapped-counters",
        action="store_true",
        help="send the battery's lifetime counters as the word-swapped 32-bit registers the "
        "guide's values look like (moving by 65,536 per kWh; with --static, their past climbs "
        "to the guide's values that way)",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow listening on a non-loopback address"
    )
    args = parser.parse_args(argv)
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(
            f"refusing to listen on non-loopback host {args.host!r} without --allow-remote"
        )
    if args.devices < 1:
        parser.error("--devices must be at least 1")
    if args.without and not args.fleet:
        parser.error("--without needs --fleet")
    if unknown := sorted(set(args.without) - set(FLEET_DEVICE_IDS)):
        parser.error(f"--without: not a device of the fleet: {unknown[0]}")
    return args


def pin_to_seed(sim: Simulator, since: float | None = None) -> None:
    """Pin every sensor of every device with sensors to the guide's value (`--static`).

    With `since` (Unix seconds), from then on only: the history before it follows the model
    (`Simulator.pin_from`).
    """
    for device_id in sim.devices:
        if not sim.sensors(device_id):
            continue  # a fleet device of another kind
        for sensor in load_seed_payload()["sensors"]:
            if since is None:
                sim.set_value(device_id, sensor["id"], sensor["data"])
            else:
                sim.pin_from(device_id, sensor["id"], sensor["data"], since)


async def start_control(sim: Simulator, port: int) -> web.AppRunner:
    """Serve `PUT /values/<device id>`, `PUT` and `DELETE /devices/<device id>` on
    127.0.0.1:`port` (see the module's docstring)."""

    async def put_values(request: web.Request) -> web.Response:
        try:
            values: Any = await request.json()
        except ValueError:
            values = None
        if not isinstance(values, dict):
            return web.json_response({"error": "a JSON object sensor id -> value"}, status=400)
        since = sim.reading_time() + sim.sample_interval
        try:
            for sensor_id, value in values.items():
                sim.pin_from(int(request.match_info["device_id"]), sensor_id, value, since)
        except KeyError as err:
            return web.json_response({"error": str(err)}, status=404)
        return web.json_response({"since": since})

    async def account(request: web.Request) -> web.Response:
        change = sim.add_fleet_device if request.method == "PUT" else sim.remove_device
        try:
            change(int(request.match_info["device_id"]))
        except KeyError as err:
            return web.json_response({"error": str(err)}, status=404)
        except ValueError as err:
            return web.json_response({"error": str(err)}, status=409)
        return web.json_response({"devices": list(sim.devices)})

    app = web.Application()
    app.router.add_put(r"/values/{device_id:\d+}", put_values)
    app.router.add_put(r"/devices/{device_id:\d+}", account)
    app.router.add_delete(r"/devices/{device_id:\d+}", account)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def serve(args: argparse.Namespace) -> None:
    """Start the simulator, print its URL and credentials, and serve until SIGINT/SIGTERM."""
    secret = args.client_secret or secrets.token_urlsafe(24)
    sim = Simulator(
        clients={args.client_id: secret},
        device_count=args.devices,
        date_tolerance=args.date_tolerance,
        fleet=args.fleet,
    )
    for device_id in dict.fromkeys(args.without):
        sim.remove_device(device_id)
    sim.swapped_counters = args.swapped_counters
    if args.static:
        pin_to_seed(sim, since=sim.reading_time())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await sim.start(host=args.host, port=args.port)
    control = None if args.control_port is None else await start_control(sim, args.control_port)
    try:
        print(f"url={sim.url}", flush=True)
        print(f"client_id={args.client_id}", flush=True)
        print(f"client_secret={secret}", flush=True)
        await stop.wait()
    finally:
        if control is not None:
            await control.cleanup()
        await sim.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m skycentrics_simulator`."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
