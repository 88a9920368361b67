"""The static pages readers get at ``/submit/`` when the forms are down.

``/submit/`` is the one dynamic path readers reach: lighttpd forwards it to
Django (``publisher.lighttpd``). When Django does not answer, lighttpd
answers 502, 503 or 504 itself, with the file the build writes here for that
status (``server.errorfile-prefix`` of the ``/submit/`` block): the forms
are down, try again later, and how else to reach the newsroom.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings

from publisher.lighttpd import SUBMIT_ERRORS
from publisher.pages.base import Context, Page, Site
from publisher.pages.routes import Params

# What lighttpd's proxy answers when the backend is down (503), gives a bad
# answer (502) or none in time (504).
GATEWAY_ERRORS = (502, 503, 504)
# lighttpd looks for <prefix><status>.html (publisher.lighttpd).
ROUTE = SUBMIT_ERRORS + "<int:status>.html"


class SubmitUnavailablePage(Page):
    """``/submit/unavailable/<status>.html``: never changes with content."""

    name = "submit_unavailable"
    route = ROUTE
    template = "content/submit_unavailable.html"

    def params(self, site: Site) -> Iterator[Params]:
        for status in GATEWAY_ERRORS:
            yield {"status": status}

    def context(self, site: Site, params: Params) -> Context:
        return {
            "newsroom_email": settings.PUBLISHER_NEWSROOM_EMAIL,
            "newsroom_phone": settings.PUBLISHER_NEWSROOM_PHONE,
        }
