"""The docs' worked example, "Adding a page type", run as written: a new
page type is a declaration and a template, and the build, publishing and
the other page types all follow it with no engine edit."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from content import pages as newsroom_pages
from publisher.build import build_site
from publisher.models import PublishJob
from publisher.pages.registry import Registry, registry
from publisher.publish import process_queue
from tests.support import make_story

EXAMPLE_DOC = Path(__file__).resolve().parents[2] / "docs" / "explanation" / "adding-a-page-type.md"


def readme_example() -> tuple[str, str]:
    """The Python block and the (Jinja2) template block of the docs' example."""
    section = EXAMPLE_DOC.read_text()
    code = re.search(r"```python\n(.*?)```", section, re.S)
    template = re.search(r"```jinja\n(.*?)```", section, re.S)
    assert code and template, "the docs' example lost its code blocks"
    return _dedent(code.group(1)), _dedent(template.group(1))


def _dedent(block: str) -> str:
    lines = block.splitlines()
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "\n".join(line[indent:] for line in lines) + "\n"


@pytest.fixture
def example_registry(settings, tmp_path):
    code, template = readme_example()
    templates = tmp_path / "templates"
    (templates / "content").mkdir(parents=True)
    (templates / "content" / "latest_headlines.txt").write_text(template)
    settings.TEMPLATES = [{**engine, "DIRS": [templates]} for engine in settings.TEMPLATES]
    # Declared as the docs say: in content.pages's namespace.
    namespace = dict(vars(newsroom_pages))
    exec(compile(code, str(EXAMPLE_DOC), "exec"), namespace)  # noqa: S102
    page_types = [type(page) for page in newsroom_pages.REGISTRY.pages]
    # After the story pages it links to, before the pages that link to it.
    page_types.insert(3, namespace["LatestHeadlinesPage"])
    example = Registry(
        [page_type() for page_type in page_types],
        newsroom_pages.KINDS,
        site_class=newsroom_pages.NewsroomSite,
        fronts=newsroom_pages.REGISTRY.fronts,
        template_engine=newsroom_pages.REGISTRY.template_engine,
    )
    module = sys.modules[__name__]
    module.EXAMPLE = example  # type: ignore[attr-defined]
    settings.PUBLISHER_REGISTRY = f"{__name__}.EXAMPLE"
    registry.cache_clear()
    yield example
    registry.cache_clear()


def latest(settings) -> list[str]:
    path = Path(settings.PUBLISHER_BUILD_DIR) / "site" / "news" / "latest.txt"
    return path.read_text().strip("\n").splitlines()


def test_the_readme_example_page_is_built_and_follows_publishing(example_registry, settings, db):
    stories = [make_story() for _ in range(12)]
    newest = sorted(stories, key=lambda s: s.publish_at, reverse=True)[:10]
    build_site(jobs=1)
    PublishJob.objects.update(status=PublishJob.Status.LIVE)
    assert latest(settings) == [
        f"{s.headline} {settings.PUBLISHER_SITE_URL}{s.get_absolute_url()}" for s in newest
    ]

    scoop = make_story(headline="Fire at the mill & more", publish_at=timezone.now())
    process_queue()
    lines = latest(settings)
    assert lines[0] == f"Fire at the mill & more {settings.PUBLISHER_SITE_URL}" + (
        scoop.get_absolute_url()
    )
    assert len(lines) == 10


def test_the_example_leaves_the_newsroom_registry_as_it_was(example_registry):
    assert "latest_headlines" in example_registry.by_name
    assert "latest_headlines" not in newsroom_pages.REGISTRY.by_name
    assert all(page.registry is newsroom_pages.REGISTRY for page in newsroom_pages.REGISTRY.pages)
