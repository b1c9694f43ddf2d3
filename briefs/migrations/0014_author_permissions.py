"""Authors in the Writers and Editors groups.

Writers credit the authors editors keep, on the briefs they may change:
they see authors and add, reorder and remove credits. Editors also add,
change and delete authors. Credits follow the brief's own rules, as key
points do (``briefs.editorial.workflow.may_change``).
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SHARED = [
    "view_author",
    "add_briefauthor",
    "change_briefauthor",
    "delete_briefauthor",
    "view_briefauthor",
]
EDITORS_ONLY = ["add_author", "change_author", "delete_author"]
GROUPS = {"Writers": SHARED, "Editors": SHARED + EDITORS_ONLY}


def grant(apps, schema_editor):
    # Permissions are normally made after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="briefs", codename__in=codenames
            )
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="briefs", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0013_authors"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
