"""The docs' reference pages, made from the code so they cannot drift from it.

Directives (used in ``docs/reference/*.md`` and ``docs/explanation/*.md``):

- ``newsroom-settings``: every environment variable ``publisher/settings.py``
  reads (``publisher.env.READ``: name, kind, default, least value), with its
  description from ``publisher/settings_help.py``. A setting without a
  description, or a description of a setting no longer read, is a warning
  (an error under ``-W``). Each is an ``envvar`` target: ``{envvar}`NAME```
  links to it, and a name that is not a setting fails the build (nitpicky).
- ``newsroom-commands``: every management command of the project's apps, with
  its own ``--help``; ``{command}`build``` links to one (unknown: a failure).
- ``newsroom-pages``: every page type of the registry, in build order.
- ``newsroom-urls``: every address Django answers (admin, previews, forms).
- ``screenshot``: a picture made by ``docs/screenshots.py`` (``scripts/docs``);
  when it was not made (``scripts/test`` builds without Chromium), a note
  says so instead, so the build passes without them.
- ``bench-figures``: a benchmark's figures (``docs/benchmarks/<name>.json``,
  written by ``bench/figures.py``) as a table and an SVG chart.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

APPS = ("publisher", "content", "desk", "records")


def _django() -> None:
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _md(directive: SphinxDirective, text: str) -> list[nodes.Node]:
    return directive.parse_text_to_nodes(text)


def _default_text(value: object) -> str:
    from django.conf import settings

    if value is True:
        return "`true`"
    if value is False:
        return "`false`"
    if value == "":
        return "empty"
    return f"`{str(value).replace(str(settings.BASE_DIR), '<checkout>')}`"


class SettingsDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        _django()
        from publisher.env import READ
        from publisher.settings_help import SETTINGS_HELP

        drifts = [
            (
                name,
                "is read by publisher/settings.py but has no description in "
                "publisher/settings_help.py",
            )
            for name in READ.keys() - SETTINGS_HELP.keys()
        ]
        drifts += [(name, "is described in publisher/settings_help.py but publisher/settings.py "
                    "no longer reads it") for name in SETTINGS_HELP.keys() - READ.keys()]  # fmt: skip
        for name, problem in sorted(drifts):
            logger.warning("setting %s %s", name, problem, location=(self.env.docname, self.lineno))
        parts = []
        for name, read in READ.items():
            help_ = SETTINGS_HELP.get(name, {})
            default = _default_text(read["default"])
            if help_.get("note"):
                default += f" ({help_['note']})"
            kind = read["kind"]
            if read["minimum"] is not None:
                kind += f", at least {read['minimum']}"
            what = help_.get("what", "")
            what = what[:1].upper() + what[1:]
            parts.append(
                f"````{{envvar}} {name}\n{what}.\n\nDefault: {default}. Kind: {kind}.\n````\n"
            )
        return _md(self, "\n".join(parts))


def _commands() -> dict[str, str]:
    _django()
    from django.core.management import get_commands

    return {name: app for name, app in sorted(get_commands().items()) if app in APPS}


def command_help(name: str) -> str:
    """``manage.py NAME --help``, as the command prints it (88 columns)."""
    from django.core.management import get_commands, load_command_class

    os.environ["COLUMNS"] = "88"
    command = load_command_class(get_commands()[name], name)
    return command.create_parser("manage.py", name).format_help()


class CommandsDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        parts = []
        for name, app in _commands().items():
            text = command_help(name).rstrip()
            parts.append(
                f"## `{name}`\n\n```{{command}} {name}\n```\n\n"
                f"From the `{app}` app: `.venv/bin/python manage.py {name} --help` prints\n\n"
                f"```text\n{text}\n```\n"
            )
        return _md(self, "\n".join(parts))


def _first_sentence(text: str | None) -> str:
    text = " ".join((text or "").split())
    if not text:
        return ""
    head, dot, _ = text.partition(". ")
    return (head + ("." if dot else "")).replace("|", "\\|")


class PagesDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        _django()
        from publisher.pages.registry import registry

        rows = ["| page type | address | class | what |", "| --- | --- | --- | --- |"]
        for page in registry().pages:
            routes = [f"`/{route}`" for route, _name, _params in page.routes() if route]
            route = ", then ".join(routes) if routes else "(the item's old address)"
            if page.name == "home":
                route = "`/`"
            doc = _first_sentence(type(page).__doc__)
            rows.append(f"| `{page.name}` | {route} | `{type(page).__name__}` | {doc} |")
        kinds = ["| kind | label | its page |", "| --- | --- | --- |"]
        for kind in registry().kinds.values():
            if kind.item:
                kinds.append(f"| `{kind.name}` | {kind.label} | `{kind.page or kind.name}` |")
        return _md(self, "\n".join(rows) + "\n\nThe kinds of item:\n\n" + "\n".join(kinds))


def _walk(patterns, prefix: str = ""):
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name or ""


class UrlsDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        _django()
        from django.urls import get_resolver

        from publisher.pages.registry import registry

        pages = {name for page in registry().pages for _route, name, _params in page.routes()}
        rows = ["| address (Django's pattern) | name |", "| --- | --- |"]
        seen = set()
        for pattern, name in _walk(get_resolver().url_patterns):
            if name in pages or pattern.startswith("admin/") or (pattern, name) in seen:
                continue
            seen.add((pattern, name))
            shown = pattern.replace("|", "\\|").replace("^", "").replace("$", "")
            rows.append(f"| `/{shown}` | `{name}` |")
        return _md(self, "\n".join(rows))


def _shots_dir(directive: SphinxDirective) -> Path:
    return Path(directive.config.newsroom_shots_dir)


class ScreenshotDirective(SphinxDirective):
    """``{screenshot} NAME`` with the caption as content."""

    required_arguments = 1
    has_content = True
    option_spec = {"width": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        caption = " ".join(self.content).strip() or name
        found = sorted(_shots_dir(self).glob(f"{name}.*"))
        if not found:
            text = (
                f"*Screenshot “{caption}” ({name}): made by `scripts/docs` from the demo; "
                "this build ran without it.*"
            )
            return _md(self, text)
        # Copied under the source tree's _shots (out of git), so Sphinx handles it as any image.
        target = Path(self.env.srcdir) / "_shots" / found[0].name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(found[0], target)
        self.env.note_dependency(str(found[0]))
        rel = os.path.relpath(target, Path(self.env.doc2path(self.env.docname)).parent)
        width = self.options.get("width", "")
        attrs = f":alt: {caption}\n" + (f":width: {width}\n" if width else "")
        return _md(self, f"```{{figure}} {rel}\n{attrs}\n{caption}\n```")


class BenchFiguresDirective(SphinxDirective):
    """``{bench-figures} NAME``: ``docs/benchmarks/NAME.json`` as a table and a chart."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        import sys

        sys.path.insert(0, str(Path(self.env.srcdir).parent))
        from bench.figures import Figures

        name = self.arguments[0]
        source = Path(self.env.srcdir) / "benchmarks" / f"{name}.json"
        self.env.note_dependency(str(source))
        figures = Figures.load(source)
        chart = Path(self.env.srcdir) / "_shots" / f"bench-{name}.svg"
        chart.parent.mkdir(exist_ok=True)
        figures.write_chart(chart)
        rel = os.path.relpath(chart, Path(self.env.doc2path(self.env.docname)).parent)
        text = (
            f"{figures.markdown_table()}\n\n"
            f"```{{figure}} {rel}\n:alt: {figures.title}\n\n{figures.title}\n```\n\n"
            f"{figures.note}\n"
        )
        return _md(self, text)


def setup(app):
    app.add_config_value("newsroom_shots_dir", "", "env")
    app.add_object_type("command", "command", indextemplate="pair: %s; management command")
    app.add_directive("newsroom-settings", SettingsDirective)
    app.add_directive("newsroom-commands", CommandsDirective)
    app.add_directive("newsroom-pages", PagesDirective)
    app.add_directive("newsroom-urls", UrlsDirective)
    app.add_directive("screenshot", ScreenshotDirective)
    app.add_directive("bench-figures", BenchFiguresDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
