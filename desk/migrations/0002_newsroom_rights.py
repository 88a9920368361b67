"""Who sees the readers' submissions: Reporters and Editors read the queue;
only Editors make drafts of them, mark them handled, decline or delete them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REPORTER = ["view_submission"]
EDITOR = ["view_submission", "moderate_submission", "delete_submission"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(codenames):
        found = list(Permission.objects.filter(content_type__app_label="desk", codename__in=codenames))
        assert len(found) == len(codenames), f"missing permissions: {codenames}"
        return found

    # Groups an operator deleted stay deleted (as content.0008 does).
    for name, codenames in (("Reporters", REPORTER), ("Editors", EDITOR)):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*perms(codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="desk")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Reporters", "Editors"]):
        group.permissions.remove(*mine)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_initial"),
        ("content", "0003_newsroom_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
