"""Stored tag use counts: two columns on tags, and the triggers that keep
them; and indexes for listing published briefs newest first and for their
latest update or correction.

The tag index used to count every tag's uses over all published briefs on
each request. ``briefs.tag_counts`` describes the triggers; installing them
also counts every tag's uses once.

On SQLite a later migration that alters briefs_brief, briefs_section or the
tag row tables rebuilds the table, which drops its triggers: the
``post_migrate`` receiver (``briefs.tag_counts.install_if_missing``) puts
them back and counts again.
"""

from django.db import migrations, models

from briefs import tag_counts


def install(apps, schema_editor):
    tag_counts.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    tag_counts.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0011_tag_phrase_veto"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="published_brief_count",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="tag",
            name="published_section_count",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="brief",
            index=models.Index(
                fields=["status", "published_at", "id"], name="brief_status_published"
            ),
        ),
        migrations.AddIndex(
            model_name="brief",
            index=models.Index(fields=["revised_at"], name="brief_revised"),
        ),
    ]
