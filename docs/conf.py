"""Sphinx configuration: the newsroom's docs (MyST Markdown, Furo).

Built by ``scripts/docs`` into ``build/docs/`` with warnings as errors, and by
``scripts/test`` the same way. The reference pages (settings, commands, page
types, URLs) are made from the code by ``_ext/newsroom.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")

project = "The newsroom publisher"
author = "The newsroom"
copyright = "the newsroom"  # noqa: A001 (Sphinx's own name)
extensions = ["myst_parser", "newsroom"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md"]
myst_enable_extensions = ["colon_fence", "deflist"]
# Headings up to ### get anchors, so pages can link to a section.
myst_heading_anchors = 3
# Every reference must resolve: a renamed setting or command fails the build.
nitpicky = True
html_theme = "furo"
html_title = "The newsroom publisher"
html_static_path: list[str] = []
html_last_updated_fmt = None
# Where the screenshots (made by scripts/docs) and benchmark charts are found.
newsroom_shots_dir = os.environ.get("NEWSROOM_DOCS_SHOTS", str(ROOT / "build" / "docs-shots"))
