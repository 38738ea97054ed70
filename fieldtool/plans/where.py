"""Provides the directories searched for rule sets and programmes, the user's own first."""

from __future__ import annotations

from pathlib import Path

from fieldtool.errors import NotFoundError
from fieldtool.infra import paths


def rules_dirs() -> list[Path]:
    """Directories holding rule-set files, in order of precedence."""
    return [d for d in (paths.user_rules_dir(), paths.shipped_plans_dir() / "rules") if d.is_dir()]


def programmes_dirs() -> list[Path]:
    """Directories holding programme files, in order of precedence."""
    return [d for d in (paths.user_programmes_dir(), paths.shipped_plans_dir() / "programmes") if d.is_dir()]


def labels_dirs() -> list[Path]:
    """Directories holding label-rule files, in order of precedence (the user's own first)."""
    return [d for d in (paths.config_dir() / "labels", paths.shipped_plans_dir() / "labels") if d.is_dir()]


def files_by_id(directories: list[Path]) -> dict[str, Path]:
    """Every ``*.toml`` file in the directories, by id (its stem); an earlier directory wins."""
    found: dict[str, Path] = {}
    for directory in directories:
        for path in sorted(directory.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def file_for(what: str, file_id: str, directories: list[Path]) -> Path:
    """The file of one id.

    Args:
        what: what the files are, for the message ("rule set", "programme").
        file_id: the id.
        directories: where to look, in order of precedence.

    Raises:
        NotFoundError: no file has that id; the message lists the known ids.
    """
    found = files_by_id(directories)
    if file_id not in found:
        raise NotFoundError(f"unknown {what} {file_id!r}; known: {', '.join(sorted(found)) or 'none'}")
    return found[file_id]
