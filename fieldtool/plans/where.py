"""Provides the directories searched for rule sets and programmes, the user's own first."""

from __future__ import annotations

from pathlib import Path

from fieldtool import paths


def rules_dirs() -> list[Path]:
    """Directories holding rule-set files, in order of precedence."""
    return [d for d in (paths.user_rules_dir(), paths.shipped_plans_dir() / "rules") if d.is_dir()]


def programmes_dirs() -> list[Path]:
    """Directories holding programme files, in order of precedence."""
    return [d for d in (paths.user_programmes_dir(), paths.shipped_plans_dir() / "programmes") if d.is_dir()]
