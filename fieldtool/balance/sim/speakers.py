"""Provides the speakers: each turns a byte stream of one protocol's commands into replies from a `SimulatedBalance`.

`MtSicsSpeaker`, `SbiSpeaker` and `AndSpeaker` follow the wire formats of
``balance-protocols.md``. A speaker is fed what the client sent (`feed`) and answers each complete
command (`respond`); a "stable weight" command waits inside `respond`, as the real balance does,
so one command is in flight at a time.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from decimal import Decimal
from typing import ClassVar

from fieldtool.balance.sim.model import SimulatedBalance

CRLF = b"\r\n"


class Speaker(ABC):
    """One protocol, spoken from the balance's side."""

    protocol: ClassVar[str]
    """mt-sics, sbi or and."""
    error_reply: ClassVar[bytes]
    """The reply to a command the balance cannot execute (used for injected errors)."""

    def __init__(self, balance: SimulatedBalance) -> None:
        self.balance = balance
        self._pending = bytearray()

    def feed(self, data: bytes) -> list[str]:
        """Take bytes received; return the complete commands among them, in order."""
        self._pending += data
        commands: list[str] = []
        while True:
            found = self._next_command()
            if found is None:
                return commands
            commands.append(found)

    def _next_command(self) -> str | None:
        """Line-based protocols: a command ends at CR or LF."""
        for index, byte in enumerate(self._pending):
            if byte in (0x0D, 0x0A):
                line = bytes(self._pending[:index]).decode("latin-1").strip()
                del self._pending[: index + 1]
                if line:
                    return line
                return self._next_command()
        if len(self._pending) > 256:
            self._pending.clear()  # noise without a line end: a real balance discards it too
        return None

    def idle(self) -> None:
        """Called while no command arrives (a balance finishes a pending key press on its own)."""

    @abstractmethod
    def respond(self, command: str, stop: threading.Event) -> bytes | None:
        """The reply to one command (None: the protocol gives none)."""

    def number(self, value: Decimal) -> str:
        """A value with d's decimals."""
        return format(self.balance.rounded(value), "f")


class MtSicsSpeaker(Speaker):
    """METTLER TOLEDO MT-SICS: S, SI, Z, T, TA, TAC, @, I2, I4; ES for anything else."""

    protocol = "mt-sics"
    error_reply = b"EL" + CRLF

    def respond(self, command: str, stop: threading.Event) -> bytes | None:
        b = self.balance
        name = command.split()[0]
        if name in ("S", "SI"):
            if name == "S" and not b.wait_stable(stop):
                return b"S I" + CRLF
            shown = b.display()
            if shown.state == "over":
                return b"S +" + CRLF
            if shown.state == "under":
                return b"S -" + CRLF
            line = f"S {'S' if shown.stable else 'D'} {self.number(shown.value):>10} {b.unit}".encode() + CRLF
            if shown.stable:
                b.delivered_stable(shown.value)
            return line
        if name == "Z":
            if not b.wait_stable(stop):
                return b"Z I" + CRLF
            return {"ok": b"Z A", "over": b"Z +", "under": b"Z -"}[b.set_zero()] + CRLF
        if name == "T":
            if not b.wait_stable(stop):
                return b"T I" + CRLF
            state, tare = b.set_tare()
            if state != "ok":
                return (b"T +" if state == "over" else b"T -") + CRLF
            return f"T S {self.number(tare):>10} {b.unit}".encode() + CRLF
        if name == "TA":
            return f"TA A {self.number(b.tare):>10} {b.unit}".encode() + CRLF
        if name == "TAC":
            b.clear_tare()
            return b"TAC A" + CRLF
        if name == "@":
            return f'I4 A "{b.serial}"'.encode() + CRLF
        if name == "I2":
            return f'I2 A "{b.model}" {self.number(b.capacity)} {b.unit}'.encode() + CRLF
        if name == "I4":
            return f'I4 A "{b.serial}"'.encode() + CRLF
        return b"ES" + CRLF


class AndSpeaker(Speaker):
    """A&D: Q, SI, S, R, T, C, ?TN, ?SN, ?ID; EC,E1 for anything else. R and T are acknowledged (AK on)."""

    protocol = "and"
    error_reply = b"EC,E0" + CRLF

    def frame(self, head: str, value: Decimal) -> bytes:
        sign = "-" if value < 0 else "+"
        return f"{head},{sign}{self.number(abs(value)):0>8}{self.balance.unit:>3}".encode() + CRLF

    def respond(self, command: str, stop: threading.Event) -> bytes | None:
        b = self.balance
        if command in ("Q", "SI", "S"):
            if command == "S" and not b.wait_stable(stop):
                return b"EC,E3" + CRLF
            shown = b.display()
            if shown.state != "ok":
                sign = "+" if shown.state == "over" else "-"
                return f"OL,{sign}999999.9{b.unit:>3}".encode() + CRLF
            if shown.stable:
                line = self.frame("ST", shown.value)
                b.delivered_stable(shown.value)
                return line
            return self.frame("US", shown.value)
        if command in ("R", "T"):
            if not b.wait_stable(stop):
                return b"EC,E3" + CRLF
            if command == "R":
                ok = b.set_zero() == "ok"
            else:
                ok = b.set_tare()[0] == "ok"
            return (b"\x06" if ok else b"EC,E7") + CRLF
        if command == "C":
            return b"\x06" + CRLF
        if command == "?TN":
            return f"TN,{b.model:>8}".encode() + CRLF
        if command == "?SN":
            return f"SN,{b.serial}".encode() + CRLF
        if command == "?ID":
            return b"ID,SIM0001" + CRLF
        return b"EC,E1" + CRLF


class SbiSpeaker(Speaker):
    """Sartorius SBI: ESC P, ESC T, ESC U, ESC V, ESC x1_ / x2_ / x3_; other commands are ignored.

    Args:
        balance: the weighing state.
        with_id: send 22-character frames (a 6-character id in front) instead of 16-character ones.
    """

    protocol = "sbi"
    error_reply = b"Err 02" + CRLF

    def __init__(self, balance: SimulatedBalance, *, with_id: bool = False) -> None:
        super().__init__(balance)
        self.with_id = with_id
        self._pending_key: tuple[str, float] | None = None
        """A key pressed while unstable, and when: done once the load settles, unless the stability timeout ran out."""

    def idle(self) -> None:
        self._settle_keys()

    def _settle_keys(self) -> None:
        if self._pending_key is None:
            return
        key, pressed = self._pending_key
        b = self.balance
        if time.monotonic() - pressed > b.stability_timeout:
            self._pending_key = None
        elif b.is_stable():
            # ESC T is the tare/zero key: it zeroes when the load is within the zero range, else tares.
            if key == "zero":
                b.set_zero()
            elif b.set_zero() != "ok":
                b.set_tare()
            self._pending_key = None

    def _next_command(self) -> str | None:
        """SBI commands are ESC + letter (format 1) or ESC + letter + digit + '_' (format 2)."""
        start = self._pending.find(0x1B)
        if start < 0:
            self._pending.clear()  # CR, LF and noise between commands
            return None
        del self._pending[:start]
        if len(self._pending) < 2:
            return None
        letter = chr(self._pending[1])
        if letter == "x" or (len(self._pending) >= 3 and chr(self._pending[2]).isdigit()):
            if len(self._pending) < 4:
                return None
            command = bytes(self._pending[1:4]).decode("latin-1")
            del self._pending[:4]
            return command
        del self._pending[:2]
        return letter

    def frame(self, value: Decimal | None, unit: str, special: str = "") -> bytes:
        if special:
            body = f"{special:>10}    "
        else:
            assert value is not None
            sign = "-" if value < 0 else "+"
            body = f"{sign} {self.number(abs(value)):>8} {unit:<3}"
        prefix = ""
        if self.with_id:
            prefix = "Stat  " if special == "Stat" else ("N     " if self.balance.tare else "G#    ")
        return (prefix + body).encode() + CRLF

    def respond(self, command: str, stop: threading.Event) -> bytes | None:
        b = self.balance
        self._settle_keys()
        if command == "P":
            shown = b.display()
            if shown.state != "ok":
                return self.frame(None, "", "High" if shown.state == "over" else "Low")
            line = self.frame(shown.value, b.unit if shown.stable else "")
            if shown.stable:
                b.delivered_stable(shown.value)
            return line
        if command in ("T", "U", "V"):
            self._pending_key = ("zero" if command == "V" else "tare", time.monotonic())
            self._settle_keys()
            return None
        if command == "x1_":
            return b.model.encode() + CRLF
        if command == "x2_":
            return b.serial.encode() + CRLF
        if command == "x3_":
            return b"00-38-14" + CRLF
        return None


SPEAKERS: dict[str, type[Speaker]] = {kind.protocol: kind for kind in (MtSicsSpeaker, SbiSpeaker, AndSpeaker)}
"""The speaker of each protocol, by its short name (in the order of `fieldtool.infra.config.BALANCE_PROTOCOL_NAMES`)."""
