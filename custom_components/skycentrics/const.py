"""Constants of the SkyCentrics integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "skycentrics"
LOGGER = logging.getLogger(__package__)

MANUFACTURER: Final = "SkyCentrics"

CONF_DEVICE_ID: Final = "device_id"

DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=60)
MIN_SCAN_INTERVAL_SECONDS: Final = 30
MAX_SCAN_INTERVAL_SECONDS: Final = 3600

# Device types known from the API (the device object's "type").
MODEL_BY_TYPE: Final[dict[int, str]] = {250: "Super SkyBox"}
