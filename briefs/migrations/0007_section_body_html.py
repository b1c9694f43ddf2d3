from django.db import migrations, models

from briefs.markdown import render_all


def render_sections(apps, schema_editor):
    render_all(apps.get_model("briefs", "Section"))


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0006_ownership_corrections_and_public_versions"),
    ]

    operations = [
        migrations.AddField(
            model_name="section",
            name="body_html",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(render_sections, migrations.RunPython.noop),
    ]
