"""The client's exceptions: everything it raises derives from SkyCentricsError."""

from __future__ import annotations


class SkyCentricsError(Exception):
    """Base class of every error the SkyCentrics client raises."""


class SkyCentricsConnectionError(SkyCentricsError):
    """The API could not be reached: DNS, refused or dropped connection, TLS, timeout."""


class SkyCentricsTimeoutError(SkyCentricsConnectionError):
    """The API did not answer within the request timeout."""


class SkyCentricsAuthenticationError(SkyCentricsError):
    """The API refused the credentials or the signature (HTTP 401 or 403).

    Only when the answer is the API's own JSON error: a 401/403 HTML page (a proxy, a captive
    portal) is a SkyCentricsResponseError, a transient failure that starts no reauth.
    """

    def __init__(self, message: str, *, status: int = 401) -> None:
        """Keep the HTTP status."""
        super().__init__(message)
        self.status = status


class SkyCentricsControlRefusedError(SkyCentricsError):
    """The API refused a control request (HTTP 401 or 403): these keys may not control this
    device (or its cloud account forbids demand response).

    Deliberately not a SkyCentricsAuthenticationError: keys that may read a device may still be
    refused its control, so a refused command must never start a reauth (a poll that the API
    refuses does that). ``status`` is the HTTP status; ``api_message`` the message of the API's
    own JSON error ("" if it had none), or None when the answer was not the API's JSON error
    (a proxy's page).
    """

    def __init__(self, message: str, *, status: int, api_message: str | None = None) -> None:
        """Keep the HTTP status and the API's message."""
        super().__init__(message)
        self.status = status
        self.api_message = api_message


class SkyCentricsNotFoundError(SkyCentricsError):
    """The API does not know the requested resource (HTTP 404)."""


class SkyCentricsRateLimitError(SkyCentricsError):
    """The API asked us to slow down (HTTP 429).

    ``retry_after``: the server's Retry-After in seconds, within [0, one day]; None when the
    header is absent or unusable (not a number or an HTTP-date, NaN or infinite, negative, a
    date in the past, more than a day ahead). The caller holds a usable value within its own
    bounds (the coordinator: [poll interval, 1 hour]) and polls as usual for None.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """Keep the Retry-After delay in seconds (see the class), or None."""
        super().__init__(message)
        self.retry_after = retry_after


class SkyCentricsResponseError(SkyCentricsError):
    """The API answered with something we cannot use: 5xx, HTML, bad or oversized JSON."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        """Keep the HTTP status, when there was one."""
        super().__init__(message)
        self.status = status


class SkyCentricsUrlError(SkyCentricsError, ValueError):
    """The API URL is not acceptable (not http(s), or plain http to a non-loopback host)."""
