"""Pilot tests of the verdict screen: it shows the engine's numbers, and a confirmation is final in the database."""

from __future__ import annotations

from dataclasses import replace

from decimal import Decimal
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.widgets import Input, Label

from fieldtool.core.evaluate import Outcome, PackageClass, classify
from fieldtool.core.explain import reason_text
from fieldtool.errors import FieldtoolError, InputError
from fieldtool.storage import SqliteStore
from fieldtool.tui.app import FieldtoolApp
from fieldtool.tui.runner import ServiceRunner
from fieldtool.tui.screens.verdict import VerdictScreen
from fieldtool.tui.screens.weighing import WeighingScreen
from fieldtool.tui.widgets.distribution import PlotData, draw_plot
from tests.tui.conftest import make_app, open_inspection, screen_text

# Qn 500 g, T = 15 g, N 300 → n 50, λ 0.379, T1 allowed 3, T2 allowed 0 (JJF 1070-2005).
GOOD = [f"{500 + (i % 7) * Decimal('0.3')}" for i in range(48)]
PASS_NETS = GOOD + ["484.0", "483.5"]  # two T1 packages (15 < d ≤ 30): allowed
FAIL_NETS = GOOD + ["484.0", "460.0"]  # 460.0 is short by 40 > 2T: a T2 package fails the lot


def record(runner: ServiceRunner, iid: str, nets: list[str]) -> None:
    for net in nets:
        runner.call_sync(lambda s, net=net: s.record_weight(iid, net))


def banner(app: FieldtoolApp) -> str:
    """The banner's word without the spacing that makes it read large."""
    return str(app.screen.query_one("#banner", Label).render()).replace(" ", "").replace("\u2003", " ")


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*("space" if ch == " " else ch for ch in text))


async def open_verdict(app: FieldtoolApp, pilot, iid: str) -> VerdictScreen:  # type: ignore[no-untyped-def]
    await app.open_inspection(iid)
    await pilot.pause()
    assert isinstance(app.screen, VerdictScreen)
    return app.screen


async def test_pass_shows_the_evaluations_numbers(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, PASS_NETS)
    ev = runner.call_sync(lambda s: s.lot_state(iid)).evaluation
    assert ev is not None and ev.outcome is Outcome.PASS and ev.stats is not None
    # Shown one digit finer than the nets (recorded to 0.1 g, no balance in the register): 2 places.
    stats, qn = replace(ev.stats, places=2), ev.nominal
    app = make_app(runner)
    async with app.run_test(size=(110, 60)) as pilot:
        screen = await open_verdict(app, pilot, iid)
        text = screen_text(app)
        assert banner(app) == "PASS" and screen.query_one("#banner").has_class("-pass")
        assert f"mean q̄ = {stats.mean} g against the limit Qn − λ·s = {stats.limit(qn)} g (n = 50)" in text
        assert "packages with T < d ≤ 2T: 2 (allowed 3, n = 50): pass" in text
        assert "packages short by more than 2T: 0 (allowed 0, n = 50): pass" in text
        for figure in (f"{stats.stdev} g", f"{stats.lam_s} g", "0.379", f"+{stats.margin(qn)} g", "485.0 g", "470.0 g"):
            assert figure in text
        assert "Why: every criterion is met" in text
        assert (ev.t1_count, ev.t2_count) == (2, 0)


async def test_a_t2_package_fails_the_lot_and_says_why(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, FAIL_NETS)
    ev = runner.call_sync(lambda s: s.lot_state(iid)).evaluation
    assert ev is not None and ev.outcome is Outcome.FAIL
    app = make_app(runner)
    async with app.run_test(size=(110, 60)) as pilot:
        screen = await open_verdict(app, pilot, iid)
        text = screen_text(app)
        assert banner(app) == "FAIL" and screen.query_one("#banner").has_class("-fail")
        assert "✗ packages short by more than 2T: 1 (allowed 0, n = 50): fail" in text
        (reason,) = ev.reasons
        assert reason_text(ev, reason, "en") in text
        assert "1 packages short by more than 2T = 30.0 g (allowed 0)" in text
        assert screen.query_one("#crit-t2").has_class("-fail")


async def test_a_wrong_name_is_refused_and_nothing_is_finalised(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner)
    record(runner, iid, PASS_NETS)
    with pytest.raises(InputError) as refusal:
        runner.call_sync(lambda s: s.finalise(iid, "Zhang San"))
    app = make_app(runner)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_verdict(app, pilot, iid)
        await pilot.press("enter")  # to the name box
        assert isinstance(app.focused, Input) and app.focused.id == "confirm-name"
        await type_text(pilot, "Zhang San")
        await pilot.press("enter")
        await pilot.pause()
        message = screen.query_one("#confirm-message", Label)
        assert str(message.render()) == str(refusal.value)
        assert message.has_class("-error")
        assert str(refusal.value)[:60] in screen_text(app)  # shown, beside the name box
        assert screen.query_one("#confirm-name", Input).value == "Zhang San"
        assert isinstance(app.screen, VerdictScreen)
    with SqliteStore.open(db_path) as store:
        assert not store.inspection(iid).is_final
        assert store.latest_verdict(iid) is None


async def test_the_right_name_finalises_and_nothing_can_change(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    iid = open_inspection(runner)
    record(runner, iid, FAIL_NETS)
    app = make_app(runner)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_verdict(app, pilot, iid)
        await pilot.press("enter")
        await type_text(pilot, "Zhao Min")  # the second inspector of the lot, not the profile
        await pilot.press("enter")
        await pilot.pause()
        assert "Final: confirmed by Zhao Min at " in screen_text(app)
        assert not screen.query("#confirm-name")
        await pilot.press("w")  # back to weighing is no longer offered
        await pilot.pause()
        assert app.screen is screen
    with SqliteStore.open(db_path) as store:
        inspection = store.inspection(iid)
        assert inspection.is_final and inspection.finalised_by == "Zhao Min"
        verdict = store.latest_verdict(iid)
        assert verdict is not None and verdict.outcome is Outcome.FAIL
        assert verdict.inputs.nets == tuple(Decimal(n) for n in FAIL_NETS)
    with pytest.raises(FieldtoolError, match="final"):
        runner.call_sync(lambda s: s.record_weight(iid, "500.0"))
    first = runner.call_sync(lambda s: s.lot_state(iid)).measurements[0]
    with pytest.raises(FieldtoolError, match="final"):
        runner.call_sync(lambda s: s.correct_weight(first.id, "501.0", "typo"))


async def test_a_final_inspection_shows_its_stored_verdict(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, PASS_NETS)
    runner.call_sync(lambda s: s.finalise(iid, "Wang Li"))
    stored = runner.call_sync(lambda s: s.verdict(iid))
    assert stored is not None
    app = make_app(runner)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_verdict(app, pilot, iid)
        text = screen_text(app)
        assert banner(app) == "PASS"
        assert "Final: confirmed by Wang Li at " in text
        assert f"(fieldtool {stored.engine_version})" in text
        assert not screen.query("#confirm-name")
        assert "Weighing" not in text.splitlines()[-1]  # the footer no longer offers W


async def test_the_plot_marks_qn_and_its_limits_at_80_columns(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, FAIL_NETS)
    app = make_app(runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verdict(app, pilot, iid)
        text = screen_text(app)
        assert "F A I L" in text and "Your name, Enter to confirm" in text  # the essentials fit 80×24
        screen.query_one("#plot").scroll_visible(animate=False, top=True)
        await pilot.pause()
        text = screen_text(app)
        for label in ("Qn−2T 470.0", "Qn−T 485.0", "Qn 500", "Qn−λ·s "):
            assert label in text
        assert "◆" in text and "■" in text and "▲" in text  # the T2 and T1 packages (as the report marks them), the mean
        assert "460" in text and "g" in text


@pytest.mark.parametrize(("nets", "word"), [(PASS_NETS, "合格"), (FAIL_NETS, "不合格")])
async def test_chinese_after_f2(runner: ServiceRunner, with_profile: None, nets: list[str], word: str) -> None:
    iid = open_inspection(runner)
    record(runner, iid, nets)
    app = make_app(runner)
    async with app.run_test(size=(110, 60)) as pilot:
        await open_verdict(app, pilot, iid)
        await pilot.press("f2")
        await pilot.pause()
        text = screen_text(app)
        assert banner(app) == word
        assert "平均实际含量 q̄ = " in text and "判定项目" in text and "余量 q̄ − 限值" in text
        assert "返回称量" in text  # the footer too
        if word == "不合格":
            assert "1 件短缺量大于 2T = 30.0 g（允许 0）" in text
        await pilot.press("f2")
        await pilot.pause()
        assert banner(app) == ("PASS" if word == "合格" else "FAIL")


async def test_w_goes_back_to_weighing_and_escape_home(runner: ServiceRunner, with_profile: None) -> None:
    iid = open_inspection(runner)
    record(runner, iid, PASS_NETS)
    app = make_app(runner)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_verdict(app, pilot, iid)
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WeighingScreen) and app.screen.inspection_id == iid
        await app.open_inspection(iid, replace=True)
        await pilot.pause()
        assert isinstance(app.screen, VerdictScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, (VerdictScreen, WeighingScreen))
        assert len(app.screen_stack) == 2


async def test_second_sample_needed_says_so_and_offers_weighing(
    runner: ServiceRunner, with_profile: None, db_path: Path
) -> None:
    # EU 76/211, N 300: first sample 30, accept ≤ 1, reject ≥ 3 packages short by more than T.
    iid = open_inspection(runner, rule_set_id="eu-76-211")
    record(runner, iid, GOOD[:28] + ["484.0", "483.5"])
    state = runner.call_sync(lambda s: s.lot_state(iid))
    assert state.evaluation is not None and state.evaluation.outcome is Outcome.SECOND_SAMPLE_NEEDED
    app = make_app(runner)
    async with app.run_test(size=(100, 40)) as pilot:
        await app.push_screen(VerdictScreen(iid))  # the app itself routes this lot to weighing
        await pilot.pause()
        screen = app.screen
        assert banner(app) == "SECOND SAMPLE NEEDED"
        text = screen_text(app)
        assert "press W to weigh 30 more packages" in text
        (pending,) = state.evaluation.reasons
        reasons = str(screen.query_one("#reasons", Label).render())
        assert reason_text(state.evaluation, pending, "en") in reasons
        assert "draw a second sample of 30" in reasons
        assert not screen.query_one("#confirm-name", Input).display
        await pilot.press("enter")  # nothing to confirm
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, WeighingScreen)
    with SqliteStore.open(db_path) as store:
        assert not store.inspection(iid).is_final


@pytest.mark.parametrize("width", [30, 80, 200])
def test_the_plot_fits_its_width_and_keeps_every_label(width: int) -> None:
    qn, t = Decimal(500), Decimal(15)
    nets = [Decimal(n) for n in FAIL_NETS] + [Decimal("250.0"), Decimal("900.0")]  # far outliers are clamped
    data = PlotData(tuple((q, classify(q, qn, t)) for q in nets), qn, t, "g", limit=Decimal("497.48"), mean=Decimal("499.4"))
    lines = [line.plain for line in draw_plot(data, width)]
    assert all(cell_len(line) <= width for line in lines)
    text = "\n".join(lines)
    for name in ("Qn−2T", "Qn−T", "Qn", "Qn−λ·s"):
        assert name in text
    axis = next(line for line in lines if "─" in line)
    assert axis.startswith("◂") and axis.endswith("▸") and axis.count("┴") + axis.count("▲") >= 3


def test_markers_in_one_column_share_a_label() -> None:
    # T = 0 (a length of 5 m or less): Qn, Qn − T and Qn − 2T coincide.
    qn = Decimal(5)
    nets = [Decimal("5.00"), Decimal("5.01"), Decimal("4.99")]
    data = PlotData(tuple((q, classify(q, qn, Decimal(0))) for q in nets), qn, Decimal(0), "m")
    text = "\n".join(line.plain for line in draw_plot(data, 80))
    assert "Qn−2T=Qn−T=Qn 5" in text
    assert data.packages[2][1] is PackageClass.T2 and "◆" in text
