"""Benchmark of the balance drivers: readings per second through the driver against the raw round trip on the same wire.

For each protocol (MT-SICS, Sartorius SBI, A&D) and each transport (TCP on loopback, a
pseudo-terminal), ``fieldtool balance simulate`` is started in a subprocess with a stable load of
512.30 g, and in the same run:

- raw: a bare client writes the "weight now" command (``SI`` / ``ESC P`` / ``Q``) and reads bytes
  until LF: a plain socket (``socket.sendall`` / ``recv``) or the pty opened with ``os.open``
  (``os.write`` / ``select`` / ``os.read``). No parsing;
- driver: `BalanceDriver.read_now()` on the same simulator: a lock, discarding stale input, pyserial
  write, select-and-read through `Link`, the protocol parser, a `Reading` with a timestamp.

A second table measures the driver's own work without any wait: the 'balance' is a socket pair
in this process that answers inside the driver's write, and the bare send/recv exchange on the same
pair is subtracted.

Both sides are interleaved in rounds (raw, driver, raw, driver …); the rates printed are the
medians of the rounds, the ratio is the median of the paired per-round ratios.
The simulator runs in its own process so that its work does not compete with the client's for the
GIL (in one process, every microsecond of the client's Python also delays the simulator).
The ratio driver / raw is printed, with the driver's overhead in µs per reading and that overhead
next to the wire time of one reading at 9600 baud (21 characters of command and reply). The
target is a ratio of at least 0.5 on loopback: the simulator's own work is part of both sides, so
the ratio shows what the driver adds to a round trip that is already as short as it gets.

    python benchmarks/bench_balance.py [--readings 2000] [--rounds 5] [--protocol mt-sics]

Figures are printed; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fieldtool.balance import DRIVERS, BalanceError

TARGET_RATIO = 0.5
"""The driver should keep at least this share of the raw round-trip rate on loopback."""

COMMANDS = {"mt-sics": b"SI\r\n", "sbi": b"\x1bP\r\n", "and": b"Q\r\n"}
WIRE_9600 = 21 * 10 / 9600
"""Seconds one reading takes on a 9600 8N1 line: about 4 characters of command and 17 of reply, 10 bits each."""


def raw_socket(url: str, command: bytes) -> tuple[Callable[[int], float], Callable[[], None]]:
    host, port = url.removeprefix("socket://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.settimeout(1)

    def run(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            sock.sendall(command)
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(256)
                if not chunk:
                    raise OSError("closed")
                data += chunk
        return n / (time.perf_counter() - start)

    return run, sock.close


def raw_pty(path: str, command: bytes) -> tuple[Callable[[int], float], Callable[[], None]]:
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)

    def run(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            os.write(fd, command)
            data = b""
            while not data.endswith(b"\n"):
                select.select([fd], [], [], 1)
                data += os.read(fd, 256)
        return n / (time.perf_counter() - start)

    return run, lambda: os.close(fd)


def driver_reads(port: str, protocol: str) -> tuple[Callable[[int], float], Callable[[], None]]:
    from fieldtool.balance.transport import open_transport

    driver = DRIVERS[protocol](open_transport(port), reply_timeout=1.0)

    def run(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            reading = driver.read_now()
        assert reading.stable and reading.value == Decimal("512.30"), reading
        return n / (time.perf_counter() - start)

    return run, driver.close


class SimulatorProcess:
    """``fieldtool balance simulate`` in a subprocess: its work does not compete with the client for the GIL."""

    def __init__(self, protocol: str, transport: str) -> None:
        listen = "pty" if transport == "pty" else "tcp:127.0.0.1:0"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fieldtool.cli.balance", "simulate", "--protocol", protocol, "--listen", listen,
             "--unstable", "0", "--advance", "manual"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.port = self.proc.stdout.readline().strip()
        self.proc.stdin.write("w 512.30\n")
        self.proc.stdin.flush()
        time.sleep(0.2)

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=10)


def connect_retrying(opener: Callable[[], tuple[Callable[[int], float], Callable[[], None]]]) -> tuple[Callable[[int], float], Callable[[], None]]:
    """Open a client; the simulator serves one TCP client at a time and may not have seen the last one go yet."""
    for _ in range(200):
        run, close = opener()
        try:
            run(20)  # warm-up, and proof that this client is the one served
            return run, close
        except (OSError, BalanceError):
            close()
            time.sleep(0.01)
    raise RuntimeError("the simulator never took the client")


def measure(protocol: str, transport: str, readings: int, rounds: int) -> tuple[float, float, float]:
    sim = SimulatorProcess(protocol, transport)
    raw_open = raw_pty if transport == "pty" else raw_socket
    raw_rates: list[float] = []
    driver_rates: list[float] = []
    try:
        for _ in range(rounds):
            run, close = connect_retrying(lambda: raw_open(sim.port, COMMANDS[protocol]))
            raw_rates.append(run(readings))
            close()
            run, close = connect_retrying(lambda: driver_reads(sim.port, protocol))
            driver_rates.append(run(readings))
            close()
    finally:
        sim.stop()
    # Rounds are paired (raw, then driver, on the same wire moments apart): the median of the
    # paired ratios is robust to a machine whose speed drifts during the run.
    ratios = [d / r for r, d in zip(raw_rates, driver_rates, strict=True)]
    return statistics.median(raw_rates), statistics.median(driver_rates), statistics.median(ratios)


REPLIES = {"mt-sics": b"S S     512.30 g\r\n", "sbi": b"+   512.30 g  \r\n", "and": b"ST,+00512.30  g\r\n"}


class InstantPort:
    """A socket pair posing as pyserial's socket:// port; the 'balance' answers inside the driver's write."""

    is_open = True

    def __init__(self) -> None:
        self._socket, self.peer = socket.socketpair()
        self._socket.setblocking(False)

    def close(self) -> None:
        self._socket.close()
        self.peer.close()


def driver_cpu(protocol: str, readings: int) -> tuple[float, float]:
    """µs per reading of the driver alone (the reply is there at once), and of the bare exchange on the same socket pair."""
    from fieldtool.balance.transport import ConnectionSpec, Link

    port = InstantPort()
    link = Link(ConnectionSpec("socket://instant:0"), port)  # type: ignore[arg-type]
    write = link._raw_write
    assert write is not None
    reply = REPLIES[protocol]

    def answer(data: memoryview) -> int:
        sent = write(data)
        port.peer.recv(64)
        port.peer.send(reply)
        return sent

    link._raw_write = answer
    driver = DRIVERS[protocol](link)
    for _ in range(200):
        driver.read_now()
    start = time.perf_counter()
    for _ in range(readings):
        driver.read_now()
    total = (time.perf_counter() - start) / readings
    command, mine = COMMANDS[protocol], port._socket
    mine.setblocking(True)
    start = time.perf_counter()
    for _ in range(readings):
        mine.send(command)
        port.peer.recv(64)
        port.peer.send(reply)
        mine.recv(64)
    bare = (time.perf_counter() - start) / readings
    port.close()
    return total * 1e6, bare * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readings", type=int, default=1000, help="readings per round and side (default 1000)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds; medians are kept (default 9)")
    parser.add_argument("--protocol", action="append", choices=list(COMMANDS), help="only this protocol (repeatable)")
    args = parser.parse_args()
    protocols = args.protocol or list(COMMANDS)
    print(f"{args.readings} readings x {args.rounds} rounds per side; simulator in a subprocess; medians\n")
    print(f"{'protocol':<9} {'wire':<5} {'raw /s':>9} {'driver /s':>10} {'ratio':>6} {'overhead':>10} {'of 9600 bd':>11}")
    worst = 1.0
    for protocol in protocols:
        for transport in ("tcp", "pty"):
            raw, drv, ratio = measure(protocol, transport, args.readings, args.rounds)
            overhead = 1 / drv - 1 / raw
            worst = min(worst, ratio)
            print(f"{protocol:<9} {transport:<5} {raw:>9.0f} {drv:>10.0f} {ratio:>6.2f} {overhead * 1e6:>8.0f} µs {overhead / WIRE_9600:>10.1%}")
    print("\nthe driver alone: the 'balance' answers at once on a socket pair in this process")
    print(f"{'protocol':<9} {'driver µs':>10} {'bare µs':>8} {'driver work':>12} {'of 9600 bd':>11}")
    for protocol in protocols:
        total, bare = statistics.median(driver_cpu(protocol, args.readings * 5)[0] for _ in range(3)), driver_cpu(protocol, args.readings * 5)[1]
        work = total - bare
        print(f"{protocol:<9} {total:>10.1f} {bare:>8.1f} {work:>9.1f} µs {work / 1e6 / WIRE_9600:>10.2%}")
    verdict = "meets" if worst >= TARGET_RATIO else "MISSES"
    print(f"\nlowest ratio {worst:.2f}: {verdict} the target of {TARGET_RATIO} (driver keeps at least half the raw rate on loopback)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
