"""The lot report from the TUI: rendered off the event loop, saved in the user's documents, path shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from fieldtool.infra import paths
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.home import HomeScreen
from fieldtool.tui.screens.verdict import VerdictScreen
from tests.tui.conftest import make_app, on_inspection, open_inspection


def finished(runner: ServiceRunner, final: bool = True) -> str:
    iid = open_inspection(runner)
    for k in range(50):
        runner.call_sync(lambda s, k=k: s.record_weight(iid, f"{500 + (k % 5) / 10:.1f}"))
    if final:
        runner.call_sync(lambda s: s.finalise(iid, "Wang Li"))
    return iid


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("where", ["verdict", "home"])
async def test_report_key_writes_the_lot_report(runner: ServiceRunner, with_profile: None, where: str) -> None:
    iid = finished(runner)
    app = make_app(runner)
    async with app.run_test(size=(100, 30)) as pilot:
        if where == "verdict":
            await app.open_inspection(iid)
            await pilot.pause()
            assert isinstance(app.screen, VerdictScreen)
            await pilot.press("ctrl+r")
        else:
            await pilot.pause()
            await app.workers.wait_for_complete()
            assert isinstance(app.screen, HomeScreen)
            await pilot.press("r")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = [n.message for n in app._notifications]
    [pdf] = list(paths.reports_dir().glob("*.pdf"))
    assert any(str(pdf) in message and "lot report saved" in message for message in shown), shown
    text = text_of(pdf)
    assert pdf.stem in text and "定量包装商品净含量计量检验报告" in text


async def test_unfinished_inspection_gives_a_draft(runner: ServiceRunner, with_profile: None) -> None:
    iid = finished(runner, final=False)
    app = make_app(runner)
    async with on_inspection(app, iid, (100, 30)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        await app.workers.wait_for_complete()
    [pdf] = list(paths.reports_dir().glob("*.pdf"))
    assert "DRAFT" in text_of(pdf) or "草稿" in text_of(pdf)
