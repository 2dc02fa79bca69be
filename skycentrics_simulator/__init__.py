"""A local SkyCentrics cloud API server for tests and development.

    from skycentrics_simulator import Simulator

    async with Simulator(clients={"client-id": "secret"}) as sim:
        ...  # sign requests to sim.url with the client id and secret

    Simulator(..., fleet=True)  # a water heater, a thermostat, an EV charger, a second SkyBox,
                                # a plug

Run it on its own with `python -m skycentrics_simulator --help`.
"""

from __future__ import annotations

from .seed import SEED_DEVICE_ID, SEED_EPOCH, load_seed_device, load_seed_payload
from .server import (
    FLEET_DEVICE_IDS,
    FLEET_EV_CHARGER_ID,
    FLEET_PLUG_ID,
    FLEET_SKYBOX_ID,
    FLEET_THERMOSTAT_ID,
    FLEET_WATER_HEATER_ID,
    SIMULATOR_KEY,
    Fault,
    Handler,
    Simulator,
)

__all__ = [
    "FLEET_DEVICE_IDS",
    "FLEET_EV_CHARGER_ID",
    "FLEET_PLUG_ID",
    "FLEET_SKYBOX_ID",
    "FLEET_THERMOSTAT_ID",
    "FLEET_WATER_HEATER_ID",
    "SEED_DEVICE_ID",
    "SEED_EPOCH",
    "SIMULATOR_KEY",
    "Fault",
    "Handler",
    "Simulator",
    "load_seed_device",
    "load_seed_payload",
]
