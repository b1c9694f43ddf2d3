"""The auto-tagger's memory as rows: auto_tags (JSON lists of tag names)
becomes proposed_tags (many-to-many to Tag) on briefs and sections.

A remembered name matches the tag of that name in any case. A name that no
tag has any more (the tag was deleted) is dropped: the memory can only point
at tags that exist, and re-tagging treats a dropped proposal as never made.

The field has a new name because revisions recorded before this migration
hold auto_tags as a list of names, which a many-to-many of the same name
could not read back; under another name the old key is ignored.

Backwards, each brief and section gets the names of its remembered tags,
sorted as the importer sorted them.
"""

from collections import defaultdict

from django.db import migrations, models

BATCH = 1000
OWNERS = ("brief", "section")


def _sorted_names(names):
    return sorted(names, key=lambda name: (name.casefold(), name))


def names_to_relations(apps, schema_editor):
    tag_ids = {}
    for pk, name in apps.get_model("briefs", "Tag").objects.order_by("pk").values_list(
        "pk", "name"
    ):
        tag_ids.setdefault(name.casefold(), pk)
    for owner in OWNERS:
        model = apps.get_model("briefs", owner)
        through = model.proposed_tags.through
        rows = []
        for pk, names in model.objects.values_list("pk", "auto_tags").iterator(
            chunk_size=BATCH
        ):
            found = {
                tag_ids[name.casefold()]
                for name in names or ()
                if isinstance(name, str) and name.casefold() in tag_ids
            }
            rows.extend(
                through(**{f"{owner}_id": pk, "tag_id": tag_id})
                for tag_id in sorted(found)
            )
            if len(rows) >= BATCH:
                through.objects.bulk_create(rows)
                rows = []
        through.objects.bulk_create(rows)


def relations_to_names(apps, schema_editor):
    for owner in OWNERS:
        model = apps.get_model("briefs", owner)
        through = model.proposed_tags.through
        names = defaultdict(list)
        for owner_id, name in through.objects.values_list(
            f"{owner}_id", "tag__name"
        ).iterator(chunk_size=BATCH):
            names[owner_id].append(name)
        model.objects.bulk_update(
            [model(pk=pk, auto_tags=_sorted_names(found)) for pk, found in names.items()],
            ["auto_tags"],
            batch_size=BATCH,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0007_section_body_html"),
    ]

    operations = [
        migrations.AddField(
            model_name="brief",
            name="proposed_tags",
            field=models.ManyToManyField(
                blank=True, editable=False, related_name="+", to="briefs.tag"
            ),
        ),
        migrations.AddField(
            model_name="section",
            name="proposed_tags",
            field=models.ManyToManyField(
                blank=True, editable=False, related_name="+", to="briefs.tag"
            ),
        ),
        migrations.RunPython(names_to_relations, relations_to_names),
        migrations.RemoveField(model_name="brief", name="auto_tags"),
        migrations.RemoveField(model_name="section", name="auto_tags"),
    ]
