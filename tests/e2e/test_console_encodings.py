"""Every command under the console encodings of inspectors' laptops: GBK, GB18030, cp1252 and UTF-8, redirected.

On a Chinese Windows laptop the output of a command redirected to a file is encoded in the code
page (GBK), on a Western one in cp1252; `PYTHONIOENCODING` simulates both here. Each command runs
in a fresh interpreter per encoding through `fieldtool.cli.main.main`, with standard output and
standard error redirected to files opened as Python opens them for that encoding (strict errors),
then the files are read back: no traceback, the same exit status as under UTF-8, Chinese intact
where the encoding has it and readable equivalents (``-`` for ``−``, ``lambda`` for ``λ``) where it
does not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli_env

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[2]
LOT = ROOT / "examples" / "rice-500g-lot300.txt"

DRIVER = r"""
import io, json, os, sys
from fieldtool.cli.main import main
encoding, out_dir, commands = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
statuses = []
for k, argv in enumerate(commands):
    out = open(os.path.join(out_dir, f"{k}.out"), "w", encoding=encoding, newline="")
    err = open(os.path.join(out_dir, f"{k}.err"), "w", encoding=encoding, newline="")
    sys.stdout, sys.stderr = out, err
    try:
        status = main(argv)
    except SystemExit as e:  # argparse's --help and usage errors
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except BaseException as e:  # a traceback is what this test exists to catch
        import traceback
        traceback.print_exc(file=err)
        status = "traceback"
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        out.close(); err.close()
    statuses.append(status)
print(json.dumps(statuses))
"""


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A small demo database (one city) and the id of one of its finished inspections."""
    db = tmp_path_factory.mktemp("enc") / "demo.db"
    result = subprocess.run([PYTHON, "-m", "fieldtool", "demo", "--db", str(db), "--cities", "beijing", "--lots-per-cell", "1"],
                            capture_output=True, text=True, env=run_cli_env(), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    from fieldtool.storage import SqliteStore

    with SqliteStore.open_read_only(db) as store:
        finished = [i.id for i in store.inspections() if i.is_final]
    return db, finished[0]


def commands(db: Path, lot: str, out: Path) -> list[list[str]]:
    check = ["check", "--plan", "jjf1070-2005", "--nominal", "500", "--unit", "g", "--lot-size", "300", str(LOT)]
    return [
        check,
        [*check, "--json"],
        ["check", "--plan", "jjf1070-2005", "--nominal", "500", "--unit", "g", "--lot-size", "300", str(out / "none.txt")],
        ["plans", "list"],
        ["plans", "show", "jjf1070-2005"],
        ["programme", "list"],
        ["programme", "show", "cn-2012-net-content"],
        ["programme", "show", "cn-2012-net-content", "--lang", "zh"],
        ["locate"],
        ["verify", "--db", str(db)],
        ["export", "lots", "--db", str(db), "-o", "-"],
        ["review-state", lot, "--db", str(db)],
        ["report", "lot", lot, "-o", str(out / "lot.pdf"), "--db", str(db), "--lang", "zh"],
        ["report", "lot", "no-such-lot", "-o", str(out / "x.pdf"), "--db", str(db)],
        ["hub", "--help"],
        ["sync", "--db", str(db)],
        ["balance", "probe", "--port", "tcp://127.0.0.1:9"],
        ["demo", "--help"],
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030", "cp1252"])
def test_every_command_under_the_console_encoding(encoding: str, demo_db: tuple[Path, str], tmp_path: Path) -> None:
    db, lot = demo_db
    out = tmp_path / "out"
    out.mkdir()
    argvs = commands(db, lot, tmp_path)
    env = run_cli_env() | {"PYTHONIOENCODING": encoding}
    result = subprocess.run([PYTHON, "-c", DRIVER, encoding, str(out), json.dumps(argvs)], capture_output=True,
                            text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout.splitlines()[-1])
    texts = [((out / f"{k}.out").read_bytes() + (out / f"{k}.err").read_bytes()).decode(encoding) for k in range(len(argvs))]
    for argv, status, text in zip(argvs, statuses, texts, strict=True):
        assert status != "traceback" and "Traceback" not in text, (argv, text[-2000:])
        assert text.strip(), argv  # every command says something
    assert statuses[0] == statuses[1] == 1 or statuses[0] == statuses[1] == 0  # pass or fail: the lot's verdict
    assert statuses[2] == 2 and statuses[13] == 2  # a missing file, an unknown lot: one-line errors
    assert all(s == 0 for s in (statuses[3], statuses[4], statuses[5], statuses[6], statuses[8], statuses[14]))
    programme_zh = texts[7]
    if encoding != "cp1252":
        assert "北京" in programme_zh and "大米" in programme_zh  # Chinese intact where the encoding has it
    else:
        assert "?" in programme_zh  # and unreadable only where it has none
    if encoding in ("gbk", "cp1252"):
        # The symbols these encodings lack are written readably: the mean and λ in `check`.
        assert "lambda" in texts[0] or "λ" in texts[0]
        assert "\ufffd" not in texts[0]
    json.loads(texts[1])  # --json stays JSON in every encoding
