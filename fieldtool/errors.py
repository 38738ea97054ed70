"""Provides the typed errors that fieldtool shows to its users.

Every error a user can cause (bad input, a broken rule file, an unknown id) is a
`FieldtoolError` whose message is one line that names what is wrong and where. The CLI prints
it and exits non-zero; the TUI shows it. Nothing else should reach a user as a traceback.
"""

from __future__ import annotations


class FieldtoolError(Exception):
    """A problem that the user can understand and fix; the message is one line."""

    exit_code: int = 2


class InputError(FieldtoolError):
    """Bad input: a value, a file or an option that cannot be used as given."""


class RuleFileError(FieldtoolError):
    """A rule-set or programme file that does not follow the documented schema."""


class OutOfScopeError(FieldtoolError):
    """A request that the chosen rule set does not cover (a lot size or quantity outside its tables)."""


class NotFoundError(FieldtoolError):
    """An id (rule set, programme, inspection) that does not exist."""


class StoreError(FieldtoolError):
    """A refused change to the local store (for example an attempt to change a final record)."""
