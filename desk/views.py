"""The readers' forms at /submit/: the one dynamic path readers reach.

Nothing here is cached (each form carries its own CSRF token) and nothing a
reader sends is shown to anyone but the newsroom: the confirmation page
names only the kind and the reference number.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from content.pages import REGISTRY
from desk.forms import FORMS
from desk.models import Submission
from desk.notify import tell_newsroom
from desk.ratelimit import over_the_limit

log = logging.getLogger(__name__)

RATE_LIMITED = (
    "You have sent us a lot in a short time, so this one was not sent. "
    "Please wait an hour and send it again, or email us."
)
NOT_SAVED = (
    "We could not save your submission just now; nothing was sent. "
    "Please try again in a few minutes, or email us."
)


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """A page in the site's look: its name, navigation and contact address.
    The navigation needs the database; without it the page still shows."""
    try:
        nav_html = REGISTRY.site().nav_html
    except DatabaseError:
        nav_html = ""
    context = {
        "site_name": settings.PUBLISHER_SITE_NAME,
        "nav_html": nav_html,
        "newsroom_email": settings.PUBLISHER_NEWSROOM_EMAIL,
        **context,
    }
    return render(request, template, context, status=status)


def _turn_refused(request: HttpRequest, kind: str) -> tuple[str, int]:
    """Count the post against its address: ("", 200) when it may go on."""
    try:
        if over_the_limit(request, "desk.submit", settings.PUBLISHER_SUBMIT_RATE):
            return RATE_LIMITED, 429
    except DatabaseError:
        log.exception("could not count a %s submission against its address", kind)
        return NOT_SAVED, 503
    return "", 200


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    return _page(request, "desk/index.html", {"forms": list(FORMS.values())})


@never_cache
@csrf_protect
def submit(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404("no such form")
    message, status = "", 200
    if request.method == "POST":
        form = form_class(request.POST, request.FILES)
        message, status = _turn_refused(request, kind)
        if message:
            pass  # what was typed is shown again, with the message
        elif form.is_valid():
            submission = form.submission()
            try:
                with transaction.atomic():
                    submission.save()
                    transaction.on_commit(lambda: tell_newsroom(submission))
            except DatabaseError:
                log.exception("could not save a %s submission", kind)
                message, status = NOT_SAVED, 503
            else:
                return redirect("desk:sent", reference=submission.reference)
        else:
            status = 400
    else:
        form = form_class()
    return _page(
        request, "desk/form.html", {"form": form, "message": message, "kind": kind}, status
    )


@never_cache
def sent(request: HttpRequest, reference: str) -> HttpResponse:
    submission = get_object_or_404(Submission, reference=reference)
    return _page(request, "desk/sent.html", {"submission": submission})
