"""Fixtures for driving the real app headless: a temporary database, a runner, the app, an inspection open on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from textual.pilot import Pilot

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.infra.config import Settings
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.usecases.inspection import Services

FIXED_NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "fieldtool.db"


@pytest.fixture
def runner(db_path: Path) -> Iterator[ServiceRunner]:
    r = ServiceRunner(lambda: Services(SqliteStore.open(db_path), clock=lambda: FIXED_NOW))
    yield r
    r.close()


@pytest.fixture
def with_profile(runner: ServiceRunner) -> None:
    runner.call_sync(lambda s: s.save_inspector("Wang Li", "N-001", "Nanjing QTSB"))


def make_app(runner: ServiceRunner, lang: str = "en") -> FieldtoolApp:
    return FieldtoolApp(runner, Settings(lang=lang, db_path="test.db"))


@asynccontextmanager
async def on_inspection(app: FieldtoolApp, iid: str, size: tuple[int, int]) -> AsyncIterator[Pilot[None]]:
    """Run `app` headless at `size` with the inspection `iid` open, on the screen its lot is at."""
    async with app.run_test(size=size) as pilot:
        await app.open_inspection(iid)
        await pilot.pause()
        yield pilot


def header(**overrides: object) -> InspectionHeader:
    values: dict[str, object] = dict(
        programme_id="cn-2012-net-content", city_id="nanjing", site_name="Suguo Supermarket", site_kind=SiteKind.RETAILER,
        product_id="rice", brand="Golden Ear", batch="B-17", nominal=Decimal(500), unit="g", lot_size=300,
        rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.SIMPLE_RANDOM, sampling_seed=42,
        inspectors=("Wang Li", "Zhao Min"), tare_method=TareMethod.NET,
    )
    values.update(overrides)
    return InspectionHeader(**values)  # type: ignore[arg-type]


def open_inspection(runner: ServiceRunner, **overrides: object) -> str:
    return runner.call_sync(lambda s: s.start_inspection(header(**overrides))).id


def screen_text(app: FieldtoolApp) -> str:
    """What the terminal shows, as text (the compositor's lines, as a screenshot would draw them)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
