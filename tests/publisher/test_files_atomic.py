"""``write_atomic``: a reader sees the old file or the new one, never a part.

Publishing rewrites pages of the live site while readers fetch them, so a
page is replaced by a rename (a new file), never rewritten in place.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from publisher.files import write_atomic
from publisher.publish import process_queue
from tests.support import file_for, live_root

ROOT = Path(__file__).resolve().parents[2]


def test_a_rewrite_is_a_new_file_so_a_reader_holding_the_old_one_keeps_its_bytes(tmp_path):
    page = tmp_path / "news/index.html"
    write_atomic(page, b"<h1>Old headline</h1>")
    old_inode = page.stat().st_ino
    with open(page, "rb") as reader:
        write_atomic(page, b"<h1>New headline, longer than the old one</h1>")
        assert reader.read() == b"<h1>Old headline</h1>"
    assert page.stat().st_ino != old_inode
    assert page.read_bytes() == b"<h1>New headline, longer than the old one</h1>"
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]


def write_under_a_file_size_limit(
    path: Path, data_size: int, limit: int
) -> subprocess.CompletedProcess:
    """``write_atomic`` in a process whose files may not grow past ``limit``
    bytes: the kernel refuses the write midway (EFBIG), a real failure like
    a full disk, after part of the new bytes reached the disk."""
    code = textwrap.dedent(
        f"""
        import resource, signal
        from pathlib import Path
        from publisher.files import write_atomic
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
        write_atomic(Path({str(path)!r}), b"n" * {data_size})
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary_file(tmp_path):
    page = tmp_path / "news/index.html"
    write_atomic(page, b"old page " * 100)
    done = write_under_a_file_size_limit(page, data_size=1_000_000, limit=64 * 1024)
    assert done.returncode != 0 and "File too large" in done.stderr, done.stderr
    assert page.read_bytes() == b"old page " * 100
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]


def test_a_write_refused_before_any_byte_leaves_the_old_file_and_no_temporary_file(tmp_path):
    page = tmp_path / "index.html"
    write_atomic(page, b"old page")
    try:
        write_atomic(page, "text, not bytes")  # type: ignore[arg-type]
    except TypeError:
        pass
    else:
        raise AssertionError("a str was written as a page")
    assert page.read_bytes() == b"old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_a_reader_of_a_live_page_during_a_publish_keeps_reading_the_old_page(live, settings):
    story = live["published"][3]
    page = file_for(live_root(settings), story.get_absolute_url())
    old = page.read_bytes()
    with open(page, "rb") as reader:
        story.headline = "Corrected while a reader was reading"
        story.save()
        process_queue()
        assert reader.read() == old
    assert "Corrected while a reader was reading" in page.read_text()
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]
