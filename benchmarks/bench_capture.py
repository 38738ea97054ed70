"""Benchmark of a capture (F9): what reading a package from the balance costs beyond the driver, and beyond typing it.

Against a simulator in a subprocess (TCP on loopback, MT-SICS, no instability, the next package
placed after each stable read), in the same run and interleaved in rounds:

- driver: `BalanceDriver.read_stable` (what the drivers' benchmark measures);
- session: `BalanceSession.read_next`, the capture's read: the lock, the unit conversion, the
  "not the same load twice" check, the identity check against the register entry;
- capture: the session's read and `record_reading` into a durable SQLite store (WAL,
  synchronous=FULL: an fsync per package, as in the field);
- typed: `Services.record_weight` of the same values typed, into the same kind of store.

Printed: packages per second (medians of the rounds) and the ratios session / driver (the
session's overhead) and capture / typed (a package from the balance against a typed one, with the
store's commit in both). The target is a session / driver ratio of at least 0.9: the session
must add little to the driver.

    python benchmarks/bench_capture.py [--packages 200] [--rounds 5]

Figures are printed; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fieldtool.balance.probe import connect
from fieldtool.balance.session import BalanceSession
from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.usecases.balance import record_reading
from fieldtool.usecases.inspection import Services

TARGET_RATIO = 0.9
"""The session should keep at least this share of the driver's rate."""

OPTIONS = {"reply_timeout": 1.0, "poll_interval": 0.0}


class SimulatorProcess:
    """``fieldtool balance simulate`` in a subprocess, with a script of distinct package weights."""

    def __init__(self, weights_file: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fieldtool.cli.balance", "simulate", "--protocol", "mt-sics", "--listen", "tcp:127.0.0.1:0",
             "--unstable", "0", "--weights", str(weights_file)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        )
        assert self.proc.stdout is not None
        self.port = self.proc.stdout.readline().strip()

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=10)


def header() -> InspectionHeader:
    return InspectionHeader(
        site_name="bench", site_kind=SiteKind.RETAILER, nominal=Decimal(500), unit="g", lot_size=100_000,
        rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.SIMPLE_RANDOM, sampling_seed=1,
        inspectors=("bench",), tare_method=TareMethod.NET,
    )


class Lots:
    """The inspection to record into: a new one each time the last one's sample is complete (n = 125 here)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._new()

    def _new(self) -> None:
        self.id = self.services.start_inspection(header()).id
        self.left = self.services.lot_state(self.id).progress.needed

    def next(self) -> str:
        """The id of an inspection with room for one more package (the switch is not timed apart: it is rare)."""
        if self.left == 0:
            self._new()
        self.left -= 1
        return self.id


def rate(n: int, body: Callable[[], None]) -> float:
    start = time.perf_counter()
    for _ in range(n):
        body()
    return n / (time.perf_counter() - start)


def one_round(weights_file: Path, packages: int, work: Path) -> dict[str, float]:
    """One round of each side, each on its own simulator (its script starts again)."""
    rates: dict[str, float] = {}
    sim = SimulatorProcess(weights_file)
    try:
        with connect(sim.port, "mt-sics", **OPTIONS) as driver:
            rates["driver"] = rate(packages, lambda: driver.read_stable(5))
    finally:
        sim.stop()
    sim = SimulatorProcess(weights_file)
    session = BalanceSession(sim.port, "mt-sics", **OPTIONS)
    try:
        session.open()
        rates["session"] = rate(packages, lambda: session.read_next("g", timeout=5) and None)
    finally:
        session.close()
        sim.stop()
    sim = SimulatorProcess(weights_file)
    session = BalanceSession(sim.port, "mt-sics", **OPTIONS)
    db = work / f"capture-{time.monotonic_ns()}.db"
    try:
        with SqliteStore.open(db) as store:
            services = Services(store)
            lots = Lots(services)
            session.open()
            rates["capture"] = rate(packages, lambda: record_reading(services, lots.next(), session.read_next("g", timeout=5)) and None)
    finally:
        session.close()
        sim.stop()
    typed = iter(weights_file.read_text().split())
    with SqliteStore.open(work / f"typed-{time.monotonic_ns()}.db") as store:
        services = Services(store)
        lots = Lots(services)
        rates["typed"] = rate(packages, lambda: services.record_weight(lots.next(), next(typed)) and None)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", type=int, default=200, help="packages per round and side (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; medians are kept (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        weights_file = work / "weights.txt"
        weights_file.write_text("".join(f"{Decimal(49500 + i * 37 % 1000) / 100}\n" for i in range(args.packages + 50)))
        rounds = [one_round(weights_file, args.packages, work) for _ in range(args.rounds)]
    median = {side: statistics.median(r[side] for r in rounds) for side in rounds[0]}
    session_ratio = statistics.median(r["session"] / r["driver"] for r in rounds)
    capture_ratio = statistics.median(r["capture"] / r["typed"] for r in rounds)
    print(f"{args.packages} packages x {args.rounds} rounds per side; MT-SICS simulator in a subprocess on loopback; medians\n")
    print(f"{'side':<9} {'packages /s':>12}")
    for side, value in median.items():
        print(f"{side:<9} {value:>12.0f}")
    verdict = "meets" if session_ratio >= TARGET_RATIO else "MISSES"
    print(f"\nsession / driver {session_ratio:.2f}: {verdict} the target of {TARGET_RATIO}")
    print(f"capture / typed  {capture_ratio:.2f} (a package from the balance against a typed one, both committed durably)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
