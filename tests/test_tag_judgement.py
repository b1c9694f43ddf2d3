"""Tags with judgement: vetoes, demonyms, and a brief's own few tags.

Each case names the reading an editor would give the words. The real
documents are tests/fixtures/corpus/ (see its PROVENANCE.tsv), read as the
importer reads them.
"""

import re
from functools import cache
from pathlib import Path

import pycountry
import pytest
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from briefs.ingest.documents import read_document
from briefs.markdown import paragraphs_to_markdown
from briefs.models import Tag, TagPhrase, TagRedirect
from briefs.tagging.countries import (
    AMBIGUOUS_DEMONYMS,
    DEMONYMS,
    country_terms,
    place_tagger,
)
from briefs.tagging.tagger import (
    MAX_BRIEF_TAGS,
    DocumentTags,
    Term,
    VocabularyError,
    read_vocabulary,
    section_text,
)
from briefs.tagging.vocabulary import build_tagger, load_starter_vocabulary
from tests.test_tagging import TAGGER, VOCABULARY, tag_parsed

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
WIRE = ROOT / "tests" / "fixtures" / "wire"
STARTER_FILE = ROOT / "seeds" / "vocabulary.toml"
NAMES = {term.name for term in TAGGER.terms}


def tags(text: str) -> set[str]:
    return set(TAGGER.tags_for(text))


def country(code: str) -> str:
    """The tag name of the ISO 3166 country ``code``."""
    index = [c.alpha_2 for c in pycountry.countries].index(code)
    return country_terms()[index].name


# Vetoes: the wrong-sense matches editors found, and their right senses -----


@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        (
            "Delegates stayed at the Embassy Suites Hotel.",
            "Diplomacy",
            "Delegates met at the embassy.",
        ),
        (
            "The new chairman was much less diplomatic than his predecessor.",
            "Diplomacy",
            "The new chairman opened diplomatic talks.",
        ),
        (
            "Universities were accused of grade inflation.",
            "Finance",
            "Inflation rose to four percent.",
        ),
        (
            "In defence of Keith, he had not seen the email.",
            "Security",
            "Ministers raised defence spending.",
        ),
        (
            "The mayor was declaring war on drugs.",
            "Armed conflict",
            "Russia's war on Ukraine went on.",
        ),
        ("She flew Air France to Dakar.", "France", "She flew to France."),
        (
            "The Trade and Industry Secretary resigned over a loan.",
            "Trade",
            "The two countries signed a trade deal.",
        ),
        (
            "The guide weighs the trade-offs between commercial and custom software.",
            "Trade",
            "Trade between the two countries grew.",
        ),
        (
            "The Federal Trade Commission reviews mergers.",
            "Trade",
            "Tariffs slowed trade.",
        ),
        (
            "Treasury thanked the minister for championing critical minerals sovereignty.",
            "Sovereignty",
            "Both sides respect each other's sovereignty.",
        ),
        (
            "Prices of non-energy imports fell.",
            "Energy",
            "Energy prices fell.",
        ),
    ],
)
def test_a_veto_stops_the_wrong_sense_and_only_that(text, wrong, right):
    assert wrong not in tags(text)
    assert wrong in tags(right)


def test_a_veto_stops_only_its_own_term():
    # "Air France" is no mention of France, but Paris still is.
    assert tags("He flew Air France to Paris.") == {"France"}
    assert tags("She flew Air France.") == set()


@pytest.mark.parametrize(
    "text",
    [
        "Japan Airlines cut flights.",
        "China Daily said so.",
        "The Australian Open began in Melbourne.",
        "Radio Australia reported it.",
        "Visit Britain ran a campaign.",
    ],
)
def test_a_place_name_inside_a_brand_is_not_the_place(text):
    assert not tags(text) & {"Japan", "China", "Australia", "United Kingdom"}


@pytest.mark.parametrize(
    ("town", "country"),
    [
        ("He grew up in Paris, Texas, and left.", "He grew up in Paris and left."),
        ("Police in Lebanon, Pa., said so.", "Police in Lebanon said so."),
        ("They met in Moscow, Idaho.", "They met in Moscow."),
    ],
)
def test_a_town_named_after_a_country_or_capital_is_not_it(town, country):
    assert tags(town) == set()
    assert len(tags(country)) == 1
    # A list of places is no town: "Mexico, Texas and Arizona".
    assert "Mexico" in tags("Mexico, Texas and Arizona signed. Mexico agreed.")


@pytest.mark.parametrize(
    ("county", "country"),
    [
        ("Farmers in Lebanon County sold cows.", "Farmers in Lebanon sold cows."),
        (
            "He toured farms in Lebanon and Lancaster counties.",
            "He toured farms in Lebanon and Lancaster towns.",
        ),
        (
            "Storms hit Lebanon, Clark and Lee counties overnight.",
            "Storms hit Lebanon, Clark and Lee provinces overnight.",
        ),
    ],
)
def test_a_county_named_after_a_country_is_not_it(county, country):
    def named(text: str) -> set[str]:
        return {TAGGER.terms[m.term].name for m in TAGGER.mentions(text)}

    assert "Lebanon" not in named(county)
    assert "Lebanon" in named(country)


def test_a_place_named_as_a_town_once_is_the_town_throughout():
    text = (
        "Police in Moscow, Idaho, searched the house. Moscow police later "
        "said the search was over."
    )
    assert "Russia" not in tags(text)
    # Not a town anywhere: the country.
    assert "Russia" in tags("Officials in Moscow said the search was over.")


def test_a_dateline_town_is_the_town_throughout_its_document():
    doc = read_document(
        "ap_lebanon_pa_drought.txt", (WIRE / "ap_lebanon_pa_drought.txt").read_bytes()
    )
    sections = [
        section_text(s.heading, paragraphs_to_markdown(s.paragraphs))
        for s in doc.sections
    ]
    found = TAGGER.tag_document(
        title=doc.title,
        key_points=doc.key_points,
        sections=sections,
        dateline=doc.dateline,
    )
    assert "Lebanon" not in found.brief
    assert "Lebanon" not in found.sections[0]
    assert "Agriculture" in found.brief
    # Without the dateline, "Lebanon auction barn" reads as the country.
    alone = TAGGER.tag_document(
        title=doc.title, key_points=doc.key_points, sections=sections
    )
    assert "Lebanon" in alone.sections[0]


def test_a_beach_town_and_a_gulf_are_not_the_country_they_are_named_for():
    doc = read_document(
        "ap_mexico_beach.txt", (WIRE / "ap_mexico_beach.txt").read_bytes()
    )
    found = tag_parsed(doc)
    assert "Mexico" not in found.brief
    assert all("Mexico" not in section for section in found.sections)
    assert "Mexico" in tags("Mexico raised tariffs on steel. Mexico City agreed.")


def test_a_treaty_named_for_a_city_is_not_its_country():
    assert "France" not in tags("The 1991 Paris Peace Accords ended the war.")
    assert tags("The Paris Agreement on climate") == {"Climate"}


def test_words_in_web_addresses_and_link_targets_are_not_mentions():
    text = (
        "Reactions came in ([source](https://example.org/iran-ceasefire-trade)) "
        "and at www.example.org/sanctions-on-iran today."
    )
    assert tags(text) == set()
    assert tags("[Iran and the ceasefire](https://example.org/x)") == {
        "Iran",
        "Ceasefire",
    }


def test_vetoes_follow_the_case_rules_of_phrases():
    tagger = place_tagger(
        [Term("Diplomacy", "topic", ("embassy",), vetoes=("Embassy Suites",))]
    )
    assert tagger.tags_for("The Embassy Suites hotel was full.") == ()
    # A capitalised veto is a name: the lower-case words are not it.
    assert tagger.tags_for("They toured the embassy suites.") == ("Diplomacy",)


def test_a_malformed_veto_list_is_an_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[term]]\nname = "X"\nveto = "x y"\n')
    with pytest.raises(VocabularyError, match="veto must be a list"):
        read_vocabulary(path)


def test_the_starter_vocabulary_carries_the_known_vetoes():
    vetoes = {term.name: set(term.vetoes) for term in VOCABULARY}
    assert "Embassy Suites" in vetoes["Diplomacy"]
    assert "war on drugs" in vetoes["Armed conflict"]
    assert "grade inflation" in vetoes["Finance"]
    assert "Trade and Industry" in vetoes["Trade"]
    assert "in defence of" in vetoes["Security"]


# Demonyms -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Australian officials met.", "Australia"),
        ("Australians voted on Saturday.", "Australia"),
        ("Pakistani troops moved.", "Pakistan"),
        ("Chinese officials spoke.", "China"),
        ("Iranian drones were seen.", "Iran"),
        ("Japanese officials agreed.", "Japan"),
        ("Cambodian police arrested him.", "Cambodia"),
        ("Mexican cartels were named.", "Mexico"),
        ("British ministers agreed.", "United Kingdom"),
        ("German officials agreed.", "Germany"),
        ("Filipino workers returned.", "Philippines"),
        ("Ivorian cocoa prices rose.", "Côte d'Ivoire"),
    ],
)
def test_demonyms_tag_their_country(text, name):
    assert tags(text) == {name}


def test_every_countrys_demonyms_tag_it():
    missed = []
    for code, words in DEMONYMS.items():
        for word in words:
            if country(code) not in tags(f"Talks: {word} officials spoke."):
                missed.append((code, word))
    assert missed == []
    # Every country has its entry, if only to say it has no demonym.
    assert set(DEMONYMS) == {c.alpha_2 for c in pycountry.countries}
    assert sum(len(words) > 0 for words in DEMONYMS.values()) >= 220


@pytest.mark.parametrize(
    ("alone", "with_country", "name"),
    [
        (
            "American officials said so.",
            "American officials said so in Washington.",
            "United States",
        ),
        (
            "Indian officials said so.",
            "Indian officials said so in New Delhi.",
            "India",
        ),
        (
            "Korean officials said so.",
            "Korean officials said so in Seoul.",
            "South Korea",
        ),
        (
            "Georgian officials said so.",
            "Georgian officials said so in Tbilisi.",
            "Georgia",
        ),
    ],
)
def test_ambiguous_demonyms_tag_only_with_their_country_named(
    alone, with_country, name
):
    assert name not in tags(alone)
    assert name in tags(with_country)


def test_ambiguous_demonyms_are_listed_for_their_countries():
    assert AMBIGUOUS_DEMONYMS["US"] == ("American",)
    assert "American" not in DEMONYMS["US"]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        (
            "The leaflet is printed in Spanish and English. Spain paid for it.",
            "Spanish",
        ),
        ("Spanish-speaking families in Spain applied.", "Spanish"),
        ("Chinese Americans in San Francisco watched China's parade.", "Chinese"),
        ("Japanese-American internment was discussed in Japan.", "Japanese"),
        ("American Indian tribes met officials from India.", "Indian"),
        ("They ate French fries in France.", "French"),
        ("A German shepherd guarded a farm in Germany.", "German"),
    ],
)
def test_a_demonym_that_means_a_language_or_another_people_is_no_mention(text, word):
    found = TAGGER.tag_document(title="Notes", key_points=[], sections=[text])
    # The country is named too, and tags: the demonym is not among its reasons.
    assert len(found.sections[0]) == 1
    assert f"“{word}”" not in found.why(found.sections[0][0], section=0)
    assert tags(re.sub(rf"\b{word}\b", "Other", text)) == tags(text)


# A brief's own tags -----------------------------------------------------------------


def long_section(
    subject: str, topic: str, passing: list[str], sentences: int = 24
) -> str:
    """A section about ``subject`` and ``topic``, naming each of ``passing`` once."""
    lines = [
        f"{subject} held talks on the {topic} again."
        if n % 3 == 0
        else f"Line {n} says more."
        for n in range(sentences)
    ]
    for n, name in enumerate(passing):
        lines[3 * n + 1] = f"Officials also mentioned {name} in passing."
    return " ".join(lines)


def test_a_one_section_brief_gets_the_few_tags_it_is_about():
    incidental = ["Chile", "Peru", "Norway", "Austria", "Ghana", "Fiji", "terrorism"]
    found = TAGGER.tag_document(
        title="Talks continue",
        key_points=[],
        sections=[long_section("Kenya", "election", incidental)],
    )
    assert set(found.brief) == {"Kenya", "Elections"}
    # The section keeps its own tags, the passing ones too: each has evidence there.
    assert {"Chile", "Peru", "Norway", "Counter-terrorism"} <= set(found.sections[0])
    assert len(found.sections[0]) == 9


def test_in_a_short_brief_a_single_mention_counts():
    found = TAGGER.tag_document(
        title="Talks", key_points=[], sections=["Iran and Iraq discussed the dam."]
    )
    assert set(found.brief) == {"Iran", "Iraq", "Water"}


def test_a_brief_has_at_most_the_capped_number_of_tags():
    names = ["Kenya", "Chile", "Peru", "Norway", "Austria", "Ghana", "Fiji", "Nepal"]
    sections = [f"{name} spoke. {name} agreed. {name} signed." for name in names]
    found = TAGGER.tag_document(title="Summit", key_points=[], sections=sections)
    assert len(found.brief) == MAX_BRIEF_TAGS == 5
    assert len(found.candidates) == len(names)
    # Equal weights: the first named come first.
    assert list(found.brief) == names[:MAX_BRIEF_TAGS]


def test_the_title_outranks_the_body_and_key_points_weigh_more():
    body = "Chile spoke. Chile agreed. Chile signed. Chile left. Peru spoke once."
    found = TAGGER.tag_document(
        title="Peru and the talks", key_points=["Ghana hosted."], sections=[body]
    )
    assert found.brief[0] == "Peru"
    weights = {p.name: p.weight for p in found.candidates}
    assert weights["Ghana"] == 2.0  # a key point, nothing else
    assert weights["Peru"] == 4.0  # the title (3) and one sentence


def test_a_term_far_lighter_than_the_main_one_is_not_a_brief_tag():
    body = " ".join(
        ["Iran spoke."] * 20 + ["Iraq spoke.", "Iraq agreed.", "Iraq left."]
    )
    found = TAGGER.tag_document(title="Notes", key_points=[], sections=[body])
    assert found.brief == ("Iran",)
    assert "Iraq" in found.sections[0]


def test_every_proposal_says_why():
    found = TAGGER.tag_document(
        title="Kenya votes",
        key_points=["Kenyans queue for hours"],
        sections=["Voters in Nairobi queued. Kenya counted."],
    )
    assert found.brief[0] == "Kenya"
    why = found.why("kenya")
    assert why.startswith("title: “Kenya”; key point 1: “Kenyans”; section 1:")
    assert "“Nairobi”" in why and "“Kenya”" in why
    assert found.why("Kenya", section=0) == "section 1: “Nairobi”, “Kenya”"
    assert found.why("Peru") == ""
    places = {m.place for p in found.brief_reasons for m in p.matches}
    assert places == {"title", "key point 1", "section 1"}


def test_the_seed_document_keeps_its_subjects_as_brief_tags():
    path = ROOT / "seeds" / "000_a6517fdfc5b60d0c.txt"
    found = tag_file(path)
    assert {"China", "Pakistan", "CPEC"} <= set(found.brief)
    assert len(found.brief) <= MAX_BRIEF_TAGS
    assert not set(found.brief) & {"Taiwan", "Afghanistan", "United Nations", "Trade"}


# Real documents ------------------------------------------------------------------------


@cache
def tag_file(path: Path) -> DocumentTags:
    """The file at ``path`` read and tagged as the importer reads and tags it."""
    return tag_parsed(read_document(path.name, path.read_bytes()))


# For each document: brief tags an editor expects, and tags that would be
# wrong there (a wrong sense, or a passing mention promoted to the brief).
REAL_DOCUMENTS = {
    "502_18f_derisking-guide-update.md": (set(), {"Trade"}),
    "503_18f_tanf-data-portal.md": (set(), {"Trade"}),
    "507_crs_if13200-exchange-stabilization-fund.md": (
        {"Finance", "IMF"},
        {"Liberia", "Sudan", "Brazil", "Health", "Elections"},
    ),
    "508_crs_in12678-us-iran-ceasefire.md": (
        {"Iran", "Ceasefire"},
        {"Kuwait", "Oman", "Russia", "China", "Hezbollah", "European Union"},
    ),
    "509_crs_in12614-copper-tariffs.md": (
        {"Trade"},
        {"South Korea", "Japan", "United Kingdom", "Sanctions", "Energy"},
    ),
    "510_crs_if10491-australia.md": (
        {"Australia", "China"},
        {"Germany", "Canada", "Health", "Climate", "Cyber", "New Zealand", "India"},
    ),
    "511_fed_fomc-statement-20160921.txt": (
        {"Finance"},
        {"Energy", "Trade", "Investment", "Debt"},
    ),
    "524_treasury_iran-procurement-sanctions.md": (
        {"Iran", "Sanctions"},
        {"Germany", "Portugal", "Uruguay", "Türkiye", "Technology"},
    ),
    "525_treasury_sinaloa-fentanyl-sanctions.md": (
        {"Sanctions", "Mexico"},
        {"Agriculture"},
    ),
    "527_treasury_readout-japan-finance-minister.md": ({"Japan"}, {"Sovereignty"}),
    "528_treasury_remarks-economic-club-minnesota.md": (
        {"Investment", "Trade"},
        {"China", "Health", "Migration"},
    ),
    "530_voa_cambodia-blocks-news-sites.md": (
        {"Cambodia", "Elections"},
        {"Malaysia", "Investment"},
    ),
    "531_voa_cambodia-spoiled-ballots.md": ({"Cambodia", "Elections"}, set()),
    "532_voa_cambodia-rights-groups.md": (
        {"Cambodia", "Elections", "Human rights"},
        {"France", "Japan", "European Union", "United States"},
    ),
    "534_crs_lsb11418-hsr-merger-review.md": (set(), {"Trade"}),
}


@pytest.mark.parametrize("name", sorted(REAL_DOCUMENTS))
def test_real_documents_get_the_brief_tags_an_editor_would_give(name):
    expected, wrong = REAL_DOCUMENTS[name]
    found = tag_file(CORPUS / name)
    assert expected <= set(found.brief)
    assert not wrong & set(found.brief)
    assert len(found.brief) <= MAX_BRIEF_TAGS


def test_no_real_document_has_a_wrong_sense_tag_anywhere():
    """The wrong senses found in the corpus stay out of sections too."""
    for name in ("502_18f_derisking-guide-update.md", "503_18f_tanf-data-portal.md"):
        found = tag_file(CORPUS / name)
        assert "Trade" not in {t for s in found.sections for t in s}  # trade-offs
    found = tag_file(CORPUS / "534_crs_lsb11418-hsr-merger-review.md")
    assert "Trade" not in {t for s in found.sections for t in s}  # the FTC
    found = tag_file(CORPUS / "532_voa_cambodia-rights-groups.md")
    assert "France" not in found.sections[0]  # the Paris Peace Accords
    found = tag_file(CORPUS / "511_fed_fomc-statement-20160921.txt")
    assert "non-energy" not in found.why("Energy", section=0)


def test_demonyms_count_in_real_documents():
    found = tag_file(CORPUS / "530_voa_cambodia-blocks-news-sites.md")
    assert "“Cambodian”" in found.why("Cambodia")
    found = tag_file(CORPUS / "510_crs_if10491-australia.md")
    assert "“Australian”" in found.why("Australia")


def test_real_documents_section_tags_have_evidence_in_their_section():
    for path in sorted(CORPUS.glob("5*")):
        if path.suffix not in {".md", ".txt", ".html", ".docx"}:
            continue
        try:
            found = tag_file(path)
        except ValueError:
            continue  # a document that cannot become a brief (504 has no body)
        for number, proposals in enumerate(found.section_reasons, start=1):
            for proposal in proposals:
                assert {m.place for m in proposal.matches} == {f"section {number}"}
        assert len(found.brief) <= MAX_BRIEF_TAGS


# The database-built tagger ----------------------------------------------------------------


def test_the_database_tagger_takes_its_vetoes_from_the_database(db, tmp_path):
    diplomacy = Tag.objects.create(name="Diplomacy")
    TagPhrase.objects.create(tag=diplomacy, phrase="embassy")
    assert build_tagger().tags_for("They met at the embassy.") == ("Diplomacy",)
    TagPhrase.objects.create(tag=diplomacy, phrase="the embassy", veto=True)
    tagger = build_tagger()
    assert tagger.tags_for("They met at the embassy.") == ()
    assert tagger.tags_for("They met at an embassy.") == ("Diplomacy",)
    # The starter file is not read when tagging: only what is in the database counts.
    with override_settings(NEWSROOM_VOCABULARY_FILE=tmp_path / "missing.toml"):
        assert build_tagger().tags_for("They met at the embassy.") == ()
        # The countries' own vetoes are code, not data.
        assert build_tagger().tags_for("They ate French fries.") == ()
    # A renamed tag keeps its vetoes.
    diplomacy.name = "Foreign affairs"
    diplomacy.save()
    TagRedirect.objects.create(old_slug="diplomacy", tag=diplomacy)
    tagger = build_tagger()
    assert tagger.tags_for("They met at the embassy.") == ()
    assert tagger.tags_for("They met at an embassy.") == ("Foreign affairs",)


def test_a_veto_on_a_country_tag_counts_for_the_country(db):
    france = Tag.objects.create(name="France", kind=Tag.Kind.PLACE)
    assert build_tagger().tags_for("Lunch at France Café.") == ("France",)
    TagPhrase.objects.create(tag=france, phrase="France Café", veto=True)
    tagger = build_tagger()
    assert tagger.tags_for("Lunch at France Café.") == ()
    assert tagger.tags_for("Lunch in France.") == ("France",)
    # A tag with vetoes only, and nothing to match, proposes nothing.
    orphan = Tag.objects.create(name="Orphan")
    TagPhrase.objects.create(tag=orphan, phrase="Orphan Black", veto=True)
    assert "Orphan" not in build_tagger().kinds


def test_starter_vocabulary_load_makes_veto_rows(db):
    loaded = load_starter_vocabulary()
    vetoes = {(t.name, v) for t in read_vocabulary(STARTER_FILE) for v in t.vetoes}
    rows = set(TagPhrase.objects.filter(veto=True).values_list("tag__name", "phrase"))
    assert rows == vetoes
    assert loaded.vetoes_added == len(vetoes) > 0
    assert build_tagger().tags_for("We stayed at the Embassy Suites Hotel.") == ()
    # An editor's veto row alone is no vocabulary: the starter still loads.
    TagPhrase.objects.all().delete()
    TagPhrase.objects.create(
        tag=Tag.objects.get(name="Diplomacy"), phrase="Embassy Row", veto=True
    )
    assert load_starter_vocabulary() is not None
    # Once loaded, it does not load again.
    assert load_starter_vocabulary() is None


# Never crashes -------------------------------------------------------------------------------

WORDS = [
    "Air",
    "France",
    "Embassy",
    "Suites",
    "embassy",
    "war",
    "on",
    "drugs",
    "grade",
    "inflation",
    "Australian",
    "American",
    "Indian",
    "Spanish",
    "speaking",
    "non-energy",
    "Chad",
    "N'Djamena",
    "trade-offs",
    "Trade",
    "and",
    "Industry",
    "https://x.org/iran",
    "](",
    ")",
    "Iran",
    ",",
    ".",
    "\n",
    "U.S.",
    "Korean",
    "Seoul",
]


@settings(max_examples=200, deadline=None)
@given(
    title=st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join),
    key_points=st.lists(st.text(max_size=40), max_size=3),
    sections=st.lists(
        st.one_of(
            st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join),
            st.text(max_size=200),
        ),
        max_size=4,
    ),
)
def test_tagging_never_crashes_and_names_only_known_terms(title, key_points, sections):
    found = TAGGER.tag_document(title=title, key_points=key_points, sections=sections)
    assert set(found.brief) <= NAMES
    assert len(found.brief) <= MAX_BRIEF_TAGS
    assert len(found.sections) == len(sections)
    for tags_of_section in found.sections:
        assert set(tags_of_section) <= NAMES
    candidates = {proposal.name for proposal in found.candidates}
    assert set(found.brief) <= candidates
    for proposal in found.brief_reasons:
        assert proposal.matches and proposal.reason()
    assert found == TAGGER.tag_document(
        title=title, key_points=key_points, sections=sections
    )
