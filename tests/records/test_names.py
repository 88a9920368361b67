"""Finding a listed name however the text writes it, and the wording that
replaces it taking the case of a sentence's start (records.names)."""

from __future__ import annotations

import pytest

from records.decisions import address_names
from records.names import name_pattern, replace_names, shown_pattern

NAMES = ["José Núñez", "Zoë O'Brien", "John Smyth"]


@pytest.mark.parametrize(
    "text",
    [
        "Police said José\nNúñez admitted it.",
        "Police said José\u00a0Núñez admitted it.",
        "Police said José  Núñez admitted it.",
        "Police said José\u2009Núñez admitted it.",  # a thin space
        "Police said José\r\n   Núñez admitted it.",
        "Police said José<br>Núñez admitted it.",
        "Police said José<br />Núñez admitted it.",
        "Police said José&nbsp;Núñez admitted it.",
        "Police said José&#160;Núñez admitted it.",
        "Police said José&#xA0;Núñez admitted it.",
        "Police said José\\\nNúñez admitted it.",  # Markdown's hard break
        "Police said JOSÉ NÚÑEZ admitted it.",
        "Police said Jose Nunez admitted it.",  # without its accents
        "Police said Jose\u0301 Nu\u0301n\u0303ez admitted it.",  # accents as marks
        "Police said Jos&eacute; N&uacute;&ntilde;ez admitted it.",
        "Police said Zoë O’Brien admitted it.",
        "Police said Zoe OBrien admitted it.",
        "Police said Zoë\nO&#x27;Brien admitted it.",
        "Police said John\n  Smyth admitted it.",
    ],
)
def test_a_name_is_found_however_the_space_accents_or_apostrophe_are_written(text):
    assert replace_names(text, name_pattern(NAMES), "a resident") == (
        "Police said a resident admitted it."
    )


def test_only_whole_words_are_names():
    pattern = name_pattern(["Lee"])
    assert replace_names("Lee moved to Leeds; Fleet Street.", pattern, "X") == (
        "X moved to Leeds; Fleet Street."
    )
    assert replace_names("the Lees said", pattern, "family") == "the family said"  # a plural


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("John Smyth speaks up", "A resident speaks up"),
        ("It rained. John Smyth spoke.", "It rained. A resident spoke."),
        ("“John Smyth!” he said", "“A resident!” he said"),
        ("Intro\n\n**John Smyth** spoke.", "Intro\n\n**A resident** spoke."),
        ("<p>John&nbsp;Smyth spoke.</p>", "<p>A resident spoke.</p>"),
        ("## John Smyth\n\nText", "## A resident\n\nText"),
        ("Then John Smyth spoke.", "Then a resident spoke."),
        ("Mr. John Smyth spoke.", "Mr. a resident spoke."),
    ],
)
def test_the_wording_takes_the_case_of_the_start_of_a_headline_or_sentence(text, expected):
    assert replace_names(text, name_pattern(["John Smyth"]), "a resident") == expected


@pytest.mark.parametrize(
    "shown",
    [
        "/news/2026/12/07/jose-nunez-wins/",
        "jose_nunez.jpg",
        '"title": "Jos\\u00e9 N\\u00fa\\u00f1ez wins"',
        "jose nunez",  # a search index's folded words
        "José%20Núñez",
    ],
)
def test_a_built_file_shows_the_name_in_a_slug_a_json_escape_or_folded(shown):
    assert shown_pattern(["José Núñez"]).search(shown)


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/news/2026/12/07/john-smyth-wins/", ["John Smyth"]),
        ("/news/2026/12/07/smyth-john-wins/", ["John Smyth"]),  # any order
        ("/news/2026/12/07/jose-nunez-wins/", ["José Núñez"]),  # accents folded
        ("/news/2026/12/07/zoe-obrien-wins/", ["Zoë O'Brien"]),
        ("/obituaries/2026/12/smyths-remembered/", ["Smyth"]),
    ],
)
def test_an_address_holds_a_name_whose_words_are_in_one_segment(path, names):
    assert address_names(path, names)


@pytest.mark.parametrize(
    "path",
    ["/news/2026/12/07/council-meets/", "/news/2026/12/07/john-wins/", "/news/john/smyth-x/"],
)
def test_an_address_without_every_word_of_the_name_does_not(path):
    assert not address_names(path, ["John Smyth"])
