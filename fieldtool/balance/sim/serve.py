"""Provides `Simulator`: a simulated balance served over TCP on loopback or over a pseudo-terminal.

TCP: like a network balance, one client at a time; a second client is disconnected at once.
Pseudo-terminal: `os.openpty`; the slave's path (``/dev/pts/N``) is a real serial device that
pyserial opens like any USB-serial adapter. The simulator keeps its own handle on the slave, so a
driver may close and reopen the device without the simulator noticing.

Faults: `SimulatedBalance` flags (mute, garbage, error replies, unstable for too long, drop on the
next command), plus `drop` (pull the cable now) and `send_garbage` (noise, as when a cable is
plugged in). Pulling the cable of a pseudo-terminal destroys it, as unplugging a USB adapter
removes its device; the simulator then serves on a new one, whose path is in `port`.
"""

from __future__ import annotations

import os
import select
import socket
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Self

from fieldtool.balance.sim.model import SimulatedBalance
from fieldtool.balance.sim.speakers import CRLF, SPEAKERS, SbiSpeaker, Speaker
from fieldtool.core.quantity import parse_decimal
from fieldtool.errors import InputError
from fieldtool.infra.bounded import read_file, utf8_text

_TICK = 0.02
"""Seconds between checks of the stop flag (and pending key presses) while idle."""


def load_weights(path: Path, unit: str = "g") -> list[Decimal]:
    """Read a weights script: one package load a line, optionally followed by the unit; blank lines and # comments skipped.

    Raises:
        InputError: the file cannot be read, or a line is not a number in `unit`.
    """
    text = utf8_text(read_file(path, 16 * 1024 * 1024), str(path))  # not UTF-8, binary or too large: one line
    weights: list[Decimal] = []
    for number, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0].split()
        if not body:
            continue
        if len(body) > 2 or (len(body) == 2 and body[1] != unit):
            raise InputError(f"{path} line {number}: type one load in {unit} a line, e.g. '512.3' or '512.3 {unit}'")
        weights.append(parse_decimal(body[0], f"{path} line {number}"))
    return weights


class Simulator:
    """A simulated balance speaking one protocol, served over TCP or a pseudo-terminal.

    Args:
        protocol: mt-sics, sbi or and.
        balance: the weighing state (a default `SimulatedBalance` when None).
        sbi_with_id: Sartorius only: send 22-character frames with an id.
        log: called with a line for every command received and reply sent (the CLI's --verbose).
    """

    def __init__(
        self,
        protocol: str,
        balance: SimulatedBalance | None = None,
        *,
        sbi_with_id: bool = False,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if protocol not in SPEAKERS:
            raise InputError(f"unknown balance protocol {protocol!r}; use one of {', '.join(SPEAKERS)}")
        self.protocol = protocol
        self.balance = balance or SimulatedBalance()
        self.sbi_with_id = sbi_with_id
        self.commands = 0
        """Commands answered so far (all connections)."""
        self.connections = 0
        """Clients served so far (TCP) or pseudo-terminals opened (pty)."""
        self._log = log
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self._writer: Callable[[bytes], None] | None = None
        self._drop_now = threading.Event()
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._pty: tuple[int, int] | None = None
        self.port = ""
        """What a driver opens: ``socket://127.0.0.1:PORT`` or the pseudo-terminal's path."""

    def _speaker(self) -> Speaker:
        if self.protocol == "sbi":
            return SbiSpeaker(self.balance, with_id=self.sbi_with_id)
        return SPEAKERS[self.protocol](self.balance)

    # -- serving ------------------------------------------------------------------------------

    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on `host`:`port` (0: any free port) in a background thread.

        Returns:
            The URL to open: ``socket://HOST:PORT``.

        Raises:
            InputError: the address cannot be used.
        """
        try:
            listener = socket.create_server((host, port))
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self._listener = listener
        bound_host, bound_port = listener.getsockname()[:2]
        self.port = f"socket://{bound_host}:{bound_port}"
        self._start(self._run_tcp)
        return self.port

    def serve_pty(self) -> str:
        """Serve on a new pseudo-terminal in a background thread.

        Returns:
            The slave's device path (``/dev/pts/N``).
        """
        self._open_pty()
        self._start(self._run_pty)
        return self.port

    def _start(self, target: Callable[[], None]) -> None:
        self._thread = threading.Thread(target=target, name=f"balance-sim-{self.protocol}", daemon=True)
        self._thread.start()

    def _open_pty(self) -> None:
        import tty  # POSIX only: TCP serving works on Windows too

        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no CR/LF translation: bytes pass as on a serial line
        os.set_blocking(master, False)
        self._pty = (master, slave)
        self.port = os.ttyname(slave)
        self.connections += 1

    def _close_pty(self) -> None:
        if self._pty is not None:
            for fd in self._pty:
                os.close(fd)
            self._pty = None

    def _run_tcp(self) -> None:
        assert self._listener is not None
        listener = self._listener
        client: socket.socket | None = None
        speaker = self._speaker()
        try:
            while not self._stop.is_set():
                watched = [listener] + ([client] if client is not None else [])
                ready, _, _ = select.select(watched, [], [], _TICK)
                if not ready:
                    speaker.idle()
                if listener in ready:
                    conn, _ = listener.accept()
                    if client is None:
                        client, speaker = conn, self._speaker()
                        self._client = client
                        self.connections += 1
                        self._set_writer(conn.sendall)
                    else:
                        conn.close()  # one client at a time, like a network balance
                if client is not None and (self._drop_now.is_set() or client in ready):
                    data = b""
                    if not self._drop_now.is_set():
                        try:
                            data = client.recv(4096)
                        except OSError:
                            data = b""
                    if not data or not self._handle(speaker, data):
                        self._set_writer(None)
                        client.close()
                        client = self._client = None
                        self._drop_now.clear()  # last: drop() returns once the client is gone
        finally:
            if client is not None:
                client.close()
            listener.close()

    def _run_pty(self) -> None:
        speaker = self._speaker()
        try:
            while not self._stop.is_set():
                assert self._pty is not None
                master = self._pty[0]
                self._set_writer(self._pty_writer(master))
                ready, _, _ = select.select([master], [], [], _TICK)
                if not ready:
                    speaker.idle()
                keep = True
                if self._drop_now.is_set():
                    keep = False
                elif ready:
                    try:
                        data = os.read(master, 4096)
                    except BlockingIOError:
                        data = b""
                    keep = self._handle(speaker, data) if data else True
                if not keep:  # the cable is pulled: this device is gone; plug a new one
                    self._set_writer(None)
                    self._close_pty()
                    self._open_pty()
                    speaker = self._speaker()
                    self._drop_now.clear()  # last: drop() returns once the new device is there
        finally:
            self._set_writer(None)
            self._close_pty()

    @staticmethod
    def _pty_writer(master: int) -> Callable[[bytes], None]:
        def write(data: bytes) -> None:
            try:
                os.write(master, data)
            except BlockingIOError:
                pass  # nobody reads the device and its buffer is full: the bytes are lost, as on a serial line
        return write

    def _set_writer(self, writer: Callable[[bytes], None] | None) -> None:
        with self._write_lock:
            self._writer = writer

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            if self._writer is not None:
                try:
                    self._writer(data)
                except OSError:
                    pass  # the client went away mid-reply; the next read sees it and closes

    def _handle(self, speaker: Speaker, data: bytes) -> bool:
        """Answer the commands in `data`; False when the connection must be dropped."""
        b = self.balance
        for command in speaker.feed(data):
            if b.take("drop"):
                self._note(f"{command!r} -> (connection dropped)")
                return False
            if b.muted:
                self._note(f"{command!r} -> (muted)")
                continue
            delay = b.take_delay()
            if delay:
                self._stop.wait(delay)
            if b.take("garble"):
                reply: bytes | None = b.garbage() + CRLF
            elif b.take("error"):
                reply = speaker.error_reply
            else:
                reply = speaker.respond(command, self._stop)
            self.commands += 1
            self._note(f"{command!r} -> {reply!r}")
            if reply:
                self._write(reply)
        return True

    def _note(self, text: str) -> None:
        if self._log is not None:
            self._log(text)

    @property
    def busy(self) -> bool:
        """Whether a TCP client is connected (a second one would be turned away)."""
        return self._client is not None

    # -- controls -----------------------------------------------------------------------------

    def drop(self) -> None:
        """Pull the cable now: close the TCP client, or destroy the pseudo-terminal (a new one appears in `port`)."""
        self._drop_now.set()
        while self._drop_now.is_set() and self._thread is not None and self._thread.is_alive():
            self._stop.wait(0.005)

    def send_garbage(self, data: bytes | None = None) -> None:
        """Send noise to the client now, unasked (as when a cable is plugged in)."""
        self._write(data if data is not None else self.balance.garbage())

    def stop(self) -> None:
        """Stop serving and close everything."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        elif self._pty is not None:
            self._close_pty()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
