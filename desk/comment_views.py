"""/submit/comment/: where the comment form of a story's (or an obituary's)
static page posts, the confirmation, and the reply-mail links.

The static page's form carries no CSRF token (``desk.comments``): a post
from the site's own pages (``Origin``) is taken as it is; any other gets the
form back from Django, with a token and the reader's words, to send again.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from content.models import Comment
from desk.comments import CommentForm, live_item, receive, same_origin
from desk.ratelimit import over_the_limit
from desk.spam import Reader
from desk.views import _page

log = logging.getLogger(__name__)

SENT_SALT = "desk.comment.sent"
SENT_MAX_AGE = 3600  # seconds the confirmation's address works

RATE_LIMITED = (
    "You have sent several comments in a short time, so this one was not sent. "
    "Please wait a few minutes and send it again."
)
NOT_SAVED = "We could not save your comment just now; please try again in a few minutes."
SEND_AGAIN = (
    "Your browser did not tell us which page this came from, so it was not sent yet. "
    "Check it and press Send again."
)


def _token_ok(request: HttpRequest) -> bool:
    """Django's own CSRF check, for the form Django served (with a token)."""
    return CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {}) is None


def _form_page(
    request: HttpRequest, form: CommentForm, message: str = "", status: int = 200
) -> HttpResponse:
    item = form.item_obj
    if item is None and form.is_bound is False:
        item = live_item(form.initial.get("kind", ""), form.initial.get("item") or 0)
    context = {"form": form, "message": message, "item": item, "parent": form.parent_obj}
    return _page(request, "desk/comment.html", context, status)


@never_cache
@csrf_exempt  # checked below: the page's origin, or Django's token
def comment(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _reply_form(request)
    form = CommentForm(request.POST)
    if not (same_origin(request) or _token_ok(request)):
        form.is_valid()  # to show what the reader wrote, with a token this time
        form._errors = {}
        return _form_page(request, form, SEND_AGAIN, 403)
    try:
        limited = over_the_limit(request, "desk.comment", settings.PUBLISHER_COMMENT_RATE)
    except DatabaseError:
        log.exception("could not count a comment against its address")
        return _form_page(request, form, NOT_SAVED, 503)
    if limited:
        form.is_valid()
        form._errors = {}
        return _form_page(request, form, RATE_LIMITED, 429)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        received = receive(form, Reader.of(request))
    except DatabaseError:
        log.exception("could not save a comment")
        return _form_page(request, form, NOT_SAVED, 503)
    # Signed: the confirmation page of one's own comment, no one else's.
    ref = signing.dumps(received.comment.pk, salt=SENT_SALT)
    return redirect(f"{reverse('desk:comment_sent')}?r={ref}")


def _reply_form(request: HttpRequest) -> HttpResponse:
    """The form served by Django: to reply to a comment (the static page
    links here from each one), or to comment when a page's form is gone."""
    try:
        kind = request.GET.get("kind", "")
        item_id = int(request.GET.get("item", ""))
        parent_id = int(request.GET["parent"]) if request.GET.get("parent") else None
    except ValueError as exc:
        raise Http404("no such page") from exc
    item = live_item(kind, item_id)
    if item is None:
        raise Http404("no such page")
    form = CommentForm(initial={"kind": kind, "item": item_id, "parent": parent_id})
    form.item_obj = item
    if parent_id is not None:
        form.parent_obj = Comment.objects.approved().on(kind, item_id).filter(pk=parent_id).first()
        if form.parent_obj is None:
            raise Http404("no such comment")
    return _form_page(request, form)


@never_cache
def comment_sent(request: HttpRequest) -> HttpResponse:
    """The confirmation: it waits for an editor (or, from a trusted
    commenter, it is up). Shows nothing of the comment but where it went."""
    try:
        pk = signing.loads(request.GET.get("r", ""), salt=SENT_SALT, max_age=SENT_MAX_AGE)
    except signing.BadSignature as exc:
        raise Http404("no such comment") from exc
    found = get_object_or_404(Comment, pk=pk)
    context = {"comment": found, "item": found.item}
    return _page(request, "desk/comment_sent.html", context)


@never_cache
@csrf_exempt  # the secret is the token in the address (and RFC 8058's one-click POST)
def replies_confirm(request: HttpRequest, token: str) -> HttpResponse:
    found = get_object_or_404(Comment, token=token, wants_replies=True)
    done = False
    if request.method == "POST":
        if found.replies_confirmed_at is None:
            found.replies_confirmed_at = timezone.now()
            found.save(update_fields=["replies_confirmed_at"])
        done = True
    context = {"comment": found, "done": done, "confirming": True}
    return _page(request, "desk/comment_replies.html", context)


@never_cache
@csrf_exempt
def replies_stop(request: HttpRequest, token: str) -> HttpResponse:
    found = get_object_or_404(Comment, token=token)
    done = False
    if request.method == "POST":
        Comment.objects.filter(pk=found.pk).update(wants_replies=False, replies_confirmed_at=None)
        done = True
    context = {"comment": found, "done": done, "confirming": False}
    return _page(request, "desk/comment_replies.html", context)
