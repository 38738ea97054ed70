"""Provides bounded readers of what files and the network send: UTF-8 text, JSON and TOML documents.

Each reader refuses, with one `DocumentError` line naming the document, what the standard library
would turn into a crash or a silent accept: a document larger than its bound, nesting deeper than
`MAX_DEPTH` (refused before anything uses the value, which no code then walks recursively; a TOML
file is measured before it is parsed, as tomllib recurses in Python), a binary, UTF-16 or badly
encoded file, a NUL character, an integer of thousands of digits, NaN or infinities in JSON, and
a lone surrogate (text that cannot be written back as UTF-8).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

from fieldtool.errors import InputError

MAX_DEPTH = 32
"""The deepest nesting of arrays and objects (tables) accepted: fieldtool's own documents nest six deep (a bundle)."""

MAX_INT_DIGITS = 30
"""The most digits of a JSON integer: a sequence number or a count has at most 19."""

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"

_TOML_SKIPPED = re.compile(
    r'"""(?:[^"\\]|\\.?|"(?!""))*+(?:"""|\Z)'
    r"|'''(?:[^']|'(?!''))*+(?:'''|\Z)"
    r'|"(?:[^"\\\n]|\\.?)*+(?:"|(?=\n)|\Z)'
    r"|'[^'\n]*+(?:'|(?=\n)|\Z)"
    r"|#[^\n]*+",
    re.DOTALL,
)
"""What cannot hold a TOML bracket that nests: strings of the four kinds (an unterminated one runs to the
end of its line or of the text), and comments. Possessive, so always linear."""
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class DocumentError(InputError):
    """A document refused by a bounded reader; the message is ``<what>: <problem>``."""

    def __init__(self, what: str, problem: str, *, malformed: bool = False) -> None:
        super().__init__(f"{what}: {problem}")
        self.what = what
        """The document, as the message names it."""
        self.problem = problem
        """What is wrong, without the document's name."""
        self.malformed = malformed
        """True when the syntax is broken (a cut or edited file), False when a bound or the encoding refused it."""


def read_file(path: Path, max_bytes: int, what: str | None = None) -> bytes:
    """A file's bytes, refused before reading all of it when it is larger than `max_bytes`.

    Raises:
        DocumentError: the file cannot be read or is too large; the message names it.
    """
    name = what or str(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise DocumentError(name, f"larger than {_size(max_bytes)}; not a file fieldtool writes")
    return data


def utf8_text(data: bytes, what: str) -> str:
    """Bytes as UTF-8 text (a leading byte-order mark dropped), or a one-line refusal naming the line.

    Raises:
        DocumentError: UTF-16 text, bytes that are not UTF-8, or a NUL character (a binary file).
    """
    if data.startswith(_UTF16_BOMS):
        raise DocumentError(what, "line 1: UTF-16 text; save it as UTF-8")
    data = data.removeprefix(_UTF8_BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DocumentError(what, f"line {line}: not UTF-8 text (a binary file, or another encoding?)") from None
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise DocumentError(what, f"line {line}: holds a NUL character (a binary or UTF-16 file?)")
    return text


def text_line(raw: bytes, where: str, *, first: bool = False) -> str:
    """One line of a text file as UTF-8 (on the first line, a byte-order mark dropped), or a one-line refusal.

    Args:
        raw: the line's bytes.
        where: names the file and the line, for the message ("lot.txt line 3").
        first: whether it is the file's first line (where a byte-order mark may stand).

    Raises:
        DocumentError: UTF-16 text, bytes that are not UTF-8, or a NUL character (a binary file).
    """
    if first and raw.startswith(_UTF16_BOMS):
        raise DocumentError(where, "UTF-16 text; save the file as UTF-8")
    if first:
        raw = raw.removeprefix(_UTF8_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DocumentError(where, "not UTF-8 text (a binary file, or another encoding?)") from None
    if "\0" in text:
        raise DocumentError(where, "holds a NUL character (a binary or UTF-16 file?)")
    return text


def lines(stream: IO[bytes], name: str, *, max_line: int, max_total: int) -> Iterator[tuple[int, bytes | None]]:
    """The lines of a byte stream, each within `max_line` bytes, numbered from 1, without their line ending.

    A longer line is skipped to its end and given as None, so a reader of one record a line can
    refuse it and go on with the next.

    Args:
        stream: a file or standard input, opened in binary mode.
        name: names the stream in messages.
        max_line: the longest line, in bytes (its line ending not counted).
        max_total: the most bytes read in all.

    Raises:
        DocumentError: the stream cannot be read, or holds more than `max_total` bytes.
    """
    total = 0
    number = 0
    while True:
        raw = _read_line(stream, max_line + 2, name)
        if not raw:
            return
        number += 1
        total += len(raw)
        if total > max_total:
            raise DocumentError(name, f"larger than {_size(max_total)}; split it")
        whole = raw.endswith(b"\n") or len(raw) <= max_line + 1  # a line ending read, or the end of the stream
        content = raw.removesuffix(b"\n").removesuffix(b"\r")
        if whole and len(content) <= max_line:
            yield number, content
            continue
        yield number, None
        if raw.endswith(b"\n"):
            continue
        piece = raw  # a reader that goes on skips the rest of the long line, in bounded pieces
        while piece and not piece.endswith(b"\n"):
            piece = _read_line(stream, 64 * 1024, name)
            total += len(piece)
            if total > max_total:
                raise DocumentError(name, f"larger than {_size(max_total)}; split it")


def _read_line(stream: IO[bytes], limit: int, name: str) -> bytes:
    try:
        return stream.readline(limit)
    except OSError as exc:
        raise DocumentError(name, f"cannot read: {exc.strerror or exc}") from None


def read_json(data: bytes, what: str, *, max_bytes: int, fractions: bool = False,
              max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON document within bounds.

    Args:
        data: the document's bytes (UTF-8).
        what: names the document in messages (a file, "the request body", "line 3").
        max_bytes: the largest document accepted.
        fractions: whether numbers with a fraction or an exponent are read (as floats); by default
            they are refused, because fieldtool carries decimals as strings.
        max_depth: the deepest nesting of arrays and objects accepted.

    Returns:
        The parsed value.

    Raises:
        DocumentError: too large, nested too deep, not UTF-8, not JSON (``malformed``), NaN or an
            infinity, an integer of more than `MAX_INT_DIGITS` digits, a refused fraction, or a lone
            surrogate escape.
    """
    if len(data) > max_bytes:
        raise DocumentError(what, f"larger than {_size(max_bytes)}")
    text = utf8_text(data, what)

    def number(literal: str) -> Any:
        raise DocumentError(what, f"{literal} is not a JSON number")

    def integer(literal: str) -> int:
        if len(literal.lstrip("-")) > MAX_INT_DIGITS:
            raise DocumentError(what, f"an integer of {len(literal.lstrip('-'))} digits; at most {MAX_INT_DIGITS}")
        return int(literal)

    def fraction(literal: str) -> float:
        if not fractions:
            raise DocumentError(what, f"the number {_cut(literal)} has a fraction or an exponent; write decimals as "
                                      f"strings (\"{_cut(literal)}\") so their digits stay exact")
        return float(literal)

    try:
        value = json.loads(text, parse_int=integer, parse_float=fraction, parse_constant=number)
    except json.JSONDecodeError as exc:
        raise DocumentError(what, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                            malformed=True) from None
    except RecursionError:  # the C parser's own guard, some hundreds of levels down
        raise DocumentError(what, f"nested more than {max_depth} levels deep") from None
    if _json_deeper_than(value, max_depth):
        raise DocumentError(what, f"nested more than {max_depth} levels deep")
    if _SURROGATE_ESCAPE.search(data) and _has_lone_surrogate(value):
        raise DocumentError(what, "holds a lone surrogate escape (\\ud800 …), which is not text")
    return value


def read_toml(data: bytes, what: str, *, max_bytes: int, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """Parse a TOML document within bounds.

    Raises:
        DocumentError: too large, not UTF-8 (binary, UTF-16), nested too deep, or not TOML
            (``malformed``; an integer of thousands of digits included).
    """
    if len(data) > max_bytes:
        raise DocumentError(what, f"larger than {_size(max_bytes)}; a rule or programme file is far smaller")
    text = utf8_text(data, what)
    depth = _depth(_TOML_SKIPPED.sub("", text).encode("utf-8"))
    if depth > max_depth:
        raise DocumentError(what, f"nested {depth} levels deep; at most {max_depth} are accepted")
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, and int() refusing thousands of digits
        raise DocumentError(what, f"not valid TOML: {_one_line(str(exc))}", malformed=True) from None
    except RecursionError:  # not reached within MAX_DEPTH; kept so that no bound can be outrun
        raise DocumentError(what, "nested too deep") from None


def _depth(skeleton: bytes) -> int:
    """The deepest running count of opening over closing brackets (strings and comments already removed)."""
    brackets = skeleton.translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _json_deeper_than(value: Any, max_depth: int) -> bool:
    """Whether arrays and objects nest more than `max_depth` deep: level by level, never recursing."""
    level = [value] if isinstance(value, (dict, list)) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            return True
        below: list[Any] = []
        for container in level:
            items = container.values() if isinstance(container, dict) else container
            below.extend(item for item in items if isinstance(item, (dict, list)))
        level = below
    return False


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string of a parsed JSON value (keys too) cannot be encoded as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _cut(literal: str) -> str:
    return literal if len(literal) <= 32 else literal[:32] + "…"


def _size(n: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"
