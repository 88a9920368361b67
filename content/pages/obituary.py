"""An obituary's page, with its guestbook."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from content.pages.items import ItemPage


class ObituaryPage(ItemPage):
    name = "obituary"
    template = "content/obituary_detail.html"
    kind = "obituary"
    commentable = True  # the guestbook

    def search_words(self, item: Any) -> Iterable[str]:
        # The full name (a maiden name in parentheses) is the title.
        return (item.hometown, item.service_place)
