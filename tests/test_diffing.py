"""Word-level diffs between two versions of a brief."""

from briefs.editorial.diffing import Segment, diff_briefs, diff_text


def brief(**changes):
    data = {
        "title": "Talks resume",
        "slug": "talks-resume",
        "status": "draft",
        "published_at": None,
        "dateline": "VIENNA",
        "summary": "",
        "source_name": "",
        "byline": "",
        "source_url": "",
        "key_points": ["One", "Two"],
        "tags": ["Diplomacy"],
        "sections": [
            {
                "heading": "",
                "anchor": "overview",
                "body": "Negotiators met on Tuesday.",
                "tags": [],
            },
            {
                "heading": "Next steps",
                "anchor": "next-steps",
                "body": "A vote follows.",
                "tags": ["Elections"],
            },
        ],
    }
    data.update(changes)
    return data


def test_diff_text_marks_words_not_characters():
    assert diff_text(
        "Negotiators met on Tuesday.", "Negotiators met again on Wednesday."
    ) == (
        Segment("same", "Negotiators met "),
        Segment("added", "again "),
        Segment("same", "on "),
        Segment("removed", "Tuesday"),
        Segment("added", "Wednesday"),
        Segment("same", "."),
    )


def test_identical_briefs_have_no_changes():
    assert not diff_briefs(brief(), brief()).changed


def test_changes_are_reported_section_by_section():
    new = brief(title="Talks resume in Vienna")
    new["sections"] = [
        {
            "heading": "",
            "anchor": "overview",
            "body": "Negotiators met on Tuesday.",
            "tags": [],
        },
        {
            "heading": "What next",
            "anchor": "next-steps",
            "body": "A vote follows.",
            "tags": [],
        },
        {
            "heading": "Reaction",
            "anchor": "reaction",
            "body": "Markets rose.",
            "tags": [],
        },
    ]
    result = diff_briefs(brief(), new)
    assert result.changed
    title = next(c for c in result.fields if c.label == "Title")
    assert title.changed and Segment("added", " in Vienna") in title.segments
    assert [(s.anchor, s.status) for s in result.sections] == [
        ("overview", "same"),
        ("next-steps", "changed"),
        ("reaction", "added"),
    ]
    heading, _, tags = result.sections[1].changes
    assert heading.changed and tags.changed


def test_a_removed_section_is_listed():
    new = brief()
    new["sections"] = new["sections"][:1]
    result = diff_briefs(brief(), new)
    assert [(s.anchor, s.status) for s in result.sections] == [
        ("overview", "same"),
        ("next-steps", "removed"),
    ]
