"""Provides the METTLER TOLEDO MT-SICS driver and the parsers of its replies.

Commands used: ``SI`` (weight now), ``S`` (stable weight, waited for inside the balance), ``Z``
(zero), ``T`` (tare), ``TA`` (tare value), ``TAC`` (clear tare), ``@`` (reset, keeps the tare),
``I2`` (model and capacity), ``I4`` (serial number). Replies echo the command's name, so a late
reply to an earlier command is recognised and skipped. Real balances answer ``SI`` with
``S S …`` / ``S D …``; an ``SI S …`` prefix (seen in one public emulator) is refused.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from fieldtool.balance.driver import BalanceDriver, shown
from fieldtool.balance.errors import (
    CommandRefused,
    NoReply,
    Overload,
    ProtocolError,
    StabilityTimeout,
    Underload,
)
from fieldtool.balance.reading import Identity, Reading, is_unit, parse_number, signed_value, tokens_of

ERRORS = {"ES": "syntax error: command not known", "ET": "transmission error", "EL": "logical error: command not possible now"}
"""The error replies any MT-SICS command can get."""
ERRORS_ZH = {"ES": "语法错误：命令未知", "ET": "传输错误", "EL": "逻辑错误：现在不能执行该命令"}
"""The same in Chinese."""

MAKE = "METTLER TOLEDO"


def refusal(tokens: list[str], port: str, command: str) -> None:
    """Raise `CommandRefused` when the reply is one of the general error replies."""
    if len(tokens) == 1 and tokens[0] in ERRORS:
        raise CommandRefused(port, f"refused {command}: {tokens[0]} ({ERRORS[tokens[0]]})", zh=f"拒绝执行 {command}：{tokens[0]}（{ERRORS_ZH[tokens[0]]}）")


def _value_and_unit(tokens: list[str], line: str, port: str) -> tuple[Decimal, str]:
    value, rest = signed_value(tokens)
    if value is None or len(rest) != 1 or not is_unit(rest[0]):
        raise ProtocolError(port, f"not a weight: {shown(line)}", zh=f"不是重量值：{shown(line)}")
    return value, rest[0]


def parse_weight(line: str, port: str, at: datetime) -> Reading | None:
    """Parse the reply to ``S`` or ``SI``.

    Returns:
        The reading (stable for ``S S``, dynamic for ``S D``), or None for ``S I`` (busy; for
        ``S`` it means the balance's own stability timeout).

    Raises:
        Overload, Underload: ``S +`` / ``S -``.
        CommandRefused: ``ES``, ``ET``, ``EL``.
        ProtocolError: anything else.
    """
    tokens = tokens_of(line)
    refusal(tokens, port, "S/SI")
    if len(tokens) < 2 or tokens[0] != "S":
        raise ProtocolError(port, f"not an MT-SICS weight reply: {shown(line)}", zh=f"不是 MT-SICS 重量回复：{shown(line)}")
    status = tokens[1]
    if status in ("S", "D"):
        value, unit = _value_and_unit(tokens[2:], line, port)
        return Reading(value=value, unit=unit, stable=status == "S", raw=line, at=at)
    if len(tokens) == 2:
        if status == "I":
            return None
        if status == "+":
            raise Overload(port, "overload: the load is above Max (S +)", zh="超载：负载超过最大秤量 Max（S +）")
        if status == "-":
            raise Underload(port, "underload: the load is below zero (S -); is the pan in place?", zh="欠载：负载低于零点（S -）；秤盘是否放好？")
    raise ProtocolError(port, f"not an MT-SICS weight reply: {shown(line)}", zh=f"不是 MT-SICS 重量回复：{shown(line)}")


def parse_tare(line: str, port: str) -> tuple[Decimal, str]:
    """Parse the reply to ``T`` (``T S <tare> <unit>``) or ``TA`` (``TA A <tare> <unit>``).

    Raises:
        StabilityTimeout: ``T I``.
        Overload, Underload: ``T +`` / ``T -``.
        CommandRefused, ProtocolError: an error reply or anything else.
    """
    tokens = tokens_of(line)
    refusal(tokens, port, "T/TA")
    if len(tokens) >= 4 and ((tokens[0], tokens[1]) in (("T", "S"), ("TA", "A"))):
        return _value_and_unit(tokens[2:], line, port)
    if len(tokens) == 2 and tokens[0] == "T":
        _status_error(tokens[1], port, "tare")
    raise ProtocolError(port, f"not an MT-SICS tare reply: {shown(line)}", zh=f"不是 MT-SICS 去皮回复：{shown(line)}")


def parse_ack(line: str, port: str, command: str) -> None:
    """Parse the reply to ``Z`` (``Z A``) or ``TAC`` (``TAC A``).

    Raises:
        StabilityTimeout: ``Z I`` (not stable in time).
        Overload, Underload: ``Z +`` / ``Z -`` (outside the zero range).
        CommandRefused, ProtocolError: an error reply or anything else.
    """
    tokens = tokens_of(line)
    refusal(tokens, port, command)
    if len(tokens) == 2 and tokens[0] == command:
        if tokens[1] == "A":
            return
        _status_error(tokens[1], port, "zero" if command == "Z" else command)
    raise ProtocolError(port, f"not an MT-SICS reply to {command}: {shown(line)}", zh=f"不是对 {command} 的 MT-SICS 回复：{shown(line)}")


def _status_error(status: str, port: str, action: str) -> None:
    if status == "I":
        raise StabilityTimeout(port, f"{action} not taken: the load did not settle (or the balance was busy)", zh=f"{action} 未执行：负载未稳定（或天平正忙）")
    if status == "+":
        raise Overload(port, f"{action} not taken: above the range (+)", zh=f"{action} 未执行：超出量程（+）")
    if status == "-":
        raise Underload(port, f"{action} not taken: below the range (-)", zh=f"{action} 未执行：低于量程（-）")


_QUOTED = re.compile(r'"([^"]*)"')
_I2_BODY = re.compile(r"\s*I2\s+A\s+(.*)", re.DOTALL)


def parse_i2(line: str) -> tuple[str, Decimal | None, str]:
    """Model and capacity from ``I2 A "WXS205SDU" 220.0000 g`` or ``I2 A "WXS205SDU 220.0000 g"``.

    Returns:
        (model, capacity, unit); an empty model and None capacity when the reply does not say.
    """
    tokens = tokens_of(line)
    if len(tokens) < 3 or tokens[:2] != ["I2", "A"]:
        return "", None, ""
    found = _I2_BODY.match(line)
    words = tokens_of(found.group(1).replace('"', " ")) if found else []
    capacity, unit = None, ""
    if len(words) >= 3 and is_unit(words[-1]) and parse_number(words[-2]) is not None:
        capacity, unit = parse_number(words[-2]), words[-1]
        words = words[:-2]
    return " ".join(words), capacity, unit


def parse_i4(line: str) -> str:
    """The serial number from ``I4 A "1126493049"`` (also the reply to ``@``); empty when absent."""
    tokens = tokens_of(line)
    if len(tokens) < 3 or tokens[:2] != ["I4", "A"]:
        return ""
    found = _QUOTED.search(line)
    return (found.group(1) if found else " ".join(tokens[2:])).strip()


def _is_stale(expected: tuple[str, ...]) -> Callable[[str], bool]:
    """Recognise a well-formed reply to another MT-SICS command (a late answer), to skip it."""
    known = ("S", "Z", "T", "TA", "TAC", "I2", "I4", "SI", "ZI")

    def stale(line: str) -> bool:
        head = line.split(maxsplit=1)[:1]
        return bool(head) and head[0] in known and head[0] not in expected

    return stale


class MtSicsDriver(BalanceDriver):
    """A METTLER TOLEDO balance speaking MT-SICS (level 0 and 1 commands)."""

    protocol = "mt-sics"
    make = MAKE
    title = "MT-SICS"

    def identify(self) -> Identity:
        line, _ = self._transact(b"I2\r\n", "I2", stale=_is_stale(("I2",)))
        tokens = tokens_of(line)
        if tokens[:1] not in (["I2"], ["ES"], ["EL"], ["ET"]):
            raise ProtocolError(self.port, f"not an MT-SICS reply to I2: {shown(line)}", zh=f"不是对 I2 的 MT-SICS 回复：{shown(line)}")
        model, capacity, unit = parse_i2(line)
        serial = ""
        try:
            line, _ = self._transact(b"I4\r\n", "I4", stale=_is_stale(("I4",)))
            serial = parse_i4(line)
        except NoReply:
            pass  # very old balances know I2 but not I4: the serial stays unknown
        return Identity(make=MAKE, protocol=self.protocol, model=model, serial=serial, capacity=capacity, capacity_unit=unit)

    def _resync(self, quiet: float) -> None:
        """Send ``@`` (reset) and read up to its ``I4 A`` reply: replies come in order, so everything before it was stale.

        ``@`` also cancels a "stable weight" or tare command still waiting inside the balance.
        The tare is kept. Silence after the reset (its reply lost in noise) ends the wait too.
        """
        self.link.discard_input()
        self.link.send(b"@\r\n")
        end = time.monotonic() + 3 * self.reply_timeout
        while time.monotonic() < end:
            try:
                raw = self.link.read_line(self.reply_timeout)
            except ProtocolError:
                continue
            if raw is None or raw.split()[:2] == [b"I4", b"A"]:
                return  # the reset's reply, or silence after it: nothing older can come

    def poll(self) -> Reading | None:
        line, at = self._transact(b"SI\r\n", "SI", stale=_is_stale(("S",)))
        return parse_weight(line, self.port, at)

    def request_stable(self, timeout: float = 10.0) -> Reading:
        """Send ``S``: the balance itself waits for stability and answers once.

        Raises:
            StabilityTimeout: ``S I`` (the balance's own stability timeout).
            (and every error of `poll`)
        """
        line, at = self._transact(b"S\r\n", "S", timeout=timeout, stale=_is_stale(("S",)))
        reading = parse_weight(line, self.port, at)
        if reading is None or not reading.stable:
            raise StabilityTimeout(self.port, "no stable weight: the balance's stability timeout ran out (S I)", zh="无稳定重量：天平自身的稳定等待时间已到（S I）")
        return reading

    def tare(self, timeout: float = 10.0) -> Decimal | None:
        line, _ = self._transact(b"T\r\n", "T", timeout=timeout, stale=_is_stale(("T",)))
        return parse_tare(line, self.port)[0]

    def tare_value(self) -> tuple[Decimal, str]:
        """The tare held by the balance (``TA``), with its unit: a tare left from an earlier session shows here."""
        line, _ = self._transact(b"TA\r\n", "TA", stale=_is_stale(("TA",)))
        return parse_tare(line, self.port)

    def clear_tare(self) -> None:
        """Clear the tare (``TAC``)."""
        line, _ = self._transact(b"TAC\r\n", "TAC", stale=_is_stale(("TAC",)))
        parse_ack(line, self.port, "TAC")

    def zero(self, timeout: float = 10.0) -> None:
        line, _ = self._transact(b"Z\r\n", "Z", timeout=timeout, stale=_is_stale(("Z",)))
        parse_ack(line, self.port, "Z")

    def reset(self) -> str:
        """Cancel whatever the balance is doing (``@``); the tare stays. Returns the serial number."""
        line, _ = self._transact(b"@\r\n", "@", stale=_is_stale(("I4",)))
        if tokens_of(line)[:2] != ["I4", "A"]:
            raise ProtocolError(self.port, f"not an MT-SICS reply to @: {shown(line)}", zh=f"不是对 @ 的 MT-SICS 回复：{shown(line)}")
        return parse_i4(line)
