"""Provides the typed errors of balance drivers: each message is one line that names the port.

Every way a balance can let an inspector down (overload, a reading that never settles, silence,
garbage on the line, a pulled cable, an error reply) has its own class, so that the TUI and the
CLI can say what happened and what to do, and tests can tell the cases apart. None of them
changes an inspection: a reading is recorded only after the driver has returned it.
"""

from __future__ import annotations

from fieldtool.errors import FieldtoolError


class BalanceError(FieldtoolError):
    """A problem with a connected balance; the message is one line and names the port.

    Args:
        port: the connection the balance was reached on.
        problem: what went wrong, in English, without the port.
        zh: the same in Chinese (None: the message has no Chinese wording).
    """

    def __init__(self, port: str, problem: str, *, zh: str | None = None) -> None:
        self.port = port
        """The connection the balance was reached on."""
        self.problem = problem
        """What went wrong, without the port."""
        self.problem_zh = zh
        """What went wrong in Chinese, without the port (None when it has no Chinese wording)."""
        super().__init__(f"balance on {port}: {problem}", zh=None if zh is None else f"天平（{port}）：{zh}")


class PortError(BalanceError):
    """The port could not be opened (no such device, busy, refused, bad settings)."""


class NoReply(BalanceError):
    """Nothing answered in time: a silent, unplugged, asleep or mis-configured balance."""


class Disconnected(BalanceError):
    """The connection dropped (cable pulled, USB adapter removed, network balance closed the socket)."""


class ProtocolError(BalanceError):
    """A reply that does not follow the protocol (garbage bytes, a wrong protocol or serial setting)."""


class CommandRefused(BalanceError):
    """The balance answered a command with an error reply (MT-SICS ES/ET/EL, A&D EC, Sartorius Err)."""


class Overload(BalanceError):
    """The load is above the balance's capacity."""


class Underload(BalanceError):
    """The load is below zero range (the pan removed, or zero set with a load on it)."""


class Busy(BalanceError):
    """The balance cannot execute the command now (taring, adjusting, a menu open)."""


class StabilityTimeout(BalanceError):
    """No stable reading within the time allowed (draught, vibration, a moving load)."""


Unstable = StabilityTimeout
"""Another name for `StabilityTimeout`."""


class UnitMismatch(BalanceError):
    """The balance reads in a unit that cannot be converted to the inspection's unit."""


class EmptyPan(BalanceError):
    """A capture found no load on the pan (zero or negative)."""
