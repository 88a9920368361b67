"""Who moderates readers' comments: Reporters and Editors read the queue;
only Editors approve, reject, remove, block and erase."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REPORTER = ["view_commentqueue"]
EDITOR = ["view_commentqueue", "moderate_comment", "view_blockedcommenter",
          "add_blockedcommenter", "delete_blockedcommenter"]


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

    for name, codenames in (("Reporters", REPORTER), ("Editors", EDITOR)):
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*perms(codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(
        content_type__app_label="desk", codename__in=set(REPORTER) | set(EDITOR)
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=["Reporters", "Editors"]):
        group.permissions.remove(*mine)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0004_comment_queue_and_blocked_commenters"),
        ("desk", "0002_newsroom_rights"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
