"""The only dynamic pages: the editors' preview and the dev server's 404.

Readers never reach Django; these views exist for editors (behind login) and
for running the site through ``runserver`` while developing.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from content.pages import REGISTRY


@never_cache
@staff_member_required
def preview(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Any item, draft or embargoed, as it will look once published."""
    found = REGISTRY.kinds.get(kind)
    if found is None or not found.item:
        raise Http404("no such kind of item")
    item = found.model.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("no such item")
    page = REGISTRY.detail(kind)
    response = HttpResponse(page.preview(REGISTRY.site(), item), content_type=page.content_type)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    page = REGISTRY.page("not_found")
    site = REGISTRY.site()
    body = page.render(site, {}, page.context(site, {}))
    return HttpResponse(body, content_type=page.content_type, status=404)
