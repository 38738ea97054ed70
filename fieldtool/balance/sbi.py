"""Provides the Sartorius SBI driver and the parser of its output frames.

Commands used: ``ESC P`` (send the value now), ``ESC T`` (the tare/zero key), ``ESC V`` (zero),
``ESC x1_`` / ``ESC x2_`` (model / serial number). Commands are sent followed by CR LF.
An output frame has 16 characters (sign, value, unit) or 22 with a 6-character id in front
(``N     ``, ``G#    ``, ``Stat  ``); a blank unit field marks an UNSTABLE value. Special frames:
``High`` / ``Low`` (over / underload), ``Err ###`` and ``Stat`` (status: not ready).
Key commands (tare, zero) get no reply; the driver checks that the balance is there by asking
for a value afterwards.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from fieldtool.balance.driver import BalanceDriver, shown
from fieldtool.balance.errors import CommandRefused, NoReply, Overload, ProtocolError, Underload
from fieldtool.balance.reading import Identity, Reading, is_unit, parse_number, signed_value, tokens_of

ESC = b"\x1b"
MAKE = "Sartorius"

_ID = re.compile(r"[A-Za-z][A-Za-z0-9#.]{0,5}", re.ASCII)
"""The id field of a 22-character frame (N, G#, T, NET …)."""


def parse_frame(line: str, port: str, at: datetime) -> Reading | None:
    """Parse an SBI output frame (16 or 22 characters; parsed by whitespace, not by column).

    Returns:
        The reading (stable when the unit field is filled, unstable when it is blank), or None
        for a ``Stat`` frame (the balance is not ready).

    Raises:
        Overload, Underload: ``High`` / ``Low``.
        CommandRefused: ``Err ###``.
        ProtocolError: anything else.
    """
    tokens = tokens_of(line)
    if not tokens:
        raise ProtocolError(port, f"not a Sartorius frame: {shown(line)}", zh=f"不是 Sartorius 数据帧：{shown(line)}")
    if tokens[0] == "Stat":
        return None
    if "High" in tokens:
        raise Overload(port, "overload: the load is above Max (High)", zh="超载：负载超过最大秤量 Max（High）")
    if "Low" in tokens:
        raise Underload(port, "underload: the load is below zero (Low); is the pan in place?", zh="欠载：负载低于零点（Low）；秤盘是否放好？")
    if "Err" in tokens:
        code = tokens[tokens.index("Err") + 1] if tokens.index("Err") + 1 < len(tokens) else "?"
        raise CommandRefused(port, f"error reply Err {code[:8]}", zh=f"错误回复 Err {code[:8]}")
    if len(tokens) > 1 and _ID.fullmatch(tokens[0]) and not is_sign_or_number(tokens[0]):
        tokens = tokens[1:]
    value, rest = signed_value(tokens)
    if value is None:
        raise ProtocolError(port, f"not a Sartorius frame: {shown(line)}", zh=f"不是 Sartorius 数据帧：{shown(line)}")
    if not rest:
        return Reading(value=value, unit="", stable=False, raw=line, at=at)
    if len(rest) == 1 and is_unit(rest[0]):
        return Reading(value=value, unit=rest[0], stable=True, raw=line, at=at)
    raise ProtocolError(port, f"not a Sartorius frame: {shown(line)}", zh=f"不是 Sartorius 数据帧：{shown(line)}")


def is_sign_or_number(token: str) -> bool:
    """Whether a token is a sign or a number (not an id)."""
    return token in ("+", "-") or parse_number(token) is not None


def looks_like_frame(line: str) -> bool:
    """Whether a line is an SBI output frame of any kind (used by the protocol probe)."""
    try:
        parse_frame(line, "", datetime.min)
    except (Overload, Underload, CommandRefused):
        return True
    except ProtocolError:
        return False
    return True


def is_text_reply(text: str) -> bool:
    """Whether a line is a text reply (model, serial number) rather than a weight frame or noise.

    A balance in autoprint mode sends weight frames whatever was asked: a line with a sign, a
    decimal number or a unit after a number is taken for a frame. A serial number of digits only
    is text.
    """
    if not text or not text.isascii() or not text.isprintable() or len(text) > 40:
        return False
    tokens = tokens_of(text)
    if not tokens:  # blank (spaces only): not a reply of any kind
        return False
    if tokens[0] in ("+", "-", "Stat", "High", "Low", "Err") or tokens[0][0] in "+-":
        return False
    if len(tokens) > 1 and _ID.fullmatch(tokens[0]) and is_sign_or_number(tokens[1]):
        return False  # a 22-character frame: id, then the value
    value, rest = signed_value(tokens)
    return value is None or ("." not in tokens[0] and not rest)


class SbiDriver(BalanceDriver):
    """A Sartorius balance speaking SBI."""

    protocol = "sbi"
    make = MAKE
    title = "Sartorius SBI"

    def identify(self) -> Identity:
        model = self._text(ESC + b"x1_\r\n")
        serial = self._text(ESC + b"x2_\r\n")
        if not model and not serial:
            self.poll()  # raises NoReply when nothing is there at all
        return Identity(make=MAKE, protocol=self.protocol, model=model, serial=serial)

    def _text(self, command: bytes) -> str:
        """A text reply (model, serial number), or empty when the balance does not give one."""
        line = self._ask(command, None)
        if line is None:
            return ""
        text = line[0].strip()
        return text if is_text_reply(text) else ""

    def poll(self) -> Reading | None:
        line, at = self._transact(ESC + b"P\r\n", "ESC P")
        return parse_frame(line, self.port, at)

    def _key(self, command: bytes, name: str) -> None:
        with self._lock:
            self.link.discard_input()
            self.link.send(command)
        try:
            self.poll()
        except NoReply:
            raise NoReply(self.port, f"no reply after {name} (is it on, and set to SBI at the right baud rate?)", zh=f"{name} 之后无回复（天平是否开机、是否设为 SBI 协议及正确的波特率？）") from None

    def tare(self, timeout: float = 10.0) -> Decimal | None:
        self._key(ESC + b"T\r\n", "ESC T")
        return None

    def zero(self, timeout: float = 10.0) -> None:
        self._key(ESC + b"V\r\n", "ESC V")
