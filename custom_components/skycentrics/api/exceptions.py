"""The client's exceptions: everything it raises derives from SkyCentricsError."""

from __future__ import annotations


class SkyCentricsError(Exception):
    """Base class of every error the SkyCentrics client raises."""


class SkyCentricsConnectionError(SkyCentricsError):
    """The API could not be reached: DNS, refused or dropped connection, TLS, timeout."""


class SkyCentricsTimeoutError(SkyCentricsConnectionError):
    """The API did not answer within the request timeout."""


class SkyCentricsAuthenticationError(SkyCentricsError):
    """The API refused the credentials or the signature (HTTP 401 or 403)."""

    def __init__(self, message: str, *, status: int = 401, server_date: str | None = None) -> None:
        """Keep the status and the server's Date header (it tells a clock offset)."""
        super().__init__(message)
        self.status = status
        self.server_date = server_date


class SkyCentricsNotFoundError(SkyCentricsError):
    """The API does not know the requested resource (HTTP 404)."""


class SkyCentricsRateLimitError(SkyCentricsError):
    """The API asked us to slow down (HTTP 429)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """Keep the Retry-After delay in seconds, when the server gave one."""
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
