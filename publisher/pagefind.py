"""A client for ``pagefind --service`` (no Django in here).

Pagefind (https://pagefind.app, PyPI ``pagefind-bin``) builds a static
search index that readers' browsers query with no server. Its service mode
reads requests on stdin and answers on stdout, each message base64-encoded
JSON followed by a comma. The official Python wrapper polls stdout every
0.1 s per answer (hours for an archive); this one streams records without
waiting and reads the answers on a thread, so indexing is as fast as
Pagefind itself.

One ``Pagefind`` is one process holding one index: Pagefind keeps the whole
index in memory until it writes it, so a caller bounds memory by how many
records it gives one instance (``publisher.search`` gives one shard).
"""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGUAGE = "en"
# Seconds to wait for Pagefind to answer a request that must be answered
# (creating the index, writing it) before giving up on the process.
ANSWER_TIMEOUT = 600


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def text_of(markup: str) -> str:
    """The words of an HTML fragment, tags dropped, entities decoded."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


@dataclass(frozen=True)
class Record:
    """What readers can find of one item, and what a result shows of it.

    ``words`` are the item's plain-text fields (a headline, a name, an
    address), ``html`` its body; all of them are searched. ``kind`` and
    ``date`` (ISO) are shown with each result; ``filters`` are what readers
    narrow results by (``{"section": "Sports"}``).
    """

    url: str
    title: str
    kind: str
    date: str
    words: tuple[str, ...] = ()
    html: str = ""
    filters: dict[str, str] = field(default_factory=dict)

    def content(self) -> str:
        parts = [self.title, *self.words]
        if self.html:
            parts.append(text_of(self.html))
        return "\n".join(part.strip() for part in parts if part and part.strip())

    def payload(self) -> dict[str, Any]:
        """The record as Pagefind's AddRecord takes it (and as its stamp hashes it)."""
        return {
            "url": self.url,
            "content": self.content(),
            "meta": {"title": self.title, "kind": self.kind, "date": self.date},
            "filters": {name: [value] for name, value in sorted(self.filters.items()) if value},
        }


class PagefindError(RuntimeError):
    """Pagefind refused a request or died; the message says what it said."""


def binary(configured: str = "") -> str:
    """The pagefind executable: ``configured`` if given, else pagefind-bin's."""
    if configured:
        return configured
    try:
        from pagefind_bin import get_executable
    except ImportError as exc:
        raise PagefindError(
            "pagefind is not installed: pip install -r requirements.txt (pagefind-bin), "
            "or set PUBLISHER_PAGEFIND to a pagefind binary"
        ) from exc
    return str(get_executable())


def version(executable: str) -> str:
    try:
        out = subprocess.run([executable, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise PagefindError(f"cannot start {executable}: {exc}") from exc
    return out.stdout.strip()


class Pagefind:
    """One Pagefind index in its own process: ``add`` records, then ``write``."""

    def __init__(self, executable: str) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        try:
            self.process = subprocess.Popen(
                [executable, "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise PagefindError(f"cannot start {executable}: {exc}") from exc
        self._next_id = 0
        self._answers: dict[int, dict] = {}
        self._waited: set[int] = set()
        self._errors: list[str] = []
        self._received = 0
        self._cond = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read, name="pagefind-reader", daemon=True)
        self._reader.start()
        answer = self._call({"type": "NewIndex", "config": {"force_language": LANGUAGE}})
        self.index_id = answer["index_id"]
        self.records = 0

    # -- requests

    def add(self, payload: dict[str, Any]) -> None:
        """Queue one record (``Record.payload()``); Pagefind's answer is read
        in the background (an error is raised by ``write``)."""
        self._send(
            {"type": "AddRecord", "index_id": self.index_id, "language": LANGUAGE, **payload}
        )
        self.records += 1

    def write(self, output: Path) -> None:
        """Write the index into ``output`` (a directory Pagefind creates)."""
        self._call({"type": "WriteFiles", "index_id": self.index_id, "output_path": str(output)})
        with self._cond:
            if self._errors:
                raise PagefindError(f"pagefind refused a record: {self._errors[0]}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.process.stdin:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        self._stderr.close()

    def __enter__(self) -> Pagefind:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int:
        return self.process.pid

    # -- the wire

    def _send(self, payload: dict[str, Any], waited: bool = False) -> int:
        self._next_id += 1
        message_id = self._next_id
        if waited:
            with self._cond:
                self._waited.add(message_id)
        data = json.dumps({"message_id": message_id, "payload": payload}).encode()
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(base64.b64encode(data) + b",")
            if waited:
                self.process.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise PagefindError(f"pagefind stopped: {self._what_it_said()}") from exc
        return message_id

    def _call(self, payload: dict[str, Any]) -> dict:
        message_id = self._send(payload, waited=True)
        with self._cond:
            answered = self._cond.wait_for(
                lambda: message_id in self._answers or self._reader_done, ANSWER_TIMEOUT
            )
            answer = self._answers.pop(message_id, None)
        if answer is None:
            detail = "no answer" if answered else f"no answer in {ANSWER_TIMEOUT} s"
            raise PagefindError(
                f"pagefind gave {detail} to {payload['type']}: {self._what_it_said()}"
            )
        if answer.get("type") == "Error":
            raise PagefindError(f"pagefind refused {payload['type']}: {answer.get('message')}")
        return answer

    _reader_done = False

    def _read(self) -> None:
        assert self.process.stdout is not None
        pending = b""
        try:
            while chunk := self.process.stdout.read1(1 << 16):
                pending += chunk
                *messages, pending = pending.split(b",")
                for message in messages:
                    self._receive(json.loads(base64.b64decode(message)))
        finally:
            with self._cond:
                self._reader_done = True
                self._cond.notify_all()

    def _receive(self, message: dict) -> None:
        payload = message.get("payload") or {}
        with self._cond:
            self._received += 1
            message_id = message.get("message_id")
            if message_id in self._waited:
                self._waited.discard(message_id)
                self._answers[message_id] = payload
                self._cond.notify_all()
            elif payload.get("type") == "Error":
                self._errors.append(str(payload.get("message")))

    def _what_it_said(self) -> str:
        try:
            self._stderr.seek(0)
            said = self._stderr.read()[-2000:].decode(errors="replace").strip()
        except (OSError, ValueError):
            said = ""
        return said or f"exit code {self.process.poll()}"
