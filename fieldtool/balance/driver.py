"""Provides `BalanceDriver`, the base of the protocol drivers: one command in flight, reading until stable.

A driver owns a `Link`. Each command is one transaction under a lock: stale input is thrown
away, the command is sent, and the reply is read against a deadline. `read_stable` polls the
balance's "weight now" command and returns the first reading the balance marks stable; it
reports every reading on the way (for a live display) and tells a silent balance, garbage and a
load that never settles apart. It polls rather than sending a "stable weight" command that waits
inside the balance: a reply that comes after the driver gave up would otherwise be taken as the
answer to the next command, and a package recorded twice.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar, Self

from fieldtool.balance.errors import BalanceError, Busy, NoReply, ProtocolError, StabilityTimeout
from fieldtool.balance.reading import Identity, Reading
from fieldtool.balance.transport import ConnectionSpec, Link

Clock = Callable[[], datetime]

NOISE_QUIET = 0.05
"""Seconds of silence awaited after garbage before the next command: a reply behind the noise
arrives within a line's time (17 characters take 18 ms at 9600 baud)."""


class Cancelled(BalanceError):
    """Waiting for a stable reading was cancelled by the user."""


def shown(line: str, limit: int = 40) -> str:
    """A received line fit for a one-line message (escaped, shortened)."""
    text = line if len(line) <= limit else line[:limit] + "…"
    return repr(text)


class BalanceDriver(ABC):
    """A balance reached over a `Link`, speaking one protocol.

    Args:
        link: the open connection.
        reply_timeout: seconds to wait for the reply to a command before the balance counts as silent.
        poll_interval: seconds between polls while the reading is unstable.
        clock: the time of a reading (UTC now by default).
    """

    protocol: ClassVar[str]
    """The protocol's short name: mt-sics, sbi or and."""
    make: ClassVar[str]
    """The manufacturer whose balances speak it."""
    title: ClassVar[str]
    """The protocol's name as printed."""

    def __init__(self, link: Link, *, reply_timeout: float = 1.0, poll_interval: float = 0.02, clock: Clock | None = None) -> None:
        self.link = link
        self.reply_timeout = reply_timeout
        self.poll_interval = poll_interval
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._in_doubt = 0.0
        """Seconds of silence to wait for before the next command, because a reply may still be on its way:
        `reply_timeout` after a timeout, `NOISE_QUIET` after garbage (0: none)."""

    @property
    def port(self) -> str:
        """The connection, as named in messages."""
        return self.link.name

    # -- one transaction ----------------------------------------------------------------------

    def _transact(
        self, command: bytes, what: str, *, timeout: float | None = None, stale: Callable[[str], bool] | None = None
    ) -> tuple[str, datetime]:
        """Send one command and return its reply line (latin-1, no terminator) and when it came.

        Args:
            command: the bytes to send, terminator included.
            what: the command as named in a NoReply message.
            timeout: seconds to wait for the reply (`reply_timeout` by default).
            stale: recognises a well-formed reply to an earlier command, to be skipped.

        Raises:
            NoReply: nothing (but stale replies) within the timeout.
            Disconnected: the connection dropped.
            ProtocolError: a line too long to be a reply.
        """
        line = self._ask(command, timeout, stale)
        if line is None:
            raise NoReply(self.port, f"no reply to {what} within {timeout or self.reply_timeout:g} s (is it on, and set to {self.title} at the right baud rate?)", zh=f"{timeout or self.reply_timeout:g} 秒内 {what} 无回复（天平是否开机、是否设为 {self.title} 协议及正确的波特率？）")
        return line

    def _ask(self, command: bytes, timeout: float | None, stale: Callable[[str], bool] | None = None) -> tuple[str, datetime] | None:
        wait = self.reply_timeout if timeout is None else timeout
        with self._lock:
            if self._in_doubt:
                self._resync(self._in_doubt)
                self._in_doubt = 0.0
            self.link.discard_input()
            self.link.send(command)
            deadline = time.monotonic() + wait
            while True:
                try:
                    raw = self.link.read_line(max(0.0, deadline - time.monotonic()))
                except ProtocolError:
                    self._noise()
                    raise
                if raw is None:
                    self._in_doubt = self.reply_timeout
                    return None
                line = raw.decode("latin-1")
                if stale is None or not stale(line):
                    return line, self._clock()

    def _noise(self) -> None:
        """Garbage came: the real reply may follow it closely."""
        self._in_doubt = max(self._in_doubt, min(NOISE_QUIET, self.reply_timeout))

    def _resync(self, quiet: float) -> None:
        """Make sure no late reply to an earlier command is still on its way.

        A reply that arrives after the driver gave up would otherwise be read as the answer to the
        next command: the previous package's weight recorded for the next one. The base waits for
        `quiet` seconds of silence, throwing away what comes (at most three times that in all);
        MT-SICS overrides it with the reset command, whose reply marks the end of everything before.
        """
        end = time.monotonic() + 3 * quiet
        self.link.discard_input()
        while time.monotonic() < end:
            try:
                if self.link.read_line(quiet) is None:
                    return
            except ProtocolError:
                continue  # more garbage: keep draining

    # -- what every driver does ---------------------------------------------------------------

    @abstractmethod
    def identify(self) -> Identity:
        """Ask the balance for its model and serial number (and capacity, where it says).

        Raises:
            NoReply: the balance does not answer at all.
            Disconnected: the connection dropped.
        """

    @abstractmethod
    def poll(self) -> Reading | None:
        """Ask for the weight now: a reading (stable or not), or None when the balance is busy.

        Raises:
            Overload, Underload: the load is out of range.
            CommandRefused: an error reply.
            ProtocolError: a reply that is not a weight (garbage).
            NoReply, Disconnected: silence or a dropped connection.
        """

    @abstractmethod
    def tare(self, timeout: float = 10.0) -> Decimal | None:
        """Tare the balance (when stable); returns the tare where the protocol reports it.

        Raises:
            StabilityTimeout: the load did not settle, so no tare was taken.
            Overload, Underload, CommandRefused, NoReply, Disconnected: as for `poll`.
        """

    @abstractmethod
    def zero(self, timeout: float = 10.0) -> None:
        """Set zero (when stable).

        Raises:
            StabilityTimeout: the load did not settle.
            Overload, Underload: out of the zero range.
            CommandRefused, NoReply, Disconnected: as for `poll`.
        """

    def read_now(self) -> Reading:
        """The weight now, stable or not.

        Raises:
            Busy: the balance cannot give a weight now.
            (and every error of `poll`)
        """
        try:
            reading = self.poll()
        except ProtocolError:
            self._noise()
            raise
        if reading is None:
            raise Busy(self.port, "busy: no weight now (taring, adjusting or a menu open)", zh="天平忙：现在无重量（正在去皮、校准或菜单已打开）")
        return reading

    def read_stable(
        self,
        timeout: float = 10.0,
        on_value: Callable[[Reading], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Reading:
        """The first reading the balance marks stable.

        Garbage lines and busy replies are retried until the deadline; silence, overload,
        underload, an error reply and a dropped connection end the wait at once.

        Args:
            timeout: seconds to wait for stability.
            on_value: called with every reading received, stable or not (a live display).
            cancel: when set, the wait ends with `Cancelled`.

        Returns:
            A stable reading.

        Raises:
            StabilityTimeout: no stable reading within `timeout` (the last value is in the message).
            ProtocolError: only garbage arrived until the deadline.
            Cancelled: `cancel` was set.
            Overload, Underload, CommandRefused, NoReply, Disconnected: as for `poll`.
        """
        deadline = time.monotonic() + timeout
        last: Reading | None = None
        garbage: ProtocolError | None = None
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled(self.port, "waiting for a stable reading was cancelled", zh="已取消等待稳定读数")
            try:
                reading = self.poll()
            except ProtocolError as exc:
                self._noise()
                garbage, reading = exc, None
            else:
                garbage = None
            if reading is not None:
                if on_value is not None:
                    on_value(reading)
                if reading.stable:
                    return reading
                last = reading
            if time.monotonic() >= deadline:
                if garbage is not None:
                    raise garbage
                seen = f"; last {last}" if last is not None else " (the balance stayed busy)"
                seen_zh = f"；最后读数 {last}" if last is not None else "（天平一直忙）"
                raise StabilityTimeout(self.port, f"no stable reading within {timeout:g} s{seen}; keep the load still, away from draughts", zh=f"{timeout:g} 秒内无稳定读数{seen_zh}；请保持负载静止，避开气流")
            time.sleep(self.poll_interval)

    # -- the connection -----------------------------------------------------------------------

    def reconnect(self, spec: ConnectionSpec | None = None) -> None:
        """Open the connection again (after a cable was pulled and plugged back).

        Args:
            spec: where the balance is now, when it came back under another name; the same place when None.

        Raises:
            PortError: it cannot be opened.
        """
        with self._lock:
            self.link.reopen(spec)
            if self.link.spec.is_socket:
                self._in_doubt = 0.0  # a new TCP connection carries nothing from the old one

    def close(self) -> None:
        """Close the connection."""
        self.link.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
