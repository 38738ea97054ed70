"""Provides the ``fieldtool balance`` commands: ``simulate`` a balance, ``probe`` a connection, ``add`` one to the register.

Wired into `fieldtool.cli.main` as one of its groups (`add_commands` on the sub-parsers, `run` in `main`);
also runnable on its own: ``python -m fieldtool.cli.balance simulate --protocol mt-sics --listen pty``.
Every user mistake and every balance failure ends as one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from fieldtool.cli.common import db_path, iso_day, print_json, run_alone, services_at, warn
from fieldtool.cli.parser import add_db_option, pause, seconds, whole_number
from fieldtool.errors import FieldtoolError, InputError
from fieldtool.infra.config import BALANCE_PROTOCOL_NAMES, BALANCE_PROTOCOLS

if TYPE_CHECKING:
    from fieldtool.balance.driver import BalanceDriver
    from fieldtool.balance.sim import Simulator
    from fieldtool.balance.transport import ConnectionSpec

COMMANDS = ("balance",)
"""The command this module adds."""

CONTROLS = """\
controls (one a line on stdin):
  512.3 | w 512.3   put a load on the pan        next     the next package of the script
  empty             empty the pan                overload / underload
  unstable / stable hold unstable / release      mute / unmute   stop / resume answering
  garble [N]        garble the next N replies    error [N]  error reply to the next N commands
  garbage           send noise now               drop     pull the cable (TCP: close; pty: new device)
  status            show load, tare, zero        quit     stop the simulator"""


def add_commands(subparsers: Any) -> None:
    """Add the ``balance`` command group to the main parser's sub-parsers.

    Args:
        subparsers: what `ArgumentParser.add_subparsers` returned (its parser_class is used).
    """
    balance = subparsers.add_parser("balance", help="connected balances: simulate one, probe a connection, add one to the register")
    actions = balance.add_subparsers(dest="balance_command", metavar="ACTION", required=True)

    sim = actions.add_parser("simulate", help="serve a simulated balance over TCP or a pseudo-terminal", description=(
        "Serve a simulated balance (MT-SICS, Sartorius SBI or A&D). The first line on stdout is what to "
        "connect to (socket://HOST:PORT or the pseudo-terminal's /dev/pts/N); then it serves until "
        "Ctrl-C, SIGTERM or 'quit'. Lines on stdin control it (type 'help')."
    ))
    sim.add_argument("--protocol", required=True, choices=BALANCE_PROTOCOL_NAMES, help="the protocol to speak")
    sim.add_argument("--listen", required=True, metavar="tcp:HOST:PORT|pty",
                     help="tcp:127.0.0.1:PORT (PORT 0: any free port; tcp:PORT for loopback) or pty")
    sim.add_argument("--weights", type=Path, metavar="FILE", help="the script: one package load a line, in --unit")
    sim.add_argument("--advance", default="read", metavar="read|manual|SECONDS",
                     help="when the next package is placed: after a stable reading was read (default), only when told, or every SECONDS")
    sim.add_argument("--unit", default="g", choices=("g", "kg", "mg", "lb"), help="display unit (default g)")
    sim.add_argument("--capacity", default="6200", metavar="MAX", help="Max in --unit (default 6200)")
    sim.add_argument("--d", default="0.01", metavar="D", help="scale interval in --unit (default 0.01)")
    sim.add_argument("--model", default="", help="the model it reports (default per protocol)")
    sim.add_argument("--serial", default="0012345678", help="the serial number it reports")
    sim.add_argument("--unstable", type=pause, default=0.5, metavar="SECONDS", help="instability after each change (default 0.5)")
    sim.add_argument("--stability-timeout", type=seconds, default=3.0, metavar="SECONDS",
                     help="how long a stable-weight command waits before the timeout reply (default 3)")
    sim.add_argument("--sbi-id", action="store_true", help="Sartorius: 22-character frames with an id (default 16)")
    sim.add_argument("--tare", default="0", metavar="T", help="start with this tare held, in --unit (a tare left from an earlier session)")
    sim.add_argument("--mute", action="store_true", help="start muted (answers nothing until 'unmute')")
    sim.add_argument("--seed", type=whole_number, default=0, help="seed of the unstable values and the noise")
    sim.add_argument("--verbose", action="store_true", help="log every command and reply on stderr")

    probe = actions.add_parser("probe", help="connect to a balance, identify it, read once", description=(
        "Connect, identify the protocol and the balance, read once and print the reading. "
        "Exit status 2 with a one-line message when nothing answers."
    ))
    _connection_options(probe)
    probe.add_argument("--stable", action="store_true", help="wait for a stable reading (up to --timeout)")
    probe.add_argument("--timeout", type=seconds, default=10.0, metavar="SECONDS", help="stability timeout with --stable (default 10)")
    probe.add_argument("--json", action="store_true", help="print JSON")

    add = actions.add_parser("add", help="identify a connected balance and add it to the register", description=(
        "Identify the balance on --port and add it to the register: make, model and serial number (and Max, "
        "where the balance reports it) are filled in from the balance; give what it cannot report."
    ))
    _connection_options(add)
    add.add_argument("--d", required=True, help="the actual scale interval d")
    add.add_argument("--max", default="", dest="max_capacity", help="Max (when the balance does not report it)")
    add.add_argument("--unit", default="", choices=("", "g", "kg"), help="unit of Max, d, e and MPE")
    add.add_argument("--e", default="", help="the verification scale interval e")
    add.add_argument("--class", default="", dest="accuracy_class", choices=("", "I", "II", "III", "IIII"), help="accuracy class")
    add.add_argument("--mpe", default="", help="maximum permissible error at the loads used")
    add.add_argument("--certificate", default="", help="the calibration certificate's number")
    add.add_argument("--due", default=None, metavar="YYYY-MM-DD", help="when the calibration expires")
    add.add_argument("--model", default="", help="model, for a balance that does not report it")
    add.add_argument("--serial", default="", dest="plate_serial", help="serial number, for a balance that does not report it")
    add_db_option(add, "database file (default: in the user data directory)")


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", required=True, metavar="URL|DEVICE",
                        help="a device (/dev/ttyUSB0, COM3, with ?baud=9600&bits=8&parity=N&stop=1&handshake=none) "
                             "or a URL (socket://HOST:PORT, tcp:HOST:PORT, rfc2217://HOST:PORT)")
    parser.add_argument("--protocol", default="auto", choices=BALANCE_PROTOCOLS, help="the protocol (default auto: probe)")
    parser.add_argument("--baud", type=whole_number, help="bits per second (default 9600)")
    parser.add_argument("--bits", type=int, choices=(7, 8), help="data bits (default 8)")
    parser.add_argument("--parity", choices=("N", "E", "O", "M", "S"), help="parity (default N)")
    parser.add_argument("--stop", type=float, choices=(1, 1.5, 2), help="stop bits (default 1)")
    parser.add_argument("--handshake", choices=("none", "xonxoff", "rtscts"), help="flow control (default none)")
    parser.add_argument("--reply-timeout", type=seconds, default=1.0, metavar="SECONDS", help="wait for each reply (default 1)")


def run(args: argparse.Namespace) -> int | None:
    """Run a ``balance`` command; None when `args` is another command's.

    Raises:
        FieldtoolError: a bad option, or the balance failed (the caller prints it, one line, exit 2).
    """
    if getattr(args, "command", None) != "balance":
        return None
    if args.balance_command == "simulate":
        return _simulate(args)
    if args.balance_command == "probe":
        return _probe(args)
    return _add(args)


# -- simulate ------------------------------------------------------------------------------------


class _Stop(BaseException):
    """Raised by the signal handler to end the simulator's console."""


def _listen(text: str) -> tuple[str, str, int]:
    if text == "pty":
        return "pty", "", 0
    if text.startswith("tcp:"):
        parts = text[4:].rsplit(":", 1)
        host, port = (parts[0], parts[1]) if len(parts) == 2 else ("127.0.0.1", parts[0])
        if port.isdigit() and host:
            return "tcp", host.strip("[]"), int(port)
    raise InputError(f"--listen: give tcp:HOST:PORT (tcp:127.0.0.1:0 for any free port) or pty; got {text!r}")


def _advance(text: str) -> str | float:
    if text in ("read", "manual"):
        return text
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if seconds <= 0:
        raise InputError(f"--advance: give read, manual or a number of seconds; got {text!r}")
    return seconds


def build_simulator(args: argparse.Namespace, log: TextIO | None = None) -> Simulator:
    """The simulator the ``simulate`` options describe (not yet serving).

    Raises:
        InputError: a bad option or weights file.
    """
    from fieldtool.balance.sim import SimulatedBalance, Simulator, load_weights
    from fieldtool.core.quantity import parse_decimal

    capacity = parse_decimal(args.capacity, "--capacity")
    d = parse_decimal(args.d, "--d")
    if capacity <= 0 or d <= 0 or d >= capacity:
        raise InputError("--capacity and --d must be positive, and d smaller than Max")
    if args.unstable < 0 or args.stability_timeout <= 0:
        raise InputError("--unstable must be 0 or more and --stability-timeout positive")
    weights = load_weights(args.weights, args.unit) if args.weights else []
    default_model = {"mt-sics": "XS6002S", "sbi": "BSA6202S", "and": "GX-6100"}[args.protocol]
    balance = SimulatedBalance(
        unit=args.unit, capacity=capacity, d=d, model=args.model or default_model, serial=args.serial,
        weights=weights, unstable_period=args.unstable, stability_timeout=args.stability_timeout,
        advance=_advance(args.advance), seed=args.seed,
    )
    balance.tare = parse_decimal(args.tare, "--tare")
    balance.muted = args.mute
    writer = (lambda line: print(line, file=log, flush=True)) if log is not None else None
    return Simulator(args.protocol, balance, sbi_with_id=args.sbi_id, log=writer)


def _simulate(args: argparse.Namespace) -> int:
    kind, host, port = _listen(args.listen)
    sim = build_simulator(args, sys.stderr if args.verbose else None)
    where = sim.serve_pty() if kind == "pty" else sim.serve_tcp(host, port)
    b = sim.balance
    print(where, flush=True)
    print(
        f"simulating {args.protocol} ({b.model}, serial {b.serial}, Max {b.capacity} {b.unit}, d {b.d} {b.unit}) on {where}; "
        f"{b.remaining + (1 if b.load else 0)} packages scripted; type 'help' for controls, Ctrl-C to stop",
        file=sys.stderr, flush=True,
    )

    def stop(signum: int, frame: FrameType | None) -> NoReturn:
        raise _Stop

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        for line in sys.stdin:
            if not _control(sim, line.strip()):
                break
        else:
            threading.Event().wait()  # stdin closed: serve until a signal
    except (_Stop, KeyboardInterrupt):
        pass  # the normal way to stop a simulator
    finally:
        signal.signal(signal.SIGTERM, previous)
        sim.stop()
    return 0


def _control(sim: Simulator, line: str) -> bool:
    """Apply one console line; False to quit."""
    from fieldtool.core.quantity import parse_decimal

    b = sim.balance
    words = line.split()
    if not words:
        return True
    verb, rest = words[0].lower(), words[1:]
    count = int(rest[0]) if rest and rest[0].isdigit() else 1
    try:
        if verb in ("quit", "exit"):
            return False
        if verb in ("w", "place") and rest:
            b.place(parse_decimal(rest[0], "load"))
        elif verb[0].isdigit() or verb[0] in "-.":
            b.place(parse_decimal(words[0], "load"))
        elif verb == "next":
            b.next_package()
        elif verb == "empty":
            b.place(Decimal(0))
        elif verb == "overload":
            b.place(b.capacity * 2)
        elif verb == "underload":
            b.place(-b.capacity / 10)
        elif verb in ("mute", "unmute"):
            b.muted = verb == "mute"
        elif verb in ("unstable", "stable"):
            b.hold_unstable = verb == "unstable"
        elif verb == "garble":
            b.garble_next += count
        elif verb == "error":
            b.error_next += count
        elif verb == "garbage":
            sim.send_garbage()
        elif verb == "drop":
            sim.drop()
            print(f"cable pulled; now on {sim.port}", file=sys.stderr, flush=True)
        elif verb == "status":
            print(f"load {b.load} {b.unit}, zero at {b.zero_offset}, tare {b.tare}, stable {b.is_stable()}, "
                  f"muted {b.muted}, {b.remaining} packages to come, {len(b.delivered)} stable readings sent",
                  file=sys.stderr, flush=True)
        else:
            print(CONTROLS, file=sys.stderr, flush=True)
    except FieldtoolError as exc:
        warn(str(exc))
    return True


# -- probe and add -------------------------------------------------------------------------------


def _spec(args: argparse.Namespace) -> ConnectionSpec:
    from fieldtool.balance.transport import parse_connection

    return parse_connection(args.port, baudrate=args.baud, bytesize=args.bits, parity=args.parity,
                            stopbits=args.stop, handshake=args.handshake)


def _connect(args: argparse.Namespace, spec: ConnectionSpec) -> BalanceDriver:
    """The driver of the balance on `spec`, connected with the ``--protocol`` and ``--reply-timeout`` options."""
    from fieldtool.balance.probe import connect

    return connect(spec, args.protocol, reply_timeout=args.reply_timeout, probe_timeout=min(args.reply_timeout, 0.5))


def _probe(args: argparse.Namespace) -> int:
    spec = _spec(args)
    with _connect(args, spec) as driver:
        identity = driver.identify()
        reading = driver.read_stable(args.timeout) if args.stable else driver.read_now()
    if args.json:
        print_json({
            "port": str(spec), "protocol": driver.protocol, "make": identity.make, "model": identity.model,
            "serial": identity.serial, "capacity": None if identity.capacity is None else format(identity.capacity, "f"),
            "capacity_unit": identity.capacity_unit or None, "value": format(reading.value, "f"), "unit": reading.unit,
            "stable": reading.stable, "raw": reading.raw, "at": reading.at.isoformat(),
        })
    else:
        print(f"balance:  {identity}")
        print(f"protocol: {driver.title} on {spec.describe()}")
        print(f"reading:  {format(reading.value, 'f')} {reading.unit} ({'stable' if reading.stable else 'UNSTABLE'})".replace("  (", " ("))
        print(f"raw:      {reading.raw!r}")
    return 0


def _add(args: argparse.Namespace) -> int:
    from fieldtool.usecases.balance import register_identified

    due = iso_day(args.due or None, "--due")
    spec = _spec(args)
    with _connect(args, spec) as driver:
        identity = driver.identify()
    with services_at(db_path(args)) as services:
        balance = register_identified(
            services, identity, spec, d=args.d, max_capacity=args.max_capacity, unit=args.unit, e=args.e,
            accuracy_class=args.accuracy_class, mpe=args.mpe, certificate=args.certificate, calibration_due=due,
            model=args.model, serial=args.plate_serial,
        )
    print(f"added {balance.make} {balance.model} (serial {balance.serial}, Max {balance.max_capacity} {balance.unit}, "
          f"d {balance.d}) as {balance.id}; connection {balance.connection}")
    return 0


# -- on its own ----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fieldtool balance …`` on its own; returns the exit status.

    ``python -m fieldtool.cli.balance simulate …`` and ``python -m fieldtool.cli.balance balance simulate …``
    are the same.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:1] != ["balance"]:
        words.insert(0, "balance")
    return run_alone(add_commands, run, words)


if __name__ == "__main__":
    sys.exit(main())
