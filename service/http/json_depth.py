"""How deeply a JSON text nests, found without parsing it (a parser recurses on nesting)."""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 32
"""Arrays and objects nest at most this deep in any JSON body the service accepts."""

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def looks_like_json(body: bytes) -> bool:
    """True when the body's first non-blank byte opens an array or an object."""
    start = body.lstrip(b" \t\r\n")[:1]
    return start in (b"[", b"{")


def nests_deeper_than(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays and objects in body nest deeper than limit (strings skipped)."""
    text = _STRINGS.sub(b"", body)
    if text.count(b"[") + text.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(depth - 1, 0)
    return False
