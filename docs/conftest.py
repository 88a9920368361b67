"""The docs' examples, run by pytest through Sybil (``scripts/test``).

- ```` ```python ```` blocks run, in the namespace of ``content.pages`` (where
  the page-type example is declared), one namespace per page;
- ```` ```console ```` blocks run for real: each ``$ command`` line in a shell
  at the checkout's root, against a scratch SQLite database and ``var/``, its
  output compared with the lines under it (``...`` matches anything);
- ```` ```sh ```` blocks, and every inline `` `manage.py …` `` or
  `` `scripts/…` `` in the prose, are checked without running them (they
  deploy, restore, serve): each ``manage.py`` command must exist and each of
  its ``--options`` must be one it accepts; each ``scripts/``, ``bench/`` and
  ``.venv/bin/`` program must exist; each setting given as ``NAME=value`` must
  be one the code reads.

So a renamed command, option, script or setting fails ``pytest docs``.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from sybil import Region, Sybil
from sybil.parsers.myst import CodeBlockParser, PythonCodeBlockParser

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))
from screenshots import scratch_env  # noqa: E402  (docs/, beside this file)

# Variables the scripts read that are not settings of the code.
SCRIPT_VARIABLES = {
    "PORT", "ADMIN_PORT", "NEWSROOM_TEST_SEARCH", "NEWSROOM_DOCS_SHOTS", "DOCS_OUT",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
    "AWS_MAX_ATTEMPTS", "DJANGO_SUPERUSER_PASSWORD", "COLUMNS", "PYTHON",
}  # fmt: skip
SETTING_PREFIXES = ("PUBLISHER_", "BACKUP_", "DJANGO_", "DATABASE_URL", "TIME_ZONE", "EMAIL_")


def _settings_read() -> set[str]:
    import publisher.settings  # noqa: F401  (fills publisher.env.READ)
    from publisher.env import READ

    return set(READ)


def _commands() -> dict[str, str]:
    from django.core.management import get_commands

    return get_commands()


def _options(name: str) -> set[str]:
    from django.core.management import load_command_class

    command = load_command_class(_commands()[name], name)
    return set(command.create_parser("manage.py", name)._option_string_actions)


def check_command(words: list[str]) -> None:
    """One shell command of an example, checked without running it."""
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        variable = words.pop(0).split("=", 1)[0]
        if variable.startswith(SETTING_PREFIXES) and variable not in SCRIPT_VARIABLES:
            assert variable in _settings_read(), f"{variable} is not a setting the code reads"
    if not words:
        return
    program = words[0]
    if program.endswith("python") and len(words) > 1:
        words = words[1:]
        program = words[0]
    if program.endswith("manage.py"):
        if len(words) < 2 or words[1].startswith("<") or words[1] == "help":
            return  # "manage.py <command>": the form, not a command
        name = words[1]
        assert name in _commands(), f"manage.py {name}: no such command"
        known = _options(name)
        for word in words[2:]:
            option = word.strip("[]()").split("=", 1)[0]
            if option.startswith("--"):
                assert option in known, f"manage.py {name} has no option {option}"
            elif re.fullmatch(r"-[A-Za-z]\S*", option):
                assert option[:2] in known, f"manage.py {name} has no option {option[:2]}"
        return
    for prefix in ("scripts/", "bench/", ".venv/bin/", "docs/"):
        if program.startswith(prefix):
            path = ROOT / program
            assert path.exists(), f"{program}: no such file in the checkout"
            return


def check_shell(text: str) -> None:
    """Every command line of a shell example (continuations joined, comments dropped)."""
    text = text.replace("\\\n", " ")
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if not line:
            continue
        line = line.replace("…", "").replace("...", "")
        for part in re.split(r"&&|\|\||;|\|(?![^\[]*\])", line):
            try:
                words = shlex.split(part)
            except ValueError:
                words = part.split()
            check_command(words)


def evaluate_sh(example) -> None:
    check_shell(example.parsed)


def evaluate_console(example) -> None:
    """``$ command`` lines run at the checkout's root; the lines under one are its output."""
    scratch = example.namespace.setdefault("_scratch", None)
    if scratch is None:
        scratch = Path(example.namespace["_tmp_path_factory"].mktemp("docs-console"))
        example.namespace["_scratch"] = scratch
    env = scratch_env(scratch, COLUMNS="88")
    commands: list[tuple[str, list[str]]] = []
    for line in example.parsed.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    for command, expected in commands:
        check_shell(command)
        # The docs' own example lines, run as a reader would type them.
        done = subprocess.run(  # noqa: S602
            command, shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        got = (done.stdout + done.stderr).strip()
        want = "\n".join(expected).strip()
        pattern = ".*".join(re.escape(part) for part in want.split("..."))
        assert re.fullmatch(pattern, got, re.S), (
            f"$ {command}\nexpected:\n{want}\ngot (exit {done.returncode}):\n{got}"
        )


INLINE = re.compile(r"`((?:\.venv/bin/python )?(?:manage\.py|scripts/)[^`]*)`")


def inline_commands(document) -> list[Region]:
    """Every inline `manage.py …` or `scripts/…` span outside code blocks."""
    regions, offset, fence = [], 0, False
    for line in document.text.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "````")):
            fence = not fence
        elif not fence:
            for match in INLINE.finditer(line):
                start = offset + match.start()
                regions.append(
                    Region(
                        start,
                        offset + match.end(),
                        match.group(1),
                        lambda ex: check_shell(ex.parsed),
                    )
                )
        offset += len(line)
    return regions


def _content_pages_namespace(namespace: dict) -> None:
    from content import pages

    for name, value in vars(pages).items():
        namespace.setdefault(name, value)


@pytest.fixture(scope="session")
def _tmp_path_factory(tmp_path_factory):
    return tmp_path_factory


pytest_collect_file = Sybil(
    parsers=[
        PythonCodeBlockParser(),
        CodeBlockParser(language="sh", evaluator=evaluate_sh),
        CodeBlockParser(language="console", evaluator=evaluate_console),
        inline_commands,
    ],
    patterns=["**/*.md"],
    excludes=["_build/*", "_shots/*"],
    setup=_content_pages_namespace,
    fixtures=["_tmp_path_factory"],
).pytest()
