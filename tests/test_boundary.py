"""The one boundary: nothing the cloud sends reaches Home Assistant unchecked (issue 9).

Hostile input that crosses HTTP goes through the real client over a real socket, injected into
the simulator's answers with `skycentrics_simulator.faults`; the rest are parser tests.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json
import math

import aiohttp
import pytest

from custom_components.skycentrics.api import SkyCentricsClient, SkyCentricsResponseError
from custom_components.skycentrics.api.models import MAX_DEPTH, _prune_deep, decode_json
from skycentrics_simulator import SEED_DEVICE_ID, Simulator, faults

from .common import CLIENT_ID, CLIENT_SECRET, seed_payload

SOC = "BESS_STATE_OF_CHARGE"
PLACEHOLDER = '"@@PLACEHOLDER@@"'


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session (the client never closes it)."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def client(simulator: Simulator, session: aiohttp.ClientSession) -> SkyCentricsClient:
    """The real client, pointed at the simulator."""
    return SkyCentricsClient(CLIENT_ID, CLIENT_SECRET, session, url=simulator.url)


def _depth(value: object) -> int:
    """Nesting depth of decoded JSON, without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            stack.extend((child, depth + 1) for child in children)
    return deepest


# --- 2. JSON decoding: one reading cannot fail the whole answer ------------------------------


def test_a_normal_answer_decodes_as_json_loads_does() -> None:
    """The seed answer: exactly what json.loads gives."""
    body = json.dumps(seed_payload()).encode()
    assert decode_json(body) == json.loads(body)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("9" * 5000, math.nan),  # json.loads: ValueError (exceeds the int max str digits)
        ("1" + "0" * 20, math.nan),  # 21 characters: not even converted
        (str(2**64), math.nan),  # 20 characters, beyond int64
        (str(2**63), math.nan),
        (str(2**63 - 1), 2**63 - 1),
        (str(-(2**63)), -(2**63)),
        ("NaN", math.nan),
        ("Infinity", math.nan),
        ("-Infinity", math.nan),
        ("1e400", math.inf),  # a float literal: float() itself says inf
        ("12", 12),
    ],
)
def test_number_literals(literal: str, expected: float) -> None:
    """Integer literals beyond int64, NaN and Infinity decode to the non-finite NaN marker."""
    (value,) = decode_json(f"[{literal}]".encode())
    if math.isnan(expected):
        assert isinstance(value, float)
        assert math.isnan(value)
    else:
        assert value == expected
        assert type(value) is type(expected)


def test_deep_nesting_is_pruned_and_the_rest_survives() -> None:
    """100,000 levels (json.loads: RecursionError): the over-deep part becomes null."""
    deep = "[" * 100_000 + "1" + "]" * 100_000
    body = f'{{"sensors": [{{"id": "A", "data": {deep}}}, {{"id": "B", "data": 2}}]}}'
    with pytest.raises(RecursionError):
        json.loads(body)
    decoded = decode_json(body.encode())
    assert decoded["sensors"][1] == {"id": "B", "data": 2}
    assert _depth(decoded) == MAX_DEPTH
    innermost = decoded["sensors"][0]["data"]
    while isinstance(innermost, list):
        (innermost,) = innermost
    assert innermost is None


@pytest.mark.parametrize(
    ("text", "pruned"),
    [
        ("[" * MAX_DEPTH + "]" * MAX_DEPTH, "[" * MAX_DEPTH + "]" * MAX_DEPTH),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "[" * MAX_DEPTH + "null" + "]" * MAX_DEPTH),
        (
            "[" * MAX_DEPTH + '{"a": [1, "]]"]}, 2' + "]" * MAX_DEPTH,
            "[" * MAX_DEPTH + "null, 2" + "]" * MAX_DEPTH,
        ),
        # Brackets and escaped quotes inside strings do not count.
        ('["[[[[", "\\"[[", {"k]": "}"}]', '["[[[[", "\\"[[", {"k]": "}"}]'),
        ('{"a": [[1], [[2]]], "b": 3}', '{"a": [[1], [[2]]], "b": 3}'),
        ("[" * 50, "[" * MAX_DEPTH + "null"),  # never closed: still invalid JSON afterwards
    ],
)
def test_prune_deep(text: str, pruned: str) -> None:
    """The linear scan replaces exactly the sub-structures below MAX_DEPTH."""
    assert _prune_deep(text) == pruned


def test_prune_deep_keeps_siblings_after_a_deep_part() -> None:
    """Pruning ends at the closer that brings the depth back: what follows is kept."""
    text = "[" * 40 + "]" * 40
    decoded = decode_json(("[" + ",".join([text] * 3) + ', "end"]').encode())
    assert len(decoded) == 4
    assert decoded[3] == "end"


def test_text_is_valid_unicode() -> None:
    """Lone surrogate escapes (keys too) and invalid UTF-8 become U+FFFD; a pair is kept."""
    body = b'{"\\ud800k": "a\\udfffb", "pair": "\\ud83d\\ude00", "bytes": "\xed\xa0\x80\xff"}'
    decoded = decode_json(body)
    assert decoded == {
        "\ufffdk": "a\ufffdb",
        "pair": "\U0001f600",
        "bytes": "\ufffd" * 4,
    }
    json.dumps(decoded, ensure_ascii=False).encode("utf-8")  # no surrogate left


@pytest.mark.parametrize("body", [b"", b"[", b"{'a': 1}", b"[" * 4_000_000, b"[1] [2]"])
def test_not_json_at_all(body: bytes) -> None:
    """Only an answer that is not JSON at all is an error, and the client's own."""
    with pytest.raises(SkyCentricsResponseError, match="not valid JSON"):
        decode_json(body)


@pytest.mark.parametrize(
    "literal",
    [
        "9" * 5000,
        "1e400",
        "NaN",
        "-Infinity",
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 50_000 + "1" + "}" * 50_000,
    ],
)
async def test_a_hostile_literal_fails_one_reading_not_the_poll(
    simulator: Simulator, client: SkyCentricsClient, literal: str
) -> None:
    """Over a real socket: the reading with the literal is None, the other 59 are intact."""
    simulator.set_value(SEED_DEVICE_ID, SOC, "@@PLACEHOLDER@@")
    simulator.add_fault(faults.rewrite(PLACEHOLDER, literal))
    snapshot = await client.async_get_data(SEED_DEVICE_ID)
    assert len(snapshot.readings) == 60
    assert snapshot.readings[SOC].value is None
    assert snapshot.readings["BESS_SYSTEM_STATE"].value == 11
