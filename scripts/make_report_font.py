"""Makes the CJK font the reports carry: a GB 2312 subset of WenQuanYi Micro Hei (a maintainer's tool).

Reports embed a TrueType CJK font, and the same data must give the same PDF bytes on Linux,
Windows and macOS, so the package carries its own font instead of using whichever one a machine
has: ``fieldtool/reports/font/wqy-microhei-gb2312.ttf``. This script makes that file from the
first font of the collection in Debian's ``fonts-wqy-microhei`` package, reproducibly: run it twice
(or on another machine with the same source file and the same fontTools) and the output is the
same byte for byte; ``tests/reports/test_fonts.py`` checks that it reproduces the committed file.

What the subset keeps:

- every character of GB 2312 (its 6,763 hanzi and 682 symbols: full-width forms, CJK punctuation,
  Greek and Cyrillic, ① …, ≤ ≥ ± × ÷ ‰ ℃ and the like), ASCII and Latin-1;
- ``EXTRA``: the characters outside those that the reports print (− – — • ℮ …); a test scans the
  report modules and the shipped rule sets and fails for any character without a glyph, naming it;
- TrueType (glyf) outlines, horizontal metrics and the cmap. Dropped: hinting (fpgm, prep, cvt,
  gasp and the glyph programs), the layout tables (GSUB, GPOS, GDEF: reportlab does no shaping),
  vertical metrics, FontForge's FFTM, glyph names (post format 3) and the name records other than
  copyright, family, style, unique id, full name, version, PostScript name and licence (Windows,
  English). The version string says that this is a subset made for fieldtool, as Apache-2.0 §4(b)
  asks of a modified file.

``head.created`` and ``head.modified`` keep the source's values (fontTools would otherwise stamp
the time of saving), so the output depends only on the source file, this script and fontTools.

Usage (from the repository root; fontTools is needed here only, never by fieldtool at run time)::

    python -m pip install fonttools==4.69.1
    python scripts/make_report_font.py [--source /usr/share/fonts/truetype/wqy/wqy-microhei.ttc]
                                       [--output fieldtool/reports/font/wqy-microhei-gb2312.ttf]

It prints the SHA-256 of the source and of the output; record both in
``fieldtool/reports/font/NOTICE`` whenever the file is remade.

Made with: source ``wqy-microhei.ttc`` from fonts-wqy-microhei 0.2.0-beta-3.1 (font version
0.2.0-beta), SHA-256 2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3; fontTools
4.69.1; output SHA-256 in ``fieldtool/reports/font/NOTICE``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
"""Debian's fonts-wqy-microhei (``apt-get install fonts-wqy-microhei``)."""

SOURCE_SUBFONT = 0
"""WenQuanYi Micro Hei (1 is its monospaced sibling, Micro Hei Mono)."""

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO / "fieldtool" / "reports" / "font" / "wqy-microhei-gb2312.ttf"

FONTTOOLS_VERSION = "4.69.1"
"""The fontTools the committed file was made with (another version may lay out the bytes differently)."""

EXTRA = (
    "\u2013\u2014\u2010"  # – — ‐ (dashes; GB 2312's A1AA is U+2015)
    "\u2212"  # − minus sign (numbers and formulas)
    "\u2022"  # • bullet (lists of reasons)
    "\u212e"  # ℮ estimated sign (EU rule set)
    "\u20ac\u2122"  # € ™
    "\u2009"  # thin space
    "\u25b2\u25b3\u25bc\u25bd"  # ▲ △ ▼ ▽ (the summary marks failing cells with ▲)
)
"""Characters beyond GB 2312, ASCII and Latin-1 that the reports print; each must be in the source font."""

NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)
"""Name records kept: copyright, family, style, unique id, full name, version, PostScript name, licence, licence URL."""

VERSION_NOTE = "; subset (GB 2312) made for fieldtool by scripts/make_report_font.py"
"""Appended to the version string (name 5) and the unique id (name 3): this file is modified."""


def gb2312_characters() -> set[str]:
    """Every character of GB 2312 (EUC-CN rows 0xA1-0xF7, cells 0xA1-0xFE that decode)."""
    chars: set[str] = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                chars.add(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def wanted_characters() -> list[int]:
    """The code points to keep, sorted."""
    chars = gb2312_characters()
    chars.update(chr(c) for c in range(0x20, 0x7F))
    chars.update(chr(c) for c in range(0xA0, 0x100))
    chars.update(EXTRA)
    return sorted(ord(c) for c in chars)


def make_font(source: Path) -> bytes:
    """Subset ``source`` (a .ttc or .ttf) and return the bytes of the TrueType file.

    Raises:
        SystemExit: a character the reports need has no glyph in the source.
    """
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    font = TTFont(str(source), fontNumber=SOURCE_SUBFONT, recalcTimestamp=False, recalcBBoxes=True, lazy=False)
    created, modified = font["head"].created, font["head"].modified
    cmap = font.getBestCmap()
    wanted = wanted_characters()
    missing = [c for c in wanted if c not in cmap]
    # GB 2312 is complete in the source; a gap is a wrong source file, or an EXTRA it lacks.
    if missing:
        shown = " ".join(f"U+{c:04X}" for c in missing[:10])
        raise SystemExit(f"{source}: no glyph for {len(missing)} wanted characters ({shown})")

    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "vhea", "vmtx", "gasp"]
    options.name_IDs = list(NAME_IDS)
    options.name_languages = [0x0409]
    options.name_legacy = False
    options.glyph_names = False
    options.notdef_glyph = True
    options.notdef_outline = True
    options.recalc_bounds = True
    options.recalc_timestamp = False
    options.prune_unicode_ranges = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)

    name = font["name"]
    for record in list(name.names):
        if record.nameID in (3, 5):
            name.setName(record.toUnicode() + VERSION_NOTE, record.nameID, record.platformID, record.platEncID,
                         record.langID)
    font["head"].created, font["head"].modified = created, modified
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Make the font; print what was read and written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help=f"the source font (default {DEFAULT_SOURCE})")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the TrueType file to write")
    args = parser.parse_args(argv)
    try:
        import fontTools
    except ImportError:
        print("make_report_font: fontTools is needed (python -m pip install fonttools)", file=sys.stderr)
        return 2
    if not args.source.is_file():
        print(f"make_report_font: {args.source} does not exist (apt-get install fonts-wqy-microhei)", file=sys.stderr)
        return 2
    if fontTools.version != FONTTOOLS_VERSION:
        print(f"make_report_font: note: fontTools {fontTools.version}, the committed file was made with "
              f"{FONTTOOLS_VERSION}; the bytes may differ", file=sys.stderr)
    data = make_font(args.source)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"source {args.source}: sha256 {sha256(args.source.read_bytes())}")
    print(f"output {args.output}: {len(data)} bytes, {len(wanted_characters())} characters, sha256 {sha256(data)}")
    print(f"fontTools {fontTools.version}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
