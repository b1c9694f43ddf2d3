"""The vocabulary in the database, auto-tagging on import, and re-tagging."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from reversion.models import Version

from briefs.ingest.exporting import brief_to_dict, content_fingerprint
from briefs.models import Brief, Section, Tag, TagPhrase, TagRedirect
from briefs.tagging.retagging import reconcile, retag_briefs
from briefs.tagging.tagger import read_vocabulary
from tests.factories import make_brief

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED = SEEDS / "000_a6517fdfc5b60d0c.txt"
STARTER = read_vocabulary(SEEDS / "vocabulary.toml")
REGIONAL = "Regional and global issues"
SECURITY = "Security and counter-terrorism cooperation"

pytestmark = pytest.mark.django_db


def command(name: str, *args) -> str:
    out = io.StringIO()
    call_command(name, *[str(a) for a in args], stdout=out)
    return out.getvalue()


def section(heading: str) -> Section:
    return Section.objects.get(heading=heading)


def names(tags) -> set[str]:
    return {tag.name for tag in tags.all()}


def proposed(owner: Brief | Section) -> list[str]:
    """What the tagger proposed for ``owner`` last time, by name."""
    return sorted(names(owner.proposed_tags))


def import_text(tmp_path: Path, text: str) -> Brief:
    """Import ``text`` as one document; the brief it makes (the only one)."""
    path = tmp_path / "brief.txt"
    path.write_text(text, encoding="utf-8")
    command("import_seeds", path)
    return Brief.objects.get()


def snapshot() -> list:
    """Everything re-tagging may write, for every brief."""
    return [
        (
            brief_to_dict(brief),
            proposed(brief),
            [proposed(s) for s in brief.sections.all()],
        )
        for brief in Brief.objects.with_outline().order_by("pk")
    ] + [Version.objects.count(), Tag.objects.count()]


# load_vocabulary ----------------------------------------------------------------


def test_load_vocabulary_loads_the_starter_file_and_a_second_run_adds_nothing():
    output = command("load_vocabulary")
    phrases = sum(len(set(term.phrases)) for term in STARTER)
    vetoes = sum(len(set(term.vetoes)) for term in STARTER)
    assert f"added {len(STARTER)} tags and {phrases} match phrases" in output
    assert Tag.objects.count() == len(STARTER)
    assert TagPhrase.objects.filter(veto=False).count() == phrases
    assert TagPhrase.objects.filter(veto=True).count() == vetoes > 0
    assert Tag.objects.get(name="CPEC").kind == Tag.Kind.ORGANISATION
    assert set(
        Tag.objects.get(name="CPEC").phrases.values_list("phrase", flat=True)
    ) >= {
        "CPEC",
        "CPEC 2.0",
        "China-Pakistan Economic Corridor",
    }
    assert "added 0 tags and 0 match phrases" in command("load_vocabulary")
    assert TagPhrase.objects.count() == phrases + vetoes


def test_load_vocabulary_never_changes_or_deletes_what_editors_made():
    # An editor's tag in another case and kind, with an extra phrase, and a
    # tag that is no vocabulary at all.
    china = Tag.objects.create(name="china", kind=Tag.Kind.TOPIC)
    TagPhrase.objects.create(tag=china, phrase="Middle Kingdom")
    Tag.objects.create(name="Editor's pick")
    # A tag renamed by an editor leaves a redirect from its old slug.
    terror = Tag.objects.create(name="Counterterrorism", kind=Tag.Kind.TOPIC)
    TagRedirect.objects.create(old_slug="counter-terrorism", tag=terror)
    command("load_vocabulary")

    china.refresh_from_db()
    assert (china.name, china.kind) == ("china", Tag.Kind.TOPIC)
    assert set(china.phrases.values_list("phrase", flat=True)) >= {
        "Middle Kingdom",
        "Beijing",
        "Chinese",
    }
    assert Tag.objects.filter(name__iexact="china").count() == 1
    assert Tag.objects.filter(name="Editor's pick").exists()
    assert not Tag.objects.filter(name="Counter-terrorism").exists()
    assert terror.phrases.filter(phrase="terrorism").exists()

    # Loading the file again adds back a phrase that is missing (which is why
    # import_seeds loads it only into an empty vocabulary), and still leaves
    # an existing tag's kind alone.
    TagPhrase.objects.filter(tag=china, phrase="Beijing").delete()
    Tag.objects.filter(name="china").update(kind=Tag.Kind.PLACE)
    assert "added 0 tags and 1 match phrases" in command("load_vocabulary")
    assert Tag.objects.get(name="china").kind == Tag.Kind.PLACE


def test_load_vocabulary_adds_missing_vetoes_and_leaves_an_editors_rows_alone(
    tmp_path,
):
    path = tmp_path / "vetoes.toml"
    path.write_text(
        '[[term]]\nname = "Diplomacy"\nmatch = ["embassy"]\n'
        'veto = ["Embassy Suites", "Embassy Row", "embassy staff"]\n',
        encoding="utf-8",
    )
    diplomacy = Tag.objects.create(name="Diplomacy")
    # An editor made one veto a match phrase, and has a veto of their own.
    TagPhrase.objects.create(tag=diplomacy, phrase="embassy staff")
    TagPhrase.objects.create(tag=diplomacy, phrase="Embassy Club", veto=True)
    TagPhrase.objects.create(tag=diplomacy, phrase="Embassy Row", veto=True)

    assert "would add 0 tags and 1 match phrases" in command(
        "load_vocabulary", path, "--dry-run"
    )
    assert TagPhrase.objects.count() == 3
    command("load_vocabulary", path)
    rows = set(diplomacy.phrases.values_list("phrase", "veto"))
    assert rows == {
        ("embassy", False),
        ("embassy staff", False),
        ("Embassy Suites", True),
        ("Embassy Row", True),
        ("Embassy Club", True),
    }
    command("load_vocabulary", path)
    assert diplomacy.phrases.count() == 5


def test_load_vocabulary_dry_run_and_another_file(tmp_path):
    path = tmp_path / "extra.toml"
    path.write_text(
        '[[term]]\nname = "Karakoram Highway"\nkind = "place"\n'
        'match = ["Karakoram Highway", "KKH"]\n',
        encoding="utf-8",
    )
    output = command("load_vocabulary", path, "--dry-run")
    assert output.startswith("Dry run, nothing written:")
    assert "would add 1 tags and 2 match phrases" in output
    assert not Tag.objects.exists() and not TagPhrase.objects.exists()
    command("load_vocabulary", path)
    tag = Tag.objects.get()
    assert (tag.name, tag.kind) == ("Karakoram Highway", Tag.Kind.PLACE)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[[term]]\nkind = "topic"\n', "has no name"),
        ('[[term]]\nname = "X"\nkind = "colour"\n', "has kind 'colour'"),
        ("not toml [", "cannot read vocabulary"),
    ],
)
def test_load_vocabulary_reports_a_bad_file(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        command("load_vocabulary", path)
    assert not Tag.objects.exists()


# Import -------------------------------------------------------------------------


def test_import_loads_the_starter_vocabulary_into_an_empty_database(seed_copy):
    output = command("import_seeds", seed_copy)
    assert "Loaded the starter vocabulary" in output
    assert TagPhrase.objects.filter(tag__name="CPEC", phrase="CPEC 2.0").exists()
    assert Tag.objects.get(name="Afghanistan").kind == Tag.Kind.PLACE
    assert Tag.objects.get(name="CPEC").kind == Tag.Kind.ORGANISATION


def test_import_dry_run_tags_with_the_starter_vocabulary_but_loads_nothing(seed_copy):
    output = command("import_seeds", seed_copy, "--dry-run")
    assert "Would load the starter vocabulary" in output
    assert not Tag.objects.exists() and not TagPhrase.objects.exists()


def test_import_uses_the_vocabulary_in_the_database(seed_copy):
    # An editor's vocabulary: the starter file is not loaded over it.
    kkh = Tag.objects.create(name="Karakoram Highway", kind=Tag.Kind.PLACE)
    TagPhrase.objects.create(tag=kkh, phrase="Karakoram Highway")
    # And a phrase an editor added to a country.
    TagPhrase.objects.create(
        tag=Tag.objects.create(name="Pakistan"), phrase="Khunjerab Pass"
    )
    output = command("import_seeds", seed_copy)
    assert "starter vocabulary" not in output
    assert TagPhrase.objects.count() == 2
    assert "Karakoram Highway" in names(section(SECURITY).tags)
    # Countries come from ISO 3166 whatever the database holds.
    assert "Afghanistan" in names(section(REGIONAL).tags)
    # Nor is CPEC a tag: the editors' vocabulary does not have it.
    assert "CPEC" not in names(section(SECURITY).tags)


def test_an_editors_phrase_on_a_country_counts_as_that_country(tmp_path):
    TagPhrase.objects.create(
        tag=Tag.objects.create(name="Pakistan", kind=Tag.Kind.PLACE),
        phrase="Land of the Pure",
    )
    brief = import_text(tmp_path, "Talks\nThe Land of the Pure hosted the talks.\n")
    assert names(brief.tags) == {"Pakistan"}


def test_import_remembers_what_the_tagger_proposed(tmp_path):
    brief = import_text(
        tmp_path,
        "Title: Iran talks\nTags: Editor's pick\n\nIran and Iraq discussed the dam.\n",
    )
    assert names(brief.tags) == {"Editor's pick", "Iran", "Iraq", "Water"}
    # The header's tag is the source's, not the tagger's.
    assert proposed(brief) == ["Iran", "Iraq", "Water"]
    opening = brief.sections.get()
    assert proposed(opening) == ["Iran", "Iraq", "Water"] == sorted(names(opening.tags))


def test_the_seed_is_tagged_as_a_reader_would(seed_copy):
    command("import_seeds", seed_copy)
    brief = Brief.objects.get()
    assert {"China", "Pakistan", "CPEC"} <= names(brief.tags)
    assert "CPEC" in names(section("").tags)
    assert {"CPEC", "Counter-terrorism"} <= names(section(SECURITY).tags)
    assert "Afghanistan" in names(section(REGIONAL).tags)
    relations = names(section("75 years of diplomatic relations").tags)
    assert not relations & {
        "South China Sea",
        "Xinjiang",
        "Hong Kong",
        "Counter-terrorism",
    }
    assert "Counter-terrorism" not in names(section("").tags)
    every = names(brief.tags).union(*(names(s.tags) for s in brief.sections.all()))
    assert not every & {
        "Chad",
        "Jordan",
        "Georgia",
        "Türkiye",
        "United States",
        "Guinea",
    }


# Re-tagging -----------------------------------------------------------------------


def test_retag_right_after_an_import_changes_nothing(seed_copy):
    command("import_seeds", seed_copy)
    before = snapshot()
    output = command("retag")
    assert output.strip() == "Re-tagged 0 of 1 brief: 0 tags added, 0 removed"
    assert snapshot() == before


def test_retag_keeps_editors_removals_and_additions(seed_copy):
    command("import_seeds", seed_copy)
    regional = section(REGIONAL)
    regional.tags.remove(Tag.objects.get(name="Gaza"))
    regional.tags.add("Editor's pick", "Iran")
    brief = Brief.objects.get()
    brief.tags.remove(Tag.objects.get(name="Afghanistan"))
    brief.tags.add("Geopolitics")
    before = snapshot()

    report = retag_briefs(briefs=Brief.objects.all())
    assert report.changed == 0
    assert snapshot() == before
    assert "Gaza" not in names(section(REGIONAL).tags)
    assert {"Editor's pick", "Iran"} <= names(section(REGIONAL).tags)
    assert "Afghanistan" not in names(Brief.objects.get().tags)
    assert "Geopolitics" in names(Brief.objects.get().tags)


def test_retag_adds_new_proposals_after_an_edit_and_records_a_revision(seed_copy):
    command("import_seeds", seed_copy)
    regional = section(REGIONAL)
    regional.body += "\n\nThe ministers also discussed Iran and Iraq."
    regional.save()

    output = command("retag")
    assert output.splitlines() == [
        "seventh-foreign-ministers-dialogue-held-in-beijing: "
        "“Regional and global issues”: added Iran, Iraq",
        "Re-tagged 1 of 1 brief: 2 tags added, 0 removed",
    ]
    assert {"Iran", "Iraq"} <= names(section(REGIONAL).tags)
    assert {"Iran", "Iraq"} <= set(proposed(section(REGIONAL)))
    brief = Brief.objects.get()
    comments = [v.revision.comment for v in Version.objects.get_for_object(brief)]
    assert comments[0] == "Re-tagged"
    assert len(comments) == 2

    # The revision holds the new tags: reverting the import's revision and
    # then this one gives them back.
    retagged = Version.objects.get_for_object(brief)[0]
    assert "Iran" in {
        v.object.tag.name
        for v in retagged.revision.version_set.all()
        if v.content_type.model == "taggedsection"
    }

    # A second run changes nothing and records nothing.
    before = snapshot()
    assert command("retag").strip() == "Re-tagged 0 of 1 brief: 0 tags added, 0 removed"
    assert snapshot() == before


def test_retag_removes_stale_auto_tags_but_not_the_editors(seed_copy):
    command("import_seeds", seed_copy)
    regional = section(REGIONAL)
    regional.body = regional.body.replace(
        "China and Pakistan also called for an unconditional and permanent ceasefire "
        "in Gaza and reaffirmed support for a two-state solution to the Palestinian issue.",
        "",
    )
    regional.save()
    # An editor also tagged the section with a tag the tagger proposes nowhere.
    regional.tags.add("Editor's pick")

    report = retag_briefs(briefs=Brief.objects.all())
    (change,) = report.changes
    (section_change,) = change.sections
    assert section_change.heading == REGIONAL
    assert set(section_change.tags.removed) == {"Gaza", "Palestine", "Ceasefire"}
    assert section_change.tags.added == ()
    now = names(section(REGIONAL).tags)
    assert not now & {"Gaza", "Palestine", "Ceasefire"}
    assert {"Editor's pick", "Afghanistan"} <= now


def test_retag_forgets_a_withdrawn_proposal_an_editor_removed_quietly(seed_copy):
    command("import_seeds", seed_copy)
    # An editor removed Afghanistan from the brief and the section...
    afghanistan = Tag.objects.get(name="Afghanistan")
    Brief.objects.get().tags.remove(afghanistan)
    regional = section(REGIONAL)
    regional.tags.remove(afghanistan)
    # ...and from its text, so the tagger no longer proposes it.
    regional.body = regional.body.replace("Afghanistan", "the region").replace(
        "Afghan ", ""
    )
    regional.save()
    revisions = Version.objects.count()

    report = retag_briefs(briefs=Brief.objects.all())

    # Nothing to change on the brief: only the tagger's memory, without a revision.
    assert report.changed == 0
    assert Version.objects.count() == revisions
    assert "Afghanistan" not in proposed(Brief.objects.get())
    assert "Afghanistan" not in proposed(section(REGIONAL))
    # Forgotten: when the text names it again, it is a new proposal.
    regional = section(REGIONAL)
    regional.body += "\n\nThe ministers discussed Afghanistan."
    regional.save()
    assert "“Regional and global issues”: added Afghanistan" in command("retag")


def test_retag_follows_a_vocabulary_edit(seed_copy):
    command("import_seeds", seed_copy)
    TagPhrase.objects.create(
        tag=Tag.objects.create(name="Karakoram Highway", kind=Tag.Kind.PLACE),
        phrase="Karakoram Highway",
    )
    TagPhrase.objects.filter(tag__name="Gaza").delete()
    output = command("retag")
    assert "added Karakoram Highway" in output
    assert "removed Gaza" in output
    assert "Karakoram Highway" in names(section(SECURITY).tags)
    assert "Gaza" not in names(section(REGIONAL).tags)


def test_retag_follows_a_veto_an_editor_adds(tmp_path):
    diplomacy = Tag.objects.create(name="Diplomacy")
    TagPhrase.objects.create(tag=diplomacy, phrase="embassy")
    brief = import_text(
        tmp_path,
        "Talks at the hotel\nThe delegates stayed at the Embassy Suites hotel.\n",
    )
    assert "Diplomacy" in names(brief.sections.get().tags)

    TagPhrase.objects.create(tag=diplomacy, phrase="Embassy Suites", veto=True)
    assert "removed Diplomacy" in command("retag")
    assert "Diplomacy" not in names(brief.sections.get().tags)
    assert "Diplomacy" not in proposed(brief.sections.get())
    # An editor who puts it back keeps it: the tagger no longer proposes it.
    brief.sections.get().tags.add(diplomacy)
    assert retag_briefs(briefs=Brief.objects.all()).changed == 0


def test_retag_dry_run_reports_and_writes_nothing(seed_copy):
    command("import_seeds", seed_copy)
    regional = section(REGIONAL)
    regional.body += "\n\nThe ministers also discussed Iran."
    regional.save()
    before = snapshot()

    output = command("retag", "--dry-run")
    assert output.splitlines() == [
        "seventh-foreign-ministers-dialogue-held-in-beijing: "
        "“Regional and global issues”: added Iran",
        "Dry run, nothing written: 1 of 1 brief would be re-tagged: 1 tags added, 0 removed",
    ]
    assert snapshot() == before


def test_retag_dry_run_on_an_empty_vocabulary_loads_nothing():
    make_brief(sections=(("", "Iran and Iraq met.", ()),))
    report = retag_briefs(briefs=Brief.objects.all(), dry_run=True)
    assert report.added == 4  # Iran, Iraq on the brief and on its section
    assert not TagPhrase.objects.exists()


def test_retag_handles_only_the_briefs_it_is_given():
    first = make_brief(sections=(("", "Iran and Iraq met.", ()),))
    second = make_brief(sections=(("", "Iran and Iraq met.", ()),))
    report = retag_briefs(briefs=Brief.objects.filter(pk=second.pk))
    assert [change.brief_id for change in report.changes] == [second.pk]
    assert report.checked == 1
    assert names(first.tags) == set()
    assert names(second.tags) == {"Iran", "Iraq"}


def test_retag_of_an_untouched_import_keeps_it_untouched_for_re_import(seed_copy):
    command("import_seeds", seed_copy)
    TagPhrase.objects.create(
        tag=Tag.objects.create(name="Karakoram Highway"), phrase="Karakoram Highway"
    )
    assert retag_briefs(briefs=Brief.objects.all()).changed == 1
    brief = Brief.objects.with_outline().get()
    assert content_fingerprint(brief_to_dict(brief)) == brief.import_fingerprint

    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(
        text.replace("said Monday.", "said on Monday."), encoding="utf-8"
    )
    assert "updated:" in command("import_seeds", seed_copy)


def test_retag_of_an_edited_brief_leaves_the_edit_visible_to_re_import(seed_copy):
    command("import_seeds", seed_copy)
    Brief.objects.update(title="An editor's headline about Iran")
    assert retag_briefs(briefs=Brief.objects.all()).changed == 1
    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(
        text.replace("said Monday.", "said on Monday."), encoding="utf-8"
    )
    assert "conflict:" in command("import_seeds", seed_copy)


def test_reconcile_follows_the_formula_case_insensitively():
    result = reconcile(
        current=["china", "Editor's pick", "Gaza"],
        last=["China", "Gaza", "Iran"],
        new=["China", "Iraq", "Iran"],
    )
    # Gaza: proposed before, not now -> withdrawn. Iran: proposed before and
    # removed by an editor -> stays removed. Iraq: new -> added. china/China
    # is the same tag. Editor's pick: the editor's.
    assert result.change.added == ("Iraq",)
    assert result.change.removed == ("Gaza",)
    assert result.proposed_tags == ["China", "Iran", "Iraq"]
    assert result.memory_changed


def test_a_country_renamed_or_merged_by_editors_tags_as_its_new_tag(tmp_path):
    # An editor merged the tag "Türkiye" into "Turkey"; its old slug redirects.
    turkey = Tag.objects.create(name="Turkey", kind=Tag.Kind.PLACE)
    TagRedirect.objects.create(old_slug="türkiye", tag=turkey)
    path = tmp_path / "ankara.txt"
    path.write_text("Talks\nTürkiye hosted the talks.\n", encoding="utf-8")
    command("import_seeds", path)
    assert names(Brief.objects.get().tags) == {"Turkey"}
    assert not Tag.objects.filter(name="Türkiye").exists()


# A dateline's town ------------------------------------------------------------

LEBANON_PA = (
    Path(__file__).resolve().parent / "fixtures" / "wire" / "ap_lebanon_pa_drought.txt"
)


def test_a_dateline_town_tags_no_country_on_import_or_re_tag(tmp_path):
    # "LEBANON, Pa." makes every later "Lebanon" the town: the import, and
    # a re-tag right after it, read the dateline as the tagger does.
    brief = import_text(tmp_path, LEBANON_PA.read_text(encoding="utf-8"))
    assert brief.dateline.startswith("LEBANON, Pa.")
    assert "Lebanon" not in names(brief.tags)
    assert not any("Lebanon" in names(s.tags) for s in brief.sections.all())
    before = snapshot()
    command("retag")
    assert snapshot() == before
