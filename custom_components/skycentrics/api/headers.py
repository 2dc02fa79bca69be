"""What the API's HTTP answers say besides their body: its errors, Retry-After and Date."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

from .decode import decode_json
from .exceptions import SkyCentricsResponseError
from .readings import EARLIEST_TIME, clean_text

RETRY_AFTER_HORIZON: Final = 86_400.0
"""Longest Retry-After believed, in seconds: a day (1e12 once stopped polling for good)."""

LATEST_HTTP_DATE: Final = datetime(2100, 1, 1, tzinfo=UTC)
"""Later HTTP dates are garbage: no server clock to adopt (adding it to ours could overflow)."""

MAX_ERROR_MESSAGE: Final = 200
"""Longest API error message kept in an exception's text."""


def api_error_message(body: bytes) -> str | None:
    """Return the message of the API's own JSON error ("" if it has none), or None when
    ``body`` is not one (a proxy's HTML page, a captive portal, an empty body...).

    The API's errors: ``{"error": {"message": ...}}``, ``{"error": "..."}``, ``{"detail": "..."}``.
    """
    try:
        answer = decode_json(body)
    except SkyCentricsResponseError:
        return None
    if not isinstance(answer, dict):
        return None
    for key in ("error", "detail"):
        if key in answer:
            error = answer[key]
            message = error.get("message") if isinstance(error, dict) else error
            return clean_text(message, MAX_ERROR_MESSAGE)
    return None


def parse_retry_after(value: str | None) -> float | None:
    """Read a Retry-After header: seconds, or None when it is absent or unusable.

    Unusable: neither a number nor an HTTP-date, NaN or infinite, negative, a date in the past,
    or more than `RETRY_AFTER_HORIZON` ahead. (Retry-After 0, -30 and NaN once hammered the API.)
    """
    if not value or not value.isascii():
        return None
    try:
        seconds = float(value)
    except ValueError:
        moment = parse_http_date(value)
        if moment is None:
            return None
        seconds = (moment - datetime.now(UTC)).total_seconds()
    return seconds if 0 <= seconds <= RETRY_AFTER_HORIZON else None  # NaN compares False


def parse_http_date(value: str | None) -> datetime | None:
    """Read an HTTP-date as an aware UTC time; None when it is absent, malformed, or outside
    [`EARLIEST_TIME`, `LATEST_HTTP_DATE`]."""
    if not value or not value.isascii():
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except TypeError, ValueError, IndexError, OverflowError:
        return None
    return moment if EARLIEST_TIME <= moment <= LATEST_HTTP_DATE else None
