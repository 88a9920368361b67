"""Demo stories and their bylines, from each section's templates.

``data/sections/<slug>.toml`` holds a section's story templates (headline
choices, dek, lede, follow-ups) and the paragraphs that fit any of its
stories; ``data/stories.toml`` the pieces any story may carry.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from content.demo.newsroom import SECTIONS, Newsroom
from content.demo.photos import Images
from content.demo.slots import Slots
from content.demo.text import body_html
from content.demo.timeline import Slugs, local_date, timeline
from content.demo.words import DATA, DemoDataError, toml
from content.models import Byline, Story

SEASONS = ("winter", "spring", "summer", "fall")


@dataclass(frozen=True)
class Template:
    headlines: Sequence[str]  # one is chosen
    dek: str
    lede: str
    follow_ups: Sequence[str]  # the story's own paragraphs, in order, after the lede
    season: str | None = None  # told only in this season; None: any time


def load_section(slug: str, root: Path = DATA) -> tuple[dict[str, list[Template]], list[str]]:
    """A section's templates for each season, and its filler paragraphs."""
    name = f"sections/{slug}"
    data = toml(name, root)
    where = root / f"{name}.toml"
    templates = []
    for number, story in enumerate(data.get("story", []), start=1):
        try:
            templates.append(Template(**story))
        except TypeError as exc:  # a key missing or misspelt
            raise DemoDataError(f"{where}, story {number}: {exc}") from None
        if templates[-1].season not in (None, *SEASONS):
            raise DemoDataError(
                f"{where}, story {number}: season {story['season']!r} is not one of "
                + ", ".join(SEASONS)
            )
    # In file order, so a draw picks what it always picked.
    by_season = {season: [t for t in templates if t.season in (season, None)] for season in SEASONS}
    for season, candidates in by_season.items():
        if not candidates:
            raise DemoDataError(f"{where}: no story for {season} (one without a season will do)")
    return by_season, data.get("paragraphs", [])


_SECTIONS = {section["slug"]: load_section(section["slug"]) for section in SECTIONS}
TEMPLATES = {slug: by_season for slug, (by_season, _) in _SECTIONS.items()}
PARAGRAPHS = {slug: paragraphs for slug, (_, paragraphs) in _SECTIONS.items()}

_EXTRAS = toml("stories")
SUBHEADS: tuple[str, ...] = tuple(_EXTRAS["subheads"])
STORY_NOTES: tuple[str, ...] = tuple(_EXTRAS["notes"])
AGENDA_NOTE: str = _EXTRAS["agenda_note"]


def story_rows(
    rng: random.Random,
    n: int,
    anchor: date,
    span: int,
    newsroom: Newsroom,
    images: Images,
) -> Iterator[tuple[Story, list[Byline]]]:
    slugs = Slugs("story")
    pools = {
        section.slug: _paragraph_pool(rng, PARAGRAPHS[section.slug], anchor, newsroom.cast)
        for section in newsroom.sections
    }
    authors_by_id = {author.id: author for author in newsroom.authors}
    byline_id = 0
    for story_id, when in enumerate(timeline(rng, n, anchor, span, (20, 6 * 60)), start=1):
        section = rng.choices(newsroom.sections, newsroom.section_weights)[0]
        day = local_date(when.publish_at)
        template = rng.choice(TEMPLATES[section.slug][season(day)])
        slots = Slots(rng, day, newsroom.cast)
        headline = slots.fill(rng.choice(template.headlines))
        dek, lede = slots.fill(template.dek), slots.fill(template.lede)

        n_paragraphs = rng.choices((3, 4, 5, 6, 7, 8), (10, 18, 22, 20, 16, 14))[0]
        own = [slots.fill(text) for text in template.follow_ups[: n_paragraphs - 1]]
        pool = pools[section.slug]
        # One fill each of distinct templates: no paragraph said twice.
        fillers = rng.sample(pool, min(n_paragraphs - 1 - len(own), len(pool)))
        blocks = [lede, *own, *(rng.choice(fills) for fills in fillers)]
        if len(blocks) >= 6 and section.slug != "opinion" and rng.random() < 0.5:
            blocks.insert(len(blocks) - 2, rng.choice(SUBHEADS))
        if rng.random() < 0.06:
            notes = STORY_NOTES + (AGENDA_NOTE,) if section.slug == "government" else STORY_NOTES
            blocks.append(rng.choice(notes))

        author_ids = [rng.choice(newsroom.beats[section.slug])]
        if section.slug != "opinion" and rng.random() < 0.18:
            others = [a.id for a in newsroom.authors if a.id != author_ids[0]]
            author_ids.append(rng.choice(others))
        bylines = []
        for position, author_id in enumerate(author_ids):
            byline_id += 1
            bylines.append(
                Byline(id=byline_id, story_id=story_id, author_id=author_id, position=position)
            )

        photo = {}
        if rng.random() < 1 / 8:
            scene = rng.choice(images.scenes)
            credit = rng.choices(
                (
                    f"{newsroom.photographer.name}/The Millbrook Ledger",
                    f"{authors_by_id[author_ids[0]].name}/The Millbrook Ledger",
                    "Submitted photo",
                ),
                (5, 3, 2),
            )[0]
            photo = {
                "photo": scene.name,
                "photo_width": scene.width,
                "photo_height": scene.height,
                "photo_digest": scene.digest,
                "photo_alt": scene.alt,
                "photo_caption": scene.caption,
                "photo_credit": credit,
            }
        body = "\n\n".join(blocks)
        story = Story(
            id=story_id,
            slug=slugs(headline),
            status=when.status,
            publish_at=when.publish_at,
            created_at=when.created_at,
            updated_at=when.updated_at,
            headline=headline,
            dek=dek,
            section_id=section.id,
            body=body,
            body_html=body_html(blocks),
            **photo,
        )
        yield story, bylines


def _paragraph_pool(
    rng: random.Random, templates: Sequence[str], anchor: date, cast: Mapping[str, object]
) -> list[list[str]]:
    """A few fills of each template, filled once for the whole run: a modest
    pool keeps 50,000 bodies cheap to build and to render."""
    return [
        list(dict.fromkeys(Slots(rng, anchor, cast).fill(template) for _ in range(4)))
        for template in templates
    ]


def season(day: date) -> str:
    if day.month in (12, 1, 2):
        return "winter"
    if day.month in (3, 4, 5):
        return "spring"
    if day.month in (6, 7) or (day.month == 8 and day.day < 15):
        return "summer"
    return "fall"
