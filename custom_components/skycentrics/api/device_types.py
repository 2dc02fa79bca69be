"""What the cloud's device ``type`` numbers mean: data, no logic.

Source: SkyCentrics' own PHP SDK (composer package ``skycentrics/cloud``; mirror
``nazihanasse/cloud-php-sdk``, ``src/DTO/Device/DeviceTypeInterface.php`` and the ``supportType``
lists of ``src/DTO/Device/Data/*``), as the other public clients in ``docs/skycentrics-api.md``
agree. The parser never chooses by ``type`` (it may be missing or unlisted): these tables name
devices and tell which take demand-response commands.
"""

from __future__ import annotations

from typing import Final

DEVICE_MODELS: Final[dict[int, str]] = {
    # Water heaters (CTA-2045)
    106: "AO Smith electric water heater",
    107: "AO Smith heat pump water heater",
    108: "Vaughn water heater",
    109: "GE water heater",
    112: "Water heater",
    5: "Emerson water heater switch",
    # EV chargers (CTA-2045)
    110: "ClipperCreek EV charger",
    8: "Siemens EV charger",
    113: "EV charger",
    # Pool pumps (CTA-2045)
    111: "Pentair pool pump",
    114: "Pool pump",
    # Plugs (CTA-2045)
    3: "SkyPlug",
    2: "Metering plug",
    # Thermostats: Radio Thermostat (CT30/32/50/80), then the others
    240: "Radio Thermostat CT32",
    241: "Radio Thermostat CT30",
    242: "Radio Thermostat CT80",
    243: "Radio Thermostat CT50",
    239: "Thermostat",
    105: "Island Aire PTAC",
    7: "Emerson thermostat",
    9: "Mitsubishi thermostat",
    # Gateways and meters
    250: "Super SkyBox",  # the SDK's "PiSnap 3"
    350: "Meter",
}

CTA2045_TYPES: Final[frozenset[int]] = frozenset(
    {106, 107, 5, 109, 108, 112, 110, 8, 113, 111, 114, 3, 2, 250}
)
"""Device types with a CTA-2045 port: those that take demand-response commands."""

WATER_HEATER_TYPES: Final[frozenset[int]] = frozenset({106, 107, 108, 109, 112, 5})
"""CTA-2045 water heaters (and the Emerson switch of one)."""

THERMOSTAT_TYPES: Final[frozenset[int]] = frozenset({239, 240, 241, 242, 243, 105, 7, 9})
"""Thermostats: the Radio Thermostat CTs, the Island Aire PTAC, Emerson, Mitsubishi."""
