"""The pure tagger and the ISO 3166 countries: no database.

Every trap here is a word that is also a place (or a place inside a longer
name); each test names the reading a person would give it.
"""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefs.ingest.parsing import ParsedDocument, decode, parse
from briefs.markdown import paragraphs_to_markdown
from briefs.tagging.countries import country_terms, place_tagger
from briefs.tagging.tagger import (
    DocumentTags,
    Tagger,
    Term,
    VocabularyError,
    merge_terms,
    read_vocabulary,
    section_text,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
VOCABULARY = read_vocabulary(SEEDS / "vocabulary.toml")

# The tagger imports use: countries merged with the starter vocabulary.
TAGGER = place_tagger(merge_terms(country_terms(), VOCABULARY))
# Countries alone: cues only confirm, they never tag.
COUNTRIES = place_tagger(country_terms())


def tags(text: str, tagger: Tagger = TAGGER) -> set[str]:
    return set(tagger.tags_for(text))


# Countries from ISO 3166, with their common names ----------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Talks in Taiwan", "Taiwan"),
        ("Talks in Hong Kong", "Hong Kong"),
        ("Talks in South Korea", "South Korea"),
        ("Talks in North Korea", "North Korea"),
        ("Talks with the DPRK", "North Korea"),
        ("Talks in Iran", "Iran"),
        ("Talks in Syria", "Syria"),
        ("Talks in Vietnam", "Vietnam"),
        ("Talks in Viet Nam", "Vietnam"),
        ("Talks in Laos", "Laos"),
        ("Talks in Palestine", "Palestine"),
        ("Talks in Russia", "Russia"),
        ("Talks with the Russian Federation", "Russia"),
        ("Talks in Bolivia", "Bolivia"),
        ("Talks in Tanzania", "Tanzania"),
        ("Talks in Venezuela", "Venezuela"),
        ("Talks in Moldova", "Moldova"),
        ("Talks in Czechia", "Czechia"),
        ("Talks in the Czech Republic", "Czechia"),
        ("Talks in Türkiye", "Türkiye"),
        ("Talks in Ivory Coast", "Côte d'Ivoire"),
        ("Talks in Burma", "Myanmar"),
        ("Talks in the DR Congo", "Democratic Republic of the Congo"),
        ("Talks in the United Kingdom", "United Kingdom"),
        ("Talks in the UK", "United Kingdom"),
        ("Talks in the United States of America", "United States"),
        ("Talks in St Lucia", "Saint Lucia"),
        ("Talks in Mali", "Mali"),
        ("Talks in Peru", "Peru"),
    ],
)
def test_countries_are_recognised_by_their_common_names(text, name):
    assert tags(text, COUNTRIES) == {name}


def test_every_iso_country_is_a_place_term():
    terms = country_terms()
    assert len(terms) == 249
    assert {term.kind for term in terms} == {"place"}
    names = [term.name for term in terms]
    assert len(set(names)) == len(names)
    # Catalogue forms ("Korea, Republic of") are never a tag name.
    assert not [name for name in names if re.search(r", [^,]* of(?: the)?$", name)]
    assert {"South Korea", "Iran", "Bolivia", "Russia"} <= set(names)


# Case -------------------------------------------------------------------------


def test_proper_names_match_only_with_their_capital():
    assert tags("She collects fine china and porcelain.") == set()
    assert tags("China signed the agreement.") == {"China"}
    assert tags("CHINA SIGNED THE AGREEMENT") == set()


def test_lower_case_phrases_match_in_any_case():
    assert "Counter-terrorism" in tags("Terrorism was discussed.")
    assert "Counter-terrorism" in tags("A TERRORISM CONFERENCE")
    assert "Counter-terrorism" in tags("They discussed counter-terrorism.")


def test_us_is_the_united_states_only_in_capitals_and_not_shouted_or_money():
    assert tags("US officials said the talks went well.") == {"United States"}
    assert tags("Let us talk about it.") == set()
    assert tags("TELL US MORE ABOUT IT") == set()
    assert tags("The loan is worth US$5 billion.") == {"Debt"}


def test_a_lower_case_first_letter_may_be_capitalised_at_a_sentence_start():
    tagger = Tagger([Term("al-Qaeda", "organisation", ("al-Qaeda",))])
    assert tags("Al-Qaeda claimed it.", tagger) == {"al-Qaeda"}
    assert tags("Leaders of al-Qaeda met.", tagger) == {"al-Qaeda"}
    assert tags("AL-QAEDA and al-qaeda", tagger) == set()


def test_phrases_match_whole_words_only():
    assert tags("Nigeria held elections.") == {"Nigeria", "Elections"}
    assert tags("Nigeria and Nigerian officials, in Niger's absence") == {"Nigeria"}
    assert tags("The Dominican Republic and Haiti share an island.") == {
        "Dominican Republic",
        "Haiti",
    }
    assert tags("Dominica was hit by a hurricane.") == {"Dominica"}
    assert tags("A passport and supporters") == set()


# Longest match ------------------------------------------------------------------


def test_the_longest_name_wins_where_names_overlap():
    assert tags("Ships sailed in the South China Sea.") == {"South China Sea"}
    assert tags("China patrols the South China Sea.") == {"China", "South China Sea"}
    assert tags("South Sudan gained independence.") == {"South Sudan"}
    assert tags("Sudan and South Sudan met.") == {"Sudan", "South Sudan"}
    assert tags("Papua New Guinea voted.") == {"Papua New Guinea"}
    assert tags("Equatorial Guinea voted.") == {"Equatorial Guinea"}
    assert tags("Guinea-Bissau voted.") == {"Guinea-Bissau"}
    assert "CPEC" in tags("the China-Pakistan Economic Corridor")
    assert "China" not in tags("the China-Pakistan Economic Corridor")


def test_places_inside_other_names_do_not_tag():
    assert tags("Wildfires in New Jersey spread.") == set()
    assert tags("Oil from the Niger Delta reached Lagos.") == set()
    assert tags("Fishing in the Gulf of Guinea") == set()
    assert tags("Guinea pigs and guinea fowl") == set()
    # "Guinean" inside "Papua New Guinean" is no cue for Guinea.
    assert (
        tags("Papua New Guinean troops came. Guinea pledged aid.", COUNTRIES)
        == {"Papua New Guinea"}  # a demonym of its own
    )
    assert tags("Guinean troops came. Guinea pledged aid.", COUNTRIES) == {"Guinea"}
    assert tags("The Indian Ocean is warm.") == {"Indian Ocean"}
    assert "United States" not in tags("Latin American leaders met.")
    assert "Mexico" not in tags("Wildfires in New Mexico")
    assert "Ireland" not in tags("Talks on Northern Ireland")


# Ambiguous country names need a cue ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Chad Smith said the deal was good.",
        "Troops left Chad for the capital.",  # no cue: could be anyone's Chad
        "Michael Jordan scored forty points.",
        "Jordan Peterson spoke at length.",
        "She lives in Atlanta, Georgia.",
        "The Georgia Tech team won.",
        "We ate turkey on Sunday.",
        "Turkey sandwiches were served at lunch.",
        "Guinea pigs are kept as pets.",
        "Niger was mentioned once.",
        "A Jersey cow and a jersey.",
        "The Congo River is long.",
    ],
)
def test_ambiguous_country_names_do_not_tag_without_a_cue(text):
    assert tags(text, COUNTRIES) == set()
    assert not tags(text) & {"Chad", "Jordan", "Georgia", "Türkiye", "Guinea", "Niger"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Troops left Chad for N'Djamena.", "Chad"),
        ("Chad and its Chadian partners agreed.", "Chad"),
        ("Jordan's King Abdullah met the envoy.", "Jordan"),
        ("Officials in Amman said Jordan would help.", "Jordan"),
        ("Georgia's government in Tbilisi resigned.", "Georgia"),
        ("The South Caucasus: Armenia, Georgia and Azerbaijan.", "Georgia"),
        ("Turkey said Ankara would host the talks.", "Türkiye"),
        ("Turkey's President Erdoğan spoke.", "Türkiye"),
        ("Turkey's President Erdogan spoke.", "Türkiye"),
        ("Guinea's junta in Conakry.", "Guinea"),
        ("Niger's junta in Niamey expelled the envoy.", "Niger"),
        ("Jersey's States Assembly in St Helier voted.", "Jersey"),
    ],
)
def test_ambiguous_country_names_tag_with_a_cue(text, name):
    assert name in tags(text, COUNTRIES)


def test_a_cue_alone_never_tags():
    assert tags("The Sahel is dry.", COUNTRIES) == set()
    assert tags("Tbilisi is a city.", COUNTRIES) == set()


def test_a_name_inside_a_longer_name_does_not_tag_even_with_a_cue():
    assert tags("Michael Jordan visited Amman.", COUNTRIES) == set()
    assert tags("Chad Smith flew over the Sahel.", COUNTRIES) == set()
    assert tags("Eastern Chad borders the Sahel.", COUNTRIES) == {"Chad"}


def test_the_starter_vocabulary_adds_unambiguous_phrases_for_ambiguous_countries():
    # Tbilisi and Amman are phrases of those tags in the starter vocabulary.
    assert tags("Talks in Tbilisi ended.") == {"Georgia"}
    assert tags("Talks in Amman ended.") == {"Jordan"}
    assert tags("Türkiye and Turkey are one country.") == {"Türkiye"}


def test_a_cue_anywhere_in_a_document_confirms_the_name_in_every_section():
    found = TAGGER.tag_document(
        title="Sahel talks",
        key_points=[],
        sections=["Envoys met in N'Djamena.", "Chad pledged troops."],
    )
    assert found.sections == (("Chad",), ("Chad",))
    alone = TAGGER.tag_document(
        title="Talks", key_points=[], sections=["Chad pledged troops."]
    )
    assert "Chad" not in alone.brief
    assert alone.sections == ((),)


# Passing mentions in a list count half ---------------------------------------------


def test_a_single_mention_in_a_list_is_a_passing_mention():
    text = "Pakistan backed China's positions on Xinjiang, Xizang, Hong Kong, and the South China Sea."
    assert tags(text) == {"China", "Pakistan"}


def test_two_passing_mentions_in_different_sentences_tag():
    text = (
        "The talks covered trade, investment, and energy. "
        "They also covered energy, water and climate."
    )
    assert "Energy" in tags(text)
    assert "Trade" not in tags(text)


def test_two_phrases_of_one_term_in_the_same_list_are_one_passing_mention():
    text = "They covered information technology, science and technology, and education."
    assert "Technology" not in tags(text)


def test_a_list_that_opens_its_sentence_is_its_subject():
    assert tags("Laos, Vietnam and Syria signed the accord.") == {
        "Laos",
        "Vietnam",
        "Syria",
    }
    assert tags("Talks covered Laos, Vietnam, and Syria.") == set()


def test_a_mention_outside_a_list_counts_fully():
    assert tags("Talks with Iran went well.") == {"Iran"}
    assert tags("China and Pakistan signed an accord.") == {"China", "Pakistan"}
    assert "Counter-terrorism" in tags(
        "They called on the authorities to adopt inclusive policies, focus on "
        "development and prevent terrorist groups from operating."
    )


# Brief and sections ---------------------------------------------------------------


def test_the_brief_carries_the_headline_and_what_runs_through_its_sections():
    found = TAGGER.tag_document(
        title="Ministers meet in Cairo",
        key_points=["Both sides back the deal"],
        sections=[
            "Iran and Iraq discussed the dam.",
            "Iran raised refugees.",
            "Iraq spoke. Iraq spoke again. Iraq spoke a third time.",
        ],
    )
    assert found.sections == (
        ("Iran", "Iraq", "Water"),
        ("Iran", "Migration"),
        ("Iraq",),
    )
    # Egypt from the title; Iran and Iraq from two sections each.
    assert set(found.brief) == {"Egypt", "Iran", "Iraq"}


def test_a_brief_with_one_section_carries_its_tags():
    found = TAGGER.tag_document(
        title="Talks", key_points=[], sections=["Iran raised refugees."]
    )
    assert set(found.brief) == {"Iran", "Migration"}


def test_a_term_that_weighs_three_across_sections_tags_the_brief():
    found = TAGGER.tag_document(
        title="Talks",
        key_points=[],
        sections=[
            "Nothing here.",
            "Kenya spoke. Kenyan officials agreed. Nairobi will host.",
        ],
    )
    assert set(found.brief) == {"Kenya"}


def tag_parsed(doc: ParsedDocument) -> DocumentTags:
    """``doc`` tagged as an import tags it: each section from its Markdown text."""
    return TAGGER.tag_document(
        title=doc.title,
        dateline=doc.dateline,
        key_points=doc.key_points,
        sections=[
            section_text(s.heading, paragraphs_to_markdown(s.paragraphs))
            for s in doc.sections
        ],
    )


def test_the_seed_document_is_tagged_as_a_reader_would():
    text, _ = decode((SEEDS / "000_a6517fdfc5b60d0c.txt").read_bytes())
    doc = parse(text)
    found = tag_parsed(doc)
    sections = {
        s.heading: set(t) for s, t in zip(doc.sections, found.sections, strict=True)
    }
    assert {"China", "Pakistan", "CPEC"} <= set(found.brief)
    assert "CPEC" in sections[""]
    security = sections["Security and counter-terrorism cooperation"]
    assert {"CPEC", "Counter-terrorism", "China", "Pakistan"} <= security
    regional = sections["Regional and global issues"]
    assert {"Afghanistan", "Kashmir", "Gaza", "UN Security Council"} <= regional
    # Passing mentions in lists: "on Xinjiang, Xizang, Hong Kong, and the South
    # China Sea"; "information technology, science and technology, education";
    # "South Asia, Afghanistan, and the Middle East".
    relations = sections["75 years of diplomatic relations"]
    assert not relations & {"Xinjiang", "Tibet", "Hong Kong", "South China Sea"}
    assert "Counter-terrorism" not in relations  # "…, combat terrorism, and …"
    assert not security & {"Technology", "Education", "Agriculture", "Mining"}
    assert not regional & {"South Asia", "Middle East"}
    assert "Afghanistan" not in sections["Broad review of bilateral cooperation"]
    # Nothing a reader would call wrong: no trap or absent country anywhere.
    everything = set(found.brief).union(*sections.values())
    assert not everything & {"Chad", "Jordan", "Georgia", "Türkiye", "United States"}


# Vocabulary file and merging ---------------------------------------------------------


def test_vocabulary_entries_merge_with_countries_of_the_same_name():
    assert tags("Talks in Beijing ended.") == {"China"}
    assert tags("Chinese officials spoke.") == {"China"}
    china = [t for t in TAGGER.terms if t.name == "China"]
    assert len(china) == 1
    assert {"Beijing", "People's Republic of China"} <= set(china[0].phrases)


def test_merging_is_case_insensitive_and_keeps_ambiguous_names_ambiguous():
    merged = merge_terms(
        [Term("Georgia", "place", (), ambiguous=("Georgia",), cues=("Tbilisi",))],
        [Term("georgia", "topic", ("Georgia", "Batumi"))],
    )
    assert merged == (
        Term(
            "Georgia",
            "place",
            ("Batumi",),
            ambiguous=("Georgia",),
            cues=("Tbilisi",),
        ),
    )
    assert tags("Atlanta, Georgia", Tagger(merged)) == set()


def test_the_starter_vocabulary_covers_the_common_ground():
    names = {term.name for term in VOCABULARY}
    assert {
        "Diplomacy",
        "Security",
        "Trade",
        "Investment",
        "Infrastructure",
        "Energy",
        "Climate",
        "Health",
        "Migration",
        "Human rights",
        "Elections",
        "Sanctions",
        "Debt",
        "Finance",
        "Food security",
        "Water",
        "Nuclear",
        "Cyber",
        "United Nations",
        "UN Security Council",
        "World Health Organization",
        "World Trade Organization",
        "IMF",
        "World Bank",
        "NATO",
        "European Union",
        "African Union",
        "ASEAN",
        "Shanghai Cooperation Organisation",
        "BRICS",
        "G7",
        "G20",
        "OPEC",
        "IAEA",
        "OSCE",
        "Gulf Cooperation Council",
        "UNHCR",
        "CPEC",
        "Counter-terrorism",
    } <= names
    kinds = {term.kind for term in VOCABULARY}
    assert kinds <= {"topic", "place", "organisation", "person"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("the China-Pakistan Economic Corridor", "CPEC"),
        ("CPEC 2.0 projects", "CPEC"),
        ("counter-terrorism efforts", "Counter-terrorism"),
        ("zero tolerance for terrorism", "Counter-terrorism"),
        ("the WHO said", "World Health Organization"),
        ("an IMF loan", "IMF"),
        ("the G20 summit", "G20"),
        ("OPEC+ output", "OPEC"),
    ],
)
def test_the_starter_vocabulary_phrases(text, name):
    assert name in tags(text)


def test_a_malformed_vocabulary_is_an_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[term]]\nkind = "topic"\n')
    with pytest.raises(VocabularyError, match="has no name"):
        read_vocabulary(path)
    path.write_text("[[term]\n")
    with pytest.raises(VocabularyError, match="cannot read"):
        read_vocabulary(path)
    path.write_text('[[term]]\nname = "X"\nmatch = "x"\n')
    with pytest.raises(VocabularyError, match="match must be a list"):
        read_vocabulary(path)


# Unicode and text forms ----------------------------------------------------------------


def test_accents_apostrophes_hyphens_and_spaces_are_forgiven():
    assert tags("Talks in Turkiye") == {"Türkiye"}
    assert tags("Talks in Cote d’Ivoire") == {"Côte d'Ivoire"}
    assert tags("Talks in São Tomé and Príncipe") == {"Sao Tome and Principe"}
    assert tags("Talks in Guinea\u2011Bissau") == {"Guinea-Bissau"}
    assert tags("Talks in South\nKorea") == {"South Korea"}
    assert tags("the China–Pakistan Economic Corridor") >= {"CPEC"}


def test_decomposed_unicode_is_the_same_text():
    assert tags("Talks in Tu\u0308rkiye") == {"Türkiye"}
    assert tags("Curac\u0327ao voted") == {"Curaçao"}


def test_names_are_not_found_inside_other_scripts_or_words():
    assert tags("Переговоры в Китае; 中国 and Pakistani") == {"Pakistan"}
    assert tags("Irani and Iranian") == {"Iran"}


def test_section_text_reads_markdown_as_its_plain_text():
    body = paragraphs_to_markdown(["*Iran* and [Iraq] <b>", "# Syria"])
    text = section_text("Heading", body)
    assert "*Iran* and [Iraq] <b>" in text and "# Syria" in text
    assert tags(text) >= {"Iran", "Iraq", "Syria"}


@given(st.text(max_size=300))
def test_tagging_never_crashes_and_only_names_known_terms(text):
    names = {term.name for term in TAGGER.terms}
    assert set(TAGGER.tags_for(text)) <= names
    found = TAGGER.tag_document(title=text, key_points=[text], sections=[text, text])
    assert set(found.brief) <= names
