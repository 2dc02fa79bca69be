"""Request signing for the SkyCentrics API.

Standard library only: ``scripts/create_api_token.py`` loads this very file with a plain Python, so
the command-line tool and the integration sign with the same code.

    string_to_sign = REQUEST_LINE "\\n" DATE "\\n" CONTENT_TYPE "\\n" MD5_HEX(BODY)
    token          = CLIENT_ID ":" base64(HMAC-SHA1(client_secret, string_to_sign))
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from email.utils import format_datetime
import hashlib
import hmac

TOKEN_HEADER = "x-sc-api-token"  # noqa: S105 (a header name)


def request_line(method: str, path: str) -> str:
    """Return the request line that is signed: ``path`` exactly as sent, query included."""
    return f"{method.upper()} {path} HTTP/1.1"


def http_date(moment: datetime | None = None) -> str:
    """Return an RFC 7231 HTTP-date in GMT (``Thu, 19 Sep 2024 21:05:00 GMT``)."""
    moment = datetime.now(UTC) if moment is None else moment.astimezone(UTC)
    return format_datetime(moment.replace(microsecond=0), usegmt=True)


def string_to_sign(line: str, date: str, content_type: str = "", body: bytes = b"") -> str:
    """Return the text that is signed for one request."""
    return f"{line}\n{date}\n{content_type}\n{hashlib.md5(body).hexdigest()}"  # noqa: S324 (protocol)


def api_token(  # noqa: PLR0917 (mirrors the signing rule's fields)
    client_id: str,
    client_secret: str,
    line: str,
    date: str,
    content_type: str = "",
    body: bytes = b"",
) -> str:
    """Return the ``x-sc-api-token`` header value."""
    message = string_to_sign(line, date, content_type, body).encode()
    digest = hmac.new(client_secret.encode(), message, hashlib.sha1).digest()
    return f"{client_id}:{base64.b64encode(digest).decode('ascii')}"
