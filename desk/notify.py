"""Mail about submissions, through Django's email backend: the newsroom is
told of each one; a sender who gave an address may be told of a decline."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from desk.models import Submission

log = logging.getLogger(__name__)


def admin_link(submission: Submission) -> str:
    path = reverse("admin:desk_submission_change", args=[submission.pk])
    return settings.PUBLISHER_SITE_URL + path


def newsroom_notice(submission: Submission) -> tuple[str, str]:
    """(subject, body) of the mail telling the newsroom of a submission."""
    subject = f"[{submission.reference}] {submission.get_kind_display()}"
    if submission.name:
        subject += f" from {submission.name}"
    # One line, whatever a reader typed: a line break in a header is refused
    # by Django's mail (and the newsroom would not be told at all).
    subject = " ".join(subject.split())
    # The newsroom's own lines first, and what the reader typed only after
    # them, under a line saying so: a reader's text that looks like "Email:"
    # or "Review it in the admin:" can never pass for the newsroom's.
    lines = [
        f"{submission.get_kind_display()} received "
        f"{timezone.localtime(submission.received_at):%Y-%m-%d %H:%M}, "
        f"reference {submission.reference}" + (", with a photo." if submission.photo else "."),
        "",
        f"Review it in the admin: {admin_link(submission)}",
        "",
        "-- What the reader sent (their words, not checked) --",
        "",
        f"From: {submission.name or '(no name given)'}",
        f"Email: {submission.email or '-'}",
        f"Phone: {submission.phone or '-'}",
        "",
    ]
    for name, value in submission.fields.items():
        lines.append(f"{name}: {value}")
    return subject, "\n".join(lines)


def tell_newsroom(submission: Submission) -> None:
    """Mail the newsroom; a mail server that fails is logged, never shown to
    the reader (the submission is saved and in the queue either way)."""
    subject, body = newsroom_notice(submission)
    try:
        send_mail(subject, body, None, [settings.PUBLISHER_NEWSROOM_EMAIL])
    except Exception:
        log.exception("could not mail the newsroom about submission %s", submission.reference)


def tell_sender_of_decline(submission: Submission) -> bool:
    """Mail the sender the reason their submission was declined; False when
    they gave no address (or the mail failed: logged)."""
    if not submission.email:
        return False
    subject = f"Your submission {submission.reference} to {settings.PUBLISHER_SITE_NAME}"
    body = (
        f"Thank you for your {submission.get_kind_display().lower()} (reference "
        f"{submission.reference}). We will not be running it.\n\n"
        f"{submission.decline_reason}\n\n— {settings.PUBLISHER_SITE_NAME}"
    )
    try:
        send_mail(subject, body, None, [submission.email])
    except Exception:
        log.exception("could not mail the sender of submission %s", submission.reference)
        return False
    return True
