"""Connection strings and the line `Link`, over a real pseudo-terminal, a real TCP socket and pyserial's loop://."""

from __future__ import annotations

import os
import socket
import termios
import threading
import time
import tty
from collections.abc import Iterator

import pytest

from fieldtool.balance.errors import Disconnected, PortError, ProtocolError
from fieldtool.balance.transport import MAX_LINE, ConnectionSpec, Link, open_transport, parse_connection
from fieldtool.errors import InputError

from .conftest import PATIENCE, wait_until


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/dev/ttyUSB0", ConnectionSpec("/dev/ttyUSB0")),
        ("COM3", ConnectionSpec("COM3")),
        ("serial:/dev/ttyUSB0:2400", ConnectionSpec("/dev/ttyUSB0", baudrate=2400)),
        ("serial:/dev/ttyUSB0?baud=2400&bits=7&parity=e&stop=1&handshake=XONXOFF",
         ConnectionSpec("/dev/ttyUSB0", baudrate=2400, bytesize=7, parity="E", stopbits=1, handshake="xonxoff")),
        ("/dev/ttyS1?stop=2&handshake=rtscts", ConnectionSpec("/dev/ttyS1", stopbits=2, handshake="rtscts")),
        ("/dev/ttyS1?stop=1.5", ConnectionSpec("/dev/ttyS1", stopbits=1.5)),
        ("tcp:192.168.1.20:4001", ConnectionSpec("socket://192.168.1.20:4001")),
        ("socket://127.0.0.1:4001", ConnectionSpec("socket://127.0.0.1:4001")),
        ("rfc2217://10.0.0.5:2217?ign_set_control&baud=4800", ConnectionSpec("rfc2217://10.0.0.5:2217?ign_set_control=", baudrate=4800)),
        ("loop://", ConnectionSpec("loop://")),
    ],
)
def test_connection_strings(text: str, expected: ConnectionSpec) -> None:
    spec = parse_connection(text)
    assert spec == expected
    assert parse_connection(str(spec)) == spec  # what the register stores reads back the same


def test_separate_options_win_over_the_query() -> None:
    spec = parse_connection("/dev/ttyUSB0?baud=2400", baudrate=9600, bytesize=7, parity="O", stopbits=None, handshake=None)
    assert (spec.baudrate, spec.bytesize, spec.parity, spec.stopbits) == (9600, 7, "O", 1)
    assert spec.describe() == "/dev/ttyUSB0 9600 7O1"
    assert str(spec) == "serial:/dev/ttyUSB0?baud=9600&bits=7&parity=O&stop=1&handshake=none"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "give a device path"), ("/dev/ttyUSB0?parity=X", "parity"), ("/dev/ttyUSB0?bits=9", "bits"),
        ("/dev/ttyUSB0?stop=3", "stop"), ("/dev/ttyUSB0?baud=fast", "baud"), ("/dev/ttyUSB0?baud=0", "baud"),
        ("/dev/ttyUSB0?handshake=maybe", "handshake"), ("/dev/ttyUSB0?speed=9600", "unknown option 'speed'"),
        ("serial:", "no device"),
    ],
)
def test_bad_connection_strings(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as caught:
        parse_connection(text)
    assert "\n" not in str(caught.value)


def test_a_missing_device_and_a_refused_socket_are_port_errors() -> None:
    with pytest.raises(PortError, match=r"^balance on /dev/ttyNOPE9 9600 8N1: cannot open: No such file or directory$"):
        open_transport("/dev/ttyNOPE9")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    with pytest.raises(PortError, match="connection refused"):
        open_transport(f"tcp:127.0.0.1:{free}")


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    """A raw pseudo-terminal: the master's descriptor (the 'balance') and the slave's path (the device)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass  # already closed by the test (a pulled cable)


def test_lines_over_a_pty(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    with open_transport(path) as link:
        link.send(b"SI\r\n")
        assert os.read(master, 100) == b"SI\r\n"
        os.write(master, b"S S 1 g\r\nS D 2 g\rS S")
        assert link.read_line(1) == b"S S 1 g"
        assert link.read_line(1) == b"S D 2 g"  # CR alone ends a line too
        assert link.read_line(0.05) is None  # 'S S' waits for its end
        os.write(master, b" 3 g\n\r\n\r\n")
        assert link.read_line(1) == b"S S 3 g"  # empty lines skipped
        assert link.read_line(0.05) is None


def test_stale_input_is_discarded(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    with open_transport(path) as link:
        stale = b"S S 9 g\r\nnoise"
        os.write(master, stale)
        wait_until(lambda: link._port.in_waiting >= len(stale), "the stale bytes have reached the device")
        assert link.discard_input() == b"S S 9 g\r\nnoise"
        assert link.read_line(0.05) is None


def test_a_flood_without_line_ends_is_garbage(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    with open_transport(path) as link:
        os.write(master, b"\xff" * (MAX_LINE + 10))
        with pytest.raises(ProtocolError, match="without a line end"):
            while link.read_line(PATIENCE) is not None:
                pass


def test_serial_settings_reach_the_device(pty_pair: tuple[int, str]) -> None:
    _, path = pty_pair
    with open_transport(f"{path}?baud=2400&bits=7&parity=E&stop=2") as link:
        fd = link._port.fd
        _iflag, _oflag, cflag, _lflag, ispeed, ospeed, _cc = termios.tcgetattr(fd)
        assert ispeed == termios.B2400 and ospeed == termios.B2400
        assert cflag & termios.CSTOPB
        # Linux pseudo-terminals force 8 bits without parity, so those are checked on the port object.
        assert (link._port.bytesize, link._port.parity, link._port.stopbits) == (7, "E", 2)


def test_a_pulled_usb_adapter_is_a_disconnection(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    link = open_transport(path)
    os.close(master)
    with pytest.raises(Disconnected, match=f"^balance on {path} 9600 8N1: "):
        link.read_line(1)
    link.close()


def test_a_closed_socket_is_a_disconnection() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(server.accept()[0]))
    thread.start()
    link = open_transport(f"tcp:127.0.0.1:{port}")
    thread.join()
    accepted[0].sendall(b"S S 1 g\r\n")
    assert link.read_line(1) == b"S S 1 g"
    accepted[0].close()
    with pytest.raises(Disconnected, match="closed the connection"):
        link.read_line(1)
    link.close()
    server.close()


def test_loop_url_without_a_descriptor() -> None:
    link = open_transport("loop://")
    assert link._fd is None
    link.send(b"hello\r\n")
    assert link.read_line(1) == b"hello"
    start = time.monotonic()
    assert link.read_line(0.1) is None
    assert time.monotonic() - start < 0.5
    link.close()


def test_reopen_on_another_device(pty_pair: tuple[int, str]) -> None:
    _master, path = pty_pair
    other_master, other_slave = os.openpty()
    tty.setraw(other_slave)
    link = open_transport(path)
    link.reopen(parse_connection(os.ttyname(other_slave)))
    assert link.name.startswith(os.ttyname(other_slave))
    os.write(other_master, b"hi\r\n")
    assert link.read_line(1) == b"hi"
    link.close()
    os.close(other_master)
    os.close(other_slave)


def test_link_wraps_any_pyserial_port() -> None:
    import serial

    port = serial.serial_for_url("loop://", timeout=0)
    link = Link(ConnectionSpec("loop://"), port)
    link.send(b"x\n")
    assert link.read_line(1) == b"x"
    link.close()
