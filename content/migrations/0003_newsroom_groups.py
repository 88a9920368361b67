"""The newsroom's two roles, as Django groups (add people to them in the admin).

Reporters write and edit drafts; Editors also publish, unpublish, delete,
and manage sections and authors.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ITEMS = ["story", "obituary", "crimereport"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(*codenames):
        found = list(Permission.objects.filter(content_type__app_label="content", codename__in=codenames))
        assert len(found) == len(codenames), f"missing permissions: {codenames}"
        return found

    reporter = [f"{action}_{model}" for model in ITEMS for action in ("add", "change", "view")]
    reporter += ["add_byline", "change_byline", "delete_byline", "view_byline"]
    reporter += ["view_section", "view_author"]
    editor = reporter + [f"delete_{model}" for model in ITEMS]
    editor += ["publish_story", "publish_obituary", "publish_crimereport"]
    editor += [f"{action}_{model}" for model in ("section", "author") for action in ("add", "change", "delete")]
    group, _ = Group.objects.get_or_create(name="Reporters")
    group.permissions.set(perms(*reporter))
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.set(perms(*editor))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reporters", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0002_publish_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
