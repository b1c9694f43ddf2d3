"""How to cite a brief: a plain-text citation and a BibTeX entry.

``citation_text``, ``bibtex`` and their helpers are pure: a ``Work`` in, text
out, the caller supplying the absolute URL and the dates. ``cite`` is what
the pages call: it adds the publisher from settings and the local dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from briefs.control_chars import CONTROL

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_SPACE = re.compile(r"\s+")

# Characters that mean something to BibTeX or LaTeX, and what stands for each.
_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIAL))


def clean(text: str) -> str:
    """``text`` on one line: control characters dropped, runs of space made one."""
    return _SPACE.sub(" ", CONTROL.sub("", text)).strip()


def human_date(day: dt.date) -> str:
    """``1 June 2025``: the same in every locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _sentence(text: str) -> str:
    """``text`` ending in a full stop, unless it already ends in punctuation."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


@dataclass(frozen=True)
class Work:
    """What a citation says of a brief, or of one public version of it
    (``version``, cited at its own ``url``)."""

    title: str
    publisher: str
    url: str
    published: dt.date | None
    author: str = ""
    accessed: dt.date | None = None
    version: int | None = None


def citation_text(work: Work) -> str:
    """A citation in a common web style.

    ``A. Analyst. "Title." Publisher, 1 June 2025. https://…. Accessed 2 June 2025.``
    Without an author it starts with the title; without a date it says "n.d.".
    With ``version`` (one public version, cited at its own address) it says
    ``Version 3.`` after the title.
    """
    title, publisher, author = (
        clean(work.title),
        clean(work.publisher),
        clean(work.author),
    )
    when = human_date(work.published) if work.published else "n.d."
    parts = [_sentence(author)] if author else []
    # The title's own closing punctuation goes inside the quotes.
    parts.append(f"“{_sentence(title)}”")
    if work.version is not None:
        parts.append(f"Version {work.version}.")
    parts.append(f"{publisher}, {when}.")
    parts.append(f"{work.url}.")
    if work.accessed:
        parts.append(f"Accessed {human_date(work.accessed)}.")
    return " ".join(parts)


def bibtex_escape(text: str) -> str:
    """``text`` for a BibTeX field: LaTeX's special characters made literal."""
    return _BIBTEX_SPECIAL_RE.sub(lambda m: _BIBTEX_SPECIAL[m.group(0)], clean(text))


def _ascii_words(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def bibtex_key(
    *, publisher: str, slug: str, published: dt.date | None, version: int | None = None
) -> str:
    """A citation key that stays the same for a brief: ``newsroom-2025-border-trade``.

    Made of ASCII letters, digits and hyphens only, which every BibTeX tool
    accepts. A slug with no ASCII letters (a title in another script) is
    stood for by a short hash of itself, so the key is still stable. One
    version's key ends ``-v3``, so it can sit beside the brief's in one file.
    """
    words = _ascii_words(slug)[:40].strip("-")
    if not words:
        words = hashlib.sha256(slug.encode()).hexdigest()[:8]
    prefix = _ascii_words(publisher)[:20].strip("-") or "brief"
    year = str(published.year) if published else "nd"
    suffix = f"-v{version}" if version is not None else ""
    return f"{prefix}-{year}-{words}{suffix}"


def _bibtex_url(url: str) -> str:
    # URL fields are read verbatim; only what would unbalance the braces, or
    # escape them, must go, and percent-encoding is how a URL says it.
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex(work: Work, *, key: str) -> str:
    """A BibTeX ``@online`` entry (biblatex's type for web pages).

    The title is double-braced so that BibTeX styles keep its capitals
    (acronyms such as CPEC). Every text field is escaped; the URL is kept as
    a URL. ``version`` becomes biblatex's ``version`` field.
    """
    fields = []
    if work.author:
        fields.append(("author", f"{{{bibtex_escape(work.author)}}}"))
    fields.append(("title", f"{{{{{bibtex_escape(work.title)}}}}}"))
    fields.append(("organization", f"{{{bibtex_escape(work.publisher)}}}"))
    if work.version is not None:
        fields.append(("version", f"{{{work.version}}}"))
    if work.published:
        fields.append(("date", f"{{{work.published.isoformat()}}}"))
        fields.append(("year", f"{{{work.published.year}}}"))
    fields.append(("url", f"{{{_bibtex_url(work.url)}}}"))
    if work.accessed:
        fields.append(("urldate", f"{{{work.accessed.isoformat()}}}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@online{{{key},\n{body}\n}}"


def cite(
    *,
    title: str,
    author: str,
    slug: str,
    published: dt.datetime | None,
    url: str,
    version: int | None = None,
) -> dict[str, str]:
    """A plain-text citation and a BibTeX entry of the brief at ``url``:
    ``{"text": ..., "bibtex": ...}``.

    Dated in the site's time zone, accessed today. With ``version``, both
    name that public version; ``url`` should then be its address, and the
    title and author those of its text.
    """
    day = timezone.localdate(published) if published else None
    publisher = settings.NEWSROOM_PUBLISHER
    work = Work(
        title=title,
        publisher=publisher,
        url=url,
        published=day,
        author=author,
        accessed=timezone.localdate(),
        version=version,
    )
    key = bibtex_key(publisher=publisher, slug=slug, published=day, version=version)
    return {"text": citation_text(work), "bibtex": bibtex(work, key=key)}
