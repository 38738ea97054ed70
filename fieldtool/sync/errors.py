"""Provides the errors of sync: a refused request, a failed transfer, a bad signature."""

from __future__ import annotations

from fieldtool.errors import FieldtoolError


class SyncError(FieldtoolError):
    """A sync that could not be completed (network, hub refusal, bad receipt); nothing was lost."""

    exit_code = 1


class AuthError(SyncError):
    """A request whose device is unknown or revoked, whose signature is wrong, stale or replayed."""


class RefusedError(SyncError):
    """Records or a bundle refused by the hub's checks; the offending records are flagged there."""

    def __init__(self, message: str, problems: list[str] | None = None, *, zh: str | None = None) -> None:
        super().__init__(message, zh=zh)
        self.problems: list[str] = problems or [message]
        """Every problem found, one line each."""
