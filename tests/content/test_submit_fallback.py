"""What the static site says of the readers' forms: the footer's link, and the
pages lighttpd answers /submit/ with when Django is down."""

from __future__ import annotations

import pytest

from tests.support import build

pytestmark = pytest.mark.django_db


def test_the_build_writes_a_forms_are_down_page_for_each_gateway_error(settings):
    settings.PUBLISHER_NEWSROOM_PHONE = "(555) 010-0199"
    site = build(settings)
    for status in (502, 503, 504):
        page = (site / f"submit/unavailable/{status}.html").read_text()
        assert "<h1>Our forms are down for a moment</h1>" in page
        assert "mailto:newsroom@localhost" in page and "(555) 010-0199" in page
        assert '<meta name="robots" content="noindex">' in page


@pytest.mark.parametrize(
    "setting, link",
    [
        ("/submit/", '<a href="/submit/">Send us news</a>'),
        ("https://forms.example.com/submit/", '<a href="https://forms.example.com/submit/">'),
        ("", None),
    ],
)
def test_every_page_links_to_the_forms_where_the_setting_says(settings, setting, link):
    settings.PUBLISHER_SUBMIT_URL = setting
    page = (build(settings) / "index.html").read_text()
    if link is None:
        assert "Send us news" not in page
    else:
        assert link in page
