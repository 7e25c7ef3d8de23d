"""How deep a JSON text nests, measured on its bytes before any parser recurses into it.

Python's JSON parser recurses once per array or object: a few thousand levels raise
`RecursionError` (not a `ValueError`), and every layer above it must then know that. So
the ingress refuses nesting beyond a documented depth before parsing, in one place.

The measure counts the brackets outside strings: `[` and `{` open a level, `]` and `}`
close one. For valid JSON that is its nesting depth; for malformed JSON it is at least as
deep as a parser would recurse before finding the fault, so the bound holds for both.
Everything runs at C speed (`bytes.count`, a regex, `translate`, `accumulate`): almost
every request has fewer brackets than the limit and is settled by counting them.
"""

from __future__ import annotations

import re
from itertools import accumulate

# A complete JSON string: quotes, then anything but a quote or backslash, or an escape.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(c for c in range(256) if c not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


def deeper_than(body: bytes, limit: int) -> bool:
    """Whether the JSON text `body` nests arrays and objects more than `limit` levels deep."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False  # not enough brackets to get that deep, in strings or out
    brackets = _STRING.sub(b"", body).translate(None, _NOT_A_BRACKET)
    if len(brackets) <= limit:
        return False
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > limit
