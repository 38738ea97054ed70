"""Provides a strict reader for TOML tables: unknown keys, wrong types and missing keys are errors.

Every error names the file and the dotted key, so that whoever edits a rule file can find the
mistake at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from fieldtool.core.quantity import parse_decimal
from fieldtool.errors import InputError, RuleFileError
from fieldtool.infra.bounded import DocumentError, read_file, read_toml

T = TypeVar("T")
_MISSING = object()


MAX_FILE_BYTES = 1024 * 1024
"""The largest rule-set or programme file read: the shipped ones are under 10 KiB."""


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file within bounds (`fieldtool.infra.bounded.read_toml`).

    Raises:
        RuleFileError: the file cannot be read, is larger than `MAX_FILE_BYTES`, is not UTF-8 text
            (a binary or UTF-16 file), nests too deep or is not valid TOML; the message names the file.
    """
    try:
        return read_toml(read_file(path, MAX_FILE_BYTES), str(path), max_bytes=MAX_FILE_BYTES)
    except DocumentError as exc:
        raise RuleFileError(str(exc)) from None


def open_table(path: Path, schema_version: int) -> tuple[Table, str]:
    """Read a rule-set or programme file: its top table, with the schema version and the id checked.

    Args:
        path: the TOML file; its stem is the id the file must declare.
        schema_version: the one ``schema`` this fieldtool reads.

    Returns:
        The top table (``schema`` and ``id`` already taken) and the id.

    Raises:
        RuleFileError: the file cannot be read, is not TOML, has another schema or another id.
    """
    top = Table(load_toml(path), path)
    schema = top.integer("schema")
    if schema != schema_version:
        raise top.error("schema", f"this fieldtool reads schema {schema_version}; got {schema}")
    file_id = top.text("id")
    if file_id != path.stem:
        raise top.error("id", f"must equal the file name {path.stem!r}; got {file_id!r}")
    return top, file_id


class Table:
    """A view of one TOML table that hands out each key once and refuses what is left over."""

    def __init__(self, data: dict[str, Any], path: Path, key: str = "") -> None:
        self._data = data
        self._path = path
        self._key = key
        self._taken: set[str] = set()

    def where(self, key: str) -> str:
        """The dotted name of a key of this table, for messages."""
        return f"{self._key}.{key}" if self._key else key

    def error(self, key: str, problem: str) -> RuleFileError:
        """An error naming the file and the key."""
        return RuleFileError(f"{self._path}: {self.where(key)}: {problem}")

    def _get(self, key: str, default: object) -> object:
        self._taken.add(key)
        if key in self._data:
            return self._data[key]
        if default is _MISSING:
            raise self.error(key, "missing")
        return default

    def typed(self, key: str, kind: type[T], default: object = _MISSING) -> T:
        """A value that must be of one Python type (bool is not an int here)."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value  # type: ignore[return-value]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(key, f"must be {_type_name(kind)}, not {_type_name(type(value))} {value!r}")
        return value

    def text(self, key: str, default: object = _MISSING) -> str:
        """A string value."""
        return self.typed(key, str, default)

    def integer(self, key: str, default: object = _MISSING, minimum: int | None = None) -> int:
        """An integer value, optionally at least `minimum`."""
        value = self.typed(key, int, default)
        if minimum is not None and value is not None and value < minimum:
            raise self.error(key, f"must be at least {minimum}; got {value}")
        return value

    def decimal(self, key: str, default: object = _MISSING) -> Decimal:
        """A decimal value written as an integer, a float or a string (floats via their shortest repr)."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value  # type: ignore[return-value]
        if isinstance(value, float):
            value = repr(value)
        try:
            number = parse_decimal(value, self.where(key))
        except InputError as exc:
            raise RuleFileError(f"{self._path}: {exc}") from None
        return number

    def choice(self, key: str, options: type[T], default: object = _MISSING) -> T:
        """A string that must be one value of an enum."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value  # type: ignore[return-value]
        allowed = [m.value for m in options]  # type: ignore[attr-defined]
        if value not in allowed:
            raise self.error(key, f"must be one of {', '.join(map(str, allowed))}; got {value!r}")
        return options(value)  # type: ignore[call-arg]

    def table(self, key: str, default: object = _MISSING) -> Table:
        """A sub-table."""
        value = self._get(key, {} if default is not _MISSING else default)
        if not isinstance(value, dict):
            raise self.error(key, f"must be a table, not {_type_name(type(value))}")
        return Table(value, self._path, self.where(key))

    def has(self, key: str) -> bool:
        """Whether the key is present."""
        return key in self._data

    def tables(self, key: str, default: object = _MISSING) -> Iterator[Table]:
        """A non-empty array of tables."""
        value = self._get(key, [] if default is not _MISSING else default)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, "must be an array of tables")
        if not value and default is _MISSING:
            raise self.error(key, "must not be empty")
        for i, item in enumerate(value):
            yield Table(item, self._path, f"{self.where(key)}[{i}]")

    def strings(self, key: str, default: object = _MISSING) -> list[str]:
        """An array of strings."""
        value = self._get(key, default)
        if value is default and default is not _MISSING:
            return value  # type: ignore[return-value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be an array of strings")
        return value

    def names(self) -> list[str]:
        """The keys of this table (for tables keyed by id)."""
        return list(self._data)

    def done(self) -> None:
        """Refuse every key that was not read: a misspelt key must not be ignored silently."""
        unknown = [k for k in self._data if k not in self._taken]
        if unknown:
            raise self.error(unknown[0], "unknown key" + (f" (also {', '.join(unknown[1:])})" if unknown[1:] else ""))


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false", dict: "a table", list: "an array"}.get(
        kind, kind.__name__
    )
