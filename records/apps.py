from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "The record: revisions, takedown requests, audit log"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from records import append_only, checks, revisions  # noqa: F401  (checks register themselves)

        revisions.register_kinds()
        connection_created.connect(append_only.define_gate, dispatch_uid="audit-gate")
