"""Text in: bytes decoded (UTF-8, else Windows-1252), binary data refused, and
small helpers on lines and word lists."""

from __future__ import annotations

import codecs
import re

from briefs.ingest.parsing.parsed import ParseError


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string, for the package's word lists."""
    return frozenset(text.split())


# Patterns here match in linear time: see the note in line_kinds.py.
# Text files hold almost none of these; binary files are full of them.
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")

# Five bytes are undefined in Windows-1252; read them as Latin-1 does, losing nothing.
_LATIN1_FALLBACK = "newsroom-latin1-fallback"
codecs.register_error(
    _LATIN1_FALLBACK,
    lambda error: (error.object[error.start : error.end].decode("latin-1"), error.end),
)


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text: UTF-8 (BOM optional), else Windows-1252 with a warning.

    Raises ParseError for binary data (NUL bytes or many control characters).
    """
    if b"\x00" in data:
        raise ParseError("binary file (it contains NUL bytes), not a text document")
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        warnings.append(
            f"not valid UTF-8 (at byte {error.start}); read as Windows-1252"
        )
        text = data.decode("cp1252", errors=_LATIN1_FALLBACK)
    if _looks_binary(text):
        raise ParseError(
            "binary file (it is mostly control characters), not a text document"
        )
    return text, warnings


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:8192]
    controls = len(_BINARY_CONTROL.findall(sample))
    return controls > max(3, len(sample) // 50)


def _skip_blank(lines: list[str], position: int) -> int:
    while position < len(lines) and not lines[position].strip():
        position += 1
    return position
