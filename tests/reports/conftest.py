"""Shared fixtures of the report tests: a small demo database built once, and PDF helpers.

The demo (3 cities × 10 products, one lot per cell) is built once per session into a temporary
directory with the demo's own clock, so its lots, weights and verdicts are the same every run
(ids differ). It holds finished lots (one of 125 packages, some failed), a corrected package, a
withdrawn double entry, liquids judged by volume with density and average tare, and open lots.
Report fixtures are module-scoped and share the rendered PDFs across tests.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf", reason="pypdf is needed to read the PDFs back (pip install -e .[test])")

from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.usecases.demo import DemoClock, build_demo
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.review_state import review_state
from tests.conftest import built_once

DEMO_CITIES = ("beijing", "urumqi", "shanghai")
HAVE_PDFTOPPM = shutil.which("pdftoppm") is not None
HAVE_PDFTOTEXT = shutil.which("pdftotext") is not None

INSTITUTE = """\
name_zh = "示例市计量检定测试所"
name_en = "Example City Institute of Metrology"
address_zh = "示例市计量路 1 号"
address_en = "1 Metrology Road, Example City"
cma_certificate = "210000000001"
telephone = "010-12345678"
"""
"""An issuing body's institute.toml, as a supervisor would write it."""


@dataclass(frozen=True)
class DemoLots:
    """Ids of the demo's inspections that the tests need."""

    db: Path
    """The demo database."""
    corrected: str
    """A finished lot with a corrected package (not withdrawn)."""
    withdrawn: str
    """A finished lot with a withdrawn entry."""
    large: str
    """A finished lot of 125 packages."""
    liquid: str
    """A finished lot judged by volume (density, average tare)."""
    failed: str
    """A finished lot whose verdict is fail."""
    open: str
    """An inspection left open, part weighed."""


def _build_demo(directory: Path) -> None:
    """Build the small demo into `directory` (demo.db) and keep the ids of the lots the tests need (lots.json)."""
    db = directory / "demo.db"
    clock = DemoClock()
    with SqliteStore.open(db, clock=clock, durable=False) as store:
        services = Services(store, clock=clock)
        build_demo(services, seed=2012, lots_per_cell=1, clock=clock, cities=list(DEMO_CITIES))
        kinds = ("open", "corrected", "withdrawn", "large", "liquid", "failed")
        found: dict[str, list[str]] = {key: [] for key in kinds}
        for inspection in services.inspections():
            state = services.lot_state(inspection.id)
            history = store.measurement_history(inspection.id)
            if not inspection.is_final:
                found["open"].append(inspection.id)
                continue
            if any(m.supersedes and not m.withdrawn for m in history):
                found["corrected"].append(inspection.id)
            if any(m.withdrawn for m in history):
                found["withdrawn"].append(inspection.id)
            if len(state.measurements) == 125:
                found["large"].append(inspection.id)
            if state.needs_density and state.tare.method is TareMethod.AVERAGE:
                found["liquid"].append(inspection.id)
            if state.verdict is not None and state.verdict.outcome.value == "fail" and (
                review_state(store, inspection.id).status == "awaiting-review"
            ):  # the tests review and approve it themselves (the demo signs off all but its last cities)
                found["failed"].append(inspection.id)
    missing = {key for key, ids in found.items() if not ids}
    assert not missing, f"the demo lacks lots for {missing}; choose other DEMO_CITIES"
    chosen = {key: ids[0] for key, ids in found.items()}
    # Prefer lots that serve two purposes: fewer reports to render and read back.
    for key, other in (("failed", "large"), ("liquid", "withdrawn"), ("withdrawn", "liquid")):
        if chosen[other] in found[key]:
            chosen[key] = chosen[other]
    (directory / "lots.json").write_text(json.dumps(chosen))


@pytest.fixture(scope="session")
def demo_lots(tmp_path_factory: pytest.TempPathFactory) -> DemoLots:
    """The small demo database, built once for the whole run (every worker) and copied into this worker's own directory."""
    shared = built_once(tmp_path_factory, "reports-demo", _build_demo)
    db = tmp_path_factory.mktemp("reports-demo") / "demo.db"
    shutil.copy2(shared / "demo.db", db)
    return DemoLots(db=db, **json.loads((shared / "lots.json").read_text()))


@pytest.fixture(scope="module")
def services(demo_lots: DemoLots) -> Iterator[Services]:
    """Services over the demo database (one connection per test module)."""
    store = SqliteStore(demo_lots.db)
    try:
        yield Services(store)
    finally:
        store.close()


def squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines and spaces where it likes."""
    return re.sub(r"\s+", "", text)


def page_texts(path: Path) -> list[str]:
    """The text of each page, extracted by pypdf."""
    reader = pypdf.PdfReader(str(path))
    return [page.extract_text() or "" for page in reader.pages]


def poppler_page_texts(path: Path) -> list[str]:
    """The text of each page, extracted by pdftotext (poppler), a second, independent reader."""
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def font_names(path: Path) -> set[str]:
    """The BaseFont names of every font the pages use, with their subtype: {'/TrueType:AAAAAA+Name', ...}."""
    reader = pypdf.PdfReader(str(path))
    names: set[str] = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            names.add(f"{font.get('/Subtype')}:{font.get('/BaseFont')}")
    return names
