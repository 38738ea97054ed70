"""Provides a benchmark: start-up time of `fieldtool check` on a 5-value file against `import numpy`.

Runs both commands N times each, interleaved (and alternating which goes first, so that neither
profits from a warm cache the other paid for), after one warm-up run each, and prints the
medians and their ratio. The target is a ratio of at most 1.5: checking one small lot should cost
little more than starting Python with numpy.

    python benchmarks/bench_startup.py [--runs 21] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.5
"""`fieldtool check` should start in at most this multiple of `python -c "import numpy"`."""

CHECK_ARGS = [
    "-m",
    "fieldtool",
    "check",
    "--plan",
    "jjf1070-2005",
    "--nominal",
    "500",
    "--unit",
    "g",
    "--lot-size",
    "5",
]
"""The command measured, without its FILE argument."""

NETS = ["500.2", "499.8", "501.0", "498.9", "500.4"]
"""A lot of 5 that passes (no package short by more than T = 15 g)."""

CHECK_EXIT_CODES = {0, 1, 3}
"""Exit statuses of `fieldtool check` that are verdicts (pass, fail, second sample); 2 is bad input."""

HEAVY = ("textual", "reportlab", "sqlite_utils", "numpy", "rich")
"""Packages whose import by `fieldtool check` is worth knowing about (the house style forbids the first two)."""


def cli_missing(python: str, env: dict[str, str]) -> str | None:
    """Why `python -m fieldtool` cannot run yet under `python`, or None when it can."""
    probe = (
        "import importlib.util, sys\n"
        "for m in ('fieldtool', 'fieldtool.__main__', 'fieldtool.cli.main'):\n"
        "    if importlib.util.find_spec(m) is None:\n"
        "        print(m + ' does not exist yet'); sys.exit(1)\n"
    )
    proc = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=env, check=False)
    if proc.returncode == 0:
        return None
    if proc.stdout.strip():
        return proc.stdout.strip()
    last = proc.stderr.strip().splitlines()[-1:]  # e.g. a ModuleNotFoundError from a parent package
    return last[0] if last else f"the probe exited {proc.returncode}"


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return time.perf_counter() - start, proc


def import_report(python: str, args: list[str], env: dict[str, str]) -> list[str]:
    """Top-level packages imported by a command and their cumulative import time (python -X importtime)."""
    proc = subprocess.run([python, "-X", "importtime", *args], capture_output=True, text=True, env=env, check=False)
    found: list[tuple[int, str]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        name = parts[2]
        if name.strip() != name.rstrip() and not name.startswith(" " * 2):  # one leading space: top level
            try:
                found.append((int(parts[1]), name.strip()))
            except ValueError:
                continue
    found.sort(reverse=True)
    lines = [f"  {us / 1000:8.1f} ms  {name}" for us, name in found[:15]]
    loaded = {name.split(".")[0] for _, name in found}
    heavy = [h for h in HEAVY if h in loaded]
    lines.append(f"  heavy packages imported: {', '.join(heavy) if heavy else 'none'}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=21, help="runs of each command (default 21)")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run (default: this one)")
    parser.add_argument(
        "--importtime", action="store_true", help="also list what `fieldtool check` imports (-X importtime)"
    )
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    missing = cli_missing(args.python, env)
    if missing:
        print(f"bench_startup: cannot measure: the fieldtool CLI is not there yet ({missing}).")
        print("It runs once `python -m fieldtool check ...` works (fieldtool/__main__.py calling fieldtool.cli.main).")
        return 2

    with tempfile.TemporaryDirectory(prefix="fieldtool-bench-") as tmp:
        nets_file = Path(tmp) / "lot.txt"
        nets_file.write_text("\n".join(NETS) + "\n", encoding="utf-8")
        # Keep the user's real config and data out of it.
        env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        env["XDG_DATA_HOME"] = str(Path(tmp) / "data")
        check_cmd = [args.python, *CHECK_ARGS, str(nets_file)]
        numpy_cmd = [args.python, "-c", "import numpy"]

        # Warm-up, and a check that both commands work at all.
        _, proc = run(check_cmd, env)
        if proc.returncode not in CHECK_EXIT_CODES:
            print(
                f"bench_startup: cannot measure: `fieldtool check` exited {proc.returncode}"
                " (expected a verdict: 0, 1 or 3)."
            )
            print((proc.stderr or proc.stdout).strip()[-2000:])
            return 2
        _, proc = run(numpy_cmd, env)
        if proc.returncode != 0:
            print(f"bench_startup: cannot measure: `import numpy` failed:\n{proc.stderr.strip()[-2000:]}")
            return 2

        check_times: list[float] = []
        numpy_times: list[float] = []
        for i in range(args.runs):
            pair = [(check_cmd, check_times), (numpy_cmd, numpy_times)]
            for cmd, times in pair if i % 2 == 0 else reversed(pair):
                seconds, _ = run(cmd, env)
                times.append(seconds)

        report = import_report(args.python, [*CHECK_ARGS, str(nets_file)], env) if args.importtime else []

    def row(name: str, times: list[float]) -> str:
        return f"{name:<44} {statistics.median(times) * 1000:>9.1f} {min(times) * 1000:>9.1f} {max(times) * 1000:>9.1f}"

    ratio = statistics.median(check_times) / statistics.median(numpy_times)
    print(f"start-up, {args.runs} interleaved runs each, after one warm-up ({args.python})")
    print(f"{'command':<44} {'median ms':>9} {'min ms':>9} {'max ms':>9}")
    print(row("python -m fieldtool check ... (5 values)", check_times))
    print(row('python -c "import numpy"', numpy_times))
    verdict = "meets" if ratio <= TARGET_RATIO else "ABOVE"
    print(f"ratio check / import numpy: {ratio:.2f}x ({verdict} the target of <= {TARGET_RATIO}x)")
    if report:
        print("\nwhat `fieldtool check` imports (cumulative, top level, one run with -X importtime):")
        print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
