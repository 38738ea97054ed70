"""Provides the transports: a connection spec (device path or pyserial URL plus serial settings) and a line `Link`.

A connection is written as one string, the same one kept in the balance register:

- a device path, optionally prefixed ``serial:``: ``/dev/ttyUSB0``, ``COM3``,
  ``serial:/dev/ttyUSB0:9600`` (a trailing ``:BAUD``, the register's older form);
- a pyserial URL: ``socket://HOST:PORT``, ``rfc2217://HOST:PORT``, ``loop://``;
- ``tcp:HOST:PORT``, short for ``socket://HOST:PORT`` (as ``balance simulate --listen`` prints);

followed by serial settings as a query string: ``?baud=2400&bits=7&parity=E&stop=1&handshake=xonxoff``
(defaults 9600, 8, N, 1, none). Query keys that are not ours stay on a pyserial URL
(``rfc2217://host:port?ign_set_control``). Settings mean nothing to ``socket://``, and are ignored there.

A `Link` reads CR/LF-terminated lines against a deadline, without pyserial's byte-at-a-time
`readline`: on a device or a socket it waits with `select` on the descriptor pyserial opened and
then takes every byte that is there, so the driver's overhead stays small next to the wire.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Self
from urllib.parse import parse_qsl, urlencode

import serial  # type: ignore[import-untyped]

from fieldtool.balance.errors import Disconnected, PortError, ProtocolError
from fieldtool.errors import InputError

PARITIES = {"N": serial.PARITY_NONE, "E": serial.PARITY_EVEN, "O": serial.PARITY_ODD, "M": serial.PARITY_MARK, "S": serial.PARITY_SPACE}
"""Parity letters, as printed on balance menus and in manuals."""

HANDSHAKES = ("none", "xonxoff", "rtscts")
"""Flow control: none, software (XON/XOFF) or hardware (RTS/CTS)."""

MAX_LINE = 512
"""A line longer than this (bytes without CR or LF) is garbage, not a balance reply."""

_LINE_END = re.compile(rb"[\r\n]+")
_OUR_KEYS = ("baud", "bits", "parity", "stop", "handshake")


@dataclass(frozen=True)
class ConnectionSpec:
    """Where a balance is and how to talk to it."""

    port: str
    """A device path (``/dev/ttyUSB0``, ``COM3``) or a pyserial URL (``socket://…``, ``rfc2217://…``, ``loop://``)."""
    baudrate: int = 9600
    """Bits per second (serial devices and rfc2217 only)."""
    bytesize: int = 8
    """Data bits: 7 or 8 (5 and 6 are accepted for completeness)."""
    parity: str = "N"
    """N, E, O, M or S."""
    stopbits: float = 1
    """1, 1.5 or 2."""
    handshake: str = "none"
    """none, xonxoff or rtscts."""

    @property
    def is_url(self) -> bool:
        """Whether the port is a pyserial URL rather than a device path."""
        return "://" in self.port

    @property
    def is_socket(self) -> bool:
        """Whether the port is a TCP socket (serial settings do not apply)."""
        return self.port.startswith("socket://")

    def __str__(self) -> str:
        if self.is_socket or self.port.startswith("loop://"):
            return self.port
        opts = {"baud": str(self.baudrate), "bits": str(self.bytesize), "parity": self.parity,
                "stop": format(self.stopbits, "g"), "handshake": self.handshake}
        sep = "&" if "?" in self.port else "?"
        prefix = "" if self.is_url else "serial:"
        return f"{prefix}{self.port}{sep}{urlencode(opts)}"

    def describe(self) -> str:
        """The port with its settings in the short form of manuals (``/dev/ttyUSB0 9600 8N1``)."""
        if self.is_socket or self.port.startswith("loop://"):
            return self.port
        hs = "" if self.handshake == "none" else f" {self.handshake}"
        return f"{self.port} {self.baudrate} {self.bytesize}{self.parity}{format(self.stopbits, 'g')}{hs}"


def parse_connection(text: str, **overrides: object) -> ConnectionSpec:
    """Read a connection string (see the module docstring).

    Args:
        text: the connection as typed or stored.
        **overrides: settings given separately (baudrate, bytesize, parity, stopbits, handshake);
            None values are ignored. They win over the query string.

    Returns:
        The spec.

    Raises:
        InputError: empty, or a setting that is not valid.
    """
    raw = text.strip()
    if not raw:
        raise InputError("balance connection: give a device path (/dev/ttyUSB0, COM3) or a URL (socket://host:port)", zh="天平连接：请填写设备路径（/dev/ttyUSB0、COM3）或 URL（socket://主机:端口）")
    base, _, query = raw.partition("?")
    ours: dict[str, str] = {}
    theirs: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in _OUR_KEYS:
            ours[key] = value
        else:
            theirs.append((key, value))
    if base.startswith("tcp:") and "://" not in base:
        base = "socket://" + base[4:].lstrip("/")
    elif base.startswith("serial:") and "://" not in base:
        base = base[len("serial:"):]
        device, colon, rate = base.rpartition(":")
        if colon and device and rate.isdigit():
            base = device
            ours.setdefault("baud", rate)
    if not base:
        raise InputError(f"balance connection {text!r}: no device or URL", zh=f"天平连接 {text!r}：没有设备或 URL")
    if theirs:
        if "://" not in base:
            raise InputError(f"balance connection {text!r}: unknown option {theirs[0][0]!r}; use {', '.join(_OUR_KEYS)}", zh=f"天平连接 {text!r}：未知选项 {theirs[0][0]!r}；可用 {', '.join(_OUR_KEYS)}")
        base = f"{base}?{urlencode(theirs)}"

    def pick(key: str, query: object) -> object:
        given = overrides.get(key)
        return given if given is not None else query

    baud = pick("baudrate", _int(ours["baud"], "baud", text) if "baud" in ours else 9600)
    bits = pick("bytesize", _int(ours["bits"], "bits", text) if "bits" in ours else 8)
    stop = pick("stopbits", _float(ours["stop"], "stop", text) if "stop" in ours else 1)
    spec = ConnectionSpec(
        port=base,
        baudrate=_int(str(baud), "baud", text),
        bytesize=_int(str(bits), "bits", text),
        parity=str(pick("parity", ours.get("parity", "N"))),
        stopbits=_float(str(stop), "stop", text),
        handshake=str(pick("handshake", ours.get("handshake", "none"))),
    )
    return _checked(spec, text)


def _int(value: str, key: str, text: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InputError(f"balance connection {text!r}: {key} must be a whole number; got {value!r}", zh=f"天平连接 {text!r}：{key} 必须是整数；输入的是 {value!r}") from None


def _float(value: str, key: str, text: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise InputError(f"balance connection {text!r}: {key} must be 1, 1.5 or 2; got {value!r}", zh=f"天平连接 {text!r}：{key} 必须是 1、1.5 或 2；输入的是 {value!r}") from None


def _checked(spec: ConnectionSpec, text: str) -> ConnectionSpec:
    where = f"balance connection {text!r}"
    parity = str(spec.parity).upper()
    if parity not in PARITIES:
        raise InputError(f"{where}: parity must be one of {', '.join(PARITIES)}; got {spec.parity!r}", zh=f"{where}：parity（校验）必须是 {', '.join(PARITIES)} 之一；输入的是 {spec.parity!r}")
    if spec.bytesize not in (5, 6, 7, 8):
        raise InputError(f"{where}: bits must be 7 or 8; got {spec.bytesize}", zh=f"{where}：bits（数据位）必须是 7 或 8；输入的是 {spec.bytesize}")
    if spec.stopbits not in (1, 1.5, 2):
        raise InputError(f"{where}: stop must be 1, 1.5 or 2; got {format(spec.stopbits, 'g')}", zh=f"{where}：stop（停止位）必须是 1、1.5 或 2；输入的是 {format(spec.stopbits, 'g')}")
    if spec.baudrate <= 0 or spec.baudrate > 4_000_000:
        raise InputError(f"{where}: baud must be a rate such as 2400, 9600 or 19200; got {spec.baudrate}", zh=f"{where}：baud（波特率）必须是 2400、9600、19200 等；输入的是 {spec.baudrate}")
    handshake = str(spec.handshake).lower()
    if handshake not in HANDSHAKES:
        raise InputError(f"{where}: handshake must be one of {', '.join(HANDSHAKES)}; got {spec.handshake!r}", zh=f"{where}：handshake（握手）必须是 {', '.join(HANDSHAKES)} 之一；输入的是 {spec.handshake!r}")
    stop = int(spec.stopbits) if spec.stopbits in (1, 2) else spec.stopbits
    return replace(spec, parity=parity, handshake=handshake, stopbits=stop)


def open_transport(spec: ConnectionSpec | str, *, write_timeout: float = 2.0) -> Link:
    """Open a connection and wrap it in a `Link`.

    Args:
        spec: the connection, as a spec or a connection string.
        write_timeout: how long a write may block (hardware handshake with nothing on the other end).

    Returns:
        The open link.

    Raises:
        InputError: the connection string is not valid.
        PortError: the port cannot be opened (no such device, busy, connection refused).
    """
    if isinstance(spec, str):
        spec = parse_connection(spec)
    return Link(spec, _open_port(spec, write_timeout), write_timeout=write_timeout)


def _open_port(spec: ConnectionSpec, write_timeout: float) -> serial.SerialBase:
    try:
        port = serial.serial_for_url(
            spec.port,
            baudrate=spec.baudrate,
            bytesize=spec.bytesize,
            parity=PARITIES[spec.parity],
            stopbits=spec.stopbits,
            xonxoff=spec.handshake == "xonxoff",
            rtscts=spec.handshake == "rtscts",
            timeout=0,
            write_timeout=write_timeout,
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortError(spec.describe(), f"cannot open: {_one_line(exc)}", zh=f"无法打开：{_one_line(exc)}") from None
    return port


_PLAIN = (
    ("socket disconnected", "the other end closed the connection"),
    ("device reports readiness to read but returned no data", "the device went away (unplugged?)"),
    ("connection refused", "connection refused (nothing listens there)"),
)


def _one_line(exc: BaseException) -> str:
    """A pyserial error as a short phrase (without the port, which the message names already)."""
    text = " ".join(str(exc).split())
    lowered = text.lower()
    code = getattr(exc, "errno", None)
    if isinstance(code, int) and code > 0 and "connection refused" not in lowered:
        return os.strerror(code)
    for pattern, plain in _PLAIN:
        if pattern in lowered:
            return plain
    text = re.sub(r"^(could not open port|read failed|write failed)[^:]*:\s*", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^\[Errno \d+\]\s*could not open port [^:]*:\s*", "", text)
    return text or type(exc).__name__


class Link:
    """A line-oriented connection to one balance.

    Args:
        spec: where the balance is.
        port: the open pyserial port (opened non-blocking: timeout 0).
        write_timeout: kept for `reopen`.
    """

    def __init__(self, spec: ConnectionSpec, port: serial.SerialBase, *, write_timeout: float = 2.0) -> None:
        self.spec = spec
        self.name = spec.describe()
        """The port as named in messages."""
        self._write_timeout = write_timeout
        self._buffer = bytearray()
        self._lines: list[bytes] = []
        self._attach(port)

    def _attach(self, port: serial.SerialBase) -> None:
        """Find the port's descriptor: select waits on it, and bytes are read and written on it directly.

        pyserial has opened and configured the port (baud, bits, parity, handshake, the TCP
        connection); going around its `read`/`write` saves it a `select` per call, which on
        loopback is a large share of a reading. Ports without a descriptor (loop://, rfc2217://,
        Windows) go through pyserial, whose own timeout waits in short slices so deadlines hold.
        """
        self._port = port
        self._fd: int | None = None
        self._raw_read: Callable[[int], bytes] | None = None
        self._raw_write: Callable[[memoryview], int] | None = None
        sock = getattr(port, "_socket", None)  # pyserial's socket:// handler keeps its socket here
        fd = getattr(port, "fd", None)  # posix serial.Serial
        if isinstance(sock, socket.socket):
            # Commands are a few bytes each, one in flight: send each at once (no Nagle delay).
            with contextlib.suppress(OSError):  # not a TCP socket: nothing to tune
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._fd, self._raw_read, self._raw_write = sock.fileno(), sock.recv, sock.send
        elif isinstance(fd, int):
            self._fd = fd
            self._raw_read = lambda size: os.read(fd, size)
            self._raw_write = lambda data: os.write(fd, data)
        else:
            port.timeout = 0.02

    @property
    def is_open(self) -> bool:
        """Whether the port is open."""
        return bool(self._port.is_open)

    def discard_input(self) -> bytes:
        """Throw away everything received and not yet read (stale replies, garbage); returns it.

        Raises:
            Disconnected: the connection dropped.
        """
        dropped = b""
        if self._buffer or self._lines:
            dropped = bytes(self._buffer) + b"".join(line + b"\n" for line in self._lines)
            self._buffer.clear()
            self._lines.clear()
        while True:
            chunk = self._read_available(0)
            if not chunk:
                return dropped
            dropped += chunk

    def send(self, data: bytes) -> None:
        """Write a command.

        Raises:
            Disconnected: the connection dropped or a write timed out (handshake never released).
        """
        try:
            if self._raw_write is None or self._fd is None:
                self._port.write(data)
                return
            sent = self._try_write(memoryview(data))
            if sent == len(data):
                return
            rest = memoryview(data)[sent:]
            end = time.monotonic() + self._write_timeout
            while rest:  # the output buffer is full (a handshake holding it): wait until it drains
                left = end - time.monotonic()
                if left <= 0:
                    raise serial.SerialTimeoutException("write timeout")
                select.select([], [self._fd], [], left)
                rest = rest[self._try_write(rest):]
        except serial.SerialTimeoutException:
            raise Disconnected(self.name, "write timed out (check the cable and the handshake setting)", zh="写入超时（请检查电缆和握手设置）") from None
        except (serial.SerialException, OSError, ValueError) as exc:
            raise Disconnected(self.name, f"connection lost while sending ({_one_line(exc)})", zh=f"发送时连接中断（{_one_line(exc)}）") from None

    def _try_write(self, data: memoryview) -> int:
        assert self._raw_write is not None
        try:
            return self._raw_write(data)
        except BlockingIOError:
            return 0

    def read_line(self, timeout: float) -> bytes | None:
        """The next non-empty line, without its CR/LF, or None when none arrives within `timeout` seconds.

        Raises:
            Disconnected: the connection dropped.
            ProtocolError: more than `MAX_LINE` bytes arrived without a line end.
        """
        deadline = time.monotonic() + timeout
        while not self._lines:
            left = deadline - time.monotonic()
            chunk = self._read_available(max(0.0, left))
            if chunk:
                if not self._buffer and chunk.endswith(b"\r\n") and chunk.count(b"\n") == 1 and chunk.count(b"\r") == 1:
                    if len(chunk) > 2:
                        return chunk[:-2]  # the usual case: one whole line in one read
                    continue
                self._buffer += chunk
                parts = _LINE_END.split(bytes(self._buffer))
                self._buffer = bytearray(parts.pop())
                self._lines.extend(p for p in parts if p)
                if len(self._buffer) > MAX_LINE:
                    self._buffer.clear()
                    raise ProtocolError(self.name, f"garbage on the line ({MAX_LINE}+ bytes without a line end)", zh=f"线路上有乱码（{MAX_LINE} 字节以上无行尾）")
            elif left <= 0:
                return None
        return self._lines.pop(0)

    def _read_available(self, wait: float) -> bytes:
        """Whatever bytes arrive within `wait` seconds (at least one, unless the wait runs out)."""
        try:
            if self._fd is not None and self._raw_read is not None:
                ready, _, _ = select.select([self._fd], [], [], wait)
                if not ready:
                    return b""
                try:
                    data = self._raw_read(4096)
                except BlockingIOError:
                    return b""
                if not data:
                    # Readable and nothing there: the other end closed the socket, or the device went away.
                    gone = "the other end closed the connection" if self.spec.is_socket else "the device went away (unplugged?)"
                    gone_zh = "对端关闭了连接" if self.spec.is_socket else "设备已断开（被拔出？）"
                    raise Disconnected(self.name, f"connection lost ({gone})", zh=f"连接中断（{gone_zh}）")
                return data
            if wait <= 0:
                waiting = self._port.in_waiting
                return bytes(self._port.read(waiting)) if waiting else b""
            end = time.monotonic() + wait
            while True:
                data = self._port.read(max(1, self._port.in_waiting))
                if data or time.monotonic() >= end:
                    return bytes(data)
        except (serial.SerialException, OSError, ValueError, TypeError) as exc:
            # ValueError/TypeError: pyserial reading from a descriptor closed under it.
            raise Disconnected(self.name, f"connection lost ({_one_line(exc)})", zh=f"连接中断（{_one_line(exc)}）") from None

    def close(self) -> None:
        """Close the port (idempotent)."""
        try:
            self._port.close()
        except (serial.SerialException, OSError):
            pass  # closing a port whose device is gone: nothing left to release

    def reopen(self, spec: ConnectionSpec | None = None) -> None:
        """Close and open the connection again (after a cable was pulled and plugged back).

        Args:
            spec: a new place to open (a USB adapter that came back under another name); the same one when None.

        Raises:
            PortError: it cannot be opened.
        """
        if spec is not None:
            self.spec, self.name = spec, spec.describe()
        self.close()
        self._buffer.clear()
        self._lines.clear()
        self._attach(_open_port(self.spec, self._write_timeout))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
