"""Helpers shared by the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).resolve().parent.parent / "skycentrics_simulator"


def seed_payload() -> dict[str, Any]:
    """Return the Super SkyBox `/data` payload rebuilt from the user's guide (60 sensors)."""
    payload: dict[str, Any] = json.loads((SEED_DIR / "seed_data.json").read_text())
    return payload


CLIENT_ID = "a2EaBy6DcPyGSzTkWpDU"
CLIENT_SECRET = "test-secret-do-not-log"
