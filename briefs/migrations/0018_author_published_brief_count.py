"""Each author's number of published briefs, stored on the author and kept
by database triggers (``briefs.tag_counts``), so that the author index no
longer counts every author's briefs over the archive. Installing the
triggers also counts them once. (The tag and archive counts' PostgreSQL
functions, which now take the counts' lock, are replaced after ``migrate``
by ``tag_counts.install_if_missing``, which compares their source.)
"""

from django.db import migrations, models

from briefs import tag_counts


def install(apps, schema_editor):
    tag_counts.AUTHORS.install(schema_editor.connection)


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
