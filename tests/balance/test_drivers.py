"""Drivers against the simulators over a real pty and a real TCP port; against scripted and fuzzed replies."""

from __future__ import annotations

import os
import threading
import tty
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldtool.balance import (
    AndDriver,
    BalanceDriver,
    BalanceError,
    Cancelled,
    CommandRefused,
    ConnectionSpec,
    Disconnected,
    Link,
    MtSicsDriver,
    NoReply,
    Overload,
    ProtocolError,
    Reading,
    SbiDriver,
    StabilityTimeout,
    Underload,
    connect,
    probe_protocol,
)
from fieldtool.balance.sim import Simulator
from fieldtool.errors import InputError

from .conftest import FAST, PATIENCE, PROTOCOLS, TRANSPORTS, unstable_first

Make = Callable[..., tuple[Simulator, str]]
MAKES = {"mt-sics": "METTLER TOLEDO", "sbi": "Sartorius", "and": "A&D"}
KINDS = {"mt-sics": MtSicsDriver, "sbi": SbiDriver, "and": AndDriver}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_auto_probe_identifies_and_reads(simulator: Make, protocol: str, transport: str) -> None:
    sim, port = simulator(protocol, transport, model="M-1", serial="SN42", advance="manual", unstable_period=0.05)
    with connect(port, "auto", probe_timeout=0.2, **FAST) as driver:
        assert type(driver) is KINDS[protocol]
        identity = driver.identify()
        assert (identity.make, identity.model, identity.serial, identity.protocol) == (MAKES[protocol], "M-1", "SN42", protocol)
        if protocol == "mt-sics":
            assert (identity.capacity, identity.capacity_unit) == (Decimal("6200.00"), "g")
        seen: list[Reading] = []
        on_value = unstable_first(sim.balance, seen)
        sim.balance.place(Decimal("512.3"))
        reading = driver.read_stable(PATIENCE, on_value=on_value)
        assert (reading.value, reading.unit, reading.stable) == (Decimal("512.30"), "g", True)
        assert seen[-1] is reading and not seen[0].stable  # the live values came first, unstable
        assert reading.raw.strip() and "512.30" in reading.raw
        assert driver.read_now().value == Decimal("512.30")
    assert sim.balance.delivered[0] == Decimal("512.30")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_tare_and_zero(simulator: Make, protocol: str) -> None:
    sim, port = simulator(protocol, "tcp", weights=[Decimal("180.00")], advance="manual")
    with connect(port, protocol, **FAST) as driver:
        driver.read_stable(PATIENCE)
        tare = driver.tare(PATIENCE)  # 180 g is outside the zero range: Sartorius' tare/zero key tares
        assert tare == (Decimal("180.00") if protocol == "mt-sics" else None)
        assert driver.read_stable(2).value == 0
        sim.balance.place(Decimal("680.00"))
        assert driver.read_stable(2).value == Decimal("500.00")
        sim.balance.place(Decimal("1.00"))
        driver.zero(PATIENCE)
        assert driver.read_stable(2).value == 0 and sim.balance.tare == 0


def test_mt_sics_tare_left_from_an_earlier_session(simulator: Make) -> None:
    _sim, port = simulator("mt-sics", "pty", weights=[Decimal("25.00")], advance="manual")
    with connect(port, "mt-sics", **FAST) as driver:
        driver.read_stable(PATIENCE)
        driver.tare(PATIENCE)
    with connect(port, "mt-sics", **FAST) as driver:
        assert driver.tare_value() == (Decimal("25.00"), "g")
        assert driver.reset() == "0012345678"
        assert driver.tare_value() == (Decimal("25.00"), "g")  # @ keeps the tare
        driver.clear_tare()
        assert driver.tare_value() == (Decimal("0.00"), "g")
        assert driver.request_stable(2).value == Decimal("25.00")


@pytest.mark.parametrize("protocol", ["mt-sics", "and"])
def test_stable_command_times_out_inside_the_balance(simulator: Make, protocol: str) -> None:
    sim, port = simulator(protocol, "tcp", weights=[Decimal(5)], stability_timeout=0.1)
    sim.balance.hold_unstable = True
    with connect(port, protocol, **FAST) as driver:
        assert isinstance(driver, MtSicsDriver | AndDriver)
        with pytest.raises((StabilityTimeout, CommandRefused)):
            driver.request_stable(1)
        if protocol == "mt-sics":
            with pytest.raises(StabilityTimeout, match="tare not taken"):
                driver.tare(1)
            with pytest.raises(StabilityTimeout, match="zero not taken"):
                driver.zero(1)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_failure_has_its_error(simulator: Make, protocol: str) -> None:
    sim, port = simulator(protocol, "tcp", weights=[Decimal(100)], advance="manual")
    b = sim.balance
    driver = connect(port, protocol, **FAST)
    prefix = f"balance on {port}: "

    def fails(error: type[BalanceError], call: Callable[[], object], needle: str = "") -> None:
        with pytest.raises(error) as caught:
            call()
        assert str(caught.value).startswith(prefix) and "\n" not in str(caught.value)
        assert needle in str(caught.value)

    b.muted = True
    fails(NoReply, lambda: driver.read_stable(1), "no reply")
    b.muted = False
    b.hold_unstable = True
    fails(StabilityTimeout, lambda: driver.read_stable(0.1), "no stable reading within 0.1 s; last ")
    b.hold_unstable = False
    b.error_next = 1
    fails(CommandRefused, lambda: driver.read_stable(1))
    b.garble_next = 100
    fails(ProtocolError, lambda: driver.read_stable(0.05))
    b.garble_next = 0
    b.place(Decimal(7000))
    fails(Overload, lambda: driver.read_stable(1), "overload")
    b.place(Decimal(-10))
    fails(Underload, lambda: driver.read_stable(1), "underload")
    cancel = threading.Event()
    cancel.set()
    fails(Cancelled, lambda: driver.read_stable(1, cancel=cancel), "cancelled")
    sim.drop()
    fails(Disconnected, lambda: driver.read_stable(1))
    driver.reconnect()
    b.place(Decimal(100))
    assert driver.read_stable(1).value == 100
    driver.close()


def test_one_protocol_list_for_the_settings_the_command_line_the_drivers_and_the_simulators() -> None:
    from fieldtool.balance.probe import DRIVERS, PROTOCOLS
    from fieldtool.balance.sim import SPEAKERS
    from fieldtool.infra.config import BALANCE_PROTOCOL_NAMES, BALANCE_PROTOCOLS

    assert tuple(DRIVERS) == tuple(SPEAKERS) == BALANCE_PROTOCOL_NAMES == PROTOCOLS[1:] == BALANCE_PROTOCOLS[1:]
    assert PROTOCOLS == BALANCE_PROTOCOLS and BALANCE_PROTOCOLS[0] == "auto"


def test_garbage_then_a_good_reply_is_read(simulator: Make) -> None:
    sim, port = simulator("mt-sics", "pty", weights=[Decimal("7.5")], advance="manual")
    sim.balance.garble_next = 3
    with connect(port, "mt-sics", **FAST) as driver:
        assert driver.read_stable(1).value == Decimal("7.50")


def test_probe_of_a_silent_device_says_nothing_answered() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        with pytest.raises(NoReply, match="nothing answered .tried MT-SICS, A&D and Sartorius SBI."):
            connect(os.ttyname(slave), "auto", probe_timeout=0.05)
    finally:
        os.close(master)
        os.close(slave)


def test_probe_refuses_an_unknown_protocol_and_bad_names(simulator: Make) -> None:
    with pytest.raises(InputError, match="unknown balance protocol 'ohaus'"):
        connect("loop://", "ohaus")
    port = ScriptedPort({b"I4\r\n": b"HELLO THERE\r\n"})
    with pytest.raises(ProtocolError, match="answers in no known protocol"):
        probe_protocol(Link(ConnectionSpec("scripted"), port), probe_timeout=0.02)


# -- scripted replies: a pyserial-like port that answers from a table ---------------------------


class ScriptedPort:
    """A stand-in for a pyserial port: each command written gets its scripted reply bytes."""

    is_open = True

    def __init__(self, replies: dict[bytes, bytes] | Callable[[bytes], bytes]) -> None:
        self.replies = replies
        self.pending = b""
        self.timeout: float | None = 0
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.sent.append(data)
        reply = self.replies(data) if callable(self.replies) else self.replies.get(data, b"")
        self.pending += reply
        return len(data)

    @property
    def in_waiting(self) -> int:
        return len(self.pending)

    def read(self, size: int = 1) -> bytes:
        data, self.pending = self.pending[:size], self.pending[size:]
        return data

    def close(self) -> None:
        self.is_open = False


def scripted(kind: type[BalanceDriver], replies: dict[bytes, bytes] | Callable[[bytes], bytes], wait: float = 0.02) -> BalanceDriver:
    """A driver on a scripted port; `wait` is its reply timeout (the script answers at once, or never)."""
    return kind(Link(ConnectionSpec("scripted"), ScriptedPort(replies)), reply_timeout=wait, poll_interval=0)  # type: ignore[arg-type]


def test_a_late_reply_to_an_earlier_command_is_skipped() -> None:
    driver = scripted(MtSicsDriver, {b"T\r\n": b"S S 1.00 g\r\nT S 5.00 g\r\n", b"SI\r\n": b"T S 9.00 g\r\nS S 2.00 g\r\n"})
    assert driver.tare(1) == Decimal("5.00")
    assert driver.read_now().value == Decimal("2.00")


def test_and_without_acknowledge_code_checks_the_balance_is_there() -> None:
    driver = scripted(AndDriver, {b"Q\r\n": b"ST,+00000.00  g\r\n"})
    driver.tare(1)
    driver.zero(1)
    with pytest.raises(NoReply):
        scripted(AndDriver, {}).tare(1)
    with pytest.raises(CommandRefused, match="EC,E1"):
        scripted(AndDriver, {b"T\r\n": b"EC,E1\r\n"}).tare(1)


def test_identify_of_older_models() -> None:
    mt = scripted(MtSicsDriver, {b"I2\r\n": b"ES\r\n"}).identify()
    assert (mt.model, mt.serial, mt.capacity) == ("", "", None)
    sbi = scripted(SbiDriver, {b"\x1bP\r\n": b"+   1.00 g  \r\n"}).identify()
    assert (sbi.model, sbi.serial) == ("", "")
    autoprint = scripted(SbiDriver, lambda _: b"+   1.00 g  \r\n").identify()  # a balance printing all the time
    assert (autoprint.model, autoprint.serial) == ("", "")
    with pytest.raises(NoReply):
        scripted(SbiDriver, {}).identify()
    with pytest.raises(NoReply):
        scripted(AndDriver, {}).identify()
    with pytest.raises(ProtocolError):
        scripted(MtSicsDriver, {b"I2\r\n": b"ST,+00000.00  g\r\n"}).identify()


def test_busy_balance() -> None:
    driver = scripted(MtSicsDriver, {b"SI\r\n": b"S I\r\n"})
    with pytest.raises(BalanceError, match="busy"):
        driver.read_now()
    with pytest.raises(StabilityTimeout, match="stayed busy"):
        driver.read_stable(0.02)


# -- fuzzing: whatever a port sends, only typed errors escape the driver ------------------------

CALLS: list[Callable[[BalanceDriver], object]] = [
    lambda d: d.identify(), lambda d: d.read_now(), lambda d: d.read_stable(0.003), lambda d: d.tare(0.002), lambda d: d.zero(0.002),
]
MT_CALLS: list[Callable[[MtSicsDriver], object]] = [
    lambda d: d.tare_value(), lambda d: d.clear_tare(), lambda d: d.reset(), lambda d: d.request_stable(0.002),
]

replies = st.one_of(
    st.binary(max_size=60),
    st.lists(st.sampled_from([b"S S 1 g", b"S D 1 g", b"ST,+00001.00  g", b"+   1.00 g  ", b"\xff", b"\r", b"\n", b"Err", b"I4 A", b"\x06", b"T S", b"EC,"]),
             max_size=8).map(b"".join),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(reply=replies, protocol=st.sampled_from(PROTOCOLS))
def test_fuzzed_replies_raise_only_typed_errors(reply: bytes, protocol: str) -> None:
    driver = scripted(KINDS[protocol], lambda _: reply, wait=0.001)
    calls: list[Callable[[BalanceDriver], object]] = list(CALLS)
    if isinstance(driver, MtSicsDriver):
        calls += MT_CALLS  # type: ignore[arg-type]
    for call in calls:
        try:
            result = call(driver)
        except BalanceError as exc:
            assert "\n" not in str(exc)
        else:
            assert result is None or isinstance(result, Reading | Decimal | tuple | str) or hasattr(result, "make")
    try:
        probe_protocol(Link(ConnectionSpec("scripted"), ScriptedPort(lambda _: reply)), probe_timeout=0.001)  # type: ignore[arg-type]
    except BalanceError:
        pass  # garbage answers are refused with a typed error
