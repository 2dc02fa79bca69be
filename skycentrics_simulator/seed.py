"""The guide's example data: the Super SkyBox device object and its 60-sensor `/data` payload.

`seed_data.json` is the `/data` example of the user's SkyCentrics guide, rebuilt from its
hard-wrapped code blocks (60 sensors; its compact JSON is exactly the 7804 bytes of the guide's
`Content-Length`). `seed_device.json` is the guide's `GET /api/devices/1592651608/` answer (its
compact JSON is the 119 bytes of the guide's `Content-Length`).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
import json
from typing import Any

SEED_DEVICE_ID = 1592651608
"""Device id of the guide's Super SkyBox (PAE Living Building)."""

SEED_EPOCH = 1753925866
"""Unix time of every reading in the guide's payload (2025-07-31 01:37:46 UTC)."""


@cache
def _resource_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def load_seed_payload() -> dict[str, Any]:
    """Return a fresh copy of the guide's `/data` payload (`device`, `ct`, `sensors`, `time`)."""
    payload: dict[str, Any] = json.loads(_resource_text("seed_data.json"))
    return payload


def load_seed_device() -> dict[str, Any]:
    """Return a fresh copy of the guide's device object (`id`, `user`, ..., `mac`, `name`)."""
    device: dict[str, Any] = json.loads(_resource_text("seed_device.json"))
    return device
