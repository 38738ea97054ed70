"""A hostile-input corpus through the real command line, each case in its own `fieldtool` process.

Every case must end with its exit status, exactly one line on stderr naming the input (the file
and line, the option, the URL), and no traceback; a batch gives its documented error line per bad
lot and goes on. The processes of a test run side by side, so the corpus stays quick.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from fieldtool.core.records import canonical_json
from fieldtool.sync import keys
from fieldtool.sync.hub import hub_key_path, open_hub
from fieldtool.sync.wire import HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, request_payload
from tests.conftest import PYTHON, REPO, run_cli_env
from tests.sync.conftest import (
    Server,
    enroll_in_process,
    make_hub,
    make_laptop,
    register_in_process,
    start_server,
    stop_server,
)

EXAMPLE = REPO / "examples" / "rice-500g-lot300.txt"
CHECK = ["check", "--plan", "jjf1070-2005", "--nominal", "500", "--unit", "g", "--lot-size", "300"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 4


@dataclass(frozen=True)
class Case:
    """One run of the command line and what its single stderr line must name."""

    args: Sequence[str]
    names: Sequence[str]
    """Texts the error line must contain (the input's name and the problem)."""
    stdin: bytes = b""
    status: int = 2
    env: dict[str, str] | None = None


@dataclass(frozen=True)
class Outcome:
    case: Case
    status: int
    stdout: str
    stderr: str


def run_all(cases: Sequence[Case]) -> list[Outcome]:
    """Run every case in its own process, several at a time."""

    def one(case: Case) -> Outcome:
        done = subprocess.run([PYTHON, "-m", "fieldtool", *case.args], input=case.stdin, capture_output=True,
                              env=case.env or run_cli_env(), timeout=120, check=False)
        return Outcome(case, done.returncode, done.stdout.decode("utf-8", "replace"),
                       done.stderr.decode("utf-8", "replace"))

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        return list(pool.map(one, cases))


def assert_one_line_each(outcomes: Sequence[Outcome]) -> None:
    """Each case: its exit status, no traceback, one stderr line naming what it must name."""
    for o in outcomes:
        where = f"{list(o.case.args)[:6]}: {o.stderr!r}"
        assert "Traceback" not in o.stderr, where
        assert o.status == o.case.status, where
        lines = o.stderr.strip().splitlines()
        assert len(lines) == 1, where
        for name in o.case.names:
            assert name in lines[0], f"{name!r} not in {where}"


# --- check: files, standard input and options -----------------------------------------------------------

NET_FILES: dict[str, tuple[bytes, list[str]]] = {
    "binary.png": (PNG, ["line 1: not UTF-8 text"]),
    "utf16.txt": ("500\n498.2\n".encode("utf-16"), ["line 1: UTF-16 text"]),
    "utf16-no-bom.txt": ("500\n498.2\n".encode("utf-16-le"), ["line 1: holds a NUL character"]),
    "latin1.txt": (b"500\n498.2\n# pes\xe9\n", ["line 3: not UTF-8 text"]),
    "huge-line.txt": (b"500\n" + b"5" * 100_000 + b"\n", ["line 2: longer than 4096 bytes"]),
    "negative.txt": (b"500\n-498.2\n", ["line 2: '-498.2' is negative"]),
    "underscore.txt": (b"500\n500_1\n", ["line 2: '500_1' is not a number", "digit separators"]),
    "exponent.txt": (b"1e30\n", ["line 1: '1e30' is not a number", "exponents"]),
    "tiny-exponent.txt": (b"500\n1e-20000\n", ["line 2: '1e-20000'"]),
    "slow-exponent.txt": (b"1e-99999\n", ["line 1: '1e-99999'"]),
    "overflow.txt": (b"1e999999999\n", ["line 1: '1e999999999'"]),
    "nan.txt": (b"500\nNaN\n", ["line 2: 'NaN'", "only finite"]),
    "infinity.txt": (b"-Infinity\n", ["line 1: '-Infinity'"]),
    "forty-decimals.txt": (b"500." + b"1" * 40 + b"\n", ["line 1:", "more than 9 digits after the point"]),
    "many-digits.txt": (b"5" * 4000 + b"\n", ["line 1:", "more than 12 digits before the point"]),
    "comma.txt": (b"500\n498,2\n", ["line 2: '498,2' is not a number", "a point"]),
    "superscript.txt": ("5²\n".encode(), ["line 1:", "U+00B2"]),
    "csv-negative.csv": (b"id,net\n1,500\n2,-3\n", ["line 3: '-3' is negative"]),
    "csv-no-net.csv": (b"id;gross\n1;500\n", ["line 1: a CSV needs a 'net' column"]),
}


ON_STDIN = ("binary.png", "utf16.txt", "latin1.txt", "huge-line.txt", "negative.txt", "underscore.txt")
"""The files also given on standard input (the same reader; each case is a process)."""


def test_check_refuses_each_hostile_file_and_the_same_on_stdin(tmp_path: Path) -> None:
    cases = []
    for name, (content, says) in NET_FILES.items():
        path = tmp_path / name
        path.write_bytes(content)
        cases.append(Case([*CHECK, str(path)], [f"{path} ", *says]))
        if name in ON_STDIN:
            cases.append(Case([*CHECK, "-"], ["stdin ", *says], stdin=content))
    assert_one_line_each(run_all(cases))


def test_check_refuses_hostile_options_naming_each(tmp_path: Path) -> None:
    def with_option(option: str, value: str) -> list[str]:
        args = list(CHECK)
        args[args.index(option) + 1] = value
        return [*args, str(EXAMPLE)]

    cases = [
        Case(with_option("--nominal", "5_00"), ["--nominal: '5_00' is not a number"]),
        Case(with_option("--nominal", "1e999999999"), ["--nominal: '1e999999999'", "exponents"]),
        Case(with_option("--nominal", "1e30"), ["--nominal: '1e30'"]),
        Case(with_option("--nominal", "NaN"), ["--nominal: 'NaN'"]),
        Case(with_option("--nominal", "0.0000000000000000000000000000000000001"), ["--nominal:", "after the point"]),
        Case(with_option("--lot-size", "3_00"), ["argument --lot-size: '3_00' is not a number"]),
        Case(with_option("--lot-size", "3e2"), ["argument --lot-size: '3e2'"]),
        Case(with_option("--lot-size", "300.0"), ["argument --lot-size: '300.0' is not a whole number"]),
        Case(with_option("--lot-size", "9" * 5000), ["argument --lot-size:", "more than 12 digits"]),
        Case([*CHECK, str(tmp_path)], [f"cannot read {tmp_path}"]),
        Case([*CHECK, "/dev/zero"], ["/dev/zero line 1: longer than 4096 bytes"]),
    ]
    assert_one_line_each(run_all(cases))


def test_full_width_digits_point_and_minus_are_read_as_a_chinese_input_method_types_them(tmp_path: Path) -> None:
    typed = EXAMPLE.read_text(encoding="utf-8").translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    (tmp_path / "wide.txt").write_text(typed, encoding="utf-8")
    wide, plain = run_all([
        Case([*CHECK[:4], "５００", *CHECK[5:], "--json", str(tmp_path / "wide.txt")], [], status=0),
        Case([*CHECK, "--json", str(EXAMPLE)], [], status=0),
    ])
    assert (wide.status, wide.stderr) == (0, "") and json.loads(wide.stdout) == json.loads(plain.stdout)


def test_a_batch_gives_an_error_line_for_each_hostile_lot_and_goes_on(tmp_path: Path) -> None:
    good = {"plan": "jjf1070-2005", "nominal": "500", "unit": "g", "lot_size": 300, "net": ["500"] * 50}
    hostile = {
        json.dumps({**good, "variant": [1]}).encode(): "'variant' must be a string",
        b'{"x": ' * 5000 + b"1" + b"}" * 5000: "nested more than 32 levels deep",
        b'{"plan": "jjf1070-2005", "lot_size": ' + b"9" * 5000 + b"}": "an integer of 5000 digits",
        b'{"plan": "jjf1070-2005\xff"}': "not UTF-8 text",
        b'["not", "an", "object"]': "each line must be a JSON object",
        json.dumps({**good, "net": [498.2] + ["500"] * 49}).encode(): 'write decimals as strings ("498.2")',
        json.dumps({**good, "net": ["-1"] + ["500"] * 49}).encode(): "net[0]: '-1' is negative",
        json.dumps({**good, "nominal": "5_00"}).encode(): "nominal: '5_00' is not a number",
        json.dumps({**good, "net": ["1e30"] * 50}).encode(): "net[0]: '1e30' is not a number",
        b'{"plan": "x", "nominal": NaN}': "NaN is not a JSON number",
        b'{"plan": "\\ud800"}': "lone surrogate",
        b"5" * (2 * 1024 * 1024): "longer than 1 MiB",
        PNG.replace(b"\n", b" "): "not UTF-8 text",
    }
    lots = [json.dumps(good).encode(), *hostile, json.dumps({**good, "net": ["500"] * 49 + ["400"]}).encode()]
    batch = tmp_path / "lots.jsonl"
    batch.write_bytes(b"\n".join(lots) + b"\n")
    from_file, from_stdin = run_all([Case(["check", "--batch", str(batch), "--json"], [], status=2),
                                     Case(["check", "--batch", "-", "--json"], [], status=2, stdin=batch.read_bytes())])
    for outcome, name in ((from_file, str(batch)), (from_stdin, "stdin")):
        assert outcome.status == 2 and outcome.stderr == "", outcome.stderr  # worst line: bad input
        out = [json.loads(line) for line in outcome.stdout.splitlines()]
        assert [o["line"] for o in out] == list(range(1, len(lots) + 1))
        assert out[0]["verdict"] == "pass" and out[-1]["verdict"] == "fail"
        for number, (o, says) in enumerate(zip(out[1:-1], hostile.values(), strict=True), 2):
            assert set(o) == {"line", "error"} and o["error"].startswith(f"{name} line {number}: ") and says in o["error"]


# --- rule sets and programmes in the user's config directory ------------------------------------------------

HOSTILE_TOML: dict[str, tuple[bytes, str]] = {
    "binary": (PNG, "not UTF-8 text"),
    "utf16": ('schema = 1\nid = "x"\n'.encode("utf-16"), "UTF-16 text"),
    "bad-utf8": (b'schema = 1\nname = "caf\xe9"\n', "line 2: not UTF-8 text"),
    "nul": (b"schema = 1\x00\n", "NUL character"),
    "deep-arrays": (b"schema = 1\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested 5000 levels deep"),
    "deep-tables": (b"schema = 1\nx = " + b"{a = " * 2000 + b"1" + b"}" * 2000 + b"\n", "nested 2000 levels deep"),
    "long-integer": (b"schema = " + b"9" * 5000 + b"\n", "not valid TOML"),
    "huge": (b"# " + b"x" * (2 * 1024 * 1024) + b"\n", "larger than 1 MiB"),
    "exponent": ((REPO / "sampling_plans" / "rules" / "jjf1070-2005.toml").read_bytes().replace(
        b"absolute = 4.5", b'absolute = "4.5e0"'), "'4.5e0' is not a number"),
}


def config_env(home: Path) -> dict[str, str]:
    env = run_cli_env()
    env["XDG_CONFIG_HOME"] = str(home)
    return env


def test_plans_programme_and_check_refuse_hostile_user_files(tmp_path: Path) -> None:
    cases = []
    for name, (content, says) in HOSTILE_TOML.items():
        rules = tmp_path / name / "rules" / "fieldtool" / "rules" / "jjf1070-2005.toml"
        rules.parent.mkdir(parents=True)
        rules.write_bytes(content)
        env = config_env(tmp_path / name / "rules")
        cases.append(Case(["plans", "show", "jjf1070-2005"], [f"{rules}: ", says], env=env))
        if name in ("binary", "deep-arrays", "exponent"):
            cases.append(Case(["plans", "list"], [f"{rules}: ", says], env=env))
            cases.append(Case([*CHECK, str(EXAMPLE)], [f"{rules}: ", says], env=env))
        if name != "exponent":
            programme = tmp_path / name / "programmes" / "fieldtool" / "programmes" / "cn-2012-net-content.toml"
            programme.parent.mkdir(parents=True)
            programme.write_bytes(content)
            cases.append(Case(["programme", "show", "cn-2012-net-content"], [f"{programme}: ", says],
                              env=config_env(tmp_path / name / "programmes")))
    assert_one_line_each(run_all(cases))


# --- the hub: bundles imported from a file, receipts read back, pushes over HTTP ------------------------------


def hostile_json_documents() -> dict[str, tuple[bytes, str]]:
    record = {"id": "r1", "device_id": "d1", "seq": 1, "kind": "measurement-recorded", "inspection_id": "i1",
              "recorded_at": "2025-03-14T09:30:00Z", "prev_hash": "0" * 64, "hash": "1" * 64}

    def bundle(body: str) -> bytes:
        head = json.dumps({"type": "fieldtool-bundle/1", "device_id": "d1", "public_key": "0" * 64,
                           "created_at": "2025-03-14T09:30:00Z", "after_seq": 0, "after_hash": "0" * 64,
                           "signature": "0" * 128})
        return (head[:-1] + ', "records": [' + json.dumps(record)[:-1] + ', "body": ' + body + "}]}").encode()

    return {
        "deep.json": (b"[" * 30_000 + b"]" * 30_000, "nested more than 32 levels deep"),
        "deep-body.bundle": (bundle('{"net": ' + "[" * 950 + "]" * 950 + "}"), "nested more than 32 levels deep"),
        "long-int.bundle": (bundle('{"position": ' + "9" * 5000 + "}"), "an integer of 5000 digits"),
        "float.bundle": (bundle('{"net": 498.2}'), 'write decimals as strings ("498.2")'),
        "nan.bundle": (bundle('{"net": NaN}'), "NaN is not a JSON number"),
        "surrogate.bundle": (bundle('{"note": "\\udc80"}'), "lone surrogate"),
        "binary.bundle": (PNG, "not UTF-8 text"),
        "utf16.bundle": (bundle("{}").decode().encode("utf-16"), "UTF-16 text"),
        "cut.bundle": (bundle("{}")[:-40], "not valid JSON"),
    }


@pytest.fixture
def enrolled_laptop(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A hub database and a laptop database enrolled with it (the receipt reader checks enrolment first)."""
    hub = make_hub(tmp_path / "hub")
    laptop = make_laptop(tmp_path / "laptop", "Inspector Wang", inspections=1)
    register_in_process(hub, laptop, enroll_in_process(hub, laptop.name))
    yield hub, laptop.db


@pytest.mark.slow
def test_hub_import_and_bundle_receipt_refuse_crafted_files_before_any_signature(
    tmp_path: Path, enrolled_laptop: tuple[Path, Path]
) -> None:
    hub, laptop = enrolled_laptop
    cases = []
    for n, (name, (content, says)) in enumerate(hostile_json_documents().items()):
        path = tmp_path / name
        path.write_bytes(content)
        # Each process gets its own copy of the databases, so the cases can run side by side.
        hub_copy, laptop_copy = copy_db(hub, tmp_path / f"hub-{n}.db"), copy_db(laptop, tmp_path / f"laptop-{n}.db")
        # A refused bundle is a refused sync (exit 1, as for an altered or revoked one). Its device d1 is not
        # enrolled, so a refusal for the content shows that nothing in the file was trusted or checked before.
        cases.append(Case(["hub", "import", "--db", str(hub_copy), str(path)], [str(path), says], status=1))
        if name in ("deep.json", "long-int.bundle", "binary.bundle", "cut.bundle"):
            cases.append(Case(["bundle", "receipt", "--db", str(laptop_copy), str(path)], [str(path), says]))
    big = tmp_path / "big.receipt.json"
    big.write_bytes(b" " * (64 * 1024 + 1) + b"{}")
    cases.append(Case(["bundle", "receipt", "--db", str(laptop), str(big)], [str(big), "larger than 64 KiB"]))
    outcomes = run_all(cases)
    assert_one_line_each(outcomes)
    assert all("enrolled" not in o.stderr for o in outcomes)
    for n in range(len(hostile_json_documents())):
        store, _ = open_hub(tmp_path / f"hub-{n}.db")
        with store:
            assert store.flagged() == [] and [d["records"] for d in store.hub_devices()] == [0]
    assert not list(tmp_path.glob("*.receipt.json.receipt.json")) and not (tmp_path / "deep.json.receipt.json").exists()


def copy_db(db: Path, target: Path) -> Path:
    """A copy of a closed SQLite database (with its write-ahead log, if one was left, and a hub's key)."""
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(db) + suffix)
        if source.exists():
            Path(str(target) + suffix).write_bytes(source.read_bytes())
    if hub_key_path(db).exists():
        hub_key_path(target).write_bytes(hub_key_path(db).read_bytes())
        hub_key_path(target).chmod(0o600)
    return target


BAD_URLS = {
    "http://[::1": "invalid ipv6 url",
    "http://" + "a" * 300 + ":8470": "not one DNS can carry",
    "ftp://hub.example": "the scheme must be http or https",
    "http://hub.example:99999": "port out of range",
    "http://hub example:8470": "space or a control character",
}
"""Some of the URLs `tests/unit/test_parsers_hostile.py` refuses, through the command line."""


def test_sync_refuses_a_bad_hub_url_before_it_makes_a_key_or_a_database(tmp_path: Path) -> None:
    db = tmp_path / "laptop.db"
    cases = [Case(["sync", "--hub", url, "--enroll", "CODE", "--db", str(db)],
                  ["the hub URL must be", repr(url[:40])[1:-1], says]) for url, says in BAD_URLS.items()]
    assert_one_line_each(run_all(cases))
    assert not db.exists()


def signed_push(server: Server, device: str, key: keys.SigningKey, body: bytes) -> tuple[int, dict[str, object]]:
    moment, nonce = int(time.time()), secrets.token_hex(16)
    headers = {HEADER_DEVICE: device, HEADER_TIME: str(moment), HEADER_NONCE: nonce,
               HEADER_SIGNATURE: key.sign(request_payload("POST", "/v1/push", device, moment, nonce, body))}
    request = urllib.request.Request(server.url + "/v1/push", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_hub_server_refuses_hostile_push_bodies_and_keeps_serving(tmp_path: Path) -> None:
    hub = make_hub(tmp_path / "hub")
    laptop = make_laptop(tmp_path / "laptop", "Inspector Wang", inspections=1)
    register_in_process(hub, laptop, enroll_in_process(hub, laptop.name))
    with laptop.store() as store:
        device = store.device_id
    server = start_server(hub)
    try:
        bodies = {
            b'{"records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}": "nested more than 32 levels deep",
            b'{"records": [{"body": ' + b"[" * 950 + b"]" * 950 + b"}]}": "nested more than 32 levels deep",
            b'{"records": [], "n": ' + b"9" * 5000 + b"}": "an integer of 5000 digits",
            b'{"records": [{"body": {"net": 498.2}}]}': "write decimals as strings",
            b'{"records": [{"body": {"note": "\\ud800"}}]}': "lone surrogate",
            b'{"records": ["\xff"]}': "not UTF-8 text",
            canonical_json({"records": []})[:-3]: "not complete JSON",
        }
        for body, says in bodies.items():
            status, answer = signed_push(server, device, laptop.key, body)
            error = str(answer["error"])
            assert status == 400 and says in error and "\n" not in error, (status, answer)
        with urllib.request.urlopen(server.url + "/v1/health", timeout=10) as health:
            assert json.loads(health.read())["status"] == "ok"
    finally:
        stop_server(server)
        assert server.process.stderr is not None
        assert "Traceback" not in server.process.stderr.read()
