"""JSON decoding of the cloud's answers: one bad value cannot fail the whole answer.

Invalid UTF-8 becomes U+FFFD and a BOM is tolerated; integer literals beyond int64, NaN and
Infinity become NaN (a non-finite marker that a reading turns into None); arrays and objects
nested deeper than `MAX_DEPTH` become null (only when json.loads gives up, so normal answers pay
nothing); lone surrogates become U+FFFD.

Most answers break none of these rules and go through orjson (`decode_fast`); the rest take
the tolerant path (`_decode_tolerant`), which gives the very same result for what orjson decodes.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
import math
import re
from typing import Any, Final

import orjson

from .exceptions import SkyCentricsResponseError

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
"""The integers any JSON encoder takes (orjson refuses larger ones, and then Home Assistant
loses every restore-state or registry file it was writing)."""

MAX_INT_LITERAL: Final = 20
"""Longer integer literals (sign included) are not converted at all: int64 has at most 19
digits, and Python refuses ints of more than 4,300 digits with a ValueError."""

MAX_DEPTH: Final = 32
"""Arrays and objects nested deeper than this become null when json.loads gives up (an answer
nests 3 levels; json.loads overflows the stack at about 100,000)."""

REPLACEMENT: Final = "\ufffd"

BOM: Final = b"\xef\xbb\xbf"
_DIGITS: Final = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
"""Translation table: every ASCII digit to "0", any other byte to a space."""
_LONG_NUMBER: Final = b"0" * len(str(INT64_MAX))
"""A run of digits as long as int64's largest: only such a literal can be beyond int64, which
orjson reads as an int up to 2**64 - 1 and as a float beyond."""
_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")  # json.loads may decode it to one
# A JSON string (escapes included, unterminated at the end of the text too), or a run of
# opening or of closing brackets: what `_prune_deep` needs to follow the nesting.
_JSON_TOKENS: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[{]+|[\]}]+', re.DOTALL)


def decode_json(body: bytes) -> Any:
    """Decode an answer; raise SkyCentricsResponseError only when it is not JSON at all."""
    try:
        return decode_fast(body)
    except ValueError:  # orjson.JSONDecodeError is one
        return _decode_tolerant(body)


def decode_fast(body: bytes) -> Any:
    """orjson's decoding of an answer; ValueError for one that orjson refuses (bad UTF-8, NaN,
    1e400, nesting deeper than 1,024, not JSON) or would decode otherwise than the tolerant
    path: a digit run as long as `_LONG_NUMBER`, a surrogate escape."""
    body = body.removeprefix(BOM)
    check_fast(body)
    return orjson.loads(body)


def check_fast(body: bytes | bytearray) -> None:
    """Raise ValueError if orjson would decode ``body`` (an answer, or a run of its members)
    otherwise than the tolerant path: a digit run as long as `_LONG_NUMBER`, a surrogate escape."""
    if may_escape_surrogates(body):
        raise ValueError("a surrogate escape")
    if _LONG_NUMBER in body.translate(_DIGITS):
        raise ValueError("an integer literal may be beyond int64")


def may_escape_surrogates(body: bytes | bytearray) -> bool:
    """Whether ``body`` may escape a surrogate (``\\uD800``-``\\uDFFF``): byte searches, far
    quicker than a regular expression over the whole text (most answers escape nothing)."""
    return b"\\u" in body and (b"\\ud" in body or b"\\uD" in body)


def text_of(body: bytes) -> str:
    """An answer's text: invalid UTF-8 replaced, a BOM dropped."""
    return body.decode("utf-8", "replace").removeprefix("\ufeff")


def _decode_tolerant(body: bytes) -> Any:
    """`decode_json` by json.loads and its hooks, whatever the answer holds."""
    text = text_of(body)
    try:
        try:
            value = _DECODER.decode(text)
        except RecursionError:
            value = _DECODER.decode(_prune_deep(text))
    except (RecursionError, ValueError) as err:
        raise SkyCentricsResponseError(f"the answer is not valid JSON: {err}"[:200]) from err
    if _SURROGATE_ESCAPE.search(text):  # rare: only then walk the whole answer
        value = json_safe(value)
    return value


def replace_surrogates(text: str) -> str:
    return _SURROGATES.sub(REPLACEMENT, text)


def json_safe(value: object, depth: int = 0) -> Any:
    """Return a copy of decoded JSON that every JSON encoder takes, orjson included.

    Lone surrogates become U+FFFD (keys too), integers beyond int64 and values of any other type
    NaN (which orjson writes as null), arrays and objects deeper than `MAX_DEPTH` None.
    """
    if isinstance(value, str):
        return replace_surrogates(value)
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else math.nan
    if not isinstance(value, list | Mapping):
        return math.nan
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, list):
        return [json_safe(item, depth + 1) for item in value]
    return {replace_surrogates(str(key)): json_safe(item, depth + 1) for key, item in value.items()}


def _parse_int(literal: str) -> int | float:
    """json.loads' hook for integer literals: int64, or NaN (never a 5,000-digit int())."""
    if len(literal) > MAX_INT_LITERAL:
        return math.nan
    number = int(literal)
    return number if INT64_MIN <= number <= INT64_MAX else math.nan


def _parse_constant(literal: str) -> float:
    """json.loads' hook for NaN, Infinity and -Infinity."""
    return math.nan


_DECODER: Final = json.JSONDecoder(parse_int=_parse_int, parse_constant=_parse_constant)


def _prune_deep(text: str) -> str:
    """Replace each array or object nested deeper than `MAX_DEPTH` by ``null``, in one scan
    (brackets inside strings do not count)."""
    parts: list[str] = []
    depth = 0  # arrays and objects open at this point
    kept = 0  # text[:kept] is dealt with
    pruning = False
    for token in _JSON_TOKENS.finditer(text):
        run, start = token.group(), token.start()
        if run[0] == '"':
            continue
        if run[0] in "[{":
            if not pruning and depth + len(run) > MAX_DEPTH:
                pruning = True  # from the opener that would be one level too deep
                parts.append(text[kept : start + MAX_DEPTH - depth])
            depth += len(run)
        else:
            if pruning and depth - len(run) <= MAX_DEPTH:
                pruning = False  # up to the closer that brings us back to MAX_DEPTH
                parts.append("null")
                kept = start + depth - MAX_DEPTH
            depth -= len(run)
    parts.append("null" if pruning else text[kept:])
    return "".join(parts)
