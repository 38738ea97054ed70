"""Provides balance drivers (METTLER TOLEDO MT-SICS, Sartorius SBI, A&D), their transports and simulators.

Typical use::

    from fieldtool.balance import connect
    with connect("/dev/ttyUSB0?baud=9600", protocol="auto") as balance:
        print(balance.identify())
        reading = balance.read_stable(timeout=10)

The simulators live in `fieldtool.balance.sim`; `fieldtool.usecases.balance` records readings
into an inspection.
"""

from fieldtool.balance.aandd import AndDriver
from fieldtool.balance.driver import BalanceDriver, Cancelled
from fieldtool.balance.errors import (
    BalanceError,
    Busy,
    CommandRefused,
    Disconnected,
    EmptyPan,
    NoReply,
    Overload,
    PortError,
    ProtocolError,
    StabilityTimeout,
    Underload,
    UnitMismatch,
    Unstable,
)
from fieldtool.balance.mtsics import MtSicsDriver
from fieldtool.balance.probe import DRIVERS, PROTOCOLS, connect, probe_protocol
from fieldtool.balance.reading import Identity, Reading
from fieldtool.balance.sbi import SbiDriver
from fieldtool.balance.transport import ConnectionSpec, Link, open_transport, parse_connection

__all__ = [
    "DRIVERS", "PROTOCOLS", "AndDriver", "BalanceDriver", "BalanceError", "Busy", "Cancelled", "CommandRefused",
    "ConnectionSpec", "Disconnected", "EmptyPan", "Identity", "Link", "MtSicsDriver", "NoReply", "Overload",
    "PortError", "ProtocolError", "Reading", "SbiDriver", "StabilityTimeout", "Underload", "UnitMismatch",
    "Unstable", "connect", "open_transport", "parse_connection", "probe_protocol",
]
