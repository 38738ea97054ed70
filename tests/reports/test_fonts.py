"""The reports' CJK font: found and embedded, a one-line error for a bad --font, the fallback reported once."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldtool.errors import InputError
from fieldtool.reports.fonts import FALLBACK_FONT, FontChoice, find_cjk_font
from fieldtool.reports.lot import render_lot_report
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_report import lot_report_data

from .conftest import DemoLots, font_names, page_texts, squash

SYSTEM_FONT = find_cjk_font()
needs_ttf = pytest.mark.skipif(
    SYSTEM_FONT.fell_back, reason="no TrueType CJK font on this machine (CI installs fonts-wqy-microhei)"
)


@pytest.fixture(scope="module")
def data(services: Services, demo_lots: DemoLots):  # type: ignore[no-untyped-def]
    return lot_report_data(services, demo_lots.corrected)


@needs_ttf
def test_a_system_truetype_font_is_found() -> None:
    assert SYSTEM_FONT.path is not None and SYSTEM_FONT.path.is_file()
    assert not SYSTEM_FONT.fell_back and SYSTEM_FONT.notice is None


@needs_ttf
def test_the_truetype_font_is_embedded(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.pdf"
    render_lot_report(data, path, font=SYSTEM_FONT)
    names = font_names(path)
    embedded = {n for n in names if n.startswith("/TrueType:")}
    assert embedded, names
    # a subset (ABCDEF+Name) of the chosen font
    assert all("+" in n for n in embedded)
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    files = [f.get_object()["/FontDescriptor"].get_object().get("/FontFile2") for f in fonts.values()
             if f.get_object()["/Subtype"] == "/TrueType"]
    assert files and all(f is not None for f in files), "the TrueType program is embedded (FontFile2)"


@needs_ttf
def test_explicit_font_path_is_used() -> None:
    assert SYSTEM_FONT.path is not None
    choice = find_cjk_font(SYSTEM_FONT.path)
    assert choice.path == SYSTEM_FONT.path and not choice.fell_back


@needs_ttf
def test_a_collection_subfont_can_be_chosen() -> None:
    assert SYSTEM_FONT.path is not None
    if SYSTEM_FONT.path.suffix.lower() != ".ttc":
        pytest.skip("the system CJK font is not a collection")
    choice = find_cjk_font(Path(f"{SYSTEM_FONT.path}#1"))
    assert choice.subfont_index == 1 and choice.name != SYSTEM_FONT.name


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


@needs_ttf
def test_search_prefers_a_known_font_over_other_names(tmp_path: Path) -> None:
    assert SYSTEM_FONT.path is not None
    (tmp_path / "aaa-cjk-broken.ttf").write_text("not a font")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / SYSTEM_FONT.path.name).symlink_to(SYSTEM_FONT.path)
    choice = find_cjk_font(search_dirs=[tmp_path])
    assert choice.path == tmp_path / "sub" / SYSTEM_FONT.path.name


def test_fallback_is_reported_once_and_renders(data, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "fonts"
    empty.mkdir()
    notices: list[str] = []
    choice = find_cjk_font(search_dirs=[empty], notify=notices.append)
    assert choice == FontChoice(name=FALLBACK_FONT, path=None, fell_back=True, notice=notices[0])
    assert len(notices) == 1 and FALLBACK_FONT in notices[0] and "\n" not in notices[0]
    path = tmp_path / "r.pdf"
    pages = render_lot_report(data, path, lang="both", font=choice)
    assert len(notices) == 1, "rendering with the chosen font does not report again"
    assert any(FALLBACK_FONT in n for n in font_names(path))
    texts = page_texts(path)
    assert len(texts) == pages and "定量包装商品净含量计量检验报告" in squash(texts[0])
