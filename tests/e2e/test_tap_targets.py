"""Section links are comfortable to tap on a phone: measured in Chromium at
390 CSS px wide, on the built site served by lighttpd."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import needs_chromium
from tests.support import build, lighttpd, make_section, make_story, needs_lighttpd

# transaction: Playwright runs an event loop in this thread, and Django gives the
# test a connection of its own there, which must not wait on the test's lock.
pytestmark = [needs_chromium, needs_lighttpd, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
# WCAG 2.5.8 (Lighthouse's target-size) asks 24 × 24; a thumb wants more in
# the row of section links, the one place readers tap again and again.
SMALLEST = 24
NAV_HEIGHT = 44
LINKS = ".site-nav a, .kicker a"


def boxes(page) -> list[dict]:
    return page.eval_on_selector_all(
        LINKS,
        """links => links.map(a => {
            const r = a.getBoundingClientRect();
            return {text: a.textContent.trim(), nav: !!a.closest('.site-nav'),
                    x: r.x, y: r.y, width: r.width, height: r.height};
        })""",
    )


def apart(a: dict, b: dict) -> bool:
    return (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_section_links_in_the_navigation_and_on_teasers_are_big_enough_to_tap(
    settings, tmp_path, browser
):
    for name in ("Local News", "Sports", "Schools", "Business", "Opinion", "Arts"):
        section = make_section(name=name)
        make_story(section=section, headline=f"A story in {name}")
    pages = ["/", "/news/", section.get_absolute_url()]
    build(settings)
    with lighttpd(Path(settings.PUBLISHER_BUILD_DIR), tmp_path / "var") as (url, _):
        context = browser.new_context(viewport=PHONE, device_scale_factor=3)
        page = context.new_page()
        for path in pages:
            assert page.goto(url + path).status == 200, path
            found = boxes(page)
            assert sum(b["nav"] for b in found) == 11, path
            assert any(not b["nav"] for b in found), path  # the teasers' section links
            small = [
                (b["text"], round(b["width"]), round(b["height"]))
                for b in found
                if b["width"] < SMALLEST
                or b["height"] < SMALLEST
                or (b["nav"] and b["height"] < NAV_HEIGHT)
            ]
            assert small == [], path
            crowded = [
                (a["text"], b["text"])
                for i, a in enumerate(found)
                for b in found[i + 1 :]
                if not apart(a, b)
            ]
            assert crowded == [], path
        context.close()
