"""How to cite a brief: a plain-text citation, BibTeX, BibLaTeX, RIS and CSL-JSON.

``citation_text``, ``bibtex``, ``biblatex``, ``ris``, ``csl_json`` and their
helpers are pure: a ``Work`` in, text out, the caller supplying the absolute
URL and the dates. ``cite`` is what the pages call: it adds the publisher,
site and language from settings and the local dates; ``citation_facts``
and ``cite_version`` give it a brief or one of its public versions.

Each format is written here rather than by a citation library: the ones
that exist read these formats (the tests use bibtexparser, rispy and
citeproc-py to check what is written) or turn one into another, and none
writes all five from a brief's few fields.

A brief is cited as a web page in every format (BibTeX ``@misc``, BibLaTeX
``@online``, RIS ``ELEC``, CSL ``webpage``), so a reference manager makes
the same item of it whichever file it is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from briefs.control_chars import CONTROL

if TYPE_CHECKING:
    from briefs.models import Brief, PublicVersion

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
# Braces are words, not \{ and \}: BibTeX counts every brace, escaped or not,
# so one stray brace in a title would end its field early or never.
_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIAL))

# One word of a person's name: letters, with apostrophes, full stops and
# hyphens between or after them (O'Brien, J., Jean-Paul, J.-P.). No digit,
# no symbol: anything else is no personal name a citation should take apart.
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’.\-][^\W\d_]*)*")
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
# Chicago lists up to ten authors; past ten, the first seven and "et al."
_MOST_AUTHORS_LISTED, _AUTHORS_BEFORE_ET_AL = 10, 7


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
class Name:
    """An author as citations name them: a person's ``family`` and ``given``
    names (and ``suffix``, as Jr.), or a ``literal`` name given as it is
    (an organisation, a byline in the source's own words)."""

    family: str = ""
    given: str = ""
    suffix: str = ""
    literal: str = ""

    @property
    def inverted(self) -> str:
        """``Siddiqa, Ayesha``; ``King, Martin Luther, Jr.``; a literal as it is."""
        if self.literal:
            return self.literal
        return ", ".join(p for p in (self.family, self.given, self.suffix) if p)

    @property
    def direct(self) -> str:
        """``Ayesha Siddiqa``; ``Martin Luther King Jr.``; a literal as it is."""
        if self.literal:
            return self.literal
        return " ".join(p for p in (self.given, self.family, self.suffix) if p)


def person_name(name: str) -> Name:
    """An author's ``name`` (``Ayesha Siddiqa``) as family and given names.

    The family name is the last word, with any lower-case words before it
    (``van Beethoven``, ``de la Fontaine``), as BibTeX reads names; a
    trailing Jr., Sr., II, III or IV is a suffix. A name that does not split
    cleanly (one word, a digit or symbol, a comma, the word "and", a
    suffix with one name before it) is
    literal, so no tool takes it apart wrongly. A family name written first
    (``Xi Jinping``) cannot be told from the words alone: it splits as if
    written last.
    """
    text = clean(name)
    words = text.split(" ")
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix, words = words[-1], words[:-1]
    # "Smith Jr." alone is no given name and a family name.
    if (
        len(words) < 2
        or words[-1].lower() in _SUFFIXES
        or any(not _NAME_WORD.fullmatch(w) or w.lower() == "and" for w in words)
    ):
        return Name(literal=text)
    start = next(
        (i for i in range(1, len(words) - 1) if words[i][0].islower()),
        len(words) - 1,
    )
    return Name(
        family=" ".join(words[start:]), given=" ".join(words[:start]), suffix=suffix
    )


def names_in(authors: object) -> list[str]:
    """The names in a public version's ``authors`` (the export format's
    ``[{"name": ..., "slug": ...}]``); [] for a snapshot that has none or
    anything else."""
    if not isinstance(authors, list):
        return []
    return [
        author["name"]
        for author in authors
        if isinstance(author, dict) and isinstance(author.get("name"), str)
    ]


@dataclass(frozen=True)
class Work:
    """What a citation says of a brief, or of one public version of it
    (``version``, cited at its own ``url``). ``site`` is the website's name
    (the publisher's when empty); ``language`` a BCP 47 tag."""

    title: str
    publisher: str
    url: str
    published: dt.date | None
    authors: tuple[Name, ...] = ()
    accessed: dt.date | None = None
    version: int | None = None
    site: str = ""
    language: str = ""

    @property
    def credited(self) -> tuple[Name, ...]:
        """The authors with a name: one cleaned to nothing is left out."""
        return tuple(n for n in self.authors if clean(n.inverted))


def _author_list(names: Sequence[Name]) -> str:
    """Chicago's bibliography list: the first name inverted, the others as
    written, a comma before the last "and"; past ten, seven and "et al."."""
    if len(names) > _MOST_AUTHORS_LISTED:
        shown = [clean(n.direct) for n in names[:_AUTHORS_BEFORE_ET_AL]]
        shown[0] = clean(names[0].inverted)
        return f"{', '.join(shown)}, et al."
    shown = [clean(names[0].inverted), *(clean(n.direct) for n in names[1:])]
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])}, and {shown[-1]}"


def citation_text(work: Work) -> str:
    """A citation in the Chicago Manual of Style's bibliography form for a
    web page, dates written day first (which Chicago allows).

    ``Siddiqa, Ayesha, and Bilal Khan. “Title.” Publisher, 1 June 2025.
    https://…. Accessed 2 June 2025.`` Without an author it starts with the
    title; without a date it gives none (Chicago's access date, always
    given here, dates it). The access date closes the citation, where this
    site has always put it. With ``version`` (one public version, cited at
    its own address) it says ``Version 3.`` after the title. No element
    that ends in a full stop gets another.
    """
    title, publisher = clean(work.title), clean(work.publisher)
    parts = [_sentence(_author_list(work.credited))] if work.credited else []
    # The title's own closing punctuation goes inside the quotes.
    parts.append(f"“{_sentence(title)}”")
    if work.version is not None:
        parts.append(f"Version {work.version}.")
    if work.published:
        parts.append(f"{publisher}, {human_date(work.published)}.")
    else:
        parts.append(_sentence(publisher))
    parts.append(_sentence(work.url))
    if work.accessed:
        parts.append(f"Accessed {human_date(work.accessed)}.")
    return " ".join(parts)


# --- BibTeX and BibLaTeX ---------------------------------------------------------


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


def bibtex_names(names: Sequence[Name]) -> str:
    """An ``author`` field's value: ``Siddiqa, Ayesha and {Reuters}``.

    A person is ``Family, Given`` (``Family, Suffix, Given``), which BibTeX
    reads back exactly; a literal name is braced, so BibTeX neither splits
    it at a comma or an "and" nor reorders its words.
    """
    written = []
    for name in names:
        if name.literal:
            written.append(f"{{{bibtex_escape(name.literal)}}}")
        else:
            parts = (name.family, name.suffix, name.given)
            written.append(", ".join(bibtex_escape(p) for p in parts if p))
    return " and ".join(written)


def _entry(kind: str, key: str, fields: Iterable[tuple[str, str]]) -> str:
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"


def _braced_title(work: Work) -> str:
    # Double-braced so that styles keep the title's capitals (acronyms such as CPEC).
    return f"{{{{{bibtex_escape(work.title)}}}}}"


def bibtex(work: Work, *, key: str) -> str:
    """A BibTeX ``@misc`` entry, the type every classic style (plain, alpha,
    natbib's) knows for a web page.

    The classic styles print ``howpublished`` (the URL, in ``\\url`` from
    the url or hyperref package) and ``note`` (publisher, version and access
    date), and ignore ``url``, which natbib's styles and reference managers
    read. The month is BibTeX's own macro (``jun``). Every text field is
    escaped; the URL is kept as a URL.
    """
    url = _bibtex_url(work.url)
    fields = []
    if work.credited:
        fields.append(("author", f"{{{bibtex_names(work.credited)}}}"))
    fields.append(("title", _braced_title(work)))
    fields.append(("howpublished", f"{{\\url{{{url}}}}}"))
    if work.published:
        fields.append(("year", f"{{{work.published.year}}}"))
        fields.append(("month", MONTHS[work.published.month - 1][:3].lower()))
    note = [clean(work.publisher)]
    if work.version is not None:
        note.append(f"Version {work.version}")
    if work.accessed:
        note.append(f"Accessed {human_date(work.accessed)}")
    # The style adds the closing full stop.
    note_text = " ".join([*(_sentence(part) for part in note[:-1]), note[-1]])
    fields.append(("note", f"{{{bibtex_escape(note_text)}}}"))
    fields.append(("url", f"{{{url}}}"))
    return _entry("misc", key, fields)


def biblatex(work: Work, *, key: str) -> str:
    """A BibLaTeX ``@online`` entry (biblatex's type for web pages), with
    ISO dates (``date``, ``urldate``) and ``version``."""
    fields = []
    if work.credited:
        fields.append(("author", f"{{{bibtex_names(work.credited)}}}"))
    fields.append(("title", _braced_title(work)))
    fields.append(("organization", f"{{{bibtex_escape(work.publisher)}}}"))
    if work.version is not None:
        fields.append(("version", f"{{{work.version}}}"))
    if work.published:
        fields.append(("date", f"{{{work.published.isoformat()}}}"))
        fields.append(("year", f"{{{work.published.year}}}"))
    fields.append(("url", f"{{{_bibtex_url(work.url)}}}"))
    if work.accessed:
        fields.append(("urldate", f"{{{work.accessed.isoformat()}}}"))
    return _entry("online", key, fields)


# --- RIS and CSL-JSON ------------------------------------------------------------


def _ris_date(day: dt.date) -> str:
    return day.strftime("%Y/%m/%d")


def ris(work: Work) -> str:
    """One RIS record of type ``ELEC`` (web page), lines ending CR LF as the
    RIS specification has them.

    Zotero, EndNote and Mendeley all import ``ELEC`` as a web page, keeping
    the access date (``Y2``). Each value is on one line (``clean``), so no
    text of the brief's can start a tag of its own, ``ER`` among them.
    Authors are ``AU`` lines in order, ``Family, Given``.
    """
    lines = [("TY", "ELEC")]
    lines += [("AU", name.inverted) for name in work.credited]
    lines.append(("TI", work.title))
    lines.append(("T2", work.site or work.publisher))
    lines.append(("PB", work.publisher))
    if work.published:
        lines.append(("PY", str(work.published.year)))
        lines.append(("DA", _ris_date(work.published)))
    if work.version is not None:
        lines.append(("ET", f"Version {work.version}"))
    lines.append(("UR", work.url))
    if work.accessed:
        lines.append(("Y2", _ris_date(work.accessed)))
    if work.language:
        lines.append(("LA", work.language))
    written = [f"{tag}  - {clean(value)}" for tag, value in lines if clean(value)]
    return "\r\n".join([*written, "ER  - ", ""])


def _csl_date(day: dt.date) -> dict:
    return {"date-parts": [[day.year, day.month, day.day]]}


def _csl_name(name: Name) -> dict[str, str]:
    if name.literal:
        return {"literal": clean(name.literal)}
    parts = {"family": name.family, "given": name.given, "suffix": name.suffix}
    return {key: value for key, value in parts.items() if value}


def csl_json(work: Work, *, key: str) -> str:
    """CSL-JSON, as citeproc, Zotero and pandoc read it: an array of one
    item of type ``webpage`` (CSL's type for a web page, the one a ``@online``
    or ``ELEC`` record maps to), with ``id`` the BibTeX key. Dates are
    ``date-parts``; ``language`` the site's BCP 47 tag."""
    item: dict[str, object] = {"id": key, "type": "webpage", "title": clean(work.title)}
    if work.credited:
        item["author"] = [_csl_name(name) for name in work.credited]
    if work.published:
        item["issued"] = _csl_date(work.published)
    if work.accessed:
        item["accessed"] = _csl_date(work.accessed)
    if work.version is not None:
        item["version"] = str(work.version)
    # The website's name is the container; a publisher of the same name is
    # left out, or styles would print it twice.
    item["container-title"] = clean(work.site or work.publisher)
    if clean(work.publisher) != item["container-title"]:
        item["publisher"] = clean(work.publisher)
    item["URL"] = work.url
    if work.language:
        item["language"] = work.language
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


# --- What the pages call -----------------------------------------------------------


def cite(
    *,
    title: str,
    authors: Sequence[str],
    byline: str,
    slug: str,
    published: dt.datetime | None,
    url: str,
    version: int | None = None,
) -> dict[str, str]:
    """Every citation of the brief at ``url``: ``text``, ``bibtex`` (``@misc``),
    ``biblatex`` (``@online``), ``ris`` and ``csl_json``, with ``ris_url`` and
    ``json_url`` (the downloads' paths) and ``filename`` (theirs, without
    the extension).

    The ``authors``' names are cited, in order; with none, the ``byline``
    is, as the source wrote it. Dated in the site's time zone, accessed
    today. With ``version``, all name that public version; ``url`` should
    then be its address, and the title, authors and byline those of its text.
    """
    day = timezone.localdate(published) if published else None
    publisher = settings.NEWSROOM_PUBLISHER
    names = [person_name(name) for name in authors if clean(name)]
    if not names and clean(byline):
        names = [Name(literal=clean(byline))]
    work = Work(
        title=title,
        publisher=publisher,
        url=url,
        published=day,
        authors=tuple(names),
        accessed=timezone.localdate(),
        version=version,
        site=settings.NEWSROOM_SITE_NAME,
        language=settings.NEWSROOM_LANGUAGE,
    )
    key = bibtex_key(publisher=publisher, slug=slug, published=day, version=version)
    if version is None:
        route, kwargs, filename = "briefs:cite", {"slug": slug}, slug
    else:
        route, kwargs = "briefs:version-cite", {"slug": slug, "number": version}
        filename = f"{slug}-v{version}"
    return {
        "text": citation_text(work),
        "bibtex": bibtex(work, key=key),
        "biblatex": biblatex(work, key=key),
        "ris": ris(work),
        "csl_json": csl_json(work, key=key),
        "ris_url": reverse(f"{route}-ris", kwargs=kwargs),
        "json_url": reverse(f"{route}-json", kwargs=kwargs),
        "filename": filename,
    }


def citation_facts(brief: Brief, *, authors: list[str] | None = None) -> dict:
    """``cite``'s arguments but the address (and version) for ``brief`` as
    it is now: the current public version's text is the brief's. The
    authors' names are ``authors`` when given, else the brief's: prefetch
    them with ``with_authors()``."""
    if authors is None:
        authors = [author.name for author in brief.author_list]
    return {
        "title": brief.title,
        "authors": authors,
        "byline": brief.byline,
        "slug": brief.slug,
        "published": brief.published_at,
    }


def cite_version(brief: Brief, shown: PublicVersion, *, url: str) -> dict[str, str]:
    """``cite`` for ``brief``'s public version ``shown``, from its snapshot,
    at ``url``: its title, authors and byline, never the brief's current ones."""
    snapshot = shown.snapshot
    published = snapshot.get("published_at")
    return cite(
        title=snapshot.get("title", ""),
        authors=names_in(snapshot.get("authors")),
        byline=snapshot.get("byline", ""),
        slug=brief.slug,
        published=dt.datetime.fromisoformat(published) if published else None,
        url=url,
        version=shown.number,
    )
