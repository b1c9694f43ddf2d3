"""Countries and territories as tagging terms, from ISO 3166 (pycountry). Plain Python.

Each country becomes a ``place`` term named as readers know it ("Russia",
"South Korea", "Vietnam"), matching its ISO name, its official name and the
common aliases listed here ("Czech Republic", "Burma", "UK").

Some country names are also ordinary words or names: Chad the person,
Jordan the basketball player, Georgia the US state, turkey the bird. Those
names are ``ambiguous``: they tag only when the same document also has one
of the country's ``cues`` (a capital, a demonym, a leader) or one of its
unambiguous phrases, and never as part of a longer capitalised name
("Chad Smith", "Michael Jordan"; see ``briefs.tagging.tagger``). ``STOP_PHRASES``
are longer names that contain a country's name but mean something else
("Papua New Guinean", "Niger Delta", "New Jersey"); they are matched and then
ignored, so the shorter name inside them never tags.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry

from briefs.tagging.tagger import Term

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
    "Papua New Guinean",
    "Equatorial Guinean",
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
    "Northern Ireland",
    "Indian Ocean",
    "Latin America",
    "Latin American",
    "South America",
    "South American",
    "Central America",
    "Central American",
    "North America",
    "North American",
    "Washington Post",
    "Washington State",
    "Washington state",
    "George Washington",
    "British Columbia",
)

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
        phrases: list[str] = []
        for candidate in candidates:
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
