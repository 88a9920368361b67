"""A parallel build compiles the templates once, in the parent, before its
workers fork (publisher.render.warm_templates): the workers inherit them."""

from django.template import engines

from publisher.pages.registry import registry
from publisher.render import warm_templates


def test_every_reader_template_and_include_is_compiled_before_the_fork():
    env = engines["jinja2"].env
    env.cache.clear()
    warm_templates(registry().pages)
    compiled = {name for _loader, name in env.cache}
    # The page types' own templates and what they include (bylines, nav...).
    assert {page.template for page in registry().pages if page.template} <= compiled
    assert "content/_byline.html" in compiled
    assert set(env.list_templates()) <= compiled
