"""Deciding a takedown request: decline, anonymise or remove.

Each decision changes the item through its normal save, so the publish that
follows (``publisher.changes``) takes the old text out of every page, feed,
sitemap, search index and the bucket, and invalidates it on CloudFront, in
that one publish. Removing also records the item's addresses as gone
(``publisher.pages.gone``): they answer 410 Gone with a short page.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from content.models import Comment
from publisher.media import file_fields
from publisher.pages.gone import mark_gone
from publisher.pages.registry import Kind, registry
from records.models import Decision, TakedownRequest, log
from records.revisions import acting_as

DECIDE_PERMISSION = "records.decide_takedownrequest"
# A reader's comment (or guestbook entry) is not an item of the registry,
# but a legal removal of one is a takedown decision like any other.
COMMENT = Kind("comment", Comment, "reader's comment", item=False)


def item_of(request: TakedownRequest) -> tuple[Kind, Any]:
    """The request's item, or a ValidationError saying what is wrong."""
    kind = COMMENT if request.kind == COMMENT.name else registry().kinds.get(request.kind)
    if kind is None or not (kind.item or kind is COMMENT):
        raise ValidationError({"kind": f"“{request.kind}” is not a kind of item."})
    item = kind.model.objects.filter(pk=request.object_id).first()
    if item is None:
        raise ValidationError(
            {"object_id": f"There is no {kind.label} number {request.object_id}."}
        )
    return kind, item


def check_decision(request: TakedownRequest) -> None:
    """What a decision needs, as form errors."""
    if request.decision not in Decision.values:
        raise ValidationError({"decision": "Choose a decision."})
    if request.decision == Decision.ANONYMISE:
        errors = {}
        names = request.name_list()
        if not names:
            errors["names"] = "Give the name to take out (each spelling on its own line)."
        if not request.replacement.strip():
            errors["replacement"] = "Give the wording that replaces the name."
        elif names and _pattern(names).search(request.replacement):
            errors["replacement"] = "The wording contains the name it replaces."
        if errors:
            raise ValidationError(errors)


def decide(request: TakedownRequest, user: Any) -> TakedownRequest:
    """Apply ``request.decision`` (with its names, wording and note) as
    ``user``; the request is then decided and the audit log says so.
    Only editors decide; a decided request is never decided again."""
    if not user.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied("Only editors decide takedown requests.")
    with transaction.atomic():
        stored = TakedownRequest.objects.select_for_update().get(pk=request.pk)
        if stored.is_decided:
            raise ValidationError(
                "This request was decided on %(day)s; a decision is part of the record.",
                params={"day": f"{timezone.localtime(stored.decided_at):%Y-%m-%d}"},
            )
        check_decision(request)
        kind, item = item_of(request)
        now = timezone.now()
        comment = (
            f"{Decision(request.decision).label.split(':')[0]}: takedown request #{request.pk}."
        )
        with acting_as(user, comment):
            if kind is COMMENT:
                detail = decide_comment(request, item, user, now)
            elif request.decision == Decision.ANONYMISE:
                detail = anonymise(kind, item, request.name_list(), request.replacement.strip())
            elif request.decision == Decision.REMOVE:
                detail = remove(kind, item, now)
            else:
                detail = f"Declined; {kind.label} #{item.pk} stays as it is."
        request.status = TakedownRequest.Status.DECIDED
        request.decided_by = user
        request.decided_at = now
        request.save()
        log(f"decided: {request.decision}", user, request, detail)
    return request


def _pattern(names: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(name) for name in names), re.IGNORECASE)


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields of free text an editor writes (not the slug, not choices)."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and field.editable
        and not field.choices
        and not isinstance(field, models.SlugField)
    ]


def _replace_in(obj: models.Model, pattern: re.Pattern[str], wording: str) -> list[str]:
    changed = []
    for field in text_fields(type(obj)):
        value = getattr(obj, field.attname) or ""
        new = pattern.sub(wording, value)
        if new != value:
            setattr(obj, field.attname, new)
            changed.append(field.name)
    return changed


def anonymised_slug(slug: str, names: list[str], wording: str, model: Any, pk: int) -> str:
    """The slug with each name's slug form replaced by the wording's, kept unique."""
    forms = [slugify(name) for name in names if slugify(name)]
    if not forms:
        return slug
    words = re.compile(r"(?<![a-z0-9])(?:" + "|".join(map(re.escape, forms)) + r")(?![a-z0-9])")
    new = re.sub(r"-{2,}", "-", words.sub(slugify(wording), slug)).strip("-") or "item"
    if new == slug:
        return slug
    candidate, n = new, 2
    while model.objects.filter(slug=candidate).exclude(pk=pk).exists():
        candidate, n = f"{new}-{n}", n + 1
    return candidate


def anonymise(kind: Kind, item: Any, names: list[str], wording: str) -> str:
    """Replace every spelling of the name in the item's text, its slug and
    its parts' text (a story's corrections), and take its photo off."""
    pattern = _pattern(names)
    changed = _replace_in(item, pattern, wording)
    slug = anonymised_slug(item.slug, names, wording, kind.model, item.pk)
    if slug != item.slug:
        item.slug = slug
        changed.append("slug")
    for photo in file_fields(kind.model):
        if getattr(item, photo):
            setattr(item, photo, None)
            changed.append(photo)
            # Its description, caption and credit go with it.
            for field in text_fields(kind.model):
                if field.name.startswith(f"{photo}_"):
                    setattr(item, field.attname, "")
    parts = _anonymise_parts(item, pattern, wording)
    _check_gone(item, pattern, parts)
    item.full_clean()
    item.save()  # the publish: every page it is on, its old address redirects
    for part in parts:
        if hasattr(part, "allow_amend"):
            part.allow_amend()  # a published correction: amended by this decision
        part.save()
    what = ", ".join(changed) or "nothing (the name was not there)"
    if parts:
        what += f"; {len(parts)} related text(s)"
    return f"Anonymised {kind.label} #{item.pk}: replaced in {what}."


def _anonymise_parts(item: Any, pattern: re.Pattern[str], wording: str) -> list[models.Model]:
    """The item's rows of their own with text readers see (a story's
    corrections) in which the name appears, the name replaced."""
    parts = []
    for rel in type(item)._meta.related_objects:
        if not rel.one_to_many or not text_fields(rel.related_model):
            continue
        for part in getattr(item, rel.get_accessor_name()).all():
            if _replace_in(part, pattern, wording):
                parts.append(part)
    return parts


def _check_gone(item: Any, pattern: re.Pattern[str], parts: list[models.Model]) -> None:
    for obj in [item, *parts]:
        for field in text_fields(type(obj)):
            if pattern.search(getattr(obj, field.attname) or ""):
                raise ValidationError(f"The name would still appear in the {field.verbose_name}.")


def remove(kind: Kind, item: Any, when: Any) -> str:
    """Take the item off the site for good: its addresses answer 410 Gone."""
    page = registry().detail(kind.name)
    live = item.is_published
    gone = mark_gone(kind.name, item.pk, [page.url(page.params_for(item))], when) if live else []
    item.status = "draft"
    item.save()
    where = ", ".join(gone) if gone else "it was not on the site"
    return f"Removed {kind.label} #{item.pk} ({where})."


def decide_comment(request: TakedownRequest, comment: Comment, user: Any, when: Any) -> str:
    """A reader's comment is removed or left; its save republishes its page."""
    if request.decision == Decision.ANONYMISE:
        raise ValidationError(
            {"decision": "A reader's comment is removed, not anonymised: choose Remove."}
        )
    if request.decision != Decision.REMOVE:
        return f"Declined; reader's comment #{comment.pk} stays as it is."
    comment.status = Comment.Status.REMOVED
    comment.reason = f"Removed by takedown request #{request.pk}."
    comment.decided_at, comment.decided_by = when, user
    comment.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    return f"Removed reader's comment #{comment.pk} from {comment.kind} #{comment.item_id}."
