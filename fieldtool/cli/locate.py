"""Provides the ``locate`` command: where the database, the demo's database, the config and the rule and programme files are."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fieldtool.cli.common import db_path
from fieldtool.cli.parser import add_db_option

COMMANDS = ("locate",)
"""The command this module adds."""


def add_commands(subparsers: Any) -> None:
    """Add ``locate`` to the main parser's sub-parsers."""
    locate = subparsers.add_parser("locate", help="print where the database, config and rule files are")
    add_db_option(locate, "database file (default: in the user data directory)")
    locate.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int | None:
    """Run ``locate``; None when `args` is another command's."""
    if args.command != "locate":
        return None
    from fieldtool.infra import paths
    from fieldtool.plans.where import programmes_dirs, rules_dirs

    demo = paths.data_dir() / "demo.db"
    places: dict[str, str | list[str]] = {
        "database": str(db_path(args)),
        "demo_database": str(demo),
        "config": str(paths.config_file()),
        "rules": [str(d) for d in rules_dirs()],
        "user_rules": str(paths.user_rules_dir()),
        "programmes": [str(d) for d in programmes_dirs()],
        "user_programmes": str(paths.user_programmes_dir()),
    }
    if args.json:
        print(json.dumps(places, indent=2))  # ASCII-escaped, as it always was (scripts may rely on it)
        return 0
    notes = {
        "database": "your inspections: fieldtool opens this one when no --db is given",
        "demo_database": "throw-away data built by 'fieldtool demo'; fieldtool --db PATH opens it",
    }
    for key, value in places.items():
        shown = "\n  ".join(value) if isinstance(value, list) else value
        if key == "demo_database" and not demo.is_file():
            shown += "  (not built yet)"
        note = f"\n  ({notes[key]})" if key in notes else ""
        print(f"{key}:\n  {shown}{note}")
    return 0
