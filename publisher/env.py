"""Strict readers for environment variables (no Django in here).

Every setting comes from the environment with a default that works on a
fresh checkout. A value that cannot be understood stops start-up with a
message naming the variable, rather than being read as something else
(``DEBUG=False`` must never mean true).
"""

from __future__ import annotations

import os


class EnvError(ValueError):
    """An environment variable holds a value we refuse to guess about."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}

# Every variable read through these functions, in the order first read, with
# its kind, default and least value: the settings reference in the docs is
# made from this (docs/_ext/newsroom.py), so it lists what the code reads.
READ: dict[str, dict] = {}


def _note(name: str, kind: str, default: object, minimum: int | None = None) -> None:
    READ.setdefault(name, {"kind": kind, "default": default, "minimum": minimum})


def env_str(name: str, default: str) -> str:
    _note(name, "text", default)
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    _note(name, "boolean", default)
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise EnvError(f"{name}={value!r} is not a boolean: set it to true or false.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    _note(name, "whole number", default, minimum)
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise EnvError(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise EnvError(f"{name}={value!r} must be at least {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    _note(name, "list", ",".join(default))
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]
