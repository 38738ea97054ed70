"""Provides `probe_protocol` (``--protocol auto``) and `connect`, which opens a connection and returns a driver.

The probe asks questions that are harmless to every make, one at a time, and identifies the
protocol by the form of the answer:

1. ``I4`` (MT-SICS serial number): an MT-SICS balance answers ``I4 A "…"`` (or ``ES``);
   an A&D balance answers ``EC,E1``; Sartorius SBI ignores it.
2. ``Q`` (A&D weight now): an A&D frame such as ``ST,+00123.45  g``.
3. ``ESC x1_`` (Sartorius SBI model): a line of text (before a weight is read, so that probing
   does not take a reading);
4. ``ESC P`` (Sartorius SBI value, for models that do not know ``x1_``): a 16- or 22-character frame.
"""

from __future__ import annotations

from fieldtool.balance import aandd, mtsics, sbi
from fieldtool.balance.aandd import AndDriver
from fieldtool.balance.driver import BalanceDriver, shown
from fieldtool.balance.errors import NoReply, ProtocolError
from fieldtool.balance.mtsics import MtSicsDriver
from fieldtool.balance.reading import tokens_of
from fieldtool.balance.sbi import SbiDriver
from fieldtool.balance.transport import ConnectionSpec, Link, open_transport
from fieldtool.errors import InputError
from fieldtool.infra.config import BALANCE_PROTOCOLS

DRIVERS: dict[str, type[BalanceDriver]] = {kind.protocol: kind for kind in (MtSicsDriver, SbiDriver, AndDriver)}
"""The driver of each protocol, by its short name (in the order of `fieldtool.infra.config.BALANCE_PROTOCOL_NAMES`)."""

PROTOCOLS = BALANCE_PROTOCOLS
"""What ``--protocol`` accepts (`fieldtool.infra.config.BALANCE_PROTOCOLS`)."""


def _is_mt_sics(line: str) -> bool:
    tokens = tokens_of(line)
    return (len(tokens) >= 2 and tokens[0] == "I4") or (len(tokens) == 1 and tokens[0] in mtsics.ERRORS)


def probe_protocol(link: Link, *, probe_timeout: float = 0.5, reply_timeout: float = 1.0, poll_interval: float = 0.02) -> BalanceDriver:
    """Find out which protocol the balance on `link` speaks.

    Args:
        link: the open connection.
        probe_timeout: seconds to wait for the answer to each probe.
        reply_timeout: the driver's reply timeout.
        poll_interval: the driver's poll interval while unstable.

    Returns:
        A driver of the right protocol, on `link`.

    Raises:
        NoReply: nothing answered any probe.
        ProtocolError: something answered, but in none of the known protocols.
        Disconnected: the connection dropped.
    """
    prober = MtSicsDriver(link, reply_timeout=probe_timeout)

    def driver(kind: type[BalanceDriver]) -> BalanceDriver:
        return kind(link, reply_timeout=reply_timeout, poll_interval=poll_interval)

    odd: str | None = None
    for command in (b"I4\r\n", b"Q\r\n", sbi.ESC + b"x1_\r\n", sbi.ESC + b"P\r\n"):
        answer = prober._ask(command, probe_timeout)
        if answer is None:
            continue
        line = answer[0]
        if line.strip().encode("latin-1") == command.strip():
            raise ProtocolError(link.name, "echoes what is sent: a loopback plug, or a terminal with echo on, not a balance", zh="原样回送所发内容：这是回环插头或开启回显的终端，不是天平")
        if _is_mt_sics(line):
            return driver(MtSicsDriver)
        if aandd.looks_like_frame(line):
            return driver(AndDriver)
        if command.startswith(sbi.ESC) and (sbi.looks_like_frame(line) or sbi.is_text_reply(line.strip())):
            return driver(SbiDriver)
        odd = line
    if odd is not None:
        raise ProtocolError(link.name, f"answers in no known protocol (last reply {shown(odd)}); check the baud rate, bits and parity", zh=f"回复不属于任何已知协议（最后回复 {shown(odd)}）；请检查波特率、数据位和校验")
    raise NoReply(link.name, "nothing answered (tried MT-SICS, A&D and Sartorius SBI); check the cable, power, baud rate and the balance's interface menu", zh="无应答（已试 MT-SICS、A&D 和 Sartorius SBI）；请检查电缆、电源、波特率和天平的接口菜单")


def connect(
    spec: ConnectionSpec | str,
    protocol: str = "auto",
    *,
    reply_timeout: float = 1.0,
    poll_interval: float = 0.02,
    probe_timeout: float = 0.5,
) -> BalanceDriver:
    """Open a connection and return the driver of its balance.

    Args:
        spec: the connection (see `fieldtool.balance.transport`).
        protocol: mt-sics, sbi, and, or auto (probe).
        reply_timeout: seconds to wait for a reply before the balance counts as silent.
        poll_interval: seconds between polls while the reading is unstable.
        probe_timeout: for auto, seconds to wait for the answer to each probe.

    Raises:
        InputError: an unknown protocol or a bad connection string.
        PortError: the port cannot be opened.
        NoReply, ProtocolError: for auto, nothing or nothing known answered.
    """
    if protocol not in PROTOCOLS:
        raise InputError(f"unknown balance protocol {protocol!r}; use one of {', '.join(PROTOCOLS)}", zh=f"未知的天平协议 {protocol!r}；可选 {', '.join(PROTOCOLS)}")
    link = open_transport(spec)
    try:
        if protocol == "auto":
            return probe_protocol(link, probe_timeout=probe_timeout, reply_timeout=reply_timeout, poll_interval=poll_interval)
        return DRIVERS[protocol](link, reply_timeout=reply_timeout, poll_interval=poll_interval)
    except BaseException:
        link.close()
        raise
