"""The audit log refuses UPDATE and DELETE in the database itself (triggers),
from any code path; see ``records/append_only.py`` for the two exceptions:
a deleted account's lines lose their ``actor`` link (``SET_NULL``), and
``manage.py flush`` empties the table."""

from django.db import migrations
from django.db.utils import OperationalError

MESSAGE = "The audit log is append-only: a line cannot be changed or deleted."

# Every column but actor_id as it was; actor_id only ever to NULL.
SAME = ("id", "at", "actor_name", "action", "request_id", "kind", "object_id", "detail")

SQLITE = [
    f"""CREATE TRIGGER records_auditentry_no_update BEFORE UPDATE ON records_auditentry
    FOR EACH ROW WHEN NOT newsroom_audit_maintenance() AND NOT (
        NEW.actor_id IS NULL AND {" AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in SAME)}
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER records_auditentry_no_delete BEFORE DELETE ON records_auditentry
    FOR EACH ROW WHEN NOT newsroom_audit_maintenance()
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]

# BINARY: a change of case or of trailing spaces is a change.
MARIADB = [
    f"""CREATE TRIGGER records_auditentry_no_update BEFORE UPDATE ON records_auditentry
    FOR EACH ROW IF @newsroom_audit_maintenance IS NULL AND NOT (
        NEW.actor_id IS NULL AND {" AND ".join(f"BINARY NEW.`{c}` <=> BINARY OLD.`{c}`" for c in SAME)}
    ) THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{MESSAGE}'; END IF""",
    f"""CREATE TRIGGER records_auditentry_no_delete BEFORE DELETE ON records_auditentry
    FOR EACH ROW IF @newsroom_audit_maintenance IS NULL
    THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '{MESSAGE}'; END IF""",
]

DROP = [
    "DROP TRIGGER IF EXISTS records_auditentry_no_update",
    "DROP TRIGGER IF EXISTS records_auditentry_no_delete",
]

# MariaDB with binary logging on: a user without SUPER may not create triggers.
NO_SUPER = 1419


def create_triggers(apps, schema_editor):
    statements = {"sqlite": SQLITE, "mysql": MARIADB}.get(schema_editor.connection.vendor)
    if statements is None:
        raise RuntimeError(
            f"The audit log's triggers are written for SQLite and MariaDB/MySQL, "
            f"not {schema_editor.connection.vendor}."
        )
    try:
        for sql in statements:
            schema_editor.execute(sql)
    except OperationalError as exc:
        if exc.args and exc.args[0] == NO_SUPER:
            raise RuntimeError(
                "Creating the audit log's triggers needs the SUPER privilege while binary "
                "logging is on: set log_bin_trust_function_creators=1 on the server (or run "
                "this migration as a user with SUPER), then migrate again."
            ) from exc
        raise


def drop_triggers(apps, schema_editor):
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("records", "0002_newsroom_groups")]

    # Not atomic: MariaDB cannot roll DDL back, and Django refuses DDL inside a
    # transaction there.
    operations = [migrations.RunPython(create_triggers, drop_triggers, atomic=False)]
