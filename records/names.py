"""Finding a person's name in text as editors type it and as pages show it
(no Django in here).

A name listed on a takedown request ("José Núñez") is found:

- with any run of whitespace between its words: spaces, a line break, a
  non-breaking or thin space, also written as an HTML entity (``&nbsp;``,
  ``&#160;``) or a ``<br>``, or a Markdown hard break (``\\`` at a line end);
- with or without its accents, composed or not (``José``, ``Jose``, ``Jose``
  followed by U+0301, ``Jos&eacute;``), in any case;
- with any apostrophe (``O'Brien``, ``O’Brien``, ``O&#x27;Brien``);
- as whole words only (or with a plural's "s"): "Lee" is not found in
  "Leeds", "Doe" is in "the Does".

``name_pattern`` finds the name in an editor's source text (to replace it);
``shown_pattern`` also across the forms a built file gives it: hyphens and
underscores (a slug, a file name), ``%20``, and a JSON ``\\u00e9``.
"""

from __future__ import annotations

import contextlib
import gzip
import re
import unicodedata
from collections.abc import Iterable
from html.entities import codepoint2name
from pathlib import Path

# Every character str.isspace() knows, as numeric entities can write it.
_SPACES = [code for code in range(0x3001) if chr(code).isspace()]
_NUMERIC = "|".join([f"#0*{code}" for code in _SPACES] + [f"#[xX]0*{code:x}" for code in _SPACES])
_NAMED = "nbsp|ensp|emsp|emsp13|emsp14|thinsp|hairsp|numsp|puncsp|MediumSpace|NewLine|Tab"
_SPACE_ENTITY = rf"&(?:{_NAMED}|{_NUMERIC});"
# A run of whitespace, as source or markup writes it.
GAP = rf"(?:\s|{_SPACE_ENTITY}|<br\s*/?>|\\(?=\n))+"
# In built files also: a slug's hyphen, a file name's underscore, a URL's %20.
SHOWN_GAP = rf"(?:\s|{_SPACE_ENTITY}|<br\s*/?>|\\(?=\n)|[-_+]|%20|%C2%A0|\\u00a0)+"
_APOSTROPHES = "'\u2019\u2018\u02bc\u2032"
APOSTROPHE = (
    rf"(?:[{_APOSTROPHES}]|&(?:apos|rsquo|lsquo|#0*39|#[xX]0*27|#0*8217|#[xX]0*2019|#0*8216);)?"
)


def _letter(char: str, shown: bool) -> str:
    """Every way of writing ``char``: composed, decomposed, without its
    accent, as an HTML entity (and, in a built file, a JSON escape)."""
    if char in _APOSTROPHES:
        # Optional: "O'Brien" is "obrien" in a slug.
        return APOSTROPHE
    forms = {char, unicodedata.normalize("NFD", char)}
    base = unicodedata.normalize("NFD", char)[0]
    forms.add(base)
    alternatives = sorted((re.escape(form) for form in forms), key=len, reverse=True)
    for form in {char, char.lower(), char.upper()}:
        if ord(form) in codepoint2name and not form.isascii():
            alternatives.append(f"&{codepoint2name[ord(form)]};")
        if not form.isascii():
            alternatives.append(f"&#0*{ord(form)};")
            if shown:
                alternatives.append(rf"\\u{ord(form):04x}")
    return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"


def _word(word: str, shown: bool) -> str:
    return "".join(_letter(char, shown) for char in unicodedata.normalize("NFC", word))


def _name(name: str, shown: bool) -> str:
    words = name.split()
    return (SHOWN_GAP if shown else GAP).join(_word(word, shown) for word in words)


def _pattern(names: Iterable[str], shown: bool) -> re.Pattern[str]:
    # Longest first: "Ms. Doe" is replaced whole, not as "Ms. <wording>".
    ordered = sorted({name.strip() for name in names if name.strip()}, key=lambda n: -len(n))
    body = "|".join(_name(name, shown) for name in ordered) or r"(?!)"
    # Whole words (a mark after the last letter belongs to it), but for a
    # plural: "the Zyndrowskis" names them too.
    return re.compile(rf"(?<![\w])(?:{body})(?:e?s)?(?![\w\u0300-\u036f])", re.IGNORECASE)


def name_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """The names as an editor's text may hold them."""
    return _pattern(names, shown=False)


def shown_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """The names as a built page, feed, sitemap or index file may show them."""
    return _pattern(names, shown=True)


# Where a replacement starts a sentence or a headline: the start of the
# text, or after the end of a sentence or a paragraph, with any markup,
# Markdown marks or opening quotes in between.
_LEAD = re.compile(r"(?:<[^<>]*>|[\s*_#>\"“‘(\[+-]|\d+[.)](?=\s))*\Z")
_SENTENCE_END = re.compile(r"[.!?…][\"”’)\]]*\Z")
# "Ms. Doe": a title's full stop ends no sentence.
_TITLE = re.compile(
    r"(?<![\w.])(?:Mr|Mrs|Ms|Mx|Dr|St|Jr|Sr|Prof|Rev|Gov|Sen|Rep|Lt|Sgt|Capt|Col|Gen|Det|Ofc)\.\Z",
    re.IGNORECASE,
)


def starts_sentence(text: str, at: int) -> bool:
    """Whether ``text[at:]`` begins a headline, sentence or paragraph."""
    before = text[max(0, at - 400) : at]  # a sentence's start is near
    lead = _LEAD.search(before)
    rest, marks = (before[: lead.start()], lead.group(0)) if lead else (before, "")
    if not rest.strip() or re.search(r"\n[ \t]*(?:\n|[#>])", marks):
        return True  # the text's start, a new paragraph, a heading, a quote
    return bool(_SENTENCE_END.search(rest)) and not _TITLE.search(rest)


def replace_names(text: str, pattern: re.Pattern[str], wording: str) -> str:
    """``text`` with every match of ``pattern`` replaced by ``wording``; at
    the start of a sentence, the wording's first letter takes the case of
    the first letter it replaces ("A resident said", not "a resident said")."""

    def swap(match: re.Match[str]) -> str:
        if wording and starts_sentence(text, match.start()):
            first = next((c for c in match.group(0) if c.isalpha()), "")
            if first.isupper():
                return wording[0].upper() + wording[1:]
        return wording

    return pattern.sub(swap, text)


def readable(data: bytes) -> str:
    """A built file's text as a reader's browser or script gets it: gzip
    undone (the search index's files), decoded."""
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


_BINARY = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".ico", ".woff", ".woff2", ".avif"}


def files_showing(root: Path, relatives: Iterable[str], pattern: re.Pattern[str]) -> list[str]:
    """Those of ``relatives`` (files under ``root``) whose path or text shows
    a name of ``pattern`` (``shown_pattern``)."""
    found = []
    for relative in sorted(set(relatives)):
        path = root / relative
        if pattern.search(relative):
            if path.exists():
                found.append(relative)
            continue
        if path.suffix.lower() in _BINARY or not path.is_file():
            continue
        if pattern.search(readable(path.read_bytes())):
            found.append(relative)
    return found
