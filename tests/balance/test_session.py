"""The balance session against simulators: next package only, the same load never twice, reopened after a drop, the register's balance enforced."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fieldtool.balance import Busy, Cancelled, Disconnected, EmptyPan, StabilityTimeout
from fieldtool.balance.reading import Identity, Reading
from fieldtool.balance.session import BalanceSession, Waiting, WrongBalance, check_identity
from fieldtool.balance.sim import Simulator
from fieldtool.core.inspection import Balance
from fieldtool.errors import InputError

from .conftest import FAST, PATIENCE, wait_until

Make = Callable[..., tuple[Simulator, str]]


def register_entry(serial: str) -> Balance:
    return Balance(
        id="b1", make="METTLER TOLEDO", model="XS6002S", serial=serial, unit="g", max_capacity=Decimal(6200),
        d=Decimal("0.01"), e=None, accuracy_class="II", mpe=None, certificate="", calibration_due=None,
        connection=None, added_at=datetime(2012, 1, 1, tzinfo=UTC),
    )


class Recorder:
    """Collects what the session reports, from its reading thread."""

    def __init__(self) -> None:
        self.seen: list[tuple[Waiting, Reading | None]] = []
        self.event = threading.Event()
        self.wanted: Waiting | None = None

    def __call__(self, waiting: Waiting, reading: Reading | None) -> None:
        self.seen.append((waiting, reading))
        if waiting is self.wanted:
            self.event.set()

    def states(self) -> set[Waiting]:
        return {w for w, _ in self.seen}


@pytest.mark.parametrize("protocol", ["mt-sics", "sbi", "and"])
def test_reads_a_sequence_of_packages_opening_the_connection_once(simulator: Make, protocol: str) -> None:
    weights = [Decimal("501.37"), Decimal("498.02"), Decimal("503.90")]
    sim, port = simulator(protocol, "tcp", weights=weights)
    session = BalanceSession(port, "auto", **FAST)
    progress = Recorder()
    try:
        got = [session.read_next("g", timeout=3, progress=progress).value for _ in weights]
    finally:
        session.close()
    assert got == weights
    assert sim.connections == 1
    assert session.identity is None  # closed
    assert Waiting.CONNECTING in progress.states() and Waiting.STABLE in progress.states()


def test_a_load_left_on_the_pan_is_not_taken_twice(simulator: Make) -> None:
    # Two packages of exactly the same weight: the second is taken only once the first was lifted.
    sim, port = simulator("mt-sics", "tcp", weights=[Decimal("500.00"), Decimal("500.00")], advance="manual")
    session = BalanceSession(port, "mt-sics", **FAST)
    try:
        first = session.read_next("g", timeout=2)
        progress = Recorder()
        progress.wanted = Waiting.SAME_LOAD
        result: list[Reading] = []
        worker = threading.Thread(target=lambda: result.append(session.read_next("g", timeout=5, progress=progress)))
        worker.start()
        assert progress.event.wait(3), "the session should say the last load is still on the pan"
        assert not result
        # The next package, same weight, placed: the load moves, then settles. It is held unstable until the
        # session has seen it move (the 0.01 s of wandering is shorter than a busy scheduler's tick).
        progress.wanted = Waiting.UNSTABLE
        progress.event.clear()
        sim.balance.hold_unstable = True
        sim.balance.next_package()
        assert progress.event.wait(PATIENCE), "the session should see the load move"
        sim.balance.hold_unstable = False
        worker.join(5)
    finally:
        session.close()
    assert result and result[0].value == first.value == Decimal("500.00")
    assert result[0].at > first.at
    assert sim.balance.delivered.count(Decimal("500.00")) >= 2


def test_the_same_load_times_out_with_a_message_saying_so(simulator: Make) -> None:
    _sim, port = simulator("and", "tcp", weights=[Decimal("12.40")], advance="manual")
    # A patient reply timeout: the 0.3 s read below must get its one stable reading, however busy the machine.
    session = BalanceSession(port, "and", **{**FAST, "reply_timeout": PATIENCE})
    try:
        session.read_next("g", timeout=2)
        with pytest.raises(StabilityTimeout, match="stayed on the pan for 0.3 s; put the next one on"):
            session.read_next("g", timeout=0.3)
        session.forget_last()  # the package was withdrawn: weighing it again is allowed
        assert session.read_next("g", timeout=2).value == Decimal("12.40")
    finally:
        session.close()


def test_an_empty_pan_is_waited_for_then_reported(simulator: Make) -> None:
    sim, port = simulator("sbi", "tcp")
    # The 0.4 s read below must see the empty pan stable: the pan has settled, and the reply timeout is patient.
    wait_until(sim.balance.is_stable, "the empty pan has settled")
    session = BalanceSession(port, "sbi", **{**FAST, "reply_timeout": PATIENCE})
    progress = Recorder()
    try:
        with pytest.raises(EmptyPan, match="the pan stayed empty for 0.4 s"):
            session.read_next("g", timeout=0.4, progress=progress)
        assert Waiting.EMPTY in progress.states()
        progress.wanted = Waiting.EMPTY
        progress.event.clear()
        result: list[Reading] = []
        worker = threading.Thread(target=lambda: result.append(session.read_next("g", timeout=5, progress=progress)))
        worker.start()
        assert progress.event.wait(3)
        sim.balance.place(Decimal("250.5"))
        worker.join(5)
    finally:
        session.close()
    assert result and result[0].value == Decimal("250.50")


def test_a_dropped_connection_is_reopened_by_the_next_read(simulator: Make) -> None:
    sim, port = simulator("mt-sics", "tcp", weights=[Decimal("501.37"), Decimal("498.02")])
    session = BalanceSession(port, "mt-sics", **FAST)
    try:
        assert session.read_next("g", timeout=2).value == Decimal("501.37")
        sim.balance.drop_next = True
        with pytest.raises(Disconnected):
            session.read_next("g", timeout=2)
        assert not session.is_open
        assert session.read_next("g", timeout=2).value == Decimal("498.02")
        assert sim.connections == 2
    finally:
        session.close()


def test_cancel_stops_the_wait(simulator: Make) -> None:
    sim, port = simulator("mt-sics", "pty", weights=[Decimal("501.37")])
    sim.balance.hold_unstable = True
    session = BalanceSession(port, "mt-sics", **FAST)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    try:
        with pytest.raises(Cancelled):
            session.read_next("g", timeout=10, cancel=cancel)
        assert session.is_open  # a cancelled wait keeps the connection
    finally:
        session.close()


def test_one_reader_at_a_time(simulator: Make) -> None:
    sim, port = simulator("mt-sics", "tcp", weights=[Decimal("501.37")])
    sim.balance.hold_unstable = True
    session = BalanceSession(port, "mt-sics", **FAST)
    cancel = threading.Event()
    progress = Recorder()
    progress.wanted = Waiting.UNSTABLE
    worker = threading.Thread(target=lambda: pytest.raises(Cancelled, session.read_next, "g", timeout=10, progress=progress, cancel=cancel))
    worker.start()
    try:
        assert progress.event.wait(3)
        with pytest.raises(Busy, match="in use by another reading"):
            session.read_next("g", timeout=1)
    finally:
        cancel.set()
        worker.join(5)
        session.close()


def test_the_inspections_balance_is_enforced_by_serial_number(simulator: Make) -> None:
    _sim, port = simulator("mt-sics", "tcp", weights=[Decimal("501.37")], serial="0012345678")
    session = BalanceSession(port, "auto", **FAST)
    try:
        with pytest.raises(WrongBalance, match="serial 0012345678, but the inspection is weighed on METTLER TOLEDO XS6002S serial B-99"):
            session.read_next("g", timeout=2, expect=register_entry("B-99"))
        # The register wrote it without the leading zeros: the same balance.
        assert session.read_next("g", timeout=2, expect=register_entry("12345678")).value == Decimal("501.37")
    finally:
        session.close()


def test_identity_check_passes_when_a_side_does_not_know_the_serial() -> None:
    anonymous = Identity(make="A&D", protocol="and", model="", serial="")
    check_identity(anonymous, register_entry("B-99"), "COM3")
    check_identity(Identity(make="A&D", protocol="and", model="GX", serial="7"), None, "COM3")


def test_no_connection_set_is_a_user_error() -> None:
    with pytest.raises(InputError, match="no balance connection is set"):
        BalanceSession().read_next("g")


@pytest.mark.parametrize("protocol", ["mt-sics", "sbi", "and"])
def test_test_identifies_and_reads_once_without_keeping_the_port(simulator: Make, protocol: str) -> None:
    sim, port = simulator(protocol, "pty", weights=[Decimal("2.5")], sbi_with_id=True)
    session = BalanceSession(**FAST)
    result = session.test(port)
    assert result.identity.protocol == protocol
    assert result.reading.value == Decimal("2.50")
    assert result.connection.startswith("serial:" + port)
    assert not session.is_open
    # The port is free again: a second test opens it again.
    assert session.test(port).identity.protocol == protocol
    assert sim.connections >= 1


def test_configure_closes_the_old_connection(simulator: Make) -> None:
    _sim1, port1 = simulator("mt-sics", "tcp", weights=[Decimal("501.37")])
    _sim2, port2 = simulator("and", "tcp", weights=[Decimal("12.40")])
    session = BalanceSession(port1, **FAST)
    try:
        session.read_next("g", timeout=2)
        assert session.identity is not None and session.identity.protocol == "mt-sics"
        session.configure(port2, "auto")
        assert not session.is_open
        assert session.read_next("g", timeout=2).value == Decimal("12.40")
        assert session.identity is not None and session.identity.protocol == "and"
    finally:
        session.close()
