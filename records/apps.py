from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "The record: revisions, takedown requests, audit log"

    def ready(self) -> None:
        from records import revisions

        revisions.register_kinds()
