"""Control characters: the ones text never needs, and the ones a line of
output must not carry raw.

``CONTROL`` matches the C0 controls other than tab, line feed and carriage
return, DEL and the C1 controls: nothing a brief, a citation or the search
index should keep. ``INVISIBLE`` adds what could forge an output line or
drive a terminal: every C0 control, the Unicode line and paragraph
separators, the bidirectional controls (which reorder what follows) and lone
surrogates (the bytes of a file name that are not UTF-8); ``visible()``
writes each as an escape.
"""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Characters other than C0 controls that reorder or break a line.
_LINE_BREAKERS = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
INVISIBLE = re.compile(rf"[\x00-\x1f{_LINE_BREAKERS}\ud800-\udfff]")
# The same without the C0 controls, which JSON escapes itself.
INVISIBLE_IN_JSON = re.compile(rf"[{_LINE_BREAKERS}]")

_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def visible(text: str) -> str:
    """``text`` for one line of output, each ``INVISIBLE`` character written
    as an escape: ``\\n``, ``\\x1b``, ``\\u202e``, ``\\udce9``."""
    return INVISIBLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT_ESCAPES.get(char) or (
        f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    )


def json_safe(text: str) -> str:
    """JSON text with each ``INVISIBLE_IN_JSON`` character written as a
    ``\\u`` escape: the same JSON value, safe to print."""
    return INVISIBLE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
