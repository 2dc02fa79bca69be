"""SkyCentrics cloud API client: signing, HTTP, typed models, errors. No Home Assistant here."""

from .client import DEFAULT_URL, HISTORY_SPAN, SkyCentricsClient, is_loopback, normalize_url
from .exceptions import (
    SkyCentricsAuthenticationError,
    SkyCentricsConnectionError,
    SkyCentricsError,
    SkyCentricsNotFoundError,
    SkyCentricsRateLimitError,
    SkyCentricsResponseError,
    SkyCentricsTimeoutError,
    SkyCentricsUrlError,
)
from .models import Device, Reading, ReadingValue, Snapshot, json_safe, parse_devices

__all__ = [
    "DEFAULT_URL",
    "HISTORY_SPAN",
    "Device",
    "Reading",
    "ReadingValue",
    "SkyCentricsAuthenticationError",
    "SkyCentricsClient",
    "SkyCentricsConnectionError",
    "SkyCentricsError",
    "SkyCentricsNotFoundError",
    "SkyCentricsRateLimitError",
    "SkyCentricsResponseError",
    "SkyCentricsTimeoutError",
    "SkyCentricsUrlError",
    "Snapshot",
    "is_loopback",
    "json_safe",
    "normalize_url",
    "parse_devices",
]
