"""Settings: read strictly from config.toml, written back atomically as the same settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fieldtool.errors import InputError
from fieldtool.infra.config import Settings, load_settings, save_settings


def test_missing_file_gives_defaults_that_know_their_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "config.toml")
    assert settings == Settings(config_path=str(tmp_path / "config.toml"))


def test_saved_settings_read_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    chosen = replace(
        load_settings(path), lang="zh", theme="textual-light", balance_connection='serial:/dev/ttyUSB0?baud=2400&parity=E "x"',
        balance_protocol="sbi", balance_timeout=7.5,
    )
    assert save_settings(chosen) == path
    assert load_settings(path) == chosen
    assert 'balance_protocol = "sbi"' in path.read_text(encoding="utf-8")
    assert "db_path" not in path.read_text(encoding="utf-8")


def test_overrides_win_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('lang = "zh"\nbalance_timeout = 30\n', encoding="utf-8")
    settings = load_settings(path, lang="en", db_path="x.db")
    assert (settings.lang, settings.balance_timeout, settings.db_path) == ("en", 30.0, "x.db")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('balance_protocl = "sbi"', "unknown setting 'balance_protocl'"),
        ('balance_protocol = "sics"', "balance_protocol must be one of auto, mt-sics, sbi, and; got 'sics'"),
        ('balance_timeout = "20"', "balance_timeout must be a number"),
        ("balance_timeout = 0", "balance_timeout must be seconds between 0.5 and 600"),
        ("lang = 3", "lang must be a string"),
        ('lang = "fr"', "language must be en or zh"),
        ("lang = ", "cannot read settings"),
    ],
)
def test_a_bad_file_names_itself_and_the_key(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="config.toml") as info:
        load_settings(path)
    assert needle in str(info.value)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"lang = " + b"[" * 5000 + b"\n", "nested 5000 levels deep"),
        (b"balance_timeout = " + b"9" * 5000 + b"\n", "not valid TOML"),
        ("lang = 'zh'\n".encode("utf-16"), "UTF-16"),
        (b"\x00\xff\xfe binary", "cannot read settings"),
        (b"# padding\n" * 20000, "larger than"),
    ],
)
def test_a_hostile_file_is_one_line_naming_itself(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(InputError, match="config.toml: cannot read settings") as info:
        load_settings(path)
    message = str(info.value)
    assert needle in message and "\n" not in message and len(message) < 300


def test_settings_without_a_file_are_not_saved() -> None:
    with pytest.raises(InputError, match="no file"):
        save_settings(Settings())
