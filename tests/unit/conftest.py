"""Shared set-up of the unit tests: the shipped rule sets, read straight from the repository."""

from __future__ import annotations

from functools import cache

from fieldtool.core.rules import RuleSet
from fieldtool.infra import paths
from fieldtool.plans.rules import load_rule_set_file

JJF = "jjf1070-2005"
OIML = "oiml-r87-2016"
EU = "eu-76-211"


@cache
def rules(rule_id: str = JJF) -> RuleSet:
    """A shipped rule set, read straight from the repository (never a user's override)."""
    return load_rule_set_file(paths.shipped_plans_dir() / "rules" / f"{rule_id}.toml")
