"""Inline Markdown as a brief stores it and as rules read it: HTML tags made
Markdown or dropped, links kept only to http, https and mailto, emphasis,
and text without its markup (``_plain``)."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from briefs.ingest.parsing.text import _words

# Patterns here match in linear time: see the note in line_kinds.py.
# Inline Markdown and HTML. A tag's name is followed by a word boundary, so
# its characters cannot be traded with the attributes after it.
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^<>]*>")
_KEPT_EMPHASIS = {"i": "*", "em": "*", "b": "**", "strong": "**"}
_DROPPED_TAGS = _words(
    "a abbr b br cite code del div em font i ins mark p s small span strong sub sup u"
)
# An image's alt text. Linear: the quote that ends one value can only open
# the next, so no run is scanned twice.
_ALT = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]*)>", re.IGNORECASE)
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def _inline(text: str) -> str:
    """Markdown inline text as a brief stores it: HTML tags gone (italic and
    bold made Markdown), images their alt text, and links to anything but
    http, https and mailto their text."""
    if "<" in text:
        text = _HTML_TAG.sub(_replace_tag, text)
    if "](" in text:
        text = _rewrite_links(text, depth=0)
    return text


def _replace_tag(match: re.Match) -> str:
    name = match.group(2).lower()
    if name in _KEPT_EMPHASIS:
        return _KEPT_EMPHASIS[name]
    if name == "br":
        return " "
    if name == "img":
        # An image is its alt text, as a Markdown image is; one without
        # any stays as written.
        alt = _ALT.search(match.group(0))
        text = " ".join(next(filter(None, alt.groups()), "").split()) if alt else ""
        return text or match.group(0)
    return "" if name in _DROPPED_TAGS else match.group(0)


def _link_spans(text: str) -> list[tuple[int, int, int]]:
    """(opening bracket, closing bracket, closing parenthesis) of each
    outermost ``[text](target)`` in ``text``; brackets and parentheses are
    paired in one pass each, with a stack, so nesting costs nothing extra."""
    pairs: dict[str, dict[int, int]] = {"[": {}, "(": {}}
    stacks: dict[str, list[int]] = {"[": [], "(": []}
    closers = {"]": "[", ")": "("}
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in stacks:
            stacks[char].append(index)
        elif char in closers and stacks[closers[char]]:
            pairs[closers[char]][stacks[closers[char]].pop()] = index
        index += 1
    spans, end = [], -1
    for opening in sorted(pairs["["]):
        closing = pairs["["][opening]
        target_end = pairs["("].get(closing + 1)
        if opening > end and target_end is not None:
            spans.append((opening, closing, target_end))
            end = target_end
    return spans


def _rewrite_links(text: str, depth: int) -> str:
    parts, position = [], 0
    for opening, closing, target_end in _link_spans(text):
        image = opening > 0 and text[opening - 1] == "!"
        label = text[opening + 1 : closing]
        if depth < 3 and "](" in label:
            label = _rewrite_links(label, depth + 1)
        target = text[closing + 2 : target_end].strip()
        destination = target[1:].split(">", 1)[0] if target.startswith("<") else target
        destination = destination.split(None, 1)[0] if destination else ""
        keep = (
            not image
            and _is_link_target(destination)
            and " " not in target.split('"')[0].strip()
        )
        parts.append(text[position : opening - 1 if image else opening])
        parts.append(f"[{label}]({target})" if keep else label)
        position = target_end + 1
    parts.append(text[position:])
    return "".join(parts)


def _is_link_target(destination: str) -> bool:
    scheme = destination.split(":", 1)[0].lower() if ":" in destination else ""
    if scheme not in _LINK_SCHEMES:
        return False
    return scheme == "mailto" or bool(urlsplit(destination).netloc)


def _link_words(text: str) -> int:
    """How many words of ``text`` are inside links."""
    if "](" not in text:
        return 0
    return sum(
        len(_plain(text[opening + 1 : closing]).split())
        for opening, closing, _ in _link_spans(text)
    )


def _plain(text: str) -> str:
    """Markdown inline text without its markup, on one line."""
    if "](" in text:
        text = _drop_link_targets(text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _HTML_TAG.sub("", text)
    if "*" in text:
        text = re.sub(r"\*+", _emphasis_run, text)
    if "_" in text:
        text = re.sub(r"_+", _emphasis_run, text)
    if "`" in text:
        text = text.replace("`", "")
    if "\\" in text:
        text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def _drop_link_targets(text: str) -> str:
    parts, position = [], 0
    for opening, closing, target_end in _link_spans(text):
        image = opening > 0 and text[opening - 1] == "!"
        parts.append(text[position : opening - 1 if image else opening])
        parts.append(_drop_link_targets(text[opening + 1 : closing]))
        position = target_end + 1
    parts.append(text[position:])
    return "".join(parts)


def _emphasis_run(match: re.Match) -> str:
    """A run of * or _ is emphasis, and goes, when it touches a word on one
    side only; "5 * 3" and snake_case keep theirs."""
    text, start, end = match.string, match.start(), match.end()
    before = text[start - 1] if start else " "
    if before == "\\":
        return match.group(0)  # escaped: text, not markup
    after = text[end] if end < len(text) else " "
    if match.group(0)[0] == "_" and before.isalnum() and after.isalnum():
        return match.group(0)
    if before.isspace() and after.isspace():
        return match.group(0)
    return ""


def _whole_emphasis(text: str) -> str:
    """ "bold" or "italic" when all of ``text`` is one emphasis span."""
    for marks, kind in (
        ("**", "bold"),
        ("__", "bold"),
        ("*", "italic"),
        ("_", "italic"),
    ):
        inner = text[len(marks) : -len(marks)]
        if (
            len(text) > 2 * len(marks)
            and text.startswith(marks)
            and text.endswith(marks)
            and marks not in inner
            and inner[:1] not in (" ", marks[0])
            and inner[-1:] not in (" ", marks[0])
        ):
            return kind
    return ""


def _repair_bold(text: str) -> str:
    """Bold markup broken by a space inside it (``** Name**``, ``**Source: **``)
    or by back-to-back pairs (``**a****b**``) mended so that it renders as
    bold instead of showing its asterisks. Other runs of * are left alone."""
    if "**" not in text:
        return text
    pieces = re.split(r"(\*+)", text)
    runs = [i for i in range(1, len(pieces), 2) if len(pieces[i]) in (2, 4)]
    opened = None
    pairs = []
    for index in runs:
        if len(pieces[index]) == 4:
            if opened is not None:
                pieces[index] = ""  # close and reopen: one span
            continue
        if opened is None:
            opened = index
        else:
            pairs.append((opened, index))
            opened = None
    for opening, closing in pairs:
        after = pieces[opening + 1] if opening + 1 < len(pieces) else ""
        if after[:1].isspace():
            pieces[opening - 1] += after[: len(after) - len(after.lstrip())]
            pieces[opening + 1] = after.lstrip()
        before = pieces[closing - 1]
        if before[-1:].isspace() and before.strip():
            pieces[closing - 1] = before.rstrip()
            pieces[closing + 1] = before[len(before.rstrip()) :] + pieces[closing + 1]
    return "".join(pieces)
