"""The demo's data files: every template fills, and a broken file says where it is broken."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from content.demo import stories
from content.demo.obituaries import ASIDES
from content.demo.slots import SLOT_MAKERS
from content.demo.words import DATA, DemoDataError, lines, toml


def names_in(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_story_template_names_only_slots_that_exist():
    used: dict[str, set[str]] = {}
    for slug, by_season in stories.TEMPLATES.items():
        texts = [*stories.PARAGRAPHS[slug]]
        for t in (t for season in by_season.values() for t in season):
            texts += [*t.headlines, t.dek, t.lede, *t.follow_ups]
        for text in texts:
            for name in names_in(text):
                used.setdefault(name, set()).add(slug)

    assert {name: slugs for name, slugs in used.items() if name not in SLOT_MAKERS} == {}


def test_every_section_tells_a_story_in_every_season():
    for slug, by_season in stories.TEMPLATES.items():
        assert set(by_season) == set(stories.SEASONS), slug
        assert all(by_season.values()), slug


def test_obituary_asides_name_only_his_or_her():
    assert set().union(*(names_in(aside) for aside in ASIDES)) == {"his"}


def test_the_data_files_are_found_beside_the_code_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert DATA.is_absolute()
    assert "Anderson" in lines("names/last")
    assert toml("newsroom")["section"][0]["slug"] == "local-news"


def test_a_word_list_has_one_entry_a_line_and_skips_blank_lines(tmp_path):
    (tmp_path / "towns.txt").write_text("Ashford\n\nCarver\n  \nDunmore", encoding="utf-8")

    assert lines("towns", tmp_path) == ("Ashford", "Carver", "Dunmore")


def test_an_entry_with_a_stray_space_is_refused_with_file_and_line(tmp_path):
    (tmp_path / "towns.txt").write_text("Ashford\nCarver \n", encoding="utf-8")

    with pytest.raises(DemoDataError, match=r"towns\.txt, line 2: space at the start or end"):
        lines("towns", tmp_path)


def test_an_empty_word_list_is_refused(tmp_path):
    (tmp_path / "towns.txt").write_text("\n\n", encoding="utf-8")

    with pytest.raises(DemoDataError, match=r"towns\.txt: no entries"):
        lines("towns", tmp_path)


def test_a_toml_syntax_error_names_the_file(tmp_path):
    (tmp_path / "crimes.toml").write_text('stores = ["Millbrook Foods"\n', encoding="utf-8")

    with pytest.raises(DemoDataError, match=r"crimes\.toml: Unclosed array"):
        toml("crimes", tmp_path)


def write_section(root: Path, text: str) -> None:
    (root / "sections").mkdir()
    (root / "sections" / "sports.toml").write_text(text, encoding="utf-8")


STORY = 'headlines = ["Millers win"]\ndek = "d"\nlede = "l"\nfollow_ups = []\n'


def test_a_section_keeps_its_templates_in_file_order_for_each_season(tmp_path):
    write_section(
        tmp_path,
        f'paragraphs = ["p"]\n[[story]]\nseason = "fall"\n{STORY}'
        f"[[story]]\n{STORY.replace('win', 'lose')}",
    )

    by_season, paragraphs = stories.load_section("sports", tmp_path)

    assert [t.headlines for t in by_season["fall"]] == [["Millers win"], ["Millers lose"]]
    assert [t.headlines for t in by_season["winter"]] == [["Millers lose"]]
    assert paragraphs == ["p"]


@pytest.mark.parametrize(
    ("story", "message"),
    [
        (f'season = "autumn"\n{STORY}', r"story 1: season 'autumn' is not one of winter, spring"),
        (STORY.replace("dek", "deck"), r"story 1: .*unexpected keyword argument 'deck'"),
        (STORY.replace('lede = "l"\n', ""), r"story 1: .*missing 1 required .*'lede'"),
        (f'season = "fall"\n{STORY}', r"sports\.toml: no story for winter"),
    ],
)
def test_a_broken_section_file_is_refused_with_the_story_it_breaks_on(tmp_path, story, message):
    write_section(tmp_path, f"[[story]]\n{story}")

    with pytest.raises(DemoDataError, match=message):
        stories.load_section("sports", tmp_path)
