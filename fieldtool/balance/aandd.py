"""Provides the A&D driver and the parser of its output frames.

Commands used: ``Q`` (weight now), ``S`` (stable weight, waited for inside the balance), ``SI``
(weight now), ``R`` (re-zero), ``T`` (tare), ``?TN`` / ``?SN`` (model / serial number, on the
models that know them). A frame is ``ST,+00123.45  g``: a header (``ST`` stable, ``US`` unstable,
``QT`` stable count, ``OL`` out of range), a comma, a signed zero-padded value and a unit. An
error reply is ``EC,E1`` (E1 undefined command, E2 not ready …). With the acknowledge code on,
``R`` and ``T`` are answered with ACK (06h).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fieldtool.balance.driver import BalanceDriver, shown
from fieldtool.balance.errors import Busy, CommandRefused, Overload, ProtocolError, StabilityTimeout, Underload
from fieldtool.balance.reading import Identity, Reading, is_unit, signed_value, tokens_of

MAKE = "A&D"
ACK = "\x06"

ERRORS = {
    "E0": "communication error", "E1": "undefined command", "E2": "not ready", "E3": "timeout",
    "E4": "excess characters", "E6": "format error", "E7": "parameter setting error",
}
"""The EC error codes of A&D balances."""
ERRORS_ZH = {
    "E0": "通信错误", "E1": "未定义的命令", "E2": "未就绪", "E3": "超时", "E4": "字符过多", "E6": "格式错误", "E7": "参数设置错误",
}
"""The same in Chinese."""

HEADERS = ("ST", "US", "QT", "OL")


def refusal(line: str, port: str, command: str) -> None:
    """Raise `CommandRefused` (or `Busy` for E2) when the line is an ``EC,E#`` error reply."""
    head, comma, code = line.strip().partition(",")
    if head == "EC" and comma:
        code = code.strip()[:4]
        if code == "E2":
            raise Busy(port, f"refused {command}: EC,E2 (not ready)", zh=f"拒绝执行 {command}：EC,E2（未就绪）")
        raise CommandRefused(port, f"refused {command}: EC,{code} ({ERRORS.get(code, 'error')})", zh=f"拒绝执行 {command}：EC,{code}（{ERRORS_ZH.get(code, '错误')}）")


def parse_frame(line: str, port: str, at: datetime) -> Reading:
    """Parse an A&D weight frame.

    Returns:
        The reading: stable for ``ST`` and ``QT``, unstable for ``US``.

    Raises:
        Overload, Underload: ``OL`` with a positive / negative sign.
        CommandRefused, Busy: ``EC,E#``.
        ProtocolError: anything else.
    """
    refusal(line, port, "Q/S/SI")
    head, comma, body = line.strip().partition(",")
    if not comma or head not in HEADERS:
        raise ProtocolError(port, f"not an A&D frame: {shown(line)}", zh=f"不是 A&D 数据帧：{shown(line)}")
    if head == "OL":
        if body.strip().startswith("-"):
            raise Underload(port, "underload: the load is below zero (OL,-); is the pan in place?", zh="欠载：负载低于零点（OL,-）；秤盘是否放好？")
        raise Overload(port, "overload: the load is above Max (OL)", zh="超载：负载超过最大秤量 Max（OL）")
    value, rest = signed_value(tokens_of(body))
    if value is None or len(rest) != 1 or not is_unit(rest[0]):
        raise ProtocolError(port, f"not an A&D frame: {shown(line)}", zh=f"不是 A&D 数据帧：{shown(line)}")
    return Reading(value=value, unit=rest[0], stable=head != "US", raw=line, at=at)


def looks_like_frame(line: str) -> bool:
    """Whether a line is an A&D frame or error reply (used by the protocol probe)."""
    head, comma, _ = line.strip().partition(",")
    return bool(comma) and (head in HEADERS or head == "EC")


class AndDriver(BalanceDriver):
    """An A&D balance (FX-i, GX/GF, EK-i, HR … series) on its standard command set."""

    protocol = "and"
    make = MAKE
    title = "A&D"

    def identify(self) -> Identity:
        model = self._field(b"?TN\r\n", "TN")
        serial = self._field(b"?SN\r\n", "SN")
        if not model and not serial:
            self.poll()  # NoReply when nothing answers at all
        return Identity(make=MAKE, protocol=self.protocol, model=model, serial=serial)

    def _field(self, command: bytes, head: str) -> str:
        """The text of a ``TN,…`` / ``SN,…`` reply, or empty when the model does not know the command."""
        answer = self._ask(command, None)
        if answer is None:
            return ""
        got, comma, text = answer[0].strip().partition(",")
        if got != head or not comma:
            return ""
        text = text.strip().strip('"').strip()
        return text if text.isprintable() and text.isascii() else ""

    def poll(self) -> Reading | None:
        line, at = self._transact(b"Q\r\n", "Q")
        try:
            return parse_frame(line, self.port, at)
        except Busy:
            return None

    def request_stable(self, timeout: float = 10.0) -> Reading:
        """Send ``S``: the balance itself waits until stable and answers once.

        Raises:
            StabilityTimeout: no stable frame within `timeout`.
            (and every error of `poll`)
        """
        line, at = self._transact(b"S\r\n", "S", timeout=timeout)
        reading = parse_frame(line, self.port, at)
        if not reading.stable:
            raise StabilityTimeout(self.port, "no stable weight in answer to S", zh="S 命令未得到稳定重量")
        return reading

    def _acknowledged(self, command: bytes, name: str, timeout: float) -> None:
        answer = self._ask(command, min(timeout, self.reply_timeout))
        if answer is not None:
            line = answer[0]
            refusal(line, self.port, name)
            if line.strip() != ACK:
                raise ProtocolError(self.port, f"unexpected reply to {name}: {shown(line)}", zh=f"对 {name} 的回复无法识别：{shown(line)}")
            return
        # Without the acknowledge code the balance says nothing: check that it is there at all.
        self.poll()

    def tare(self, timeout: float = 10.0) -> Decimal | None:
        self._acknowledged(b"T\r\n", "T", timeout)
        return None

    def zero(self, timeout: float = 10.0) -> None:
        self._acknowledged(b"R\r\n", "R", timeout)
