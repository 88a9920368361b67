"""What a backup or a restore raises: the message says what happened and what to do."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or restore failed; the message says what happened and what to do.

    ``live_untouched`` is true when the failure came before anything changed
    the live database (every failure of a restore but the last steps)."""

    def __init__(self, message: str, *, live_untouched: bool = True) -> None:
        super().__init__(message)
        self.live_untouched = live_untouched


class BackupRefused(BackupError):
    """A stored backup failed verification; no database was touched."""


class RestoreCancelled(BackupError):
    """The operator said no; nothing was changed."""
