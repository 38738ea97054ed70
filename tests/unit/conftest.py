"""Shared set-up of the unit tests: the shipped rule sets, read straight from the repository."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from fieldtool.core.rules import RuleSet
from fieldtool.infra import keys, paths
from fieldtool.plans.rules import load_rule_set_file
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from tests.conftest import StepClock

JJF = "jjf1070-2005"
OIML = "oiml-r87-2016"
EU = "eu-76-211"


@cache
def rules(rule_id: str = JJF) -> RuleSet:
    """A shipped rule set, read straight from the repository (never a user's override)."""
    return load_rule_set_file(paths.shipped_plans_dir() / "rules" / f"{rule_id}.toml")


LAPTOP_START = datetime(2025, 3, 14, 1, 30, tzinfo=UTC)
"""When the laptop fixtures' clock starts: 09:30 in China."""


@pytest.fixture
def key(tmp_path: Path) -> keys.SigningKey:
    """A laptop's own device key, in the test's directory."""
    return keys.load_or_create(tmp_path / "laptop.key.pem")


@pytest.fixture
def laptop_services(tmp_path: Path, key: keys.SigningKey) -> Iterator[Services]:
    """The use-cases over a laptop database whose records `key` signs, with a step clock from `LAPTOP_START`."""
    clock = StepClock(LAPTOP_START)
    with SqliteStore.open(tmp_path / "laptop.db", clock=clock, durable=False, signer=key) as store:
        yield Services(store, clock=clock, signer=key)
