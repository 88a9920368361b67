"""Another revision of this repository, checked out beside it, for benchmarks
that compare the engine of today with the engine of a given commit in one run
(``--against REV``). The checkout is a detached ``git worktree`` under /tmp,
kept between runs and shared by the benchmarks; it uses the same Python and
packages as this one (a revision with other requirements needs them
installed too)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def checkout(rev: str) -> Path:
    """The source tree of ``rev`` (a commit, tag or branch)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    tree = Path(f"/tmp/newsroom-against-{sha[:12]}")
    if not (tree / "manage.py").is_file():
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--force", str(tree), sha],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
    return tree


def label(rev: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
