"""End-to-end tests of `fieldtool check`, `plans`, `locate`: the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import PYTHON, REPO, run_cli_env

EXAMPLE = REPO / "examples" / "rice-500g-lot300.txt"


def fieldtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "fieldtool", *args], input=stdin, capture_output=True, text=True, env=run_cli_env(), timeout=60
    )


def check_args(lot_size: int = 300, nominal: str = "500", unit: str = "g", plan: str = "jjf1070-2005") -> list[str]:
    return ["check", "--plan", plan, "--nominal", nominal, "--unit", unit, "--lot-size", str(lot_size)]


def lines(*values: str) -> str:
    return "\n".join(values) + "\n"


def test_example_lot_passes_and_shows_the_arithmetic() -> None:
    result = fieldtool(*check_args(), str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "T = 15.0 g" in out and "Qn − T = 485.0 g" in out and "Qn − 2T = 470.0 g" in out
    assert "λ = 0.379" in out
    assert out.rstrip().splitlines()[-1].startswith("Verdict") and "PASS" in out


def test_json_has_every_promised_field_and_recomputes() -> None:
    result = fieldtool(*check_args(), "--json", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    r = json.loads(result.stdout)
    for key in ("plan", "nominal", "unit", "lot_size", "sample_size", "tne", "lambda", "mean", "stdev", "mean_limit",
                "t1_count", "t2_count", "t1_allowed", "t2_allowed", "mean_ok", "verdict", "reasons", "samples"):
        assert key in r, key
    assert (r["plan"], r["nominal"], r["unit"], r["lot_size"], r["sample_size"]) == ("jjf1070-2005", "500", "g", 300, 50)
    assert (r["t1_allowed"], r["t2_allowed"], r["lambda"], r["tne"]) == (3, 0, "0.379", "15.0")
    nets = [Decimal(line) for line in EXAMPLE.read_text().splitlines() if line and not line.startswith("#")]
    assert [Decimal(s["net"]) for s in r["samples"]] == nets
    mean = sum(nets) / len(nets)
    assert abs(Decimal(r["mean"]) - mean) < Decimal("0.0001")
    var = sum((x - mean) ** 2 for x in nets) / (len(nets) - 1)
    assert abs(Decimal(r["stdev"]) - var.sqrt()) < Decimal("0.0001")
    assert abs(Decimal(r["mean_limit"]) - (Decimal(500) - Decimal("0.379") * var.sqrt())) < Decimal("0.0001")
    assert r["verdict"] == "pass" and r["mean_ok"] is True and r["reasons"] == []


def test_failing_lot_exits_1_and_names_the_criterion() -> None:
    # 50 packages: 46 at 500 g, 4 T1 packages (d = 20 g; T = 15 g): the T1 count 4 exceeds 3.
    values = ["500"] * 46 + ["480"] * 4
    result = fieldtool(*check_args(), "--json", "-", stdin=lines(*values))
    assert result.returncode == 1
    r = json.loads(result.stdout)
    assert r["verdict"] == "fail" and r["t1_count"] == 4
    assert [x["criterion"] for x in r["reasons"]] == ["defectives"]
    assert r["reasons"][0]["excess"] == "1"


def test_package_beyond_2t_fails_with_text_reason() -> None:
    values = ["500"] * 49 + ["469.9"]
    result = fieldtool(*check_args(), "-", stdin=lines(*values))
    assert result.returncode == 1
    assert "1 packages short by more than 2T = 30.0 g" in result.stdout


def test_kg_lot_quantities_stay_in_kg() -> None:
    values = ["5.000"] * 50
    result = fieldtool(*check_args(nominal="5", unit="kg"), "--json", "-", stdin=lines(*values))
    r = json.loads(result.stdout)
    assert r["tne"] == "0.075" and r["qn_minus_2t"] == "4.850" and r["unit"] == "kg"


def test_csv_with_net_column(tmp_path: Path) -> None:
    csv = tmp_path / "lot.csv"
    csv.write_text("index,gross,net\n" + "".join(f"{i},520.0,500.{i % 10}\n" for i in range(1, 51)))
    result = fieldtool(*check_args(), "--json", str(csv))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["samples"][2]["net"] == "500.3"


def test_eu_second_sample_needed_exits_3_then_cumulative_decides() -> None:
    first = ["500"] * 28 + ["480", "480"]  # 2 defectives: between accept 1 and reject 3
    r1 = fieldtool(*check_args(plan="eu-76-211"), "--json", "-", stdin=lines(*first))
    assert r1.returncode == 3, r1.stderr
    assert json.loads(r1.stdout)["verdict"] == "second-sample-needed"
    both = first + ["500"] * 30
    r2 = fieldtool(*check_args(plan="eu-76-211"), "--json", "-", stdin=lines(*both))
    assert r2.returncode == 0 and json.loads(r2.stdout)["stage"] == 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (check_args(), lines(*(["500"] * 49)), "jjf1070-2005 needs 50 packages for a lot of 300; got 49"),
        (check_args(), "500\n49x.2\n", "stdin line 2: '49x.2' is not a number"),
        (check_args(plan="nope"), "500\n", "unknown rule set 'nope'"),
        (check_args(unit="oz"), "500\n", "unknown unit 'oz'"),
        (check_args(nominal="60000"), "500\n", "covers nominal mass quantities above 0 g to 50000 g; got 60000 g"),
        (check_args(lot_size=99, plan="oiml-r87-2016"), "500\n", "covers lots of 100 or more; got a lot of 99"),
        (["check", "--plan", "jjf1070-2005"], "", "check needs --nominal, --unit, --lot-size"),
        (check_args(lot_size=0), "", "lot size must be at least 1"),
        (["check", "--lot-size", "ten"], "", "argument --lot-size: 'ten' is not a number"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], stdin: str, message: str) -> None:
    result = fieldtool(*args, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_missing_file_is_one_line() -> None:
    result = fieldtool(*check_args(), "/nonexistent/lot.txt")
    assert result.returncode == 2 and "cannot read /nonexistent/lot.txt" in result.stderr


def test_batch_goes_on_after_a_bad_line(tmp_path: Path) -> None:
    good = {"plan": "jjf1070-2005", "nominal": "500", "unit": "g", "lot_size": 300, "net": ["500"] * 50}
    failing = {**good, "net": ["500"] * 49 + ["400"]}
    batch = tmp_path / "lots.jsonl"
    batch.write_text("\n".join([json.dumps(good), "{not json", json.dumps({**good, "net": ["500"] * 3}), json.dumps(failing)]) + "\n")
    result = fieldtool("check", "--batch", str(batch), "--json")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("verdict") for o in out] == ["pass", None, None, "fail"]
    assert "not valid JSON" in out[1]["error"] and out[1]["line"] == 2
    assert "needs 50 packages for a lot of 300; got 3" in out[2]["error"]
    assert result.returncode == 2  # the worst line: bad input


def test_plans_list_and_show_json() -> None:
    listed = json.loads(fieldtool("plans", "list", "--json").stdout)
    assert {p["id"] for p in listed} >= {"jjf1070-2005", "oiml-r87-2016", "eu-76-211"}
    shown = json.loads(fieldtool("plans", "show", "jjf1070-2005", "--json").stdout)
    rows = shown["plans"]["standard"]["rows"]
    assert [(r["lot_min"], r["n"], r["lambda"]) for r in rows][2] == (51, 13, "0.848")
    text = fieldtool("plans", "show", "eu-76-211").stdout
    assert "stage 1 n 30 accept ≤ 1 reject ≥ 3" in text


def test_locate_honours_db_and_xdg(isolated_home: Path) -> None:
    result = fieldtool("locate", "--json", "--db", "/tmp/x.db")
    places = json.loads(result.stdout)
    assert places["database"] == "/tmp/x.db"
    assert places["config"].startswith(str(isolated_home))


def test_user_rule_set_overrides_shipped(isolated_home: Path) -> None:
    rules_dir = isolated_home / "config" / "fieldtool" / "rules"
    rules_dir.mkdir(parents=True)
    text = (REPO / "sampling_plans/rules/jjf1070-2005.toml").read_text().replace("t1_allowed = 3,", "t1_allowed = 4,")
    (rules_dir / "jjf1070-2005.toml").write_text(text)
    values = ["500"] * 46 + ["480"] * 4
    result = fieldtool(*check_args(), "--json", "-", stdin=lines(*values))
    assert json.loads(result.stdout)["t1_allowed"] == 4 and result.returncode == 0


def test_broken_user_rule_file_is_one_line(isolated_home: Path) -> None:
    rules_dir = isolated_home / "config" / "fieldtool" / "rules"
    rules_dir.mkdir(parents=True)
    text = (REPO / "sampling_plans/rules/jjf1070-2005.toml").read_text().replace("lot_min = 51,", "lot_min = 52,")
    (rules_dir / "jjf1070-2005.toml").write_text(text)
    result = fieldtool(*check_args(), "-", stdin="500\n")
    assert result.returncode == 2
    assert "jjf1070-2005.toml: plans.standard.rows[2].lot_min: gap: the previous row ends at 50, this one starts at 52" in result.stderr


def test_check_does_not_import_textual_or_reportlab(tmp_path: Path) -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['fieldtool', 'check', '--plan', 'jjf1070-2005', '--nominal', '500', '--unit', 'g', '--lot-size', '3', sys.argv[1]]\n"
        "from fieldtool.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'reportlab', 'rich', 'numpy', 'sqlite_utils'})\n"
        "print('HEAVY', heavy)\n"
    )
    lot = tmp_path / "lot.txt"
    lot.write_text("500\n501\n499\n")
    result = subprocess.run([PYTHON, "-c", probe, str(lot)], capture_output=True, text=True, env=run_cli_env(), timeout=60)
    assert "Verdict" in result.stdout
    assert "HEAVY []" in result.stdout, result.stdout
