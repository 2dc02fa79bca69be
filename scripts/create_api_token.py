#!/usr/bin/env python3
"""Print a SkyCentrics API token (``CLIENT_ID:SIGNATURE``) for one request.

Same flags as SkyCentrics' own create_api_token.py:

    scripts/create_api_token.py -c CLIENT_ID -s SECRET \\
        -r 'GET /api/devices/1592651608/ HTTP/1.1' -D 'Thu, 19 Sep 2024 21:05:00 GMT'

Runs with a plain Python 3.11+ and no Home Assistant: it loads the integration's own signing module
(``custom_components/skycentrics/api/signing.py``, standard library only) by its path.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
import sys
from types import ModuleType

SIGNING = Path(__file__).resolve().parent.parent / "custom_components/skycentrics/api/signing.py"


def _load_signing() -> ModuleType:
    spec = importlib.util.spec_from_file_location("skycentrics_signing", SIGNING)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with the repo
        raise SystemExit(f"cannot load {SIGNING}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    """Parse the flags and print the token."""
    parser = argparse.ArgumentParser(description="Create a SkyCentrics API token.")
    parser.add_argument("-c", "--client-id", required=True, help="API client id")
    parser.add_argument("-s", "--secret", required=True, help="API client secret")
    parser.add_argument(
        "-r", "--request", required=True, help="request line, e.g. 'GET /api/devices/ HTTP/1.1'"
    )
    parser.add_argument("-D", "--date", help="HTTP Date header value (default: now, GMT)")
    parser.add_argument("-t", "--content-type", default="", help="Content-Type (default: none)")
    parser.add_argument("-b", "--body", default="", help="request body (default: empty)")
    args = parser.parse_args(argv)
    signing = _load_signing()
    date = args.date if args.date else signing.http_date()
    token = signing.api_token(
        args.client_id, args.secret, args.request, date, args.content_type, args.body.encode()
    )
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
