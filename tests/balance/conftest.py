"""Fixtures of the balance tests: a store with an inspection, and simulators on a real pty and a real TCP port."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.balance.reading import Reading
from fieldtool.balance.sim import SimulatedBalance, Simulator
from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.usecases.inspection import Services
from tests.conftest import StepClock

PROTOCOLS = ("mt-sics", "sbi", "and")
TRANSPORTS = ("pty", "tcp")

FAST = {"reply_timeout": 0.3, "poll_interval": 0.002}
"""Driver options for tests: a silent balance is noticed in 0.3 s."""

PATIENCE = 10.0
"""Seconds a test waits for a state that is bound to come: far beyond any scheduler delay, and spent only on failure."""


def wait_until(condition: Callable[[], object], what: str, timeout: float = PATIENCE) -> None:
    """Wait for a state, not for a time: poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s in vain until {what}")
        time.sleep(0.001)


def unstable_first(balance: SimulatedBalance, seen: list[Reading]) -> Callable[[Reading], None]:
    """Hold `balance` unstable until a reader has seen it so; returns an ``on_value`` that collects the readings.

    The simulator's unstable period (0.01 s) is shorter than a busy scheduler's tick, so "the live
    values came first, unstable" is made a state the reader waits for, not a race it may lose.
    """
    balance.hold_unstable = True

    def on_value(reading: Reading) -> None:
        seen.append(reading)
        if not reading.stable:
            balance.hold_unstable = False

    return on_value


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    clock = StepClock(datetime(2012, 6, 1, 2, 0, tzinfo=UTC))
    with SqliteStore.open(tmp_path / "fieldtool.db", clock=clock, durable=False) as store:
        yield Services(store, clock=clock)


def header(**changes: object) -> InspectionHeader:
    """A 500 g lot of 300 packages under JJF 1070-2005 (n = 50), weighed net."""
    fields: dict[str, object] = {
        "site_name": "Suguo Supermarket", "site_kind": SiteKind.RETAILER, "nominal": Decimal(500), "unit": "g",
        "lot_size": 300, "rule_set_id": "jjf1070-2005", "sampling_method": SamplingMethod.SIMPLE_RANDOM,
        "sampling_seed": 42, "inspectors": ("Wang Li", "Zhao Min"), "tare_method": TareMethod.NET,
    }
    fields.update(changes)
    return InspectionHeader(**fields)  # type: ignore[arg-type]


def start(services: Services, **changes: object) -> str:
    return services.start_inspection(header(**changes)).id


def package_weights(count: int = 50, start: str = "495.00") -> list[Decimal]:
    """Distinct package loads around 500 g, to 0.01 g: a lost or repeated one shows."""
    first = Decimal(start)
    return [first + Decimal(i * 37 % 1000) / 100 for i in range(count)]


def serve(sim: Simulator, transport: str) -> str:
    if transport == "pty" and not hasattr(os, "openpty"):
        pytest.skip("pseudo-terminals are POSIX only")
    return sim.serve_pty() if transport == "pty" else sim.serve_tcp()


@pytest.fixture
def simulator() -> Iterator[Callable[..., tuple[Simulator, str]]]:
    """Start simulators: `simulator(protocol, transport, **balance_options)` -> (simulator, port); all stopped at the end."""
    started: list[Simulator] = []

    def make(protocol: str, transport: str, *, sbi_with_id: bool = False, **options: object) -> tuple[Simulator, str]:
        options.setdefault("unstable_period", 0.01)
        # A stable-weight command (S, T, Z …) waits this long for a load that settles in 0.01 s: a ceiling
        # never reached unless a test holds the load unstable, and those tests set it short themselves.
        options.setdefault("stability_timeout", PATIENCE)
        sim = Simulator(protocol, SimulatedBalance(**options), sbi_with_id=sbi_with_id)  # type: ignore[arg-type]
        started.append(sim)
        return sim, serve(sim, transport)

    yield make
    for sim in started:
        sim.stop()
