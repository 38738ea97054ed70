"""Provides how fieldtool writes text to a console or a file: in the stream's own encoding, never a traceback.

One rule, applied once at the start of every command (`readable_output`): standard output and
standard error keep the encoding Python chose for them (the console's code page, the locale's
encoding when redirected, or ``PYTHONIOENCODING``), so that a Chinese Windows console or a
redirected ``> out.txt`` opened in Notepad shows Chinese as Chinese under GBK/GB18030 and UTF-8.
A character the encoding lacks is written as a readable equivalent instead of failing: ``−`` as
``-``, ``λ`` as ``lambda``, ``≤`` as ``<=``, ``✓`` as ``OK``, ``q̄`` as ``qbar``; a letter with an
accent as the letter; anything else (Chinese under cp1252) as ``?``. Files that fieldtool writes
itself (CSV, JSON, PDF, TOML) are always UTF-8 and do not pass through here.
"""

from __future__ import annotations

import codecs
import sys
import unicodedata
from typing import TextIO

ERRORS = "fieldtool-readable"
"""The name of the codec error handler registered by `readable_output`."""

READABLE = {
    "\u2212": "-", "\u2013": "-", "\u2014": "--", "\u2010": "-", "\u00b7": ".", "\u2022": "*", "\u2026": "...",
    "\u03bb": "lambda", "\u0394": "Delta", "\u03a3": "sum", "\u00b5": "u", "\u03bc": "u",
    "\u2264": "<=", "\u2265": ">=", "\u2260": "!=", "\u2248": "~", "\u00b1": "+/-", "\u00d7": "x", "\u00f7": "/",
    "\u221a": "sqrt", "\u00b2": "^2", "\u00b3": "^3", "\u00b0": " deg",
    "\u2713": "OK", "\u2714": "OK", "\u2717": "x", "\u2718": "x", "\u2715": "x", "\u25b2": "^", "\u25bc": "v",
    "\u25c6": "*", "\u25a0": "#", "\u25cf": "o", "\u2192": "->", "\u2190": "<-", "\u2191": "^", "\u2193": "v",
    "\u212e": "e", "\u0304": "bar", "\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u3000": "  ",
    # Full-width punctuation of Chinese text, where the encoding has no Chinese (cp1252).
    "\uff1a": ": ", "\uff0c": ", ", "\u3002": ". ", "\uff1b": "; ", "\uff08": " (", "\uff09": ") ", "\u3001": ", ",
}
"""Readable equivalents of the symbols fieldtool writes, for encodings that lack them (ASCII only)."""


def readable(char: str) -> str:
    """An ASCII stand-in for one character an encoding cannot write."""
    if char in READABLE:
        return READABLE[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if base and base.isascii() and base.isprintable():
        return base  # é → e, ﬁ → fi, ² handled above
    return "?"


def _handler(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(readable(c) for c in text), error.end


def _register() -> None:
    try:
        codecs.lookup_error(ERRORS)
    except LookupError:
        codecs.register_error(ERRORS, _handler)


def make_readable(stream: TextIO) -> None:
    """Make `stream` write a readable equivalent of what its encoding lacks (a no-op on other streams)."""
    _register()
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        reconfigure(errors=ERRORS)
    except (ValueError, OSError):  # a closed or detached stream: nothing will be written to it
        return


def readable_output() -> None:
    """Apply the rule to standard output and standard error (call once, first thing in a command)."""
    make_readable(sys.stdout)
    make_readable(sys.stderr)


__all__ = ["ERRORS", "READABLE", "make_readable", "readable", "readable_output"]
