"""Driver ↔ simulator end to end over a real pty and a real TCP port: 50 packages into an inspection, faults mid-sequence.

Each fault is one an inspector meets: noise on the line, a balance that goes quiet, a draught
that keeps the reading moving, an error reply, something too heavy put on the pan, the cable
pulled and plugged back, a reply that comes after the driver gave up. After each the inspector
tries again; in the end every package is recorded once, in order, with its raw line. Each capture
is the driver's `read_stable`, then `record_reading`.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from fieldtool.balance import BalanceError, NoReply, connect, parse_connection
from fieldtool.balance.sim import Simulator
from fieldtool.core.inspection import MeasurementSource
from fieldtool.usecases.balance import record_reading
from fieldtool.usecases.inspection import Services

from .conftest import FAST, PATIENCE, PROTOCOLS, TRANSPORTS, package_weights, start, wait_until

Make = Callable[..., tuple[Simulator, str]]
TRAY = Decimal("150.00")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_fifty_packages_with_faults_mid_sequence(services: Services, simulator: Make, protocol: str, transport: str) -> None:
    packages = package_weights(50)
    sim, port = simulator(protocol, transport, advance="manual", model="E2E-1", serial="77001")
    b = sim.balance
    inspection = start(services)
    driver = connect(port, "auto", probe_timeout=0.1, **FAST)
    assert driver.protocol == protocol
    identity = driver.identify()
    assert (identity.model, identity.serial) == ("E2E-1", "77001")
    b.place(TRAY)  # a tray on the pan, tared away: the packages are weighed on it
    driver.read_stable(PATIENCE)
    driver.tare(PATIENCE)
    assert driver.read_stable(2).value == 0

    def pull_cable() -> None:
        sim.drop()

    def plug_back() -> None:
        driver.reconnect(parse_connection(sim.port) if transport == "pty" else None)

    faults: dict[int, tuple[Callable[[], None], Callable[[], None]]] = {
        5: (lambda: setattr(b, "garble_next", 2), lambda: None),
        12: (lambda: setattr(b, "muted", True), lambda: setattr(b, "muted", False)),
        20: (lambda: setattr(b, "hold_unstable", True), lambda: setattr(b, "hold_unstable", False)),
        27: (lambda: setattr(b, "error_next", 1), lambda: None),
        33: (lambda: b.place(Decimal(9000)), lambda: b.place(TRAY + packages[33])),
        40: (pull_cable, plug_back),
        45: (lambda: setattr(b, "slow_next", 0.5), lambda: None),
    }
    failures: list[tuple[int, str]] = []
    for index, weight in enumerate(packages):
        b.place(TRAY + weight)
        inject, recover = faults.get(index, (lambda: None, lambda: None))
        inject()
        for _attempt in range(3):
            # Only a load held unstable needs a short wait (its timeout is the fault); a load that settles is waited for.
            timeout = 0.3 if b.hold_unstable else PATIENCE
            try:
                record_reading(services, inspection, driver.read_stable(timeout), port=driver.port)
                break
            except BalanceError as exc:
                failures.append((index, type(exc).__name__))
                assert str(exc).startswith("balance on ") and "\n" not in str(exc)
                recover()
        else:
            pytest.fail(f"package {index} was never captured: {failures[-3:]}")
    driver.close()

    state = services.lot_state(inspection)
    assert [m.net for m in state.measurements] == packages  # nothing lost, nothing duplicated, in order
    assert all(m.source is MeasurementSource.BALANCE for m in state.measurements)
    assert all(format(m.net, "f") in (m.raw or "") for m in state.measurements)
    assert len(state.measurements) == state.progress.needed == 50
    assert failures == [
        (12, "NoReply"), (20, "StabilityTimeout"), (27, "CommandRefused"), (33, "Overload"), (40, "Disconnected"), (45, "NoReply"),
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_late_reply_is_not_taken_for_the_next_package(services: Services, simulator: Make, protocol: str) -> None:
    sim, port = simulator(protocol, "tcp", advance="manual")
    b = sim.balance
    inspection = start(services)
    with connect(port, protocol, **FAST) as driver:
        b.place(Decimal("480.00"))
        driver.read_stable(PATIENCE)
        b.slow_next = 0.45  # the balance answers only after the driver gave up
        answered = sim.commands
        with pytest.raises(NoReply):
            record_reading(services, inspection, driver.read_stable(PATIENCE), port=driver.port)
        wait_until(lambda: sim.commands > answered, "the balance has sent its late reply (480.00)")
        b.place(Decimal("520.00"))  # meanwhile another package is on the pan
        m, _ = record_reading(services, inspection, driver.read_stable(PATIENCE), port=driver.port)
    assert m.net == Decimal("520.00")  # not the late 480.00
