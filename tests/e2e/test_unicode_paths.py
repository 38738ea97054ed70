"""Paths as inspectors' laptops have them: home, data, config and report directories with Chinese characters and spaces.

A Windows user's documents live in ``C:\\Users\\张三\\Documents``; a USB stick is mounted at a path with
spaces. Every command here runs in a fresh interpreter whose HOME and XDG directories are such paths:
the demo is built there, reports and exports are written there, and `locate` names them back.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldtool.storage import SqliteStore
from tests.conftest import run_cli_env

PYTHON = sys.executable


@pytest.mark.slow
def test_demo_report_export_and_verify_under_chinese_paths_with_spaces(tmp_path: Path) -> None:
    home = tmp_path / "Users" / "张三 的 电脑"
    usb = tmp_path / "media" / "U 盘 (E)" / "检验 数据"
    env = run_cli_env() | {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "应用 数据"),
        "XDG_CONFIG_HOME": str(home / "配置 文件"),
        "XDG_CACHE_HOME": str(home / "缓存"),
    }
    home.mkdir(parents=True)
    usb.mkdir(parents=True)

    def fieldtool(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([PYTHON, "-m", "fieldtool", *args], capture_output=True, text=True, env=env,
                                timeout=300, check=False)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
        return result

    db = usb / "南京 抽查.db"
    fieldtool("demo", "--db", str(db), "--cities", "nanjing")
    with SqliteStore.open_read_only(db) as store:
        lot = next(i.id for i in store.inspections() if i.is_final)
    located = fieldtool("locate").stdout
    assert str(home / "应用 数据") in located and str(home / "配置 文件") in located

    report = usb / "报告 目录" / "检验报告 第1号.pdf"
    report.parent.mkdir()
    fieldtool("report", "lot", lot, "-o", str(report), "--db", str(db), "--lang", "zh")
    assert report.read_bytes()[:5] == b"%PDF-"
    fieldtool("report", "sampling-form", lot, "-o", str(usb / "抽样单 1.pdf"), "--db", str(db))
    assert (usb / "抽样单 1.pdf").stat().st_size > 1000

    exported = usb / "导出 数据"
    fieldtool("export", "--format", "csv", "-o", str(exported), "--db", str(db))
    assert sorted(p.name for p in exported.iterdir()) == ["lots.csv", "measurements.csv"]
    assert "南京" in (exported / "lots.csv").read_text(encoding="utf-8")
    assert "OK" in fieldtool("verify", "--db", str(db)).stdout
    # Nothing was written outside the directories given (the home holds the device key and the config).
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert written <= {"Users", "media"}, written


@pytest.mark.skipif(os.name != "posix", reason="the encoding of file names is the platform's on Windows")
def test_a_path_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    """A file name from an old GBK-encoded USB stick reaches Linux as undecodable bytes (surrogate escapes)."""
    odd = os.fsdecode(bytes(tmp_path) + b"/\xd5\xc5\xc8\xfd.db")  # 张三 in GBK, not UTF-8
    result = subprocess.run([PYTHON, "-m", "fieldtool", "verify", "--db", odd], capture_output=True, text=True,
                            env=run_cli_env(), timeout=120, check=False, errors="replace")
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
