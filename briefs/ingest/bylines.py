"""The people a byline names: text in, names out, no database.

The importer credits these names as the brief's authors (the byline itself
is kept as the source wrote it). ``byline_names`` reads a byline string (a
``Byline:`` header, a "By …" line, front matter's ``byline`` or ``author``
text, a web page's or a Word file's author); ``person_names`` cleans names
a source already lists one by one (front matter's ``authors`` or
``creators``). The rules, in order:

1. A leading "By" or "Written by" (any case, optional colon) goes, and so do
   Markdown emphasis marks around the names; so does a wire agency's credit
   after the names with no comma before it ("KATE PAYNE Associated
   Press/Report for America" credits Kate Payne).
2. The byline splits into names on ``;``, ``|``, ``&``, a spaced dash or slash,
   " and " and commas. A comma part that is a generational suffix ("Jr.",
   "Sr.", "II", "III", "IV") stays with the name before it ("John Smith,
   Jr."); an academic one ("PhD", "MD") is dropped.
3. "Last, First" bylines stay whole and are turned round: when every name
   between ``;``/"and" is one word, a comma and one or two words ("Narin,
   Sun; Chhengpor, Aun"), each is "First Last" ("Sun Narin"). Any other
   comma is a list ("Smith, Jones and Brown" is three people).
4. Honorifics (Dr., Prof., Mr., Mrs., Ms., Mx.) before a name go; a name
   all in capitals ("JANE DOE") is written in title case ("Jane Doe").
5. A site's author handle, lowercase words joined by hyphens
   ("selena-juneau-vogel"), becomes the words capitalised ("Selena Juneau
   Vogel"); a bare lowercase login with no space or hyphen ("tlowden") is
   not a name.
6. A part that names no person gives no author: a wire agency or a desk
   ("Reuters", "AP", "Staff reporter", "Our correspondent", or an agency's
   name then anything: "AP Diplomatic Writer"), an office or
   institution (any word such as "Office", "Desk", "Bureau", "Press",
   "Staff", "House", "Service", "Ministry"), a title alone ("Senior
   Fellow"), an email address, a URL, anything with a digit, more than six
   words or over 200 characters.
7. Names are trimmed, and each person is named once (compared in any case),
   in the byline's order.

Written by hand: the name-parsing libraries (nameparser, probablepeople)
read one name into parts; none splits a newsroom byline into people or knows
a wire agency from a writer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_NAME_LENGTH = 200
_MAX_WORDS = 6
_MAX_OFFICE_WORDS = 15  # "Minister for Infrastructure, Transport, …"

_SPACE = re.compile(r"\s+")
_LEADING_BY = re.compile(r"^(?:(?:written|words|reporting)\s+)?by\b\s*:?\s*", re.I)
_EMPHASIS = re.compile(r"[*_]+")
# Between people: ; | & and a dash or slash with spaces round it (a hyphen inside a
# name has none), then " and ".
_PEOPLE = re.compile(r"\s*(?:[;|&]|\s[-–—/]\s)\s*|\s+and\s+", re.I)
_HONORIFIC = re.compile(r"^(?:dr|prof|professor|mr|mrs|ms|mx)\b\.?\s+", re.I)
_HANDLE = re.compile(r"[a-z]+(?:-[a-z]+){1,4}")
_LOGIN = re.compile(r"[a-z0-9._]+")
_ONE_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_INITIALS_OR_WORD = re.compile(r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*)?")

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_DEGREES = frozenset(
    {"phd", "ph.d.", "ph.d", "md", "m.d.", "dphil", "mba", "esq", "esq.", "obe"}
)
# Bylines that are an agency or a desk, compared without "the" and case.
_NOT_PEOPLE = frozenset(
    {
        "ap",
        "afp",
        "ani",
        "dpa",
        "efe",
        "ians",
        "pti",
        "upi",
        "voa",
        "bbc",
        "cnn",
        "reuters",
        "associated press",
        "agence france-presse",
        "agence france presse",
        "bloomberg",
        "xinhua",
        "kyodo",
        "yonhap",
        "tass",
        "anadolu",
        "bernama",
        "app",
        "admin",
        "administrator",
        "editor",
        "editors",
        "anonymous",
        "unknown",
        "guest",
        "contributor",
        "contributors",
    }
)
# A word that makes a part an organisation, a desk or a role, not a person.
_ORGANISATION_WORDS = frozenset(
    {
        "office",
        "desk",
        "bureau",
        "department",
        "ministry",
        "agency",
        "press",
        "news",
        "newsroom",
        "staff",
        "team",
        "board",
        "committee",
        "council",
        "house",
        "government",
        "embassy",
        "secretariat",
        "service",
        "services",
        "correspondent",
        "correspondents",
        "reporter",
        "reporters",
        "wire",
        "wires",
        "programme",
        "program",
        "institute",
        "centre",
        "center",
        "university",
        "foundation",
        "commission",
        "administration",
        "division",
    }
)
# A wire agency's credit after a name, with no comma before it: "KATE
# PAYNE Associated Press/Report for America". Written as agencies write
# their names, so a person called "Press" is left alone.
_AGENCY_CREDIT = re.compile(
    r"(?<=\S) (?:The )?(?:Associated Press|Agence France-Presse|Reuters|Bloomberg"
    r"|Report for America|AFP|AP|UPI)(?![\w-])"
)
# A staff title under a writer's name ("Staff Writer", "Senior Correspondent"):
# one of these words last, after "staff" or words of ``_TITLE_WORDS``.
_ROLES = frozenset(
    {"writer", "reporter", "correspondent", "editor", "photographer", "columnist"}
)
# Words that link the parts of an institution's name ("Department of the Treasury").
_LINKING_WORDS = frozenset({"of", "for", "on", "the", "and", "&"})
# An office a release or transcript heads with, alone or after a qualifier
# ("Shadow Treasurer", "Assistant Minister for …").
_OFFICES = frozenset({"treasurer", "attorney-general", "minister", "premier"})
_OFFICE_QUALIFIERS = frozenset({"assistant", "shadow", "deputy", "acting", "federal"})
# Words that make a title with nothing else ("Senior Fellow").
_TITLE_WORDS = frozenset(
    {
        "senior",
        "junior",
        "fellow",
        "director",
        "editor",
        "writer",
        "analyst",
        "professor",
        "chief",
        "deputy",
        "associate",
        "assistant",
        "contributing",
        "special",
        "managing",
        "political",
        "foreign",
        "economics",
        "research",
        "researcher",
        "policy",
        "visiting",
        "adjunct",
        "executive",
        "head",
        "lead",
        "principal",
        "non-resident",
        "nonresident",
        "columnist",
        "author",
        "guest",
        "of",
        "for",
        "and",
        "the",
        "on",
        "at",
        "in",
    }
)


def byline_names(byline: str) -> list[str]:
    """The people ``byline`` names, in its order; empty when it names none."""
    text = _EMPHASIS.sub("", _SPACE.sub(" ", byline)).strip()
    text = _LEADING_BY.sub("", text)
    groups = [_without_credit(group) for group in _PEOPLE.split(text)]
    groups = [group for group in groups if group.strip()]
    if groups and all(_is_last_first(group) for group in groups):
        return person_names(_turned_round(group) for group in groups)
    parts: list[str] = []
    for group in groups:
        for part in group.split(","):
            word = part.strip().casefold()
            if word in _DEGREES:
                continue
            if word in _SUFFIXES and parts:
                parts[-1] = f"{parts[-1]}, {part.strip()}"
            else:
                parts.append(part)
    return person_names(parts)


def _without_credit(group: str) -> str:
    """``group`` without an agency's credit after the name in it."""
    credit = _AGENCY_CREDIT.search(group)
    return group[: credit.start()] if credit else group


def names_issuer(line: str) -> bool:
    """Whether ``line`` is only the name of who issued a text: an agency
    (rule 6: "Associated Press", "AP Diplomatic Writer") or an office or
    institution whose word ends the name or is followed by "of", "for" or
    "on" ("The White House", "Department of Energy", "Office of the Prime
    Minister"), every word capitalised but those linking words."""
    words = line.split()
    if not words or len(words) > _MAX_WORDS or any(c.isdigit() for c in line):
        return False
    keys = [word.strip(".,()'’").casefold().removesuffix("'s") for word in words]
    if not all(
        word[:1].isupper() or key in _LINKING_WORDS
        for word, key in zip(words, keys, strict=True)
    ):
        return False
    if keys[0] in _NOT_PEOPLE or " ".join(k for k in keys if k != "the") in (
        _NOT_PEOPLE
    ):
        return True
    return any(
        key in _ORGANISATION_WORDS
        and (index == len(keys) - 1 or keys[index + 1] in _LINKING_WORDS)
        for index, key in enumerate(keys)
    )


def names_office_holder(line: str) -> bool:
    """Whether ``line`` is only who holds an office, as the top of a minister's
    release or transcript names them: "The Hon Julie Collins MP", "Minister
    for Agriculture, Fisheries and Forestry", "Assistant Minister for
    Health", "Shadow Treasurer", "Attorney-General", "Senator Jane Hume".
    At most 15 words, no digits, no closing stop, every word capitalised
    but linking words; any length of office title, since a portfolio list
    can be long."""
    words = line.replace(",", " ").split()
    if not words or len(words) > _MAX_OFFICE_WORDS or line[-1:] in ".!?:;":
        return False
    if any(char.isdigit() for char in line):
        return False
    keys = [word.strip(".()'’").casefold() for word in words]
    if not all(
        word[:1].isupper() or key in _LINKING_WORDS
        for word, key in zip(words, keys, strict=True)
    ):
        return False
    if keys[0] == "the" and len(keys) > 1:
        keys = keys[1:]
    if keys[0] in ("hon", "honourable", "honorable") or keys[-1] == "mp":
        return True
    if keys[0] == "senator":
        return len(keys) <= _MAX_WORDS
    while keys and keys[0] in _OFFICE_QUALIFIERS:
        keys = keys[1:]
    if keys[:2] == ["prime", "minister"]:
        keys = keys[1:]
    if not keys or keys[0] not in _OFFICES:
        return False
    return len(keys) == 1 or keys[1] in ("for", "of")


def names_role(line: str) -> bool:
    """Whether ``line`` is only a writer's staff title, as a byline puts under
    the name: "Staff Writer", "Senior Staff Writer", "Correspondent". At
    most four capitalised words."""
    words = line.split()
    if not words or len(words) > 4 or not all(word[:1].isupper() for word in words):
        return False
    keys = [word.casefold() for word in words]
    return keys[-1] in _ROLES and all(
        key == "staff" or (key in _TITLE_WORDS and key not in _LINKING_WORDS)
        for key in keys[:-1]
    )


def person_names(names: Iterable[str]) -> list[str]:
    """``names`` that name people, cleaned (rules 4 to 7), in order."""
    found: dict[str, str] = {}
    for name in names:
        name = _clean(name)
        if name and _is_person(name):
            found.setdefault(name.casefold(), name)
    return list(found.values())


def _is_last_first(group: str) -> bool:
    last, comma, first = group.partition(",")
    return (
        bool(comma)
        and _ONE_WORD.fullmatch(last.strip()) is not None
        and _INITIALS_OR_WORD.fullmatch(first.strip()) is not None
        and first.strip().casefold() not in _SUFFIXES | _DEGREES
    )


def _turned_round(group: str) -> str:
    last, _, first = group.partition(",")
    return f"{first.strip()} {last.strip()}"


def _clean(name: str) -> str:
    name = _SPACE.sub(" ", _EMPHASIS.sub("", name)).strip(" \t.,;:-–—'\"“”‘’()[]")
    if name.endswith((" Jr", " Sr")):
        name += "."  # the stripping above took the suffix's full stop
    name = _HONORIFIC.sub("", name)
    if name.isupper():
        name = name.title()
    return readable_name(name)


def readable_name(name: str) -> str:
    """A site's author handle ("selena-juneau-vogel") as the words it
    spells, capitalised (rule 5); any other name as it is."""
    if _HANDLE.fullmatch(name):
        return " ".join(word.capitalize() for word in name.split("-"))
    return name


def _is_person(name: str) -> bool:
    if len(name) > MAX_NAME_LENGTH or "@" in name or "://" in name:
        return False
    if name.casefold().startswith("www.") or any(char.isdigit() for char in name):
        return False
    if _LOGIN.fullmatch(name):
        return False  # a site's login, not a name
    words = [word.strip(".,()'’").casefold() for word in name.split()]
    words = [word for word in words if word]
    if not words or len(words) > _MAX_WORDS:
        return False
    if (
        words[0] in _NOT_PEOPLE
        or " ".join(word for word in words if word != "the") in _NOT_PEOPLE
    ):
        return False
    if any(word in _ORGANISATION_WORDS for word in words):
        return False
    if all(word in _TITLE_WORDS for word in words):
        return False
    return any(char.isalpha() for char in name)
