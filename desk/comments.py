"""Readers' comments and guestbook entries coming in: the form, and why one
waits for an editor.

The form sits on the static story or obituary page, which cannot carry a
CSRF token (every reader gets the same file). A post is believed when the
browser says it comes from the site itself (``Origin``, else ``Referer``);
one that does not say so gets the same form back from Django, with a token
and what the reader wrote, to send again. The rest is the desk's:
honeypot, the per-reader rate limit, length limits.

Nothing a reader sends is public before an editor approves it, except from
a commenter whose earlier comments were approved ``PUBLISHER_COMMENT_TRUST_AFTER``
times and who trips no rule (``held_for``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from content import comments as rules
from content.models import COMMENT_ITEMS, Comment
from desk.forms import HONEYPOT_MESSAGE, TrapInput
from desk.models import BlockedCommenter
from desk.notify_comments import after_approval
from desk.spam import Reader, Verdict
from desk.spam import check as spam_check

NAME_CHARS = 80
# More addresses than this is a flood, not a comment: refused outright.
# Over PUBLISHER_COMMENT_LINKS (and up to this) it waits for an editor.
FLOOD_LINKS = 10
# Two comments from one commenter within this time: the second waits.
QUICK = timedelta(minutes=2)
WORDS_FILE = Path(__file__).parent / "data" / "held_words.txt"

# Why a comment waits (``Comment.held_for``), as the queue shows it.
HELD_REASONS = {
    "first": "First comment from this address",
    "word": "Contains a listed word",
    "links": "More links than allowed",
    "rate": "Posted right after another one",
    "blocked": "Commenter blocked by an editor",
    "new": "Not yet trusted (fewer approved comments than the setting)",
    "service": "The spam service (Akismet) says spam",
    "unchecked": "The spam service did not answer",
}

CLOSED = "Comments on this page are closed, so yours was not sent."
GONE = "This page does not take comments (it may have been removed), so yours was not sent."


@cache
def held_words() -> frozenset[str]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )


def live_item(kind: str, item_id: int) -> Any | None:
    """The published item a comment is about, or None."""
    model = COMMENT_ITEMS.get(kind)
    if model is None:
        return None
    return model.objects.published().filter(pk=item_id).first()


def is_open(item: Any, now=None) -> bool:
    return bool(settings.PUBLISHER_COMMENTS) and rules.is_open(
        item.kind,
        item.comments,
        item.publish_at,
        settings.PUBLISHER_COMMENTS_DAYS,
        now or timezone.now(),
    )


class CommentForm(forms.Form):
    kind = forms.ChoiceField(choices=Comment.Kind.choices, widget=forms.HiddenInput)
    item = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    parent = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Your name", max_length=NAME_CHARS)
    email = forms.EmailField(label="Your email (never shown)", max_length=254)
    body = forms.CharField(label="Your comment", widget=forms.Textarea(attrs={"rows": 6}))
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        max_length=200,
        widget=TrapInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    replies = forms.BooleanField(
        label="Email me when someone replies (we ask you to confirm first)", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_obj: Any = None
        self.parent_obj: Comment | None = None
        # The setting's limit, read when the form is made.
        limit = settings.PUBLISHER_COMMENT_CHARS
        self.fields["body"] = forms.CharField(
            label="Your comment", max_length=limit, widget=forms.Textarea(attrs={"rows": 6})
        )
        self.order_fields(["kind", "item", "parent", "name", "email", "body", "website"])

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(HONEYPOT_MESSAGE, code="honeypot")
        return ""

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
            raise ValidationError(
                "Your name has characters we cannot print (a control character): type it again.",
                code="control",
            )
        name = " ".join(name.split())
        if not name:
            raise ValidationError("Give your name.", code="required")
        return name

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_body(self) -> str:
        body = rules.normalise(self.cleaned_data["body"])
        if not body:
            raise ValidationError("Write your comment.", code="required")
        if len(rules.links(body)) > FLOOD_LINKS:
            raise ValidationError(
                f"A comment may carry at most {FLOOD_LINKS} web addresses.", code="flood"
            )
        return body

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, item_id = data.get("kind"), data.get("item")
        if kind is None or item_id is None:
            return data
        item = live_item(kind, item_id)
        if item is None:
            raise ValidationError(GONE, code="gone")
        if not is_open(item):
            raise ValidationError(CLOSED, code="closed")
        self.item_obj = item
        parent_id = data.get("parent")
        if parent_id is not None:
            parent = Comment.objects.approved().on(kind, item_id).filter(pk=parent_id).first()
            if parent is None:
                raise ValidationError(
                    "The comment you answered is not on this page, so yours was not sent.",
                    code="parent",
                )
            # One level of replies: an answer to a reply joins its thread.
            if parent.parent_id is not None:
                parent = Comment.objects.get(pk=parent.parent_id)
            self.parent_obj = parent
        return data


def held_for(comment: Comment, now=None) -> list[str]:
    """Why this comment waits for an editor (empty: it may go up at once)."""
    now = now or timezone.now()
    email = comment.email
    reasons = []
    if BlockedCommenter.objects.filter(email=email).exists():
        reasons.append("blocked")
    approved = Comment.objects.approved().filter(email=email).count()
    if approved == 0:
        reasons.append("first")
    elif approved < settings.PUBLISHER_COMMENT_TRUST_AFTER:
        reasons.append("new")
    if settings.PUBLISHER_COMMENT_TRUST_AFTER == 0 and "first" not in reasons:
        reasons.append("new")
    words = set(re.findall(r"\w+", comment.body.casefold()))
    if words & held_words():
        reasons.append("word")
    if len(rules.links(comment.body)) > settings.PUBLISHER_COMMENT_LINKS:
        reasons.append("links")
    if Comment.objects.filter(email=email, posted_at__gte=now - QUICK).exists():
        reasons.append("rate")
    return reasons


@dataclass
class Received:
    comment: Comment
    duplicate: bool  # the same comment was sent before: that one is kept


def receive(form: CommentForm, reader: Reader) -> Received:
    """Store a valid form's comment: waiting, or approved at once for a
    trusted commenter; the same text from the same address on the same
    page is kept once. The spam service, when on, can only hold it back."""
    data = form.cleaned_data
    comment = Comment(
        kind=data["kind"],
        item_id=data["item"],
        parent=form.parent_obj,
        name=data["name"],
        email=data["email"],
        body=data["body"],
        digest=rules.digest(data["body"]),
        wants_replies=bool(data.get("replies")),
    )
    same = Comment.objects.filter(
        kind=comment.kind, item_id=comment.item_id, email=comment.email, digest=comment.digest
    )
    earlier = same.first()
    if earlier is not None:
        return Received(earlier, True)
    reasons = held_for(comment)
    verdict = spam_check(comment, reader)
    if verdict is Verdict.UNCHECKED:
        reasons.append("unchecked")
    elif verdict is not Verdict.HAM:
        reasons.append("service")
    comment.held_for = ",".join(reasons)
    if verdict is Verdict.BLATANT:
        comment.status = Comment.Status.SPAM
        comment.decided_at = timezone.now()
        comment.reason = "Spam: the spam service called it blatant."
    elif not reasons:
        comment.status = Comment.Status.APPROVED
        comment.decided_at = timezone.now()
        comment.reason = "Approved automatically: a trusted commenter."
    try:
        with transaction.atomic():
            comment.save()
            if comment.is_approved:
                transaction.on_commit(lambda: after_approval([comment]))
    except IntegrityError:  # the same comment, sent twice at once
        earlier = same.first()
        if earlier is None:
            raise
        return Received(earlier, True)
    return Received(comment, False)


def same_origin(request: HttpRequest) -> bool:
    """Whether the browser says the post comes from the site's own pages."""
    allowed = {
        settings.PUBLISHER_SITE_URL,
        f"{request.scheme}://{request.get_host()}",
        *settings.CSRF_TRUSTED_ORIGINS,
    }
    origin = request.META.get("HTTP_ORIGIN")
    if origin and origin != "null":
        return origin in allowed
    referer = request.META.get("HTTP_REFERER", "")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in allowed
    return False
