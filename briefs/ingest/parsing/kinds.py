"""The kinds of block a body is made of, as ``_Block.kind`` names them."""

from __future__ import annotations

PARAGRAPH, HEADING, LIST, QUOTE, TABLE, CODE = (
    "paragraph",
    "heading",
    "list",
    "quote",
    "table",
    "code",
)
