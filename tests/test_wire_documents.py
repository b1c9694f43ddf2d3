"""Wire copy, releases and Markdown exports as newsrooms receive them.

Each document in tests/fixtures/wire/ (see its PROVENANCE.md) was written for
these tests in the style of a real kind, and is read as the importer reads it.
"""

import datetime as dt
from pathlib import Path

import pytest

from briefs.ingest.bylines import byline_names
from briefs.ingest.documents import read_document
from briefs.ingest.parsing import ParsedDocument, parse
from briefs.ingest.parsing.titles import _title_from
from briefs.markdown import render_markdown
from tests.test_parsing import output_text, words
from tests.test_tagging import tag_parsed

WIRE = Path(__file__).resolve().parent / "fixtures" / "wire"


def read(name: str) -> ParsedDocument:
    return read_document(name, (WIRE / name).read_bytes())


def headings(doc: ParsedDocument) -> list[str]:
    return [section.heading for section in doc.sections]


def words_lost(name: str, doc: ParsedDocument) -> set[str]:
    return set(words((WIRE / name).read_text()) - words(output_text(doc)))


# An old AP header: id, transmission line, slug line, slug, headline, byline ------


@pytest.mark.parametrize(
    ("name", "title", "dateline", "byline", "header", "lead"),
    [
        (
            "ap_slug_header.txt",
            "Floodwaters Force Hundreds From Homes in East Texas",
            "LIBERTY, Texas (AP)",
            "MARIA LOPEZ",
            (
                "AP900412-0091",
                "AP-NR-04-12-90 1512EDT",
                "u i AM-Flood-Texas 04-12 0398",
                "AM-Flood-Texas,0411",
                "Associated Press Writer",
            ),
            "Floodwaters from the swollen Trinity River",
        ),
        (
            "ap_slug_header_wrapped.txt",
            "Coffee Prices Fall on Brazil Harvest Reports",
            "NEW YORK (AP)",
            "TOM HARRIS",
            (
                "AP900412-0117",
                "AP-NR-04-12-90 1745EDT",
                "r f PM-Coffee-Prices 04-12 0301",
                "PM-Coffee-Prices,0309",
                "AP Business Writer",
            ),
            "Coffee futures fell sharply Thursday",
        ),
    ],
)
def test_an_ap_header_with_a_slug_line_is_set_apart_from_the_story(
    name, title, dateline, byline, header, lead
):
    doc = read(name)
    assert doc.title == title
    assert doc.dateline == dateline
    assert doc.byline == byline
    assert headings(doc) == [""]
    assert doc.set_apart == header
    assert doc.paragraphs[0].startswith(lead)
    assert not any(line in output_text_of_body(doc) for line in header)
    assert words_lost(name, doc) == {"by"}  # "By" opens the byline


def output_text_of_body(doc: ParsedDocument) -> str:
    return "\n".join(doc.paragraphs)


@pytest.mark.parametrize(
    "slug_line",
    [
        "r a PM-Drugs 09-11 0412",
        "u i BC-Iran-Talks 1stLd-Writethru 04-12 0650",
        "b w Flood-Texas 04-12 0398",
        "a0411 r a AM-Gilbert 09-14 0512",
    ],
)
def test_a_wire_slug_line_stands_on_its_own_before_the_headline(slug_line):
    text = (
        f"AP880911-0016\n{slug_line}\nBolivia Steps Up Drug Raids\nBy JOHN RICE\n\n"
        "LA PAZ, Bolivia (AP) _ Bolivian police raided three cocaine laboratories"
        " this weekend, officials said Sunday.\n\nFourteen people were arrested.\n"
    )
    doc = parse(text)
    assert doc.title == "Bolivia Steps Up Drug Raids"
    assert doc.dateline == "LA PAZ, Bolivia (AP)"
    assert slug_line in doc.set_apart
    assert headings(doc) == [""]


def test_a_sentence_wrapped_onto_a_line_with_small_letters_still_goes_on():
    text = (
        "Police said the raid took place\nr a few miles from the border on Sunday"
        " and that 14 people were arrested.\n\nMore raids are planned.\n"
    )
    doc = parse(text)
    assert doc.paragraphs[0].startswith("Police said the raid took place r a few")


# The front of a fact sheet: the issuer, and a label over no list ---------------


def test_an_issuer_line_under_the_headline_is_attribution_not_a_heading():
    doc = read("wh_fact_sheet.txt")
    assert doc.title == (
        "FACT SHEET: Administration Announces Steps to Protect Drinking Water"
    )
    assert headings(doc) == ["", "Replacing Lead Pipes", "Testing in Schools"]
    assert "The White House" in doc.set_apart
    assert doc.paragraphs[0].startswith("Today, the Administration")


def test_a_key_points_label_over_no_list_is_set_apart_not_body_text():
    doc = read("wh_fact_sheet.txt")
    assert doc.key_points == ()
    assert "Key Highlights" in doc.set_apart
    assert not any("Key Highlights" in p for p in doc.paragraphs)
    # The lists stay lists in their sections.
    assert doc.sections[0].paragraphs[-1].startswith("- $3 billion")
    assert words_lost("wh_fact_sheet.txt", doc) == set()


def test_a_key_highlights_label_over_a_list_gives_the_key_points():
    doc = parse(
        "Drought package announced\n\nKey Highlights\n- Grants of $10,000\n"
        "- Cheaper loans\n\nThe package was announced today by the minister.\n"
    )
    assert doc.key_points == ("Grants of $10,000", "Cheaper loans")
    assert "Key Highlights" not in output_text(doc)


# Raw HTML in Markdown ------------------------------------------------------------


def test_raw_html_in_markdown_is_never_a_heading_and_loses_no_text():
    doc = read("html_embeds.md")
    assert headings(doc) == [""]
    paragraphs = doc.paragraphs
    embed = next(p for p in paragraphs if "We will rebuild the bridge" in p)
    assert embed.startswith('<blockquote class="twitter-tweet">')
    # Not rendered: readers see the markup as text, not a quotation.
    assert "&lt;blockquote" in render_markdown(embed)
    assert "<blockquote" not in render_markdown(embed)
    # An image is its alt text, as a Markdown image is.
    assert "Chart of bridge repair costs by year" in paragraphs
    # An iframe has no text to show: set apart, not dropped.
    assert doc.set_apart == (
        '<iframe src="https://www.youtube.com/embed/abc123" width="560"'
        ' height="315"></iframe>',
    )
    # Only markup goes: the front matter's key, the tags the renderer drops,
    # the image's attribute names and file name ("bridge-costs.png").
    lost = {"title", "p", "img", "src", "alt", "bridge", "costs", "png"}
    assert words_lost("html_embeds.md", doc) == lost


def test_an_image_without_alt_text_is_set_apart():
    doc = parse(
        "The council met on Tuesday to approve the repairs.\n\n"
        "<img src=x onerror=alert(1)>\n\nThe work starts in May.\n",
        markdown=True,
    )
    assert doc.set_apart == ("<img src=x onerror=alert(1)>",)
    assert doc.paragraphs == (
        "The council met on Tuesday to approve the repairs.",
        "The work starts in May.",
    )


# A short brief's tags: list and table lines are not sentences -------------------


def test_table_rows_and_list_items_do_not_take_a_short_briefs_tags():
    with_table = read("schools_with_table.md")
    text = (WIRE / "schools_with_table.md").read_text()
    story_only = "\n".join(
        line for line in text.split("\n") if not line.startswith(("- ", "| "))
    )
    without = read_document("schools.md", story_only.encode())
    assert with_table.sections[1].paragraphs[1].startswith("- Region | Counsellors")
    tags = tag_parsed(with_table).brief
    assert {"New Zealand", "Education"} <= set(tags)
    assert tags == tag_parsed(without).brief


# A title from a lead with an attribution in the middle --------------------------


def test_a_mid_sentence_attribution_and_what_follows_leave_the_title():
    doc = read("statehouse_lead.txt")
    assert doc.title == (
        "The state will ask lawmakers for an extra $150 million to repair aging"
        " school buildings"
    )
    # The lead stays whole in the body.
    assert doc.paragraphs[0].endswith(
        ", the state treasurer said Monday, as districts across the state report"
        " leaking roofs and broken boilers."
    )


@pytest.mark.parametrize(
    "lead",
    [
        # Before the attribution the sentence has no main clause yet.
        "Despite opposition from farmers in the north and the south, the minister"
        " said Monday, the plan would go ahead.",
        # Too short to stand as a headline.
        "The plan, the minister said Monday, will go ahead next year despite opposition.",
    ],
)
def test_an_attribution_is_kept_where_what_comes_before_is_no_headline(lead):
    assert _title_from(lead) == lead.rstrip(".")


# A release's date line -----------------------------------------------------------


def test_a_release_date_line_is_its_published_date():
    doc = read("minister_release.txt")
    assert doc.published == dt.date(2024, 6, 14)
    assert "14 June 2024" in doc.set_apart
    assert doc.title == "New water rebates for dairy farmers"


def test_a_published_field_wins_over_a_date_line():
    text = (WIRE / "minister_release.txt").read_text()
    doc = parse(f"Published: 2024-06-13\n\n{text}")
    assert doc.published == dt.date(2024, 6, 13)


# A minister's release and transcript: office lines are attribution -------------


def test_a_ministers_portfolio_lines_are_attribution_not_the_title():
    doc = read("minister_portfolio_release.txt")
    assert doc.title == "$48 million to help farmers prepare for drought"
    assert headings(doc) == [""]
    assert {
        "The Hon Jane Harlow MP",
        "Minister for Agriculture, Fisheries and Forestry",
        "Minister for Small Business",
    } <= set(doc.set_apart)
    assert len(doc.key_points) == 3
    assert words_lost("minister_portfolio_release.txt", doc) <= {"key", "points"}


@pytest.mark.parametrize(
    "line",
    [
        "Minister for Infrastructure, Transport, Regional Development and Local"
        " Government",
        "Assistant Minister for Health and Aged Care",
        "Shadow Minister for Finance",
        "Treasurer",
        "Attorney-General",
        "The Hon. Jim Chalmers MP",
        "Senator Penny Wong",
    ],
)
def test_an_office_holder_line_over_a_release_is_never_its_title(line):
    doc = parse(
        f"{line}\n\nNew rules for road funding\n\nThe Government will change how"
        " road funding is shared with the states, the minister said today.\n"
    )
    assert doc.title == "New rules for road funding"
    assert line in doc.set_apart


def test_a_transcript_without_a_headline_is_titled_from_its_header_lines():
    # What it records, then where: the job title is attribution, never the title.
    doc = read("doorstop_transcript.txt")
    assert doc.title == "Doorstop interview, Townsville, Queensland"
    assert (
        "Minister for Infrastructure, Transport, Regional Development and Local"
        " Government" in doc.set_apart
    )
    assert doc.paragraphs[0].startswith("SUBJECTS:")
    assert not words_lost("doorstop_transcript.txt", doc)


def test_a_transcript_with_a_headline_keeps_it():
    doc = parse(
        "TRANSCRIPT\n\nDOORSTOP INTERVIEW\n\nHighway upgrade to start in April\n\n"
        "JOURNALIST: When does work start?\n\nMINISTER: In April, and it will take"
        " two years to finish.\n"
    )
    assert doc.title == "Highway upgrade to start in April"


# Subheads: bold over a list, in quotation marks ----------------------------------


def test_a_bold_line_over_a_list_is_a_heading_in_a_web_page():
    doc = read("wh_statement_bold_subheads.html")
    assert headings(doc) == [
        "",
        "Federal support now under way",
        "How residents can get help",
    ]
    assert (
        doc.sections[1].paragraphs[0].startswith("- The U.S. Army Corps of Engineers")
    )


def test_a_lead_in_sentence_over_a_list_stays_text():
    doc = parse(
        "Drought package announced\n\nThe Government will spend $48 million on"
        " drought preparation, the minister said today.\n\nThe package includes:\n"
        "- water grants\n- regional plans\n\nApplications open in April, the"
        " department said.\n"
    )
    assert headings(doc) == [""]
    assert "The package includes:" in doc.paragraphs


def test_a_subhead_in_quotation_marks_is_a_heading():
    doc = read("bbc_quoted_subhead.txt")
    assert headings(doc) == ["", "'Another blow'", "What went wrong?"]
    assert not words_lost("bbc_quoted_subhead.txt", doc)


def test_a_quoted_sentence_on_its_own_line_is_not_a_heading():
    doc = parse(
        "Ferry delayed again\n\nThe new ferry will not sail until 2027, the"
        " shipbuilder said.\n\n'We are not surprised.'\n\nIslanders said the delay"
        " would hurt hotels and shops across the island this summer.\n"
    )
    assert headings(doc) == [""]


# Titles from wire leads: attribution by data and decisions -----------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        (
            "reuters_data_showed.txt",
            "Brazil's soybean exports hit a record for the month of March as farmers"
            " rushed to ship a bumper crop before new Chinese port inspections take"
            " effect",
        ),
        (
            "ap_commissioners_decided.txt",
            "A northeast Texas county will spend $1.1 million to replace the roof of"
            " its 1917 courthouse after a hailstorm last spring",
        ),
    ],
)
def test_a_closing_finding_or_decision_leaves_a_wire_title(name, title):
    doc = read(name)
    assert doc.title == title
    assert not words_lost(name, doc)


def test_a_clause_that_reports_what_was_found_stays_in_the_title():
    lead = (
        "A man was found dead in a park near the river on Tuesday, and police found"
        " two more bodies."
    )
    assert _title_from(lead) == lead.rstrip(".")


# A speech's delivery note, and author handles -------------------------------------


def test_a_delivery_note_is_set_apart_not_the_summary():
    doc = read("treasury_remarks_as_prepared.md")
    assert doc.summary == ""
    assert "*As Prepared for Delivery*" in doc.set_apart
    assert doc.paragraphs[0].startswith("Thank you, Director Smith")


def test_front_matter_author_handles_read_as_names():
    doc = read("blog_author_handles.md")
    assert doc.authors == ("Amanda Costa", "Jeff Maher")
    assert doc.byline == "Amanda Costa and Jeff Maher"


# Issue 14, third review: statements, proclamations, bylines, pages ----------


def test_a_long_headline_over_an_issuer_and_a_date_is_the_title():
    # Seventeen words and no full stop: a sentence by length, a headline by
    # what follows it ("The White House", the date, the site's section).
    doc = read("wh_statement_long_headline.txt")
    assert doc.title == (
        "Statement from President Martin Hale on the Passage of the Native "
        "American Language Resource Center Act"
    )
    assert headings(doc) == [""]
    assert doc.paragraphs[0].startswith("Today, I signed into law")
    assert doc.set_apart[:3] == (
        "The White House",
        "December 19, 2024",
        "Statements and Releases",
    )
    assert doc.published == dt.date(2024, 12, 19)
    assert not words_lost("wh_statement_long_headline.txt", doc)


def test_a_long_first_sentence_is_not_taken_for_a_headline():
    headline_length = (
        "The council voted on Tuesday to close three libraries and two pools "
        "across the city from next spring"
    )
    doc = parse(f"{headline_length}\n\nThe decision follows a year of budget talks.\n")
    assert doc.paragraphs[0] == headline_length


def test_a_proclamations_formula_and_label_are_not_a_byline_or_a_heading():
    doc = read("wh_proclamation.txt")
    assert doc.byline == ""
    assert headings(doc) == [""]
    assert {
        "Presidential Actions",
        "BY THE PRESIDENT OF THE UNITED STATES OF AMERICA",
        "A PROCLAMATION",
    } <= set(doc.set_apart)
    assert doc.paragraphs[0].startswith("This Thanksgiving")
    assert not words_lost("wh_proclamation.txt", doc)


def test_an_agency_credit_after_the_name_is_not_part_of_the_byline():
    doc = read("ap_mexico_beach.txt")
    assert doc.byline == "DANA WHITFIELD Associated Press/Report for America"
    assert byline_names(doc.byline) == ["Dana Whitfield"]
    assert doc.dateline == "MEXICO BEACH, Fla. (AP)"


def test_a_name_over_a_staff_title_is_the_byline():
    doc = read("regional_name_over_role.txt")
    assert doc.byline == "Rachel Kimura"
    assert "Staff Writer" in doc.set_apart
    assert doc.dateline == "WAPAKONETA"
    assert not words_lost("regional_name_over_role.txt", doc)


def test_a_name_and_staff_title_on_one_line_is_the_byline():
    doc = parse(
        "Fair draws record crowd\n\nRachel Kimura / Staff Writer\n\n"
        "WAPAKONETA — More than 90 children showed animals on Tuesday.\n"
    )
    assert doc.byline == "Rachel Kimura / Staff Writer"
    assert byline_names(doc.byline) == ["Rachel Kimura"]


def test_a_web_page_is_dated_by_its_metadata_not_a_related_link():
    doc = read("bbc_page_byline_block.html")
    # "More on this story" links to a story of 2 October.
    assert doc.published == dt.date(2024, 10, 16)


def test_a_web_pages_byline_block_gives_the_byline_and_its_pieces_stay_words():
    doc = read("bbc_page_byline_block.html")
    assert doc.byline == "Ruth Calloway"
    assert "Ruth Calloway BBC News, Atlanta" in doc.set_apart
    assert any(
        text.startswith("Image source, Getty Images Image caption,")
        for text in doc.set_apart
    )


def test_a_web_pages_closing_link_lists_are_set_apart():
    doc = read("bbc_page_byline_block.html")
    assert headings(doc) == ["", "What happens now?"]
    assert doc.sections[-1].paragraphs[-1].startswith("Counties will now use")
    assert "Related Topics" in doc.set_apart
    assert "More on this story" in doc.set_apart
    assert any("13 hours ago" in text for text in doc.set_apart)


def test_a_dateline_after_a_markdown_image_and_its_caption_is_found():
    doc = read("md_image_caption_dateline.md")
    assert doc.dateline == "NEWARK, N.J."
    assert doc.paragraphs[0].startswith("Locomotive engineers")
    assert doc.set_apart == (
        "Empty platform at Newark Penn Station *An empty platform at Newark "
        "Penn Station early Friday. (Photo: Priya Natarajan)*",
    )


def test_a_plural_media_contacts_block_is_set_apart():
    doc = read("au_joint_release_contacts.txt")
    assert doc.paragraphs[-1].startswith('"This Treaty is a decision')
    assert doc.set_apart[-4:] == (
        "Media contacts:",
        "Deputy Prime Minister's office: (02) 6277 7800",
        "Minister Reid's office: (02) 6277 4840",
        "Department of Defence: media@defence.gov.au",
    )
    assert not words_lost("au_joint_release_contacts.txt", doc)
