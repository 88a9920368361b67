"""The record is in the backups: revisions, requests, decisions and the
audit log come back with a restore."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from reversion.models import Revision, Version

from content.models import CrimeReport
from records.append_only import audit_maintenance, missing_triggers
from records.models import AuditEntry, TakedownRequest, log
from tests.support import make_crime

pytestmark = pytest.mark.django_db(transaction=True)


def test_revisions_requests_and_the_audit_log_survive_a_backup_and_restore(settings, s3):
    settings.BACKUP_S3_BUCKET = s3.bucket
    settings.BACKUP_S3_PREFIX = "backups"
    editor = User.objects.create_user("eddie", password="pw-for-tests-only", is_staff=True)
    crime = make_crime(title="Bicycle stolen")
    crime.title = "Two bicycles stolen"
    crime.save()
    asked = TakedownRequest.objects.create(
        requester="A reader", contact="reader@example.org", kind="crime", object_id=crime.pk,
        reason="Please.", logged_by=editor,
    )  # fmt: skip
    log("request logged", editor, asked, "by a test")
    call_command("backup", verbosity=0)

    # Everything of the record lost after the backup (as a bad day might; the
    # database refuses to delete audit lines outside its maintenance gate).
    Version.objects.all().delete()
    Revision.objects.all().delete()
    with audit_maintenance():
        AuditEntry.objects.all()._raw_delete(AuditEntry.objects.db)
    TakedownRequest.objects.all().delete()
    CrimeReport.objects.filter(pk=crime.pk).update(title="Changed after the backup")

    call_command("restore", "latest", yes=True, verbosity=0)

    titles = [v.field_dict["title"] for v in Version.objects.get_for_object(crime).order_by("pk")]
    assert titles == ["Bicycle stolen", "Two bicycles stolen"]
    assert CrimeReport.objects.get(pk=crime.pk).title == "Two bicycles stolen"
    assert TakedownRequest.objects.get().requester == "A reader"
    line = AuditEntry.objects.get()
    assert (line.action, line.actor_name, line.detail) == ("request logged", "eddie", "by a test")
    assert missing_triggers() == []  # the restored audit log is guarded as before
