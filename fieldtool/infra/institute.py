"""Provides the issuing body of the reports (institute.toml): name, address, CMA number, telephone, seal and statements.

A report is issued by an accredited testing body (检验检测机构). Who that is is configuration, not
data: one small TOML file, ``institute.toml`` in the config directory (`institute_file`), or the file
the CLI is given with ``--institute FILE``. Every lot report and programme summary prints it on its
first page; when no file is configured the reports say so on the page ("issuing body not
configured") and never invent one.

The file (every key optional except the two names; unknown keys are refused)::

    name_zh = "某某市计量检定测试所"
    name_en = "Example City Institute of Metrology"
    address_zh = "某某市某某路 1 号"
    address_en = "1 Example Road, Example City"
    cma_certificate = "000000000000"
    telephone = "000-00000000"
    seal_note_zh = "检验检测专用章"
    seal_note_en = "inspection seal"
    statements_zh = ["本报告无检验检测专用章无效。", "..."]
    statements_en = ["This report is invalid without the inspection seal.", "..."]

Without ``statements_zh`` / ``statements_en`` the four standard statements of a CMA report are
used (`DEFAULT_STATEMENTS_ZH`, `DEFAULT_STATEMENTS_EN`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldtool.errors import InputError
from fieldtool.infra.bounded import read_file, read_toml
from fieldtool.infra.paths import config_dir

FILE_NAME = "institute.toml"
"""The issuing body's file in the config directory."""

_MAX_BYTES = 64 * 1024
"""A handful of lines; anything larger is not an institute file."""

DEFAULT_STATEMENTS_ZH: tuple[str, ...] = (
    "本报告无检验检测专用章无效。",
    "复制本报告未重新加盖检验检测专用章无效；部分复制本报告无效。",
    "对检验结果如有异议，应于收到本报告之日起十五日内向本机构提出。",
    "检验结果仅对被检批次负责。",
)
"""The standard statements of a CMA report, in Chinese."""

DEFAULT_STATEMENTS_EN: tuple[str, ...] = (
    "This report is invalid without the inspection seal.",
    "A copy is invalid unless the whole report is reproduced and sealed again; a partial copy is invalid.",
    "Objections to the results must reach this body within 15 days of receipt of this report.",
    "The results apply to the inspected lot only.",
)
"""The standard statements of a CMA report, in English."""

_TEXT_KEYS = ("name_zh", "name_en", "address_zh", "address_en", "cma_certificate", "telephone",
              "seal_note_zh", "seal_note_en")
_LIST_KEYS = ("statements_zh", "statements_en")


@dataclass(frozen=True)
class Institute:
    """The issuing body (检验检测机构) as the reports print it."""

    name_zh: str
    """Its name in Chinese, as on its CMA certificate."""
    name_en: str
    """Its name in English."""
    address_zh: str = ""
    """Its address in Chinese."""
    address_en: str = ""
    """Its address in English."""
    cma_certificate: str = ""
    """The number of its CMA certificate (资质认定证书编号)."""
    telephone: str = ""
    """Its telephone number."""
    seal_note_zh: str = "检验检测专用章"
    """What the box for the seal says, in Chinese."""
    seal_note_en: str = "inspection seal"
    """What the box for the seal says, in English."""
    statements_zh: tuple[str, ...] = DEFAULT_STATEMENTS_ZH
    """The statements printed on every report, in Chinese."""
    statements_en: tuple[str, ...] = DEFAULT_STATEMENTS_EN
    """The same statements in English (as many as in Chinese)."""
    path: str = ""
    """The file it was read from (for messages)."""


def institute_file() -> Path:
    """Where the issuing body's file is looked for when none is given: ``institute.toml`` in the config directory."""
    return config_dir() / FILE_NAME


def load_institute(path: Path) -> Institute:
    """Read and check an institute file.

    Args:
        path: the TOML file.

    Returns:
        The issuing body.

    Raises:
        InputError: the file cannot be read, is not TOML, has an unknown key, a key of the wrong type,
            no name, or statements in one language only or in different numbers (one line naming the
            file and the key).
    """
    what = f"institute file {path}"
    raw = read_file(path, _MAX_BYTES, what)  # DocumentError (an InputError): missing, unreadable, too large
    doc = read_toml(raw, what, max_bytes=_MAX_BYTES)
    unknown = sorted(set(doc) - set(_TEXT_KEYS) - set(_LIST_KEYS))
    if unknown:
        raise InputError(f"{what}: unknown key {unknown[0]!r}; known: {', '.join((*_TEXT_KEYS, *_LIST_KEYS))}")
    values: dict[str, Any] = {}
    for key in _TEXT_KEYS:
        if key in doc:
            value = doc[key]
            if not isinstance(value, str):
                raise InputError(f"{what}: {key} must be a string; got {type(value).__name__}")
            values[key] = value.strip()
    for key in ("name_zh", "name_en"):
        if not values.get(key):
            raise InputError(f"{what}: {key} is missing or empty (the issuing body's name)")
    for key in _LIST_KEYS:
        if key in doc:
            items = doc[key]
            if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
                raise InputError(f"{what}: {key} must be a list of non-empty strings")
            values[key] = tuple(s.strip() for s in items)
    if ("statements_zh" in values) != ("statements_en" in values):
        raise InputError(f"{what}: give statements_zh and statements_en together (one list per language)")
    if len(values.get("statements_zh", ())) != len(values.get("statements_en", ())):
        raise InputError(f"{what}: statements_zh and statements_en must hold as many statements each")
    return Institute(**values, path=str(path))


def find_institute(path: Path | None = None) -> Institute | None:
    """The issuing body: from ``path`` when given, else from `institute_file` when it exists, else None.

    Raises:
        InputError: ``path`` is given and missing, or the file found is invalid.
    """
    if path is not None:
        return load_institute(Path(path))
    default = institute_file()
    return load_institute(default) if default.is_file() else None


__all__ = [
    "DEFAULT_STATEMENTS_EN",
    "DEFAULT_STATEMENTS_ZH",
    "FILE_NAME",
    "Institute",
    "find_institute",
    "institute_file",
    "load_institute",
]
