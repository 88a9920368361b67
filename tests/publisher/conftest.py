"""Fixtures the publisher's tests share (the newsroom itself is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.support import start_live_site


@pytest.fixture
def live(newsroom, settings):
    start_live_site()
    return newsroom
