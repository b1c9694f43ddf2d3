"""The number of published briefs, stored in one row that database triggers
keep (``briefs.tag_counts``), so that the home page, the sitemap index and
the API's count no longer count every published brief. Installing the
triggers also counts the briefs once and writes the row.
"""

from django.db import migrations, models

from briefs import tag_counts


def install(apps, schema_editor):
    tag_counts.BRIEFS.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    tag_counts.BRIEFS.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0016_author_web_page_http_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArchiveCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "published_briefs",
                    models.IntegerField(default=0, editable=False),
                ),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("pk", 1)), name="archive_count_one_row"
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
