"""Every reader form field's help and errors are tied to it for screen readers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db
KINDS = ["obituary", "birth", "wedding", "tip", "letter"]


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.described: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if "id" in found:
            self.ids[found["id"]] = tag
        for ref in (found.get("aria-describedby") or "").split():
            self.described.append((found.get("id") or tag, ref))


def described(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("kind", KINDS)
def test_each_fields_help_and_errors_are_what_it_is_described_by(client, kind):
    empty = client.get(f"/submit/{kind}/").content.decode()
    # Every field with help is described by it (empty form), and by its error
    # too once refused (every required field left empty, one name on two lines).
    refused = client.post(f"/submit/{kind}/", {"name": "Anna\nQuist"}).content.decode()
    assert described(refused).described, "no field is described: the check proves nothing"
    for page in (empty, refused):
        parser = described(page)
        missing = [(field, ref) for field, ref in parser.described if ref not in parser.ids]
        assert missing == []
    helped = re.findall(r'id="(id_\w+_helptext)"', empty)
    assert {ref for _, ref in described(empty).described} == set(helped)


def test_a_help_text_is_a_paragraph_after_its_field(client):
    page = client.get("/submit/birth/").content.decode()
    assert '<p class="desk-help" id="id_parents_helptext">As you want it printed' in page
