"""Countries and territories as tagging terms, from ISO 3166 (pycountry). Plain Python.

Each country becomes a ``place`` term named as readers know it ("Russia",
"South Korea", "Vietnam"), matching its ISO name, its official name, the
common aliases listed here ("Czech Republic", "Burma", "UK") and its
demonyms ("Australian", "Australians", "Pakistani"; ``DEMONYMS``). No
maintained library lists demonyms with the judgement tagging needs (which
ones are also a language, another people or a dish), so the table is ours:
``countries.toml`` beside this module.

Some country names are also ordinary words or names: Chad the person,
Jordan the basketball player, Georgia the US state, turkey the bird. Those
names are ``ambiguous``: they tag only when the same document also has one
of the country's ``cues`` (a capital, a demonym, a leader) or one of its
unambiguous phrases, and never as part of a longer capitalised name
("Chad Smith", "Michael Jordan"; see ``briefs.tagging.tagger``). Demonyms
that also mean another people ("American", "Indian", "Korean";
``AMBIGUOUS_DEMONYMS``) follow the same rule. ``STOP_PHRASES`` are longer
names that contain a country's name but mean something else ("Niger Delta",
"New Jersey", "Latin American"); they are matched and then ignored, so the
shorter name inside them never tags.

Each country also has vetoes (see ``vetoes``): phrases around its names
that mean something else ("French fries", "Spanish-speaking", "Chinese
Americans"). ``BRAND_BEFORE`` and ``BRAND_AFTER`` are the words that make
any place's name a company's or an event's ("Air France", "China Daily").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import resources

import pycountry

from briefs.tagging.tagger import Tagger, Term

# The name a tag gets where ISO's name reads like a catalogue entry, and
# further names that mean the same country in running text.
NAMES: dict[str, tuple[str, tuple[str, ...]]] = {
    "AE": ("United Arab Emirates", ("UAE",)),
    "BN": ("Brunei", ("Brunei Darussalam",)),
    "CC": ("Cocos Islands", ("Cocos (Keeling) Islands", "Keeling Islands")),
    "CD": (
        "Democratic Republic of the Congo",
        ("DR Congo", "DRC", "Congo-Kinshasa", "Democratic Republic of Congo"),
    ),
    "CG": ("Republic of the Congo", ("Congo-Brazzaville", "Republic of Congo")),
    "CI": ("Côte d'Ivoire", ("Ivory Coast",)),
    "CV": ("Cabo Verde", ("Cape Verde",)),
    "CZ": ("Czechia", ("Czech Republic",)),
    "FK": ("Falkland Islands", ("Falklands", "Malvinas")),
    "FM": ("Micronesia", ("Federated States of Micronesia",)),
    "GB": ("United Kingdom", ("UK", "U.K.", "Britain", "Great Britain")),
    "IO": ("British Indian Ocean Territory", ("Chagos Islands", "Chagos Archipelago")),
    "KP": ("North Korea", ("DPRK",)),
    "KR": ("South Korea", ("Republic of Korea", "ROK")),
    "MF": ("Saint Martin", ()),
    "MK": ("North Macedonia", ()),
    "MM": ("Myanmar", ("Burma",)),
    "MO": ("Macao", ("Macau",)),
    "PS": ("Palestine", ("State of Palestine",)),
    "RU": ("Russia", ("Russian Federation",)),
    "SH": ("Saint Helena", ("Saint Helena, Ascension and Tristan da Cunha",)),
    "ST": ("Sao Tome and Principe", ("São Tomé and Príncipe",)),
    "SX": ("Sint Maarten", ()),
    "SZ": ("Eswatini", ("Swaziland",)),
    "TL": ("Timor-Leste", ("East Timor",)),
    "US": (
        "United States",
        ("United States of America", "USA", "U.S.A.", "US", "U.S."),
    ),
    "VA": ("Vatican City", ("Holy See", "Vatican")),
    "VG": ("British Virgin Islands", ()),
    "VI": (
        "US Virgin Islands",
        ("U.S. Virgin Islands", "United States Virgin Islands"),
    ),
    "VN": ("Vietnam", ("Viet Nam",)),
}

# Country names that are also ordinary words or names: (ambiguous names, cues).
AMBIGUOUS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TD": (
        ("Chad",),
        ("N'Djamena", "Ndjamena", "Chadian", "Chadians", "Lake Chad", "Sahel", "Déby"),
    ),
    "JO": (
        ("Jordan",),
        ("Amman", "Jordanian", "Jordanians", "Hashemite", "King Abdullah", "Aqaba"),
    ),
    "GE": (
        ("Georgia",),
        (
            "Tbilisi",
            "Georgian government",
            "Georgian Dream",
            "South Caucasus",
            "Abkhazia",
            "South Ossetia",
            "Batumi",
        ),
    ),
    "TR": (
        ("Turkey",),
        ("Ankara", "Istanbul", "Turkish", "Erdogan", "Erdoğan"),
    ),
    "GN": (("Guinea",), ("Conakry", "Guinean", "Guineans")),
    "NE": (("Niger",), ("Niamey", "Nigerien", "Nigeriens", "Sahel")),
    "CG": (("Congo",), ("Brazzaville", "Sassou Nguesso")),
    "JE": (
        ("Jersey",),
        (
            "St Helier",
            "St. Helier",
            "Channel Islands",
            "Crown Dependencies",
            "States of Jersey",
        ),
    ),
    "GG": (
        ("Guernsey",),
        (
            "St Peter Port",
            "Channel Islands",
            "Crown Dependencies",
            "States of Guernsey",
        ),
    ),
}

# Longer names that contain a place's name but are not that place.
STOP_PHRASES: tuple[str, ...] = (
    # Guinea
    "New Guinea",
    "New Guinean",
    "Gulf of Guinea",
    "guinea pig",
    "guinea pigs",
    "guinea fowl",
    "guinea worm",
    # Niger, Jordan, Chad
    "Niger Delta",
    "Niger River",
    "River Niger",
    "Niger-Congo",
    "Jordan River",
    "River Jordan",
    "Jordan Valley",
    "Michael Jordan",
    "Air Jordan",
    # Turkey, Georgia, Jersey, Congo
    "turkey sandwich",
    "turkey sandwiches",
    "turkey dinner",
    "Georgia Tech",
    "University of Georgia",
    "Atlanta, Georgia",
    "Savannah, Georgia",
    "New Jersey",
    "Jersey City",
    "Congo River",
    "Congo Basin",
    # Other places inside longer names
    "New Mexico",
    "New Mexican",
    "New Mexicans",
    "Gulf of Mexico",
    "Mexico Beach",
    "Northern Ireland",
    "Northern Irish",
    "Indian Ocean",
    "Latin America",
    "Latin American",
    "Latin Americans",
    "South America",
    "South American",
    "South Americans",
    "Central America",
    "Central American",
    "Central Americans",
    "North America",
    "North American",
    "North Americans",
    "Washington Post",
    "Washington State",
    "Washington state",
    "George Washington",
    "British Columbia",
    "Mark Cuban",
)

# Demonyms ("Australian"), demonyms that also mean another people
# ("American"), and idioms ("French fries"), by ISO code: data, kept in
# countries.toml beside this module.
_DATA = tomllib.loads(
    resources.files("briefs.tagging").joinpath("countries.toml").read_text("utf-8")
)
DEMONYMS: dict[str, tuple[str, ...]] = {
    code: tuple(words) for code, words in _DATA["demonyms"].items()
}
AMBIGUOUS_DEMONYMS: dict[str, tuple[str, ...]] = {
    code: tuple(words) for code, words in _DATA["ambiguous_demonyms"].items()
}
IDIOMS: dict[str, tuple[str, ...]] = {
    code: tuple(words) for code, words in _DATA["idioms"].items()
}

# Demonyms whose plural is not made by adding "s" (those ending in "ese",
# "ish" or "ss" are left alone too).
INVARIABLE = frozenset(
    """Swiss Dutch French Malagasy Basotho Batswana Motswana Burkinabe Burkinabè
    Beninois Seychellois Manx Lao Thai Martiniquais Monegasque Kyrgyz Turkmen
    Danes Finns Frenchmen Frenchwomen Barthélemois Ni-Vanuatu I-Kiribati
    Liswati Congolese""".split()  # noqa: SIM905
)

# Demonyms that are also a language's name: "in Spanish", "Chinese-speaking"
# and "translated into Vietnamese" speak of the language, not the country.
LANGUAGES = frozenset(
    """Albanian Armenian Bulgarian Burmese Chinese Croatian Czech Danish Dutch
    Estonian Filipino Finnish French Georgian German Greek Haitian Hungarian
    Icelandic Indonesian Irish Italian Japanese Korean Lao Latvian Lithuanian
    Macedonian Malagasy Maltese Mongolian Nepali Norwegian Polish Portuguese
    Romanian Russian Serbian Slovak Slovenian Somali Spanish Swedish Thai
    Turkish Ukrainian Vietnamese""".split()  # noqa: SIM905
)
_LANGUAGE_CONTEXTS = (
    "{} language",
    "{} languages",
    "{}-language",
    "{}-speaking",
    "{} speaker",
    "{} speakers",
    "{} speaking",
    "{} translation",
    "{} translations",
    "{} version",
    "{} versions",
    "{} subtitles",
    "{} classes",
    "{} lessons",
    "{} and English",
    "{} or English",
    "English and {}",
    "English or {}",
    "English, {}",
    "speak {}",
    "speaks {}",
    "spoke {}",
    "spoken {}",
    "in {} and",
    "into {}",
    "learn {}",
    "learning {}",
    "Simplified {}",
    "Traditional {}",
    "Mandarin {}",
)
# "Chinese Americans", "Japanese-American internment": Americans, not the
# country their families came from.
_HERITAGE_CONTEXTS = ("{} American", "{} Americans", "{}-American", "{}-Americans")

# Capitalised words that make a place's name the name of a company, a
# newspaper or an event: "Air France", "Radio Australia", "Japan Airlines",
# "China Daily", "Australian Open". Words like "Bank" are left out: the
# Bank of Japan is Japan's, and so is a "Japan Bank".
BRAND_BEFORE: tuple[str, ...] = ("Air", "Radio", "Team", "Visit", "Miss")
BRAND_AFTER: tuple[str, ...] = (
    "Air",
    "Airlines",
    "Airways",
    "Express",
    "Telecom",
    "Mobile",
    "Daily",
    "Times",
    "Post",
    "Today",
    "Herald",
    "Tribune",
    "Gazette",
    "Television",
    "Télévisions",
    "Open",
    "Grand",
    "Idol",
    "Inc",
    "Ltd",
    "Limited",
    "Corp",
    "Corporation",
    "Holdings",
)


# US states, in full and as the wire services abbreviate them: "Paris,
# Texas," "Lebanon, Pa." and "Moscow, Idaho" are towns, not countries.
# Georgia is left out: "Tbilisi, Georgia" is the country's capital.
US_STATES: tuple[str, ...] = (
    *"""Alabama Alaska Arizona Arkansas California Colorado Connecticut
    Delaware Florida Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky
    Louisiana Maine Maryland Massachusetts Michigan Minnesota Mississippi
    Missouri Montana Nebraska Nevada Ohio Oklahoma Oregon Pennsylvania Tennessee
    Texas Utah Vermont Virginia Washington Wisconsin Wyoming""".split(),  # noqa: SIM905
    "New Hampshire",
    "New Jersey",
    "New Mexico",
    "New York",
    "North Carolina",
    "North Dakota",
    "Rhode Island",
    "South Carolina",
    "South Dakota",
    "West Virginia",
    *"""Ala. Ariz. Ark. Calif. Colo. Conn. Del. Fla. Ill. Ind. Kan. Ky. La. Md.
    Mass. Mich. Minn. Miss. Mo. Mont. Neb. Nev. N.H. N.J. N.M. N.Y. N.C. N.D.
    Okla. Ore. Pa. R.I. S.C. S.D. Tenn. Vt. Va. Wash. W.Va. Wis. Wyo.""".split(),  # noqa: SIM905
)


def place_tagger(terms: Iterable[Term]) -> Tagger:
    """A tagger for ``terms`` with the rules of place names: ``STOP_PHRASES``,
    the brand words and the US states."""
    return Tagger(
        terms,
        stop_phrases=STOP_PHRASES,
        brand_before=BRAND_BEFORE,
        brand_after=BRAND_AFTER,
        regions=US_STATES,
    )


def demonyms(code: str) -> tuple[str, ...]:
    """The demonyms of the country ``code``, each with its plural."""
    return _with_plurals(DEMONYMS.get(code, ()))


def _with_plurals(words: Iterable[str]) -> tuple[str, ...]:
    forms: list[str] = []
    for word in words:
        forms.append(word)
        if word not in INVARIABLE and not word.endswith(("ese", "ish", "ss")):
            forms.append(word + "s")
    return tuple(dict.fromkeys(forms))


def vetoes(code: str) -> tuple[str, ...]:
    """The phrases around ``code``'s names that mean something else.

    Its idioms; for each of its demonyms that is a language, the language's
    contexts; for each demonym, its heritage in another country ("Chinese
    American").
    """
    words = (*DEMONYMS.get(code, ()), *AMBIGUOUS_DEMONYMS.get(code, ()))
    found = list(IDIOMS.get(code, ()))
    for word in words:
        if word in LANGUAGES:
            found += [context.format(word) for context in _LANGUAGE_CONTEXTS]
        if word != "American":
            found += [context.format(word) for context in _HERITAGE_CONTEXTS]
    return tuple(dict.fromkeys(found))


_PARENTHESES = re.compile(r"\s*\([^)]*\)")


def country_terms() -> tuple[Term, ...]:
    """Every ISO 3166 country or territory as a ``place`` term, in ISO order."""
    return _country_terms()


@cache
def _country_terms() -> tuple[Term, ...]:
    terms = []
    for country in pycountry.countries:
        code = country.alpha_2
        name, aliases = NAMES.get(code, (_plain_name(country), ()))
        candidates = [
            name,
            *aliases,
            _plain_name(country),
            _usable(country.name),
            _usable(getattr(country, "official_name", "")),
        ]
        ambiguous, cues = AMBIGUOUS.get(code, ((), ()))
        ambiguous = (*ambiguous, *_with_plurals(AMBIGUOUS_DEMONYMS.get(code, ())))
        phrases: list[str] = []
        for candidate in (*candidates, *demonyms(code)):
            for variant in (candidate, *_saint_variants(candidate)):
                if variant and variant not in phrases and variant not in ambiguous:
                    phrases.append(variant)
        terms.append(
            Term(
                name=name,
                kind="place",
                phrases=tuple(phrases),
                ambiguous=ambiguous,
                cues=cues,
                vetoes=vetoes(code),
            )
        )
    return tuple(terms)


def _plain_name(country) -> str:
    """The common name, else the ISO name without a parenthesis ("Holy See")."""
    name = getattr(country, "common_name", "") or country.name
    return _PARENTHESES.sub("", name).strip()


def _usable(name: str) -> str:
    """``name`` as it would appear in running text, or '' for catalogue forms.

    "Korea, Republic of" and "Taiwan, Province of China" are how ISO sorts
    names, not how anyone writes them.
    """
    name = _PARENTHESES.sub("", name or "").strip()
    if "," in name:
        return ""
    return name.removeprefix("the ")


def _saint_variants(name: str) -> tuple[str, ...]:
    if name.startswith("Saint "):
        rest = name.removeprefix("Saint ")
        return (f"St {rest}", f"St. {rest}")
    return ()
