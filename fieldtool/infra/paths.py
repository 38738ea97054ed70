"""Provides the places fieldtool reads and writes: database, config and rule files (platformdirs).

Only the CLI calls these; everything else is handed its paths, so tests can run against
temporary files without touching a user's data.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "fieldtool"


def data_dir() -> Path:
    """The user's data directory (the default database lives here)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """The user's config directory (settings, and user rule sets under ``rules/``)."""
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def default_db() -> Path:
    """The default database file."""
    return data_dir() / "fieldtool.db"


def config_file() -> Path:
    """The settings file."""
    return config_dir() / "config.toml"


def shipped_plans_dir() -> Path:
    """The shipped `sampling_plans/` directory: inside an installed wheel, else beside the package."""
    package = Path(__file__).resolve().parent.parent  # fieldtool/, this file being fieldtool/infra/paths.py
    for candidate in (package / "sampling_plans", package.parent / "sampling_plans"):
        if candidate.is_dir():
            return candidate
    return package.parent / "sampling_plans"


def user_rules_dir() -> Path:
    """Where a user may add or override rule sets (same schema as the shipped ones)."""
    return config_dir() / "rules"


def user_programmes_dir() -> Path:
    """Where a user may add or override inspection programmes."""
    return config_dir() / "programmes"


def reports_dir() -> Path:
    """Where the TUI writes the reports it renders (``fieldtool`` in the user's documents)."""
    return Path(platformdirs.user_documents_dir()) / "fieldtool"
