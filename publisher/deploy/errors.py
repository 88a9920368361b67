"""What stops a deploy: each message says what happened and what to do."""

from __future__ import annotations


class DeployError(RuntimeError):
    """The deploy stopped; the message says what happened and what to do."""


class NotConfigured(DeployError):
    pass


class TooManyDeletes(DeployError):
    pass
