"""Each author's number of published briefs, stored on the author and kept
by database triggers (``briefs.tag_counts``), so that the author index no
longer counts every author's briefs over the archive. Installing the
triggers also counts them once. On PostgreSQL, every stored count's
triggers take one lock before they move a count, so that no two write paths
can lock count rows in opposite orders.
"""

from django.db import migrations, models

from briefs import tag_counts


def install(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # The tag and archive counts' trigger functions again: every one now
        # takes the counts' one lock first (tag_counts.COUNTS_LOCK).
        tag_counts.TAGS.install(connection)
        tag_counts.BRIEFS.install(connection)
    tag_counts.AUTHORS.install(connection)


def uninstall(apps, schema_editor):
    tag_counts.AUTHORS.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0017_archive_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="author",
            name="published_brief_count",
            field=models.IntegerField(default=0, editable=False),
        ),
        migrations.RunPython(install, uninstall),
    ]
