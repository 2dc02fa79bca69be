"""SkyCentrics request signing, written independently of the integration's own code.

string_to_sign = REQUEST_LINE + "\\n" + DATE + "\\n" + CONTENT_TYPE + "\\n" + md5hex(BODY)
signature      = base64(HMAC-SHA1(secret, string_to_sign))
x-sc-api-token: CLIENT_ID:signature
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
import hashlib
import hmac

TOKEN_HEADER = "x-sc-api-token"  # noqa: S105 (a header name, not a secret)
"""Name of the header that carries `CLIENT_ID:signature`."""


def string_to_sign(request_line: str, date: str, content_type: str, body: bytes) -> str:
    """Return the text that is signed for one request."""
    body_md5 = hashlib.md5(body, usedforsecurity=False).hexdigest()
    return f"{request_line}\n{date}\n{content_type}\n{body_md5}"


def signature(
    secret: str, request_line: str, date: str, content_type: str = "", body: bytes = b""
) -> str:
    """Return base64(HMAC-SHA1(secret, string_to_sign)) for one request."""
    message = string_to_sign(request_line, date, content_type, body)
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def make_token(
    client_id: str,
    secret: str,
    request_line: str,
    date: str,
    *,
    content_type: str = "",
    body: bytes = b"",
) -> str:
    """Return the `x-sc-api-token` header value `CLIENT_ID:signature`."""
    return f"{client_id}:{signature(secret, request_line, date, content_type, body)}"


def http_date(when: datetime) -> str:
    """Format an aware datetime as an RFC 7231 HTTP-date in GMT (`Thu, 19 Sep 2024 ... GMT`)."""
    return format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=True)


def parse_http_date(value: str) -> datetime | None:
    """Parse an HTTP `Date` header into an aware UTC datetime, or None if it is not a date."""
    try:
        parsed = parsedate_to_datetime(value)
    except TypeError, ValueError, IndexError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def split_token(token: str) -> tuple[str, str] | None:
    """Split `CLIENT_ID:signature`; None if the token is garbled."""
    client_id, sep, sig = token.strip().partition(":")
    if not sep or not client_id or not sig or any(c.isspace() for c in client_id + sig):
        return None
    return client_id, sig


def signatures_match(expected: str, given: str) -> bool:
    """Compare two signatures in constant time."""
    return hmac.compare_digest(expected.encode(), given.encode())
