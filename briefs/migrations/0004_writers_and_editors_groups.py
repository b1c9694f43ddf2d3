"""The Writers and Editors groups and their permissions.

Writers create and edit drafts and submit them for review. Editors also
publish, unpublish, archive and delete briefs, and keep the tag vocabulary.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SHARED = [
    "add_brief", "change_brief", "view_brief",
    "add_keypoint", "change_keypoint", "delete_keypoint", "view_keypoint",
    "add_section", "change_section", "delete_section", "view_section",
    "view_tag", "view_tagphrase", "view_statuschange",
]
EDITORS_ONLY = [
    "delete_brief", "publish_brief",
    "add_tag", "change_tag", "delete_tag",
    "add_tagphrase", "change_tagphrase", "delete_tagphrase",
    "add_tagredirect", "change_tagredirect", "delete_tagredirect", "view_tagredirect",
]
GROUPS = {"Writers": SHARED, "Editors": SHARED + EDITORS_ONLY}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(
            content_type__app_label="briefs", codename__in=codenames
        )
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Permissions missing for {name}: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("briefs", "0003_workflow_versions_and_status_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
