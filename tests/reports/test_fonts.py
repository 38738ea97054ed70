"""The reports' CJK font: the one fieldtool carries, embedded by default on any machine; ``--font``; the fallbacks.

Also: the bundled font has a glyph for every character the reports print (the report modules and
the shipped rule sets are scanned here, so a new symbol without a glyph fails), a report without an
embedded CJK font is refused unless it is a draft, and ``scripts/make_report_font.py`` reproduces
the committed font byte for byte (a maintainer's check: skipped without fontTools or the source).
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import subprocess
import sys
import tomllib
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from fieldtool.errors import InputError
from fieldtool.reports import fonts
from fieldtool.reports.fonts import (
    BUNDLED_FONT,
    BUNDLED_FONT_NAME,
    FALLBACK_FONT,
    FontChoice,
    find_cjk_font,
    require_embedded,
)
from fieldtool.reports.lot import render_lot_report
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_report import lot_report_data
from tests.conftest import PYTHON, run_cli_env

from .conftest import DemoLots, font_names, page_texts, squash

REPO = Path(__file__).resolve().parents[2]
FONT_DIR = BUNDLED_FONT.parent
SCRIPT = REPO / "scripts" / "make_report_font.py"
SYSTEM_WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

REPORT_SOURCES = (
    "fieldtool/reports/*.py",
    "fieldtool/core/*.py",
    "fieldtool/usecases/*.py",
    "fieldtool/sync/lot_verify.py",
    "fieldtool/sync/verify.py",
)
"""Modules whose strings can reach a report: the reports, the verdict's reasons, the use-cases, verification."""

DRAWN_OTHERWISE = {
    "\u0304": "the combining macron of q̄: lot_kit.markup draws q with an overline instead",
}
"""Characters the reports never hand to the font."""


@pytest.fixture(scope="module")
def data(services: Services, demo_lots: DemoLots):  # type: ignore[no-untyped-def]
    return lot_report_data(services, demo_lots.corrected)


@pytest.fixture
def no_system_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A machine without any font: the platform's font directories are one empty directory."""
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    monkeypatch.setattr(fonts, "default_search_dirs", lambda: [empty])
    return empty


def embedded_fonts(path: Path) -> dict[str, bool]:
    """BaseFont of every font the pages use -> whether its TrueType program is embedded (FontFile2)."""
    from pypdf import PdfReader

    found: dict[str, bool] = {}
    for page in PdfReader(str(path)).pages:
        resources: Any = page["/Resources"]
        for ref in resources.get_object()["/Font"].get_object().values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            found[str(font["/BaseFont"])] = descriptor is not None and "/FontFile2" in descriptor.get_object()
    return found


def cjk_fonts(path: Path) -> dict[str, bool]:
    """`embedded_fonts` less the base-14 Helvetica that reportlab names for tables and drawings (no CJK text)."""
    return {name: embedded for name, embedded in embedded_fonts(path).items() if name != "/Helvetica"}


# -- the bundled font is the default ---------------------------------------------------------------


def test_the_bundled_font_is_the_default_on_a_machine_without_fonts(no_system_fonts: Path) -> None:
    notices: list[str] = []
    choice = find_cjk_font(notify=notices.append)
    assert choice.path == BUNDLED_FONT and choice.name == BUNDLED_FONT_NAME
    assert choice.bundled and choice.embedded and not choice.fell_back
    assert choice.notice is None and notices == []


def test_the_bundled_font_ships_with_its_licence_and_notice() -> None:
    notice = (FONT_DIR / "NOTICE").read_text(encoding="utf-8")
    licence = (FONT_DIR / "LICENSE-Apache-2.0.txt").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence
    digest = hashlib.sha256(BUNDLED_FONT.read_bytes()).hexdigest()
    assert digest in notice, "font/NOTICE records the SHA-256 of the font it describes"
    assert "WenQuanYi Micro Hei" in notice and "make_report_font.py" in notice
    assert BUNDLED_FONT.stat().st_size < 3_000_000


def gb2312() -> set[str]:
    """Every character of GB 2312."""
    chars: set[str] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def source_strings(path: Path) -> Iterator[str]:
    """The string literals of a module that can reach output: docstrings and bare string statements left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bare = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in bare:
            yield node.value


def toml_strings(value: object) -> Iterator[str]:
    """Every string (keys too) in a parsed TOML document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from toml_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from toml_strings(item)


def printable(ch: str) -> bool:
    """Beyond ASCII and drawn: control and format characters (DEL, C1, zero-width) are tested for, never printed."""
    return ord(ch) > 0x7E and not unicodedata.category(ch).startswith("C")


def report_characters() -> dict[str, str]:
    """Each printable non-ASCII character in the strings of the report modules and the rule sets -> a file using it."""
    found: dict[str, str] = {}
    files = sorted({p for pattern in REPORT_SOURCES for p in REPO.glob(pattern)})
    assert len(files) > 20, files
    for file in files:
        for text in source_strings(file):
            for ch in text:
                if printable(ch):
                    found.setdefault(ch, str(file.relative_to(REPO)))
    plans = sorted((REPO / "sampling_plans").rglob("*.toml"))
    assert plans
    for file in plans:
        for text in toml_strings(tomllib.loads(file.read_text(encoding="utf-8"))):
            for ch in text:
                if printable(ch):
                    found.setdefault(ch, str(file.relative_to(REPO)))
    return found


def test_the_bundled_font_has_a_glyph_for_every_character_the_reports_print() -> None:
    # Read by reportlab, as the reports read it (fontTools is not needed at run time).
    cmap = TTFont("probe", str(BUNDLED_FONT)).face.charToGlyph
    level_1 = {bytes((row, cell)).decode("gb2312") for row in range(0xB0, 0xD8) for cell in range(0xA1, 0xFF)
               if (row, cell) < (0xD7, 0xFA)}
    assert len(level_1) == 3755 and "鑫" in gb2312() - level_1
    missing_gb = sorted(ch for ch in gb2312() if ord(ch) not in cmap)
    assert not missing_gb, f"GB 2312 characters without a glyph: {''.join(missing_gb[:40])}"
    latin = [chr(c) for c in [*range(0x20, 0x7F), *range(0xA0, 0x100)] if c not in cmap]
    assert not latin, f"ASCII/Latin-1 without a glyph: {latin}"
    used = report_characters()
    assert {"−", "×", "≤", "λ", "定", "℮"} <= used.keys(), "the scan finds the reports' characters"
    missing = {ch: where for ch, where in used.items() if ord(ch) not in cmap and ch not in DRAWN_OTHERWISE}
    assert not missing, "no glyph in the bundled font for " + "; ".join(
        f"U+{ord(ch):04X} {unicodedata.name(ch, '?')} ({where})" for ch, where in sorted(missing.items())
    ) + ": add them to EXTRA in scripts/make_report_font.py and remake the font"


# -- reports embed it --------------------------------------------------------------------------------


def test_a_lot_report_embeds_the_bundled_font_with_no_system_font(data, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                  no_system_fonts: Path) -> None:
    path = tmp_path / "r.pdf"
    render_lot_report(data, path)  # no font given: the report chooses
    found = cjk_fonts(path)
    assert found and all(name.endswith(f"+{BUNDLED_FONT_NAME}") for name in found), found
    assert all(found.values()), f"the TrueType program is embedded (FontFile2): {found}"
    assert "定量包装商品净含量计量检验报告" in squash(page_texts(path)[0])


def test_the_same_data_gives_the_same_bytes_wherever_fieldtool_is_installed(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path / "Program Files" / "fieldtool" / "font" / BUNDLED_FONT.name
    elsewhere.parent.mkdir(parents=True)
    shutil.copyfile(BUNDLED_FONT, elsewhere)
    moved = find_cjk_font(bundled=elsewhere)
    assert moved.path == elsewhere and moved.name == BUNDLED_FONT_NAME
    render_lot_report(data, tmp_path / "there.pdf", font=moved)
    render_lot_report(data, tmp_path / "here.pdf", font=find_cjk_font())
    assert (tmp_path / "there.pdf").read_bytes() == (tmp_path / "here.pdf").read_bytes()


def test_the_cli_embeds_the_bundled_font_and_never_loads_fonttools(demo_lots: DemoLots, tmp_path: Path) -> None:
    out = tmp_path / "lot.pdf"
    # The real command, with fontTools made unimportable: it is a maintainer's tool, not a dependency.
    code = ("import sys; sys.modules['fontTools'] = None; from fieldtool.cli.main import main; "
            "raise SystemExit(main(sys.argv[1:]))")
    result = subprocess.run(
        [PYTHON, "-c", code, "report", "lot", demo_lots.corrected, "-o", str(out), "--db", str(demo_lots.db)],
        check=False, capture_output=True, text=True, env=run_cli_env(), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "no notice: the bundled font is used"
    found = cjk_fonts(out)
    assert found and all(name.endswith(f"+{BUNDLED_FONT_NAME}") and embedded for name, embedded in found.items())


# -- --font overrides -------------------------------------------------------------------------------------


def test_font_option_overrides_the_bundled_font(tmp_path: Path) -> None:
    mine = tmp_path / "my-font.ttf"
    shutil.copyfile(BUNDLED_FONT, mine)
    choice = find_cjk_font(mine)
    assert choice.path == mine and not choice.bundled and choice.embedded and choice.name != BUNDLED_FONT_NAME


def test_a_collection_subfont_can_be_chosen() -> None:
    if not SYSTEM_WQY.is_file():
        pytest.skip(f"{SYSTEM_WQY} (a TrueType collection, Debian's fonts-wqy-microhei) is not installed")
    first = find_cjk_font(SYSTEM_WQY)
    choice = find_cjk_font(Path(f"{SYSTEM_WQY}#1"))
    assert first.subfont_index == 0 and choice.subfont_index == 1 and choice.name != first.name


def test_font_option_with_a_file_that_is_not_a_font(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-font.ttf"
    bad.write_text("hello")
    with pytest.raises(InputError) as err:
        find_cjk_font(bad)
    message = str(err.value)
    assert message.startswith(f"font file {bad} is not a usable TrueType CJK font") and "\n" not in message


def test_font_option_with_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"font file .*nothing\.ttf does not exist"):
        find_cjk_font(tmp_path / "nothing.ttf")


def test_font_option_with_a_font_without_chinese() -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        pytest.skip("DejaVu Sans is not installed")
    with pytest.raises(InputError, match="no glyph for"):
        find_cjk_font(latin)


# -- a broken install: system fonts, then the built-in CID font --------------------------------------


def test_a_broken_bundled_font_falls_back_to_a_system_font_and_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "install" / BUNDLED_FONT.name
    broken.parent.mkdir()
    broken.write_bytes(b"\0" * 64)
    system = tmp_path / "fonts"
    (system / "sub").mkdir(parents=True)
    (system / "aaa-cjk-broken.ttf").write_text("not a font")
    known = system / "sub" / "NotoSansSC-Regular.ttf"  # a known name, preferred over other CJK-looking names
    shutil.copyfile(BUNDLED_FONT, known)
    notices: list[str] = []
    choice = find_cjk_font(search_dirs=[system], notify=notices.append, bundled=broken)
    assert choice.path == known and choice.embedded and not choice.bundled
    assert len(notices) == 1 and choice.notice == notices[0] and "\n" not in notices[0]
    assert str(broken) in notices[0] and "reinstall fieldtool" in notices[0] and str(known) in notices[0]


def test_no_font_at_all_falls_back_to_the_cid_font_once(tmp_path: Path, no_system_fonts: Path) -> None:
    notices: list[str] = []
    choice = find_cjk_font(notify=notices.append, bundled=tmp_path / "gone.ttf")
    assert choice == FontChoice(name=FALLBACK_FONT, path=None, fell_back=True, notice=notices[0])
    assert not choice.embedded and len(notices) == 1 and "\n" not in notices[0]
    assert FALLBACK_FONT in notices[0] and "is missing" in notices[0] and "reinstall fieldtool" in notices[0]


def test_require_embedded_refuses_the_cid_font_unless_draft(no_system_fonts: Path) -> None:
    fallback = find_cjk_font(bundled=False)
    with pytest.raises(InputError) as err:
        require_embedded(fallback, draft=False, what="lot report FT-1")
    message = str(err.value)
    assert message.startswith("lot report FT-1: no TrueType CJK font to embed") and "\n" not in message
    assert "reinstall fieldtool" in message and "--font PATH" in message
    require_embedded(fallback, draft=True, what="lot report FT-1")
    require_embedded(find_cjk_font(), draft=False, what="lot report FT-1")


def test_a_lot_report_without_a_cjk_font_is_refused_unless_draft(data, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                 no_system_fonts: Path) -> None:
    notices: list[str] = []
    fallback = find_cjk_font(notify=notices.append, bundled=False)
    assert fallback.fell_back and data.is_final
    final = tmp_path / "final.pdf"
    with pytest.raises(InputError, match="no TrueType CJK font to embed"):
        render_lot_report(data, final, lang="both", font=fallback)
    assert not final.exists()
    draft = tmp_path / "draft.pdf"
    pages = render_lot_report(data, draft, lang="both", font=fallback, draft=True)
    assert len(notices) == 1, "rendering with the chosen font does not report again"
    assert any(FALLBACK_FONT in n for n in font_names(draft))
    texts = page_texts(draft)
    assert len(texts) == pages and "定量包装商品净含量计量检验报告" in squash(texts[0])


BROKEN_INSTALL = """\
import sys
from pathlib import Path
import fieldtool.reports.fonts as fonts
fonts.BUNDLED_FONT = Path(sys.argv[1])
fonts.default_search_dirs = lambda: [Path(sys.argv[2])]
from fieldtool.cli.main import main
raise SystemExit(main(sys.argv[3:]))
"""
"""The real CLI on a machine with no CJK font at all and a broken install (the bundled file gone)."""


def test_the_cli_refuses_a_lot_report_without_a_cjk_font_unless_draft(demo_lots: DemoLots, tmp_path: Path) -> None:
    empty = tmp_path / "no-fonts"
    empty.mkdir()

    def report(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, "-c", BROKEN_INSTALL, str(tmp_path / "gone.ttf"), str(empty), "report", "lot", *extra,
             "--db", str(demo_lots.db)],
            check=False, capture_output=True, text=True, env=run_cli_env(), timeout=120,
        )

    refused = report(demo_lots.corrected, "-o", str(tmp_path / "final.pdf"))
    assert refused.returncode == 2, refused
    error = refused.stderr.strip().splitlines()[-1]
    assert error.startswith("fieldtool: ") and "no TrueType CJK font to embed" in error and "--font" in error
    assert "Traceback" not in refused.stderr and not (tmp_path / "final.pdf").exists()
    drafted = report(demo_lots.corrected, "--draft", "-o", str(tmp_path / "draft.pdf"))
    assert drafted.returncode == 0, drafted.stderr
    assert FALLBACK_FONT in drafted.stderr, "the fallback is reported"
    assert any(FALLBACK_FONT in n for n in font_names(tmp_path / "draft.pdf"))


# -- the script that makes the font (maintainers) ------------------------------------------------------


def test_the_script_reproduces_the_committed_font(tmp_path: Path) -> None:
    fonttools = pytest.importorskip("fontTools", reason="fontTools is a maintainer's tool (pip install fonttools)")
    script_text = SCRIPT.read_text(encoding="utf-8")
    if f'FONTTOOLS_VERSION = "{fonttools.version}"' not in script_text:
        pytest.skip(f"fontTools {fonttools.version} is not the version the font was made with (see the script)")
    if not SYSTEM_WQY.is_file():
        pytest.skip(f"the source font {SYSTEM_WQY} is not installed (apt-get install fonts-wqy-microhei)")
    source_sha = hashlib.sha256(SYSTEM_WQY.read_bytes()).hexdigest()
    if source_sha not in (FONT_DIR / "NOTICE").read_text(encoding="utf-8"):
        pytest.skip(f"{SYSTEM_WQY} is another version than the font was made from (sha256 {source_sha})")
    out = tmp_path / "made.ttf"
    result = subprocess.run([sys.executable, str(SCRIPT), "--output", str(out)], check=False, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == BUNDLED_FONT.read_bytes(), "scripts/make_report_font.py no longer makes the committed font"
