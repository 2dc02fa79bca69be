"""Helpers shared by the tests."""

from __future__ import annotations

CLIENT_ID = "a2EaBy6DcPyGSzTkWpDU"
CLIENT_SECRET = "test-secret-do-not-log"
