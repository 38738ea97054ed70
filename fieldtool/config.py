"""Provides the user's settings (config.toml): language, theme and default programme."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from fieldtool.errors import InputError


@dataclass(frozen=True)
class Settings:
    """What the TUI needs to know besides the database."""

    lang: str = "en"
    """Language of every screen: ``en`` or ``zh``."""
    theme: str = "textual-dark"
    """Textual theme name (``textual-light`` for bright daylight)."""
    programme_id: str = "cn-2012-net-content"
    """The programme shown on Home and offered for new inspections."""
    db_path: str = ""
    """The database file in use (shown in the help screen)."""


_KEYS = {"lang", "theme", "programme_id"}


def load_settings(path: Path, **overrides: str | None) -> Settings:
    """Read settings from `path` (missing file: defaults); non-None `overrides` win.

    Raises:
        InputError: the file is not valid TOML, has an unknown key, or a bad language.
    """
    values: dict[str, str] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read settings: {exc}") from None
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise InputError(f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}")
        for key, value in data.items():
            if not isinstance(value, str):
                raise InputError(f"{path}: {key} must be a string")
            values[key] = value
    values.update({k: v for k, v in overrides.items() if v is not None})
    if values.get("lang", "en") not in ("en", "zh"):
        raise InputError(f"language must be en or zh; got {values['lang']!r}")
    return Settings(**values)
