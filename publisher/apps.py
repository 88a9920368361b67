from django.apps import AppConfig


class PublisherConfig(AppConfig):
    name = "publisher"
    verbose_name = "Publisher"

    def ready(self) -> None:
        from publisher import changes, checks, tasks  # noqa: F401  (checks register themselves)
        from publisher.pages.registry import registry

        changes.connect(registry())
        changes.publish_requested.connect(tasks.enqueue_publish, dispatch_uid="publish-queue")

        _let_distill_render_no_pages()


def _let_distill_render_no_pages() -> None:
    """django-distill 4.0.6 turns an empty enumeration into one URL with no
    parameters, which cannot be reversed, so ``distill generate`` crashes on a
    newsroom with, say, no obituaries yet or a sitemap too small to need
    parts. Our enumerators return None for a page without parameters and a
    list (possibly empty) otherwise; an empty list now means no pages."""
    from django_distill import renderer

    original = renderer.get_uri_values

    def get_uri_values(func, view_name):  # type: ignore[no-untyped-def]
        values = func()
        if isinstance(values, list) and not values:
            return []
        return original(lambda: values, view_name)

    renderer.get_uri_values = get_uri_values
