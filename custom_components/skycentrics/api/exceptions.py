"""The client's exceptions: everything it raises derives from SkyCentricsError."""

from __future__ import annotations


class SkyCentricsError(Exception):
    """Base class of every error the SkyCentrics client raises."""


class SkyCentricsConnectionError(SkyCentricsError):
    """The API could not be reached: DNS, refused or dropped connection, TLS, timeout."""


class SkyCentricsTimeoutError(SkyCentricsConnectionError):
    """The API did not answer within the request timeout."""


class SkyCentricsAuthenticationError(SkyCentricsError):
    """The API refused the credentials or the signature (HTTP 401 or 403) with its own JSON
    error; a 401/403 HTML page (a proxy, a captive portal) is a SkyCentricsResponseError."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


class SkyCentricsControlRefusedError(SkyCentricsError):
    """The API refused a control request (HTTP 401 or 403): these keys may not control this
    device (or its cloud account forbids demand response).

    Not a SkyCentricsAuthenticationError: keys that may read a device may still be refused its
    control, so a refused command must never start a reauth. ``api_message`` is the message of
    the API's JSON error ("" if it had none), None when the answer was not one (a proxy's page).
    """

    def __init__(self, message: str, *, status: int, api_message: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.api_message = api_message


class SkyCentricsNotFoundError(SkyCentricsError):
    """The API does not know the requested resource (HTTP 404)."""


class SkyCentricsRateLimitError(SkyCentricsError):
    """The API asked us to slow down (HTTP 429).

    ``retry_after``: the server's Retry-After in seconds, or None when it is absent or unusable
    (`headers.parse_retry_after`); the caller holds it within its own bounds.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SkyCentricsResponseError(SkyCentricsError):
    """The API answered with something we cannot use: 5xx, HTML, bad or oversized JSON."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SkyCentricsUrlError(SkyCentricsError, ValueError):
    """The API URL is not acceptable (not http(s), or plain http to a non-loopback host)."""
