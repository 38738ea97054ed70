"""Provides the typed errors that fieldtool shows to its users.

Every error a user can cause (bad input, a broken rule file, an unknown id) is a
`FieldtoolError` whose message is one line that names what is wrong and where. The CLI prints
it and exits non-zero; the TUI shows it. Nothing else should reach a user as a traceback.

The message (``str(error)``) is English, as the command line writes it. An error an inspector can
meet in the TUI also carries its Chinese wording (``zh=``), and the TUI shows `in_language`;
`message_in` does the same for any exception. A subclass whose ``__init__`` takes other arguments
(a port, a field, a document) gets its Chinese with `with_zh`:
``raise DocumentError(name, "too large").with_zh(f"{name}：文件过大")``.
"""

from __future__ import annotations

from typing import Self


class FieldtoolError(Exception):
    """A problem that the user can understand and fix; the message is one line.

    Args:
        message: the one-line message in English.
        zh: the same message in Chinese, where the error can reach the TUI (None: English only).
    """

    exit_code: int = 2

    def __init__(self, message: str = "", *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh
        """The message in Chinese, or None when it has no Chinese wording."""

    def in_language(self, lang: str) -> str:
        """The message in `lang` (``zh`` or ``en``); English where it has no Chinese wording."""
        return self.zh if lang == "zh" and self.zh else str(self)

    def with_zh(self, zh: str | None) -> Self:
        """This error with its Chinese wording set (for subclasses whose ``__init__`` has no ``zh``); returns itself.

        Args:
            zh: the whole message in Chinese (None leaves it English only).
        """
        self.zh = zh
        return self


def message_in(error: BaseException, lang: str) -> str:
    """An exception's one-line message in `lang`: a `FieldtoolError`'s own wording, else ``str(error)``."""
    return error.in_language(lang) if isinstance(error, FieldtoolError) else str(error)


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
