from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The community desk: what readers send in, and the editors' queue."""

    name = "desk"
    verbose_name = "Community desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from desk import checks, signals  # noqa: F401 (registers checks, connects handlers)
