"""The only dynamic pages: the editors' preview and the dev server's 404.

Readers never reach Django; these views exist for editors (behind login) and
for running the site through ``runserver`` while developing.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils._os import safe_join
from django.views.decorators.cache import never_cache

from content.pages import REGISTRY
from publisher.headers import NOSNIFF, content_type, file_headers
from publisher.media import file_fields


@never_cache
@staff_member_required
def preview(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Any item, draft or embargoed, as it will look once published.

    Only for those who may read the item in the admin: staff status alone
    (an account in no group) is not enough to read the paper's drafts."""
    found = REGISTRY.kinds.get(kind)
    if found is None or not found.item:
        raise Http404("no such kind of item")
    if not may_read(request, found.model):
        raise PermissionDenied("you may not read this kind of item")
    item = found.model.objects.filter(pk=pk).first()
    if item is None:
        raise Http404("no such item")
    page = REGISTRY.detail(kind)
    response = HttpResponse(page.preview(REGISTRY.site(), item), content_type=page.content_type)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def may_read(request: HttpRequest, model: type) -> bool:
    """As the admin decides who sees a change form: the view or change permission."""
    opts = model._meta
    return any(
        request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
        for action in ("view", "change")
    )


@never_cache
@staff_member_required
def preview_media(request: HttpRequest, name: str) -> HttpResponse:
    """An upload, live or not, for editors: the admin's link to a photo and
    the photos in Preview. Readers get uploads from the live site only, and
    only those of live items (``publisher.media``); here an editor gets a
    file that an item they may view uses."""
    for model in (kind.model for kind in REGISTRY.item_kinds):
        if not any(model.objects.filter(**{field: name}).exists() for field in file_fields(model)):
            continue
        if may_read(request, model):
            break
    else:
        raise Http404("no such upload")
    try:
        path = Path(safe_join(settings.MEDIA_ROOT, name))
        handle = path.open("rb")
    except (OSError, ValueError) as exc:  # missing, or a name outside MEDIA_ROOT
        raise Http404("no such upload") from exc
    response = FileResponse(handle, content_type=content_type("/media/" + name))
    response[NOSNIFF[0]] = NOSNIFF[1]
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    page = REGISTRY.page("not_found")
    site = REGISTRY.site()
    body = page.render(site, {}, page.context(site, {}))
    # As lighttpd answers a missing page: the 404 page's file, with its headers.
    return HttpResponse(body, status=404, headers=file_headers(page.url({})))
