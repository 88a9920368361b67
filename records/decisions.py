"""Deciding a takedown request: decline, anonymise or remove.

Each decision changes the item through its normal save, so the publish that
follows (``publisher.changes``) takes the old text out of every page, feed,
sitemap, search index and the bucket, and invalidates it on CloudFront, in
that one publish. Removing also records the item's addresses as gone
(``publisher.pages.gone``): they answer 410 Gone with a short page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from reversion.models import Revision, Version

from content.models import Comment
from publisher.lighttpd import clear_deflate_cache
from publisher.locks import BuildLocked, build_lock
from publisher.media import file_fields
from publisher.models import Gone, Redirect
from publisher.pages.gone import mark_gone, retire_addresses
from publisher.pages.registry import Kind, registry
from publisher.paths import file_path
from publisher.publish import process_queue
from publisher.releases import drop_older, live_release, releases_dir
from records.models import Decision, TakedownRequest, log
from records.names import files_showing, name_pattern, replace_names, shown_pattern
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


def render_beforehand(request: TakedownRequest) -> tuple[str, str] | None:
    """The item's body as ``request``'s decision will leave it, and its HTML:
    rendered before the deciding transaction, which on SQLite holds the write
    lock from its start (as the admin's save renders before its own). None
    when there is nothing to render or the decision will be refused anyway."""
    try:
        check_decision(request)
        kind, item = item_of(request)
    except (ValidationError, ValueError):
        return None  # decide() says why
    if request.decision == Decision.ANONYMISE:
        _replace_in(item, _pattern(request.name_list()), request.replacement.strip())
    elif request.decision != Decision.REMOVE:
        return None  # declining saves nothing
    if not hasattr(item, "render"):
        return None
    item.render()
    return item.body, item.body_html


def decide(
    request: TakedownRequest, user: Any, rendered: tuple[str, str] | None = None
) -> TakedownRequest:
    """Apply ``request.decision`` (with its names, wording and note) as
    ``user``; the request is then decided and the audit log says so.
    Only editors decide; a decided request is never decided again.
    ``rendered``: ``render_beforehand(request)``, when the caller is already
    in a transaction (the admin); otherwise it is done here, before this one."""
    if not user.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied("Only editors decide takedown requests.")
    rendered = rendered or render_beforehand(request)
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
                detail = anonymise(
                    kind,
                    item,
                    request.name_list(),
                    request.replacement.strip(),
                    now,
                    rendered,
                )
            elif request.decision == Decision.REMOVE:
                if rendered is not None:
                    item.use_rendered(*rendered)
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
    # Across any whitespace, entity or <br> between the words, with or
    # without accents, any apostrophe (records.names).
    return name_pattern(names)


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
        new = replace_names(value, pattern, wording)
        if new != value:
            setattr(obj, field.attname, new)
            changed.append(field.name)
    return changed


def anonymised_slug(slug: str, names: list[str], wording: str, model: Any, pk: int) -> str:
    """The slug with each name's words replaced by the wording's, kept
    unique. The words are found as ``address_names`` finds them: in any
    order ("zyndrowski-jane-fined"), a plural's "s" too."""
    parts = [part for part in slug.split("-") if part]
    for name in names:  # longest first
        words = [word for word in slugify(name).split("-") if word]
        while words and all(_slug_word(parts, word) is not None for word in words):
            at = [_slug_word(parts, word) for word in words]
            first = min(i for i in at if i is not None)
            parts = [part for i, part in enumerate(parts) if i not in at]
            parts[first:first] = [slugify(wording)]
    new = re.sub(r"-{2,}", "-", "-".join(parts)).strip("-") or "item"
    if new == slug or model is None:
        return new
    candidate, n = new, 2
    while model.objects.filter(slug=candidate).exclude(pk=pk).exists():
        candidate, n = f"{new}-{n}", n + 1
    return candidate


def _slug_word(parts: list[str], word: str) -> int | None:
    for i, part in enumerate(parts):
        if part in (word, f"{word}s", f"{word}es"):
            return i
    return None


def anonymise(
    kind: Kind,
    item: Any,
    names: list[str],
    wording: str,
    when: Any = None,
    rendered: tuple[str, str] | None = None,
) -> str:
    """Replace every spelling of the name in the item's text, its slug and
    its parts' text (a story's corrections), and take its photo off; its old
    addresses that hold the name are retired (410 Gone, no redirect); its
    older revisions are redacted the same way. ``rendered``: the new body and
    its HTML, rendered beforehand (used if the body is still what it was
    rendered from)."""
    pattern = _pattern(names)
    retired = retire_named_addresses(kind, item, names, when or timezone.now())
    changed = _replace_in(item, pattern, wording)
    if rendered is not None:
        item.use_rendered(*rendered)
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
    redacted = redact_revisions(kind, item, names, wording)
    what = ", ".join(changed) or "nothing (the name was not there)"
    if parts:
        what += f"; {len(parts)} related text(s)"
    if retired:
        what += f"; {len(retired)} old address(es) holding the name answer 410 Gone"
    if redacted:
        what += f"; redacted in {redacted} older revision(s)"
    return f"Anonymised {kind.label} #{item.pk}: replaced in {what}."


def address_names(path: str, names: list[str]) -> bool:
    """Whether an address holds one of ``names``: every word of the name, as
    a slug writes it (accents folded, case and punctuation dropped), among
    the words of one segment of the path, in any order ("/news/2026/12/07/
    smyth-john-wins/" holds "John Smyth"; a plural's "s" counts)."""
    for segment in path.strip("/").split("/"):
        words = set(segment.split("-"))
        words |= {word[:-1] for word in words if word.endswith("s")}
        for name in names:
            wanted = [word for word in slugify(name).split("-") if word]
            if wanted and all(word in words for word in wanted):
                return True
    return False


def retire_named_addresses(kind: Kind, item: Any, names: list[str], when: Any) -> list[str]:
    """The item's addresses (its current one, and the older ones that
    redirect to it) that hold a name: retired, 410 Gone for good."""
    page = registry().detail(kind.name)
    current = page.url(page.params_for(item))
    paths = {current, *Redirect.objects.filter(new_path=current).values_list("old_path", flat=True)}
    named = [path for path in paths if address_names(path, names)]
    return retire_addresses(kind.name, item.pk, named, when) if named else []


def redact_revisions(kind: Kind, item: Any, names: list[str], wording: str) -> int:
    """Take the names out of the item's older revisions (django-reversion's
    ``serialized_data`` and ``object_repr``, and the revisions' comments), as
    out of the item: History and Compare then show the wording. The
    revisions stay, with who saved them and when. Returns how many changed."""
    pattern = _pattern(names)
    slug_fields = {f.name for f in kind.model._meta.fields if isinstance(f, models.SlugField)}
    photos = set(file_fields(kind.model))
    changed = 0
    for version in Version.objects.get_for_object(item).select_related("revision"):
        data = version.serialized_data
        if version.format == "json":
            rows, edited = json.loads(data), False
            for row in rows:
                for field, value in row.get("fields", {}).items():
                    if not isinstance(value, str):
                        continue
                    if field in slug_fields:
                        new = anonymised_slug(value, names, wording, None, None)
                    elif field in photos:
                        new = "" if address_names(value.replace("_", "-"), names) else value
                    else:
                        new = replace_names(value, pattern, wording)
                    if new != value:
                        row["fields"][field], edited = new, True
            if edited:
                data = json.dumps(rows, cls=DjangoJSONEncoder)
        else:
            data = replace_names(data, pattern, wording)
        title = replace_names(version.object_repr, pattern, wording)
        if (data, title) != (version.serialized_data, version.object_repr):
            Version.objects.filter(pk=version.pk).update(serialized_data=data, object_repr=title)
            changed += 1
        comment = replace_names(version.revision.comment, pattern, wording)
        if comment != version.revision.comment:
            Revision.objects.filter(pk=version.revision_id).update(comment=comment)
    return changed


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


class NotYetGone(Exception):
    """The decision was applied and published, but what it took down is
    still somewhere readers or the server keep it; the message says where."""

    def __init__(self, places: list[str]) -> None:
        self.places = places
        super().__init__("; ".join(places))


# Files that list or index every item: read after each anonymisation.
STANDING_FILES = ("index.html", "sitemap.xml", "search/index/shards.json")
STANDING_DIRS = ("feeds", "sitemaps")


def publish_decision(request: TakedownRequest, user: Any = None) -> str:
    """What follows a decision's commit: publish it now; delete the copies of
    the site that still hold the old text (the kept older releases under
    ``build/releases/`` and lighttpd's compressed copies); for an
    anonymisation, read the built files (the item's page, every file the
    publish wrote: lists, feeds, sitemaps, search index; and every feed and
    sitemap) for the names, as a reader's browser gets them. An audit line
    says what was found. Raises ``NotYetGone`` saying where, rather than
    report success while the name is still there."""
    if request.decision not in (Decision.ANONYMISE, Decision.REMOVE):
        return ""
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    result = process_queue(build_dir)
    problems: list[str] = []
    dropped: list[Path] = []
    try:
        if releases_dir(build_dir).is_dir():  # not before the first build
            with build_lock(build_dir):
                dropped = drop_older(build_dir)
    except BuildLocked:
        problems.append(
            "a build is running, so the older releases under build/releases/ were kept: "
            "once it is done, run `manage.py build --keep 1`"
        )
    cleared = clear_deflate_cache(Path(settings.VAR_DIR))
    if request.decision == Decision.ANONYMISE:
        problems += [f"the name is still in {place}" for place in names_left(request, result)]
    detail = (
        f"Published: {len(result.written)} file(s) written, {len(result.removed)} removed; "
        f"{len(dropped)} older release(s) and {cleared} compressed copie(s) deleted. "
    )
    if problems:
        detail += "; ".join(problems)
    elif request.decision == Decision.ANONYMISE:
        detail += "Checked: the old text is in no built file."
    log("checked" if not problems else "check failed", user, request, detail)
    if problems:
        raise NotYetGone(problems)
    return detail


def names_left(request: TakedownRequest, result: Any) -> list[str]:
    """The built files (relative to the live release) that still show one of
    the request's names: in their text, or in their own path."""
    live = live_release(Path(settings.PUBLISHER_BUILD_DIR))
    if live is None:
        return []
    kind, item = item_of(request)
    page = registry().detail(kind.name)
    candidates = set(result.written) | set(STANDING_FILES)
    if item.is_published:
        candidates.add(file_path(page.url(page.params_for(item))))
    for folder in STANDING_DIRS:
        candidates |= {path.relative_to(live).as_posix() for path in (live / folder).rglob("*.xml")}
    retired = Gone.objects.filter(kind=kind.name, object_id=item.pk, named=True)
    candidates |= {file_path(path) for path in retired.values_list("path", flat=True)}
    return files_showing(live, candidates, shown_pattern(request.name_list()))


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
