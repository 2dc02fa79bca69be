"""Request signing: the published vector, vectors from openssl, and the token CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
import subprocess
import sys

import pytest

from custom_components.skycentrics.api.signing import (
    api_token,
    http_date,
    request_line,
    string_to_sign,
)

CLI = Path(__file__).resolve().parent.parent / "scripts" / "create_api_token.py"

# Computed independently with:
#   printf '%s\n%s\n%s\n%s' LINE DATE CTYPE "$(printf %s BODY | md5sum | cut -d' ' -f1)" \
#     | openssl dgst -sha1 -hmac SECRET -binary | base64
VECTORS = [
    # The vector published in docs/skycentrics-api.md.
    (
        "example-secret",
        "GET /api/devices/1592651608/ HTTP/1.1",
        "Thu, 19 Sep 2024 21:05:00 GMT",
        "",
        b"",
        "SloeLFYL0LzJkcjrYItrtry/VZM=",
    ),
    (
        "S3cr3t/with+symbols==",
        "GET /api/devices/1592651608/data?b=2025-07-30T00:00:00&e=2025-07-31T00:00:00&g=1 HTTP/1.1",
        "Thu, 31 Jul 2025 01:37:47 GMT",
        "",
        b"",
        "/5soWdtPnjfr2Ir6Zz51UQv3CK0=",
    ),
    (
        "ünïcødé-secret",
        "GET /api/devices/ HTTP/1.1",
        "Wed, 25 Nov 2026 18:00:00 GMT",
        "",
        b"",
        "Qj8wvPAEEdFVoEZ8VJMUp3N/uDg=",
    ),
    (
        "post-secret",
        "POST /api/devices/1592651608/ HTTP/1.1",
        "Mon, 01 Jan 2024 00:00:00 GMT",
        "application/json",
        b'{"name":"x"}',
        "mQcKBiRYtcbaVpNsPrmF/VhtNCk=",
    ),
]


@pytest.mark.parametrize(("secret", "line", "date", "ctype", "body", "signature"), VECTORS)
def test_vectors(
    secret: str, line: str, date: str, ctype: str, body: bytes, signature: str
) -> None:
    """The token is CLIENT_ID:base64(HMAC-SHA1(secret, string_to_sign))."""
    token = api_token("a2EaBy6DcPyGSzTkWpDU", secret, line, date, ctype, body)
    assert token == f"a2EaBy6DcPyGSzTkWpDU:{signature}"


def test_string_to_sign_of_a_get() -> None:
    """A GET signs an empty content type and the MD5 of an empty body."""
    assert string_to_sign("GET /x HTTP/1.1", "D") == (
        "GET /x HTTP/1.1\nD\n\nd41d8cd98f00b204e9800998ecf8427e"
    )


def test_request_line_and_date() -> None:
    """Helpers produce exactly what is signed."""
    assert request_line("get", "/api/devices/?a=1") == "GET /api/devices/?a=1 HTTP/1.1"
    assert http_date(datetime(2024, 9, 19, 21, 5, 0, 999, tzinfo=UTC)) == (
        "Thu, 19 Sep 2024 21:05:00 GMT"
    )
    now = parsedate_to_datetime(http_date())
    assert abs((now - datetime.now(UTC)).total_seconds()) < 5


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(CLI), *args], capture_output=True, text=True, check=False
    )


def test_cli_prints_the_token_and_nothing_else() -> None:
    """Same flags as the guide's create_api_token.py; the output is the token alone."""
    result = _cli(
        "-c",
        "a2EaBy6DcPyGSzTkWpDU",
        "-s",
        "example-secret",
        "-r",
        "GET /api/devices/1592651608/ HTTP/1.1",
        "-D",
        "Thu, 19 Sep 2024 21:05:00 GMT",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "a2EaBy6DcPyGSzTkWpDU:SloeLFYL0LzJkcjrYItrtry/VZM=\n"
    assert result.stderr == ""


def test_cli_date_defaults_to_now() -> None:
    """Without -D the token is for the current second (so it differs from a fixed date's)."""
    result = _cli("-c", "id", "-s", "secret", "-r", "GET /api/devices/ HTTP/1.1")
    assert result.returncode == 0
    client_id, signature = result.stdout.strip().split(":")
    assert client_id == "id"
    assert len(signature) == 28
    fixed = api_token("id", "secret", "GET /api/devices/ HTTP/1.1", "Thu, 19 Sep 2024 21:05:00 GMT")
    assert result.stdout.strip() != fixed


def test_cli_requires_its_flags() -> None:
    """A missing flag is a usage error, not a token."""
    result = _cli("-c", "id", "-r", "GET / HTTP/1.1")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "-s" in result.stderr


def test_cli_needs_no_home_assistant() -> None:
    """The CLI loads only the standard-library signing module, not the integration."""
    code = (
        "import sys, runpy; sys.argv=['x','-c','i','-s','s','-r','GET / HTTP/1.1','-D','D'];"
        f"runpy.run_path({str(CLI)!r}, run_name='__main__')"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("i:")
