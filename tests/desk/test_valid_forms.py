"""The readers' forms are valid HTML (the Nu HTML Checker), empty, with every
error showing, and their confirmation page."""

from __future__ import annotations

import pytest

from desk.forms import FORMS
from tests.support import nu_html_checker, submit_form

pytestmark = pytest.mark.django_db


def test_every_form_page_is_valid_html(client, tmp_path):
    pages = {"index": client.get("/submit/")}
    for kind in FORMS:
        pages[kind] = client.get(f"/submit/{kind}/")
        # Nothing filled in but the trap: every field's error and the notice show.
        pages[f"{kind}-errors"] = client.post(f"/submit/{kind}/", {"website": "x"})
    sent = client.post("/submit/tip/", submit_form("tip"))
    pages["sent"] = client.get(sent["Location"])
    files = []
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)
    errors = [
        f"{m.get('url', '').rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}"
        for m in nu_html_checker(files)
        if m["type"] in ("error", "non-document-error")
    ]
    assert not errors, "\n".join(errors)
