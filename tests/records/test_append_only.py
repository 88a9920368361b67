"""The audit log refuses UPDATE and DELETE in the database itself, whatever
path a script takes round the model; only a deleted account's link and
``manage.py flush`` get through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from records.append_only import TRIGGERS, missing_triggers
from records.checks import check_audit_triggers
from records.models import AuditEntry, log

LINE = "Anonymised story #12: replaced in headline,\u00a0dek; Zoë’s name"


@pytest.fixture
def line(db):
    editor = User.objects.create_user("édith", password="pw-for-tests-only", is_staff=True)
    return log("decided: anonymise", editor, None, LINE)


def as_stored(entry: AuditEntry) -> tuple:
    return AuditEntry.objects.filter(pk=entry.pk).values_list("action", "detail", "actor_id")[0]


def refused(attempt) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        attempt()


def test_an_upsert_over_a_line_is_refused(line):
    before = as_stored(line)
    rewritten = AuditEntry(pk=line.pk, at=line.at, action="nothing happened", detail="")
    target = {"unique_fields": ["id"]}
    if not connection.features.supports_update_conflicts_with_target:
        target = {}  # MariaDB: ON DUPLICATE KEY UPDATE names no target
    refused(
        lambda: AuditEntry.objects.bulk_create(
            [rewritten], update_conflicts=True, update_fields=["action", "detail"], **target
        )
    )
    assert as_stored(line) == before


def test_an_update_through_the_base_manager_is_refused(line):
    before = as_stored(line)
    refused(lambda: AuditEntry._base_manager.filter(pk=line.pk).update(detail="rewritten"))
    refused(lambda: AuditEntry._base_manager.all().delete())
    assert as_stored(line) == before


def test_save_base_with_force_update_is_refused(line):
    before = as_stored(line)
    line.detail = "rewritten"
    refused(lambda: line.save_base(force_update=True))
    assert as_stored(line) == before


def test_raw_sql_is_refused_too(line):
    before = as_stored(line)
    for sql in (
        "UPDATE records_auditentry SET detail = 'rewritten'",
        # Blanking the actor is allowed; not with anything else.
        "UPDATE records_auditentry SET actor_id = NULL, detail = 'rewritten'",
        "UPDATE records_auditentry SET actor_id = NULL, detail = UPPER(detail)",
        "DELETE FROM records_auditentry",
    ):
        refused(lambda sql=sql: connection.cursor().execute(sql))
    assert as_stored(line) == before


def test_deleting_an_account_keeps_its_lines_with_the_name(line):
    line.actor.delete()
    kept = AuditEntry.objects.get(pk=line.pk)
    assert (kept.actor_id, kept.actor_name, kept.detail) == (None, "édith", LINE)


def test_the_triggers_are_there_and_the_check_is_quiet(db):
    assert missing_triggers() == []
    assert check_audit_triggers(databases=["default"]) == []


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_closes_the_gate_behind_it():
    log("request logged", None, None, "before the flush")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    entry = log("request logged", None, None, "after the flush")
    refused(lambda: AuditEntry._base_manager.filter(pk=entry.pk).delete())
    # The suite's own flush after this test must get through this line.


@pytest.mark.django_db(transaction=True)
def test_the_check_warns_when_a_trigger_is_gone():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {TRIGGERS[1]}")
    try:
        (warning,) = check_audit_triggers(databases=["default"])
        assert warning.id == "records.W001" and TRIGGERS[1] in warning.msg
    finally:
        # The migration's own code makes them again (found by name: its
        # number may change when branches merge).
        loader = MigrationLoader(connection)
        (migration,) = [
            m
            for (app, name), m in loader.disk_migrations.items()
            if app == "records" and name.endswith("_audit_log_guarded_in_the_database")
        ]
        with connection.cursor() as cursor:
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        with connection.schema_editor(atomic=False) as editor:
            migration.operations[0].code(None, editor)
    assert missing_triggers() == []
