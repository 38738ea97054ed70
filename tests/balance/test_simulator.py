"""The simulators speak the wire formats: raw conversations over a real TCP port and a real pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import termios
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.balance.sim import SimulatedBalance, Simulator, load_weights
from fieldtool.errors import InputError

from .conftest import wait_until

Make = Callable[..., tuple[Simulator, str]]


class Client:
    """A bare TCP client: sends a command, returns the reply line (bytes, terminator included)."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("socket://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=2)
        self.buffer = b""

    def ask(self, command: bytes, timeout: float = 2) -> bytes | None:
        self.sock.sendall(command)
        return self.line(timeout)

    def line(self, timeout: float = 2) -> bytes | None:
        self.sock.settimeout(timeout)
        while b"\n" not in self.buffer:
            try:
                chunk = self.sock.recv(4096)
            except (TimeoutError, ConnectionResetError):
                return None
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def close(self) -> None:
        self.sock.close()


def settle(sim: Simulator) -> None:
    """Wait until the load has settled (a state, not a time)."""
    wait_until(sim.balance.is_stable, "the load has settled")


def bytes_waiting(fd: int) -> int:
    """How many bytes can be read from the terminal `fd` now."""
    return int(struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0])


def test_mt_sics_conversation(simulator: Make) -> None:
    sim, url = simulator("mt-sics", "tcp", weights=[Decimal("100.00")], model="WXS205SDU", serial="1126493049", capacity=Decimal(220), d=Decimal("0.0001"))
    c = Client(url)
    assert c.ask(b"I2\r\n") == b'I2 A "WXS205SDU" 220.0000 g\r\n'
    assert c.ask(b"I4\r\n") == b'I4 A "1126493049"\r\n'
    sim.balance.hold_unstable = True  # "just placed" lasts 0.01 s: held until it has been read
    assert c.ask(b"SI\r\n").startswith(b"S D ")  # just placed: unstable
    sim.balance.hold_unstable = False
    assert c.ask(b"S\r\n") == b"S S   100.0000 g\r\n"  # S waits for stability
    assert sim.balance.load == 0  # read: the next package (none: the pan is empty)
    sim.balance.advance = "manual"
    settle(sim)
    sim.balance.place(Decimal("12.3"))
    assert c.ask(b"T\r\n") == b"T S    12.3000 g\r\n"
    assert c.ask(b"TA\r\n") == b"TA A    12.3000 g\r\n"
    sim.balance.place(Decimal("112.3"))
    settle(sim)
    assert c.ask(b"SI\r\n") == b"S S   100.0000 g\r\n"  # net of the tare
    assert c.ask(b"@\r\n") == b'I4 A "1126493049"\r\n'
    assert c.ask(b"TA\r\n") == b"TA A    12.3000 g\r\n"  # @ keeps the tare
    assert c.ask(b"TAC\r\n") == b"TAC A\r\n"
    assert c.ask(b"Z\r\n") == b"Z +\r\n"  # 112.3 g is outside the zero range (2 % of Max)
    sim.balance.place(Decimal("0.5"))
    assert c.ask(b"Z\r\n") == b"Z A\r\n"
    assert c.ask(b"XYZ\r\n") == b"ES\r\n"
    sim.balance.place(Decimal(300))
    settle(sim)
    assert c.ask(b"SI\r\n") == b"S +\r\n"
    sim.balance.place(Decimal(-5))
    assert c.ask(b"SI\r\n") == b"S -\r\n"
    c.close()


def test_mt_sics_stability_timeout_reply(simulator: Make) -> None:
    sim, url = simulator("mt-sics", "tcp", weights=[Decimal(100)], stability_timeout=0.1)
    sim.balance.hold_unstable = True
    c = Client(url)
    assert c.ask(b"S\r\n") == b"S I\r\n"
    assert c.ask(b"T\r\n") == b"T I\r\n"
    assert c.ask(b"Z\r\n") == b"Z I\r\n"
    assert sim.balance.delivered == []
    c.close()


@pytest.mark.parametrize("with_id", [False, True])
def test_sbi_conversation_and_frame_lengths(simulator: Make, with_id: bool) -> None:
    sim, url = simulator("sbi", "tcp", weights=[Decimal("123.56")], sbi_with_id=with_id, model="BSA6202S", serial="0035503452")
    c = Client(url)
    sim.balance.hold_unstable = True  # "just placed" lasts 0.01 s: held until it has been read
    unstable = c.ask(b"\x1bP\r\n")
    assert len(unstable) == (22 if with_id else 16) and unstable.endswith(b"    \r\n")  # blank unit
    sim.balance.hold_unstable = False
    settle(sim)
    stable = c.ask(b"\x1bP")  # format 1 without CR LF works too
    assert stable == (b"G#    " if with_id else b"") + b"+   123.56 g  \r\n"
    assert c.ask(b"\x1bx1_\r\n") == b"BSA6202S\r\n"
    assert c.ask(b"\x1bx2_\r\n") == b"0035503452\r\n"
    assert c.ask(b"\x1bx3_\r\n") == b"00-38-14\r\n"
    assert c.ask(b"\x1bZ\r\n", timeout=0.1) is None  # unknown: no reply
    sim.balance.place(Decimal(7000))
    assert c.ask(b"\x1bP\r\n").split()[-1] == b"High"
    sim.balance.place(Decimal(-5))
    assert c.ask(b"\x1bP\r\n").split()[-1] == b"Low"
    c.close()


def test_sbi_tare_key_and_zero(simulator: Make) -> None:
    sim, url = simulator("sbi", "tcp", weights=[Decimal(200)], advance="manual")
    c = Client(url)
    settle(sim)
    c.sock.sendall(b"\x1bT\r\n")  # the tare/zero key: 200 g is outside the zero range, so it tares
    assert stable_frame(c) == b"+     0.00 g  \r\n"
    assert sim.balance.tare == Decimal("200.00")
    sim.balance.place(Decimal(3))
    c.sock.sendall(b"\x1bV\r\n")  # zero, once the load has settled
    assert stable_frame(c) == b"+     0.00 g  \r\n"
    assert sim.balance.tare == 0 and sim.balance.zero_offset == 3


def stable_frame(c: Client) -> bytes:
    """Poll ESC P until a stable frame (with a unit) comes."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        frame = c.ask(b"\x1bP\r\n")
        assert frame is not None
        if len(frame.split()) == 3:
            return frame
        time.sleep(0.005)
    raise AssertionError("never stable")
    c.close()


def test_and_conversation(simulator: Make) -> None:
    sim, url = simulator("and", "tcp", weights=[Decimal("223.45")], model="GX-6100", serial="T1234567", advance="manual")
    c = Client(url)
    sim.balance.hold_unstable = True  # "just placed" lasts 0.01 s: held until it has been read
    assert c.ask(b"Q\r\n").startswith(b"US,+00223.")
    sim.balance.hold_unstable = False
    assert c.ask(b"S\r\n") == b"ST,+00223.45  g\r\n"
    assert len(c.ask(b"SI\r\n")) == 17
    assert c.ask(b"?TN\r\n") == b"TN, GX-6100\r\n"
    assert c.ask(b"?SN\r\n") == b"SN,T1234567\r\n"
    assert c.ask(b"R\r\n") == b"EC,E7\r\n"  # 223.45 g is outside the zero range (2 % of Max)
    assert c.ask(b"T\r\n") == b"\x06\r\n"
    settle(sim)
    assert c.ask(b"Q\r\n") == b"ST,+00000.00  g\r\n"
    assert c.ask(b"XX\r\n") == b"EC,E1\r\n"
    sim.balance.place(Decimal(9000))
    assert c.ask(b"Q\r\n") == b"OL,+999999.9  g\r\n"
    c.close()


def test_one_client_at_a_time_and_the_tare_persists(simulator: Make) -> None:
    sim, url = simulator("mt-sics", "tcp", weights=[Decimal(50)], advance="manual")
    first = Client(url)
    assert first.ask(b"T\r\n") == b"T S      50.00 g\r\n"
    second = Client(url)
    assert second.ask(b"SI\r\n") is None  # closed at once: the balance is busy with the first client
    second.close()
    first.close()
    wait_until(lambda: not sim.busy, "the simulator has seen the first client go")
    third = Client(url)
    assert third.ask(b"TA\r\n") == b"TA A      50.00 g\r\n"  # a tare left from an earlier session
    third.close()
    assert sim.connections == 2


def test_faults_mute_garble_error_drop(simulator: Make) -> None:
    sim, url = simulator("mt-sics", "tcp", weights=[Decimal(50)], advance="manual")
    b = sim.balance
    c = Client(url)
    b.muted = True
    assert c.ask(b"SI\r\n", timeout=0.1) is None
    b.muted = False
    b.garble_next = 1
    garbage = c.ask(b"SI\r\n")
    assert garbage.endswith(b"\r\n") and not garbage.startswith(b"S ")
    b.error_next = 1
    assert c.ask(b"SI\r\n") == b"EL\r\n"
    sim.send_garbage(b"\xff\xfe")
    assert c.ask(b"I4\r\n") == b'\xff\xfeI4 A "0012345678"\r\n'
    b.drop_next = True
    assert c.ask(b"SI\r\n") is None
    c.close()


def test_weights_advance_by_time(simulator: Make) -> None:
    now = [0.0]  # the balance's clock, moved by the test: "0.12 s later" is exact, however busy the machine
    sim, _ = simulator("mt-sics", "tcp", weights=[Decimal(1), Decimal(2), Decimal(3)], advance=0.05, clock=lambda: now[0])
    now[0] = 0.12
    assert sim.balance.display().value in (Decimal("3.00"), Decimal("3.01"), Decimal("2.99")) or sim.balance.load == 3


def test_pty_serves_like_a_device(simulator: Make) -> None:
    sim, path = simulator("and", "pty", weights=[Decimal("1.5")])
    assert path.startswith("/dev/")
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        settle(sim)
        os.write(fd, b"Q\r\n")
        wait_until(lambda: bytes_waiting(fd) >= len(b"ST,+00001.50  g\r\n"), "the whole reply has come")
        assert os.read(fd, 100) == b"ST,+00001.50  g\r\n"
    finally:
        os.close(fd)
    old = sim.port
    sim.drop()  # the USB adapter is pulled: the device is gone, a new one appears
    assert sim.port and sim.connections == 2
    assert old != sim.port or os.path.exists(sim.port)


def test_weights_file(tmp_path: Path) -> None:
    path = tmp_path / "w.txt"
    path.write_text("# packages\n512.3\n\n498.75 g  # second\n", encoding="utf-8")
    assert load_weights(path) == [Decimal("512.3"), Decimal("498.75")]
    path.write_text("512.3 kg\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        load_weights(path)
    path.write_text("abc\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        load_weights(path)
    with pytest.raises(InputError, match="cannot read"):
        load_weights(tmp_path / "missing.txt")


def test_unknown_protocol_and_bad_advance() -> None:
    with pytest.raises(InputError, match="unknown balance protocol"):
        Simulator("ohaus")
    with pytest.raises(ValueError):
        SimulatedBalance(advance="sometimes")


@pytest.mark.parametrize("protocol", ["mt-sics", "sbi", "and"])
def test_speakers_survive_any_bytes(protocol: str) -> None:
    import threading

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from fieldtool.balance.sim import SPEAKERS

    balance = SimulatedBalance(weights=[Decimal(5)], stability_timeout=0.001, unstable_period=0)
    stop = threading.Event()

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.binary(max_size=30) | st.sampled_from([b"\x1bP", b"\x1bx1_", b"SI\r\n", b"T\r", b"\x1b", b"\x1bx"]), max_size=6))
    def run(chunks: list[bytes]) -> None:
        speaker = SPEAKERS[protocol](balance)
        for chunk in chunks:
            for command in speaker.feed(chunk):
                reply = speaker.respond(command, stop)
                assert reply is None or reply.endswith(b"\r\n")

    run()
