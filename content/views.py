"""The only dynamic pages: the editors' preview and the dev server's 404.

Readers never reach Django; these views exist for editors (behind login) and
for running the site through ``runserver`` while developing.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from content.models import CrimeReport, Obituary, Story
from publisher.pages import DETAIL_PAGES, PAGES, Site

MODELS = {"story": Story, "obituary": Obituary, "crime": CrimeReport}


@never_cache
@staff_member_required
def preview(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Any item, draft or embargoed, as it will look once published.

    Only for those who may read the item in the admin: staff status alone
    (an account in no group) is not enough to read the paper's drafts."""
    model = MODELS.get(kind)
    if model is None:
        raise Http404("no such kind of item")
    if not may_read(request, model):
        raise PermissionDenied("you may not read this kind of item")
    item = model.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("no such item")
    page = DETAIL_PAGES[kind]
    response = HttpResponse(page.preview(Site.current(), item), content_type=page.content_type)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def may_read(request: HttpRequest, model: type) -> bool:
    """As the admin decides who sees a change form: the view or change permission."""
    opts = model._meta
    return any(
        request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    page = PAGES["not_found"]
    site = Site.current()
    body = page.render(site, {}, page.context(site, {}))
    return HttpResponse(body, content_type=page.content_type, status=404)
