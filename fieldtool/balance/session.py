"""Provides `BalanceSession`: the one connection a program keeps to its balance, and "read the next package".

A session is opened when first needed (`connect`, then `identify` once), and dropped when the
connection drops, so that the next read opens it again: a cable pulled and plugged back costs the
inspector one more key press, never a restart.

`read_next` is what a capture key does. It waits for a stable reading with a load on the pan,
and it never takes the same load twice: after a capture, the next one is taken only once the
balance has shown a change (the package lifted, or any other value). Two packages may well weigh
the same to the last digit, so equal values alone prove nothing; a load that never left the pan
does. The wait is reported as it goes (`Waiting`), for a live display.

`check_identity` ties the readings to the register: a balance that reports a serial number other
than that of the inspection's balance is refused, because the record would name an instrument
that did not weigh.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NoReturn

from fieldtool.balance.driver import BalanceDriver
from fieldtool.balance.errors import BalanceError, Busy, Disconnected, EmptyPan, PortError, StabilityTimeout
from fieldtool.balance.probe import connect
from fieldtool.balance.reading import Identity, Reading
from fieldtool.balance.transport import parse_connection
from fieldtool.balance.units import convert
from fieldtool.errors import InputError

if TYPE_CHECKING:
    from fieldtool.core.inspection import Balance


class WrongBalance(BalanceError):
    """The balance connected is not the one the inspection names."""


class Waiting(StrEnum):
    """What a read is waiting for, with each reading on the way."""

    CONNECTING = "connecting"
    """Opening the connection and identifying the balance."""
    UNSTABLE = "unstable"
    """A load that has not settled."""
    EMPTY = "empty"
    """A stable reading of zero or less: nothing on the pan."""
    SAME_LOAD = "same-load"
    """The load captured last is still on the pan."""
    STABLE = "stable"
    """The stable reading that is returned."""


Progress = Callable[[Waiting, Reading | None], None]
"""Called on the reading thread with what the read waits for and the reading just received."""

Connector = Callable[..., BalanceDriver]


def _serial_key(serial: str) -> str:
    """A serial number as compared: no blanks or leading zeros, upper case (``0012345678`` = ``12345678``)."""
    return "".join(serial.split()).lstrip("0").upper()


def check_identity(identity: Identity | None, balance: Balance | None, port: str) -> None:
    """Refuse a balance whose reported serial number is not that of the register entry `balance`.

    Nothing is refused when either side does not know the serial number.

    Raises:
        WrongBalance: both know it, and they differ.
    """
    if identity is None or balance is None or not identity.serial.strip() or not balance.serial.strip():
        return
    if _serial_key(identity.serial) != _serial_key(balance.serial):
        raise WrongBalance(
            port,
            f"this is {identity.make} {identity.model} serial {identity.serial}, but the inspection is weighed on "
            f"{balance.make} {balance.model} serial {balance.serial}; connect that balance, or type the weights",
            zh=f"这是 {identity.make} {identity.model}，出厂编号 {identity.serial}，而本次检验使用 {balance.make} "
            f"{balance.model}，出厂编号 {balance.serial}；请连接那台天平，或手工输入",
        )


@dataclass(frozen=True)
class TestResult:
    """What `BalanceSession.test` found."""

    identity: Identity
    """What the balance says about itself (its protocol included)."""
    reading: Reading
    """One reading, stable or not."""
    connection: str
    """The connection, as stored (normalised)."""


class BalanceSession:
    """The program's connection to its balance: opened when first needed, identified once, reopened after a drop.

    One call at a time uses the balance; a second caller gets `Busy` at once rather than a reply
    meant for the first.

    Args:
        connection: the connection string (see `fieldtool.balance.transport`); empty: none set.
        protocol: mt-sics, sbi, and or auto.
        connector: opens a driver (`fieldtool.balance.connect`; replaceable for options).
        driver_options: passed to the connector (reply_timeout, poll_interval, probe_timeout).
    """

    def __init__(self, connection: str = "", protocol: str = "auto", *, connector: Connector = connect, **driver_options: float) -> None:
        self.connection = connection.strip()
        self.protocol = protocol
        self._connector = connector
        self._options = driver_options
        self._driver: BalanceDriver | None = None
        self.identity: Identity | None = None
        """What the open balance reported; None while closed."""
        self._use = threading.Lock()
        self._last: Reading | None = None
        self._changed = True

    @property
    def configured(self) -> bool:
        """Whether a connection is set."""
        return bool(self.connection)

    @property
    def is_open(self) -> bool:
        """Whether the connection is open now."""
        return self._driver is not None

    def configure(self, connection: str, protocol: str = "auto") -> None:
        """Use another connection from the next read on (the open one, if different, is closed)."""
        connection = connection.strip()
        if (connection, protocol) == (self.connection, self.protocol):
            return
        with self._claim():
            self._drop()
            self.connection, self.protocol = connection, protocol
            self.forget_last()

    def forget_last(self) -> None:
        """Take the next stable load even if it equals the last one (after that package was withdrawn)."""
        self._last, self._changed = None, True

    # -- use --------------------------------------------------------------------------------------

    def _claim(self) -> _Claim:
        return _Claim(self)

    def _open(self, progress: Progress | None) -> BalanceDriver:
        if self._driver is not None:
            return self._driver
        if not self.connection:
            raise InputError("no balance connection is set: choose one in Settings, or type the weights", zh="未设置天平连接：请在设置中选择，或手工输入")
        if progress is not None:
            progress(Waiting.CONNECTING, None)
        driver = self._connector(self.connection, self.protocol, **self._options)
        try:
            self.identity = driver.identify()
        except BaseException:
            driver.close()
            raise
        self._driver = driver
        return driver

    def _drop(self) -> None:
        if self._driver is not None:
            self._driver.close()
        self._driver, self.identity = None, None

    def open(self) -> Identity:
        """Open the connection now (if it is not open) and return what the balance reports.

        Raises:
            InputError: no connection is set, or it is not valid.
            Busy: the balance is in use by another call.
            BalanceError: the port cannot be opened, or the balance does not answer.
        """
        with self._claim():
            self._open(None)
            assert self.identity is not None
            return self.identity

    def read_next(
        self,
        unit: str,
        *,
        timeout: float = 20.0,
        expect: Balance | None = None,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> Reading:
        """Wait for the next package: a stable reading with a load, not the load taken last.

        Args:
            unit: the unit it must be recorded in (g ↔ kg are converted; the reading is returned as sent).
            timeout: seconds to wait from now for a load that settles.
            expect: the register entry of the inspection's balance: another balance is refused.
            progress: told what the read waits for, with each reading.
            cancel: set it to stop waiting (`Cancelled`).

        Returns:
            The stable reading, as the balance sent it.

        Raises:
            InputError: no connection is set.
            WrongBalance: the balance is not `expect`.
            EmptyPan: the pan stayed empty until the timeout.
            StabilityTimeout: no new stable load until the timeout.
            UnitMismatch: a unit that cannot be recorded in `unit`.
            Busy, Cancelled, and every error of `BalanceDriver.read_stable`. After `Disconnected`
            the connection is closed; the next read opens it again.
        """
        with self._claim():
            try:
                driver = self._open(progress)
                check_identity(self.identity, expect, driver.port)
                return self._wait(driver, unit, timeout, progress, cancel)
            except (Disconnected, PortError):
                self._drop()
                raise

    def _wait(self, driver: BalanceDriver, unit: str, timeout: float, progress: Progress | None, cancel: threading.Event | None) -> Reading:
        deadline = time.monotonic() + timeout
        waiting = Waiting.UNSTABLE
        latest: list[Reading] = []

        def seen(reading: Reading) -> None:
            latest[:] = [reading]
            last = self._last
            if last is not None and (not reading.stable or (reading.value, reading.unit) != (last.value, last.unit)):
                self._changed = True
            if progress is not None and not reading.stable:
                progress(Waiting.UNSTABLE, reading)

        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._timed_out(driver.port, waiting, timeout, latest)
            try:
                reading = driver.read_stable(remaining, on_value=seen, cancel=cancel)
            except StabilityTimeout:
                self._timed_out(driver.port, waiting, timeout, latest)
            if convert(reading, unit, driver.port) <= 0:
                waiting = Waiting.EMPTY
            elif not self._changed and self._last is not None:
                waiting = Waiting.SAME_LOAD
            else:
                self._last, self._changed = reading, False
                if progress is not None:
                    progress(Waiting.STABLE, reading)
                return reading
            if progress is not None:
                progress(waiting, reading)
            time.sleep(driver.poll_interval)

    @staticmethod
    def _timed_out(port: str, waiting: Waiting, timeout: float, latest: list[Reading]) -> NoReturn:
        if waiting is Waiting.EMPTY:
            raise EmptyPan(port, f"the pan stayed empty for {timeout:g} s; put the package on the pan and read again", zh=f"秤盘空置 {timeout:g} 秒；请放上该件后重新读取")
        if waiting is Waiting.SAME_LOAD:
            raise StabilityTimeout(port, f"the load read last stayed on the pan for {timeout:g} s; put the next one on and read again", zh=f"上次读取的负载在秤盘上停留了 {timeout:g} 秒；请放上下一件后重新读取")
        seen = f"; last {latest[-1]}" if latest else " (the balance stayed busy)"
        seen_zh = f"；最后读数 {latest[-1]}" if latest else "（天平一直忙）"
        raise StabilityTimeout(port, f"no stable reading within {timeout:g} s{seen}; keep the load still, away from draughts", zh=f"{timeout:g} 秒内无稳定读数{seen_zh}；请保持负载静止，避开气流")

    def test(self, connection: str, protocol: str = "auto", stable_within: float = 3.0) -> TestResult:
        """Try a connection without keeping it: connect, identify, read once (stable if it settles within `stable_within` s).

        Raises:
            InputError: a connection that is not valid.
            BalanceError: the port cannot be opened, nothing (known) answers, or no reading.
        """
        spec = parse_connection(connection)
        with self._claim():
            if self.connection == connection.strip():
                self._drop()  # a port opened twice gets half of each reply
            with self._connector(spec, protocol, **self._options) as driver:
                identity = driver.identify()
                try:
                    reading = driver.read_stable(stable_within)
                except StabilityTimeout:
                    reading = driver.read_now()  # an unsettled value still shows the link works
        return TestResult(identity, reading, str(spec))

    def close(self, wait: float = 5.0) -> None:
        """Close the connection; a read in progress is given `wait` seconds to finish (cancel it first)."""
        if self._use.acquire(timeout=wait):
            try:
                self._drop()
            finally:
                self._use.release()


class _Claim:
    """Holds the session for one call; a second concurrent call gets `Busy` at once."""

    def __init__(self, session: BalanceSession) -> None:
        self._session = session

    def __enter__(self) -> None:
        if not self._session._use.acquire(blocking=False):
            raise Busy(
                self._session.connection or "the balance", "in use by another reading; wait for it or cancel it (Esc)",
            ).with_zh("天平正被另一次读取占用；请等待，或按 Esc 取消")

    def __exit__(self, *exc: object) -> None:
        self._session._use.release()
