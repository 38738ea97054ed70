"""Builds a wheelhouse: every wheel fieldtool needs, for laptops that install it without internet.

Run on any machine with internet (and pip). For each target platform and Python version it asks pip
for binary wheels only, so that the laptop never needs a compiler:

    python scripts/build_wheelhouse.py                      # this machine's platform and Python
    python scripts/build_wheelhouse.py --all                # win_amd64, manylinux x86_64 and aarch64; 3.11 and 3.12
    python scripts/build_wheelhouse.py --target win_amd64:3.12 --hub --out E:\\wheelhouse
    python scripts/build_wheelhouse.py --all --check         # only ask the index: is every wheel there?

It writes ``<out>/<platform>-py<version>/`` with fieldtool's own wheel, the wheels of its
dependencies (``--hub``: the hub's too) and ``INSTALL.txt`` with the one command to run on the
laptop. Where a dependency has no wheel for a target, it says which one and what to do, and goes on
with the other targets; the exit status is 1 when any target is incomplete.

``--check`` downloads nothing: pip resolves each target against the index (``--dry-run``, binary
wheels only) and the script prints what would be installed, or what is missing. The exit status
is 1 when a target lacks a wheel, 3 when the index cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PLATFORMS = {
    # The tags pip accepts for each target, newest first (pip takes the first that a wheel offers).
    "win_amd64": ["win_amd64"],
    "manylinux_x86_64": ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"],
    "manylinux_aarch64": ["manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"],
}
"""The laptops' platforms: Windows 10/11 on x86-64; UOS, Kylin and other Linux on x86-64 and ARM64 (Kunpeng, Phytium)."""

PYTHONS = ("3.11", "3.12")


@dataclass(frozen=True)
class Target:
    """One platform and Python version to build for."""

    platform: str
    python: str

    @property
    def name(self) -> str:
        return f"{self.platform}-py{self.python.replace('.', '')}"


def this_machine() -> Target:
    """The target of the running interpreter (for a test, or a wheelhouse for identical laptops)."""
    tag = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    machine = platform.machine().lower()
    if tag.startswith("linux"):
        name = "manylinux_aarch64" if machine in ("aarch64", "arm64") else "manylinux_x86_64"
    elif tag.startswith("win"):
        name = "win_amd64"
    else:
        name = tag
    return Target(name, f"{sys.version_info.major}.{sys.version_info.minor}")


def parse_target(text: str) -> Target:
    """``PLATFORM:VERSION`` as given on the command line."""
    name, _, version = text.partition(":")
    if name not in PLATFORMS or version not in PYTHONS:
        raise SystemExit(f"build_wheelhouse: --target {text!r}: give one of {', '.join(PLATFORMS)} and "
                         f"a version {' or '.join(PYTHONS)}, e.g. win_amd64:3.11")
    return Target(name, version)


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)


def own_wheel(out: Path) -> Path:
    """fieldtool's own wheel (pure Python: one serves every target), built from this checkout."""
    result = _pip("wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT))
    if result.returncode != 0:
        raise SystemExit(f"build_wheelhouse: cannot build fieldtool's wheel: {result.stderr.strip().splitlines()[-1]}")
    return max(out.glob("fieldtool-*.whl"), key=lambda p: p.stat().st_mtime)


class Unreachable(Exception):
    """The package index cannot be reached (no network, or no route to it)."""


_UNREACHABLE = re.compile(r"NewConnectionError|Failed to establish|Temporary failure in name resolution|"
                          r"Name or service not known|Network is unreachable|ProxyError|ConnectTimeout")


def _target_args(target: Target) -> list[str]:
    """pip's options that select `target`'s binary wheels."""
    args = ["--only-binary=:all:", "--python-version", target.python, "--implementation", "cp",
            "--abi", f"cp{target.python.replace('.', '')}"]
    for tag in PLATFORMS[target.platform]:
        args += ["--platform", tag]
    return args


def _problems(target: Target, result: subprocess.CompletedProcess[str], where: Path) -> list[str]:
    """What pip's failure means for `target`, one line each (`Unreachable` when the index cannot be asked)."""
    if result.returncode == 0:
        return []
    missing = re.findall(r"No matching distribution found for ([^\s]+)", result.stderr)
    if not missing and _UNREACHABLE.search(result.stderr):
        raise Unreachable(result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "no answer")
    problems = [
        f"{target.name}: no wheel of {name} for this platform on the package index; build one on a "
        f"{target.platform} machine with Python {target.python} ('python -m pip wheel {name} -w DIR') "
        f"and put it in {where}"
        for name in missing
    ]
    return problems or [f"{target.name}: pip failed: {result.stderr.strip().splitlines()[-1:]}"]


def check(target: Target, out: Path, wheel: Path, hub: bool) -> tuple[list[str], list[str]]:
    """Resolve `target` against the index without downloading a wheel: (the distributions it would install, problems)."""
    report = out / f"{target.name}.resolution.json"
    requirement = f"{wheel}[hub]" if hub else str(wheel)
    result = _pip("install", "--dry-run", "--ignore-installed", "--quiet", "--report", str(report),
                  "--target", str(out / f"{target.name}.unused"), *_target_args(target), requirement)
    problems = _problems(target, result, out / target.name)
    if problems:
        return [], problems
    resolved = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return sorted(str(item["metadata"]["name"]) for item in resolved.get("install", [])), []


def build(target: Target, out: Path, wheel: Path, hub: bool) -> list[str]:
    """Download every dependency's wheel for `target` into ``out/<target>``; the problems, one line each."""
    where = out / target.name
    where.mkdir(parents=True, exist_ok=True)
    requirement = f"{wheel}[hub]" if hub else str(wheel)
    result = _pip("download", "--dest", str(where), *_target_args(target), requirement)
    problems = _problems(target, result, where)
    (where / wheel.name).write_bytes(wheel.read_bytes())
    extra = "[hub]" if hub else ""
    (where / "INSTALL.txt").write_text(
        f"fieldtool wheelhouse for {target.platform}, Python {target.python}\n\n"
        "On the laptop (no internet needed), from the directory that holds this folder:\n\n"
        f"    python -m pip install --no-index --find-links {target.name} \"fieldtool{extra}\"\n\n"
        "Then: fieldtool demo --open   (or: python -m fieldtool demo --open)\n",
        encoding="utf-8",
    )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "wheelhouse", help="where to write (default: ./wheelhouse)")
    parser.add_argument("--target", action="append", default=[], metavar="PLATFORM:VERSION",
                        help=f"a platform ({', '.join(PLATFORMS)}) and Python version; repeat for more")
    parser.add_argument("--all", action="store_true", help="every platform and version fieldtool supports")
    parser.add_argument("--hub", action="store_true", help="include the hub's dependencies (starlette, uvicorn)")
    parser.add_argument("--check", action="store_true",
                        help="download nothing: only ask the index whether every wheel exists for each target")
    args = parser.parse_args(argv)
    targets = [parse_target(t) for t in args.target]
    if args.all:
        targets = [Target(p, v) for p in PLATFORMS for v in PYTHONS]
    if not targets:
        targets = [this_machine()]
    args.out.mkdir(parents=True, exist_ok=True)
    wheel = own_wheel(args.out)
    problems = []
    try:
        if args.check:
            with ThreadPoolExecutor(3) as pool:  # pip waits on the index much of the time
                for target, (names, found) in zip(targets, pool.map(lambda t: check(t, args.out, wheel, args.hub),
                                                                     targets)):
                    problems += found
                    print(f"{target.name}: " + (f"every wheel found ({len(names)}: {', '.join(names)})" if not found
                                                else "INCOMPLETE"))
        else:
            for target in targets:
                found = build(target, args.out, wheel, args.hub)
                problems += found
                count = len(list((args.out / target.name).glob("*.whl")))
                print(f"{target.name}: {count} wheels in {args.out / target.name}" + ("" if not found else " (INCOMPLETE)"))
    except Unreachable as e:
        print(f"build_wheelhouse: the package index cannot be reached ({e}); run it where pip can download",
              file=sys.stderr)
        return 3
    finally:
        wheel.unlink()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
