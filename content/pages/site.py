"""The newsroom's Site: what every page shares (the sections in the
navigation, whether search and the readers' forms are on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.template import loader
from django.utils.safestring import mark_safe

from content.models import Section
from publisher.pages.base import Site

# The reader templates are Jinja2 (content/jinja2/, content/templating.py);
# the admin's stay Django's.
TEMPLATE_ENGINE = "jinja2"


@dataclass
class NewsroomSite(Site):
    """The Site, with the sections every page's navigation shows."""

    sections: list[Section] = field(default_factory=list)
    # Reader search is on (PUBLISHER_SEARCH): the masthead links to it.
    search: bool = False
    # Where the footer sends readers with news (PUBLISHER_SUBMIT_URL; empty: no link).
    submit_url: str = ""

    @classmethod
    def current(cls, now: datetime | None = None, previous: Path | None = None) -> NewsroomSite:
        site = super().current(now=now, previous=previous)
        assert isinstance(site, NewsroomSite)
        site.sections = list(Section.objects.all())
        site.search = settings.PUBLISHER_SEARCH
        site.submit_url = settings.PUBLISHER_SUBMIT_URL
        return site

    @cached_property
    def nav_html(self) -> str:
        """The section navigation, the same on every page: rendered once per build."""
        html = loader.render_to_string(
            "content/_nav.html", {"sections": self.sections}, using=TEMPLATE_ENGINE
        )
        return mark_safe(html)  # noqa: S308 (rendered with escaping)

    def section(self, slug: str) -> Section:
        for section in self.sections:
            if section.slug == slug:
                return section
        raise Http404("no such section")
