"""Readers' announcements' pages: births, weddings and engagements."""

from __future__ import annotations

from content.pages.items import ItemPage


class BirthPage(ItemPage):
    name = "birth"
    template = "content/birth_detail.html"
    kind = "birth"


class WeddingPage(ItemPage):
    name = "wedding"
    template = "content/wedding_detail.html"
    kind = "wedding"
