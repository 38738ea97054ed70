"""Provides the CJK font of the reports: the one fieldtool carries, a ``--font``, or a fallback.

Chinese text must render in every common viewer, and the same data must give the same PDF bytes on
Linux, Windows and macOS, so a report embeds (a subset of) the TrueType CJK font that the package
itself carries: ``font/wqy-microhei-gb2312.ttf``, WenQuanYi Micro Hei cut to GB 2312 and the
symbols the reports print (Apache-2.0; ``font/NOTICE`` says where it comes from and how
``scripts/make_report_font.py`` makes it). ``--font`` overrides it. Only when the bundled file is
missing or broken (a broken install) are the platform's fonts searched, and only when none of those
will do is reportlab's built-in Adobe CID font ``STSong-Light`` used, which is not embedded and
relies on the viewer's Asian font pack; the caller is told so once, through ``FontChoice.notice``
and the optional ``notify`` callback. ``require_embedded`` refuses such a font for an issued report.

API (stable; the lot report and the programme summary both use it):

``find_cjk_font(explicit=None, *, search_dirs=None, notify=None, bundled=True) -> FontChoice``
    ``explicit`` is the ``--font PATH`` of the CLI: it must be a usable TrueType font (``.ttf``,
    ``.ttc`` with subfont 0, or ``PATH#N`` for subfont N of a collection) that has Chinese glyphs,
    else ``InputError`` naming the file. Without it, ``BUNDLED_FONT`` is used (``bundled``: another
    file in its place, or False to do without it). When that is missing or broken, the platform's
    font directories (or ``search_dirs``, which tests point at an empty directory) are searched for
    the fonts in ``KNOWN_FONT_FILES``, in that order of preference, then for any other file whose
    name looks like a CJK font; the first that loads and has Chinese glyphs is registered. When none does,
    ``STSong-Light`` is registered. Whenever the bundled font was wanted but not used,
    ``notify(notice)`` is called once.

``FontChoice``: ``name`` (the reportlab font name to use in styles; also registered as a font
family, so ``<b>`` in paragraphs keeps the same font), ``path`` (``None`` for the fallback),
``subfont_index``, ``fell_back`` (True: not embedded), ``notice``; properties ``embedded`` and
``bundled``.

``require_embedded(choice, draft, what)``: ``InputError`` (one line, saying how to fix it) when
``choice`` fell back to the non-embedded CID font and the report is not a draft.

``BUNDLED_FONT``: the font file the package carries. ``FALLBACK_FONT``: the name of the built-in
CID font, registered through a subclass that replaces the few characters its viewers commonly lack
(− · ² and the no-break space) with ones they have.

``default_search_dirs() -> list[Path]``: the directories searched on this platform.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from fieldtool.errors import InputError

FALLBACK_FONT = "STSong-Light"
"""reportlab's built-in Adobe CID font for simplified Chinese (not embedded)."""

BUNDLED_FONT = Path(__file__).resolve().with_name("font") / "wqy-microhei-gb2312.ttf"
"""The TrueType CJK font the package carries (a GB 2312 subset of WenQuanYi Micro Hei; see font/NOTICE)."""

BUNDLED_FONT_NAME = "WenQuanYiMicroHei"
"""The reportlab name of the bundled font (a report's PDF names it ``ABCDEF+WenQuanYiMicroHei``)."""

KNOWN_FONT_FILES: tuple[str, ...] = (
    # Windows
    "msyh.ttc",
    "msyh.ttf",
    "simhei.ttf",
    "simsun.ttc",
    "simsun.ttf",
    "simkai.ttf",
    "simfang.ttf",
    # Linux
    "NotoSansCJKsc-Regular.ttf",
    "NotoSansSC-Regular.ttf",
    "NotoSansCJK-Regular.ttf",
    "NotoSerifCJKsc-Regular.ttf",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "uming.ttc",
    "ukai.ttc",
    "gbsn00lp.ttf",
    "gkai00mp.ttf",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallback.ttf",
    # macOS
    "STHeiti Medium.ttc",
    "STHeiti Light.ttc",
    "Hiragino Sans GB.ttc",
    "Songti.ttc",
    "PingFang.ttc",
    "Arial Unicode.ttf",
)
"""Font files known to carry simplified Chinese, in order of preference (formal, sans first)."""

_CJK_NAME = re.compile(r"(cjk|sc|gb|hei|song|sun|kai|fang|ming|wqy|yahei|droidsansfallback|pingfang|heiti)",
                       re.IGNORECASE)
_PROBE = "定量包装商品净含量检验报告"
"""Characters a usable font must have (the report title)."""


@dataclass(frozen=True)
class FontChoice:
    """The font a report is set in."""

    name: str
    """Registered reportlab font name (and font-family name) to use in paragraph and canvas styles."""
    path: Path | None
    """The TrueType file embedded, or None when the built-in CID font is used."""
    subfont_index: int = 0
    """Index of the font in a TrueType collection (.ttc); 0 for a plain .ttf."""
    fell_back: bool = False
    """True when no TrueType CJK font was found and ``STSong-Light`` is used: nothing is embedded."""
    notice: str | None = None
    """The one-line message shown to the user when the bundled font was wanted but not used; None otherwise."""

    @property
    def embedded(self) -> bool:
        """True when the report embeds this font (a TrueType file), False for ``STSong-Light``."""
        return not self.fell_back

    @property
    def bundled(self) -> bool:
        """True when this is the font the package carries (the same PDF bytes on every machine)."""
        return self.path is not None and self.path == BUNDLED_FONT


def default_search_dirs() -> list[Path]:
    """The font directories of this platform, system first, then the user's.

    Returns:
        Existing and non-existing directories; the search skips those that do not exist.
    """
    home = Path.home()
    if sys.platform.startswith("win"):
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        dirs = [windir / "Fonts"]
        local = os.environ.get("LOCALAPPDATA")
        if local:
            dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
        return dirs
    if sys.platform == "darwin":
        return [
            Path("/System/Library/Fonts"),
            Path("/System/Library/Fonts/Supplemental"),
            Path("/Library/Fonts"),
            home / "Library" / "Fonts",
        ]
    dirs = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
    data_home = os.environ.get("XDG_DATA_HOME")
    dirs.append(Path(data_home) / "fonts" if data_home else home / ".local" / "share" / "fonts")
    dirs.append(home / ".fonts")
    return dirs


def find_cjk_font(
    explicit: Path | None = None,
    *,
    search_dirs: Sequence[Path] | None = None,
    notify: Callable[[str], None] | None = None,
    bundled: Path | bool = True,
) -> FontChoice:
    """Find, register and return the CJK font for a report.

    Args:
        explicit: A font file chosen by the user (``--font``); ``name.ttc#1`` picks subfont 1.
        search_dirs: Directories to search, when the bundled font cannot be used, instead of
            ``default_search_dirs()``.
        notify: Called once with a one-line notice when the bundled font was wanted but not used.
        bundled: True for the font the package carries (``BUNDLED_FONT``, looked up when called),
            False to do without it (as a broken install would), or another file in its place.

    Returns:
        The registered font.

    Raises:
        InputError: ``explicit`` is missing, not a TrueType font, or has no Chinese glyphs.
    """
    if explicit is not None:
        path, index = _split_subfont(Path(explicit))
        if not path.is_file():
            raise InputError(f"font file {path} does not exist")
        problem = _try_register(path, index)
        if isinstance(problem, str):
            raise InputError(f"font file {path} is not a usable TrueType CJK font: {problem}")
        return problem
    own_file = BUNDLED_FONT if bundled is True else bundled
    if isinstance(own_file, Path):
        own = _try_register(own_file, 0, BUNDLED_FONT_NAME)
        if isinstance(own, FontChoice):
            return own
        state = f"is not usable ({own})" if own_file.is_file() else "is missing"
        broken = f"the font fieldtool carries, {own_file}, {state} (reinstall fieldtool)"
    else:
        broken = "the font fieldtool carries is not used"
    dirs = list(search_dirs) if search_dirs is not None else default_search_dirs()
    for candidate in _candidates(dirs):
        choice = _try_register(candidate, 0)
        if isinstance(choice, FontChoice):
            notice = f"{broken}; using {candidate} instead, so the PDF may differ from one machine to another"
            if notify is not None:
                notify(notice)
            return FontChoice(name=choice.name, path=choice.path, subfont_index=choice.subfont_index, notice=notice)
    pdfmetrics.registerFont(_FallbackCIDFont(FALLBACK_FONT))
    _register_family(FALLBACK_FONT)
    notice = (f"{broken} and no other TrueType CJK font was found; using the built-in {FALLBACK_FONT}, "
              "which is not embedded (drafts only; or pass --font PATH)")
    if notify is not None:
        notify(notice)
    return FontChoice(name=FALLBACK_FONT, path=None, fell_back=True, notice=notice)


def require_embedded(choice: FontChoice, draft: bool, what: str) -> None:
    """Refuse a font that would not be embedded, unless the report is a draft.

    An issued or final report always embeds its CJK font: ``STSong-Light`` is drawn by whatever
    Asian font pack the reader's viewer has, if any, so the document would not be the same
    everywhere.

    Args:
        choice: The font from `find_cjk_font`.
        draft: True when the report is marked DRAFT (``--draft``, or an unfinished inspection).
        what: What is being made, for the message, e.g. ``"lot report of 3f2c…"``.

    Raises:
        InputError: ``choice`` fell back and ``draft`` is False.
    """
    if choice.fell_back and not draft:
        raise InputError(
            f"{what}: no TrueType CJK font to embed (the font fieldtool carries is missing or broken): reinstall "
            f"fieldtool or pass --font PATH (only a draft may use the built-in {FALLBACK_FONT}, which is not embedded)"
        )


_CID_SUBSTITUTES = str.maketrans({"\u2212": "-", "\u00b7": "\u00d7", "\u00b2": "^2", "\u00a0": " ", "\u0304": ""})
"""Characters that the GB1 CID font's viewers commonly lack (minus, middle dot, ², no-break space, combining
macron), replaced by ones they have."""


class _FallbackCIDFont(UnicodeCIDFont):  # type: ignore[misc]
    """``STSong-Light`` with the few characters it commonly lacks replaced (measured and written alike)."""

    def formatForPdf(self, text: str | bytes) -> bytes:
        return super().formatForPdf(_cid_text(text))  # type: ignore[no-any-return]

    def stringWidth(self, text: str | bytes, size: float, encoding: str | None = None) -> float:
        return super().stringWidth(_cid_text(text), size, encoding)  # type: ignore[no-any-return]


def _cid_text(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return text.translate(_CID_SUBSTITUTES)


def _split_subfont(path: Path) -> tuple[Path, int]:
    """Split ``file.ttc#2`` into the file and the subfont index."""
    text = str(path)
    head, sep, tail = text.rpartition("#")
    if sep and tail.isdigit() and not path.is_file():
        return Path(head), int(tail)
    return path, 0


def _candidates(dirs: Iterable[Path]) -> list[Path]:
    """Font files under ``dirs``: known files in order of preference, then other CJK-looking names."""
    found: dict[str, list[Path]] = {}
    others: list[Path] = []
    known = {name.lower(): rank for rank, name in enumerate(KNOWN_FONT_FILES)}
    for base in dirs:
        if not base.is_dir():
            continue
        try:
            files = sorted(p for p in base.rglob("*") if p.suffix.lower() in (".ttf", ".ttc"))
        except OSError:
            continue
        for file in files:
            if file.name.lower() in known:
                found.setdefault(file.name.lower(), []).append(file)
            elif _CJK_NAME.search(file.stem):
                others.append(file)
    ordered = [p for name in sorted(found, key=known.__getitem__) for p in found[name]]
    return ordered + others


def _font_name(path: Path, index: int) -> str:
    """A stable reportlab font name for a file and subfont (it becomes the PDF's BaseFont)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "", path.stem) or "CJK"
    return f"{stem}-{index}" if index else stem


def _try_register(path: Path, index: int, name: str | None = None) -> FontChoice | str:
    """Register ``path`` as a TrueType font with Chinese glyphs, or say why it cannot be used."""
    name = name or _font_name(path, index)
    try:
        existing = pdfmetrics.getFont(name)
    except KeyError:
        existing = None
    if isinstance(existing, TTFont) and Path(existing.face.filename) == path:
        return FontChoice(name=name, path=path, subfont_index=index)
    try:
        font = TTFont(name, str(path), subfontIndex=index)
    except (TTFError, OSError, ValueError, KeyError, IndexError, AssertionError) as err:
        return str(err).splitlines()[0] if str(err) else type(err).__name__
    missing = [ch for ch in _PROBE if ord(ch) not in font.face.charToGlyph]
    if missing:
        return f"no glyph for {''.join(missing[:3])}"
    pdfmetrics.registerFont(font)
    _register_family(name)
    return FontChoice(name=name, path=path, subfont_index=index)


def _register_family(name: str) -> None:
    """Map bold and italic of ``name`` to itself, so paragraph markup never switches font."""
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(name, bold, italic, name)
