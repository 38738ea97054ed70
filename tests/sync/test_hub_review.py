"""Review, approval, return and revision through the CLI: on the hub (signed with the hub key) and on a laptop
without a hub (signed with its device key, then carried to the hub by a bundle); `verify` checks each record."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from fieldtool.core.records import RecordKind
from fieldtool.infra import paths
from fieldtool.storage import SqliteStore
from fieldtool.sync.hub import open_hub
from fieldtool.sync.lot_verify import verify_lot
from fieldtool.sync.trust import Trust
from tests.conftest import cli_in_process, cli_process
from tests.sync.conftest import Laptop, device_of, enroll_in_process, make_laptop, register_in_process

cli = cli_in_process


def ok(*args: str) -> str:
    done = cli(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def refused(*args: str) -> str:
    done = cli(*args)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    line = done.stderr.strip()
    assert "\n" not in line, line
    return line


def lots(laptop: Laptop) -> list[str]:
    with laptop.store() as store:
        return [i.id for i in reversed(store.inspections())]


def carry_to_hub(laptop: Laptop, hub_db: Path, tmp_path: Path, name: str) -> None:
    bundle = tmp_path / f"{name}.bundle"
    ok("bundle", "export", "-o", str(bundle), "--db", str(laptop.db))
    ok("hub", "import", str(bundle), "--db", str(hub_db))


def state(db: Path, inspection: str, *hub: str) -> dict[str, object]:
    return json.loads(ok(*hub, "review-state", inspection, "--db", str(db), "--json"))  # type: ignore[no-any-return]


@pytest.mark.slow
def test_review_approval_return_and_revision_on_the_hub_are_hub_signed_records_that_verify(
    tmp_path: Path, hub_db: Path
) -> None:
    laptop = make_laptop(paths.data_dir(), "Inspector Wang", inspections=2)
    register_in_process(hub_db, laptop, enroll_in_process(hub_db, "Inspector Wang"))
    carry_to_hub(laptop, hub_db, tmp_path, "first")
    first, second = lots(laptop)
    db = str(hub_db)

    assert "inspected lot" in refused("hub", "review", first, "--db", db, "--name", "Wang Li")
    assert "has not been reviewed" in refused("hub", "approve", first, "--db", db, "--name", "Zhou Min")
    said = ok("hub", "review", first, "--db", db, "--name", "Chen Jing", "--title", "技术负责人")
    assert "signed with the hub key" in said and "awaiting-approval" in said
    assert "reviewed the report" in refused("hub", "approve", first, "--db", db, "--name", "Chen Jing")
    ok("hub", "approve", first, "--db", db, "--name", "Zhou Min", "--title", "授权签字人")
    issued = state(hub_db, first, "hub")
    assert issued["issued"] is True and issued["status"] == "issued" and issued["revision"] == 0
    assert (issued["reviewer"], issued["approver"], issued["approver_title"]) == ("Chen Jing", "Zhou Min", "授权签字人")
    china = datetime.fromisoformat(str(issued["issued_at"])).astimezone(timezone(timedelta(hours=8)))
    assert issued["issued_on"] == china.date().isoformat()  # 签发日期, in China time

    # A return, with its reason, is a decision too.
    assert "reason" in refused("hub", "return", second, "--db", db, "--name", "Chen Jing", "--reason", " ")
    ok("hub", "return", second, "--db", db, "--name", "Chen Jing", "--reason", "sampling form number missing")
    returned = state(hub_db, second, "hub")
    assert returned["status"] == "returned" and returned["issued"] is False
    assert [r["note"] for r in returned["returns"]] == ["sampling form number missing"]  # type: ignore[index, union-attr]

    # Weights never change; a misspelt site name makes a revised report of the issued one.
    line = refused("hub", "correct", first, "--db", db, "--name", "Wang Li", "--reason", "heavier",
                   "--set", "nominal=450")
    assert line.startswith("fieldtool: nominal: the nominal quantity is part of the judgement; it never changes")
    ok("hub", "correct", first, "--db", db, "--name", "Wang Li", "--reason", "site name misspelt",
       "--set", "site_name=Suguo Supermarket")
    revised = state(hub_db, first, "hub")
    assert (revised["revision"], revised["replaces_revision"], revised["issued"]) == (1, 0, False)
    assert revised["header"]["site_name"] == "Suguo Supermarket"  # type: ignore[index]
    ok("hub", "review", first, "--db", db, "--name", "Chen Jing")
    ok("hub", "approve", first, "--db", db, "--name", "Zhou Min")
    assert state(hub_db, first, "hub")["issued"] is True

    # Every decision is a record of the hub's own chain, signed by the hub key, and verify checks it.
    store, hub = open_hub(hub_db)
    with store:
        own = list(store.records(device_id=store.device_id))
        assert [r.kind for r in own] == [RecordKind.INSPECTION_REVIEWED, RecordKind.INSPECTION_APPROVED,
                                         RecordKind.INSPECTION_RETURNED, RecordKind.HEADER_CORRECTED,
                                         RecordKind.INSPECTION_REVIEWED, RecordKind.INSPECTION_APPROVED]
        assert store.signing_keys(store.device_id) == [hub.key.public_key]
        for inspection in (first, second):
            checked = verify_lot(store, inspection, Trust())
            assert checked.ok and checked.authenticated, checked.problems
            assert any(k.source == "the hub's own key" for k in checked.keys)
    verified = cli_process("verify", "--db", db)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK" in verified.stdout

    assert "is not a hub database" in refused("hub", "review", first, "--db", str(laptop.db), "--name", "Chen Jing")


@pytest.mark.slow
def test_a_laptop_without_a_hub_reviews_and_approves_then_the_hub_accepts_the_records(
    tmp_path: Path, hub_db: Path
) -> None:
    laptop = make_laptop(paths.data_dir(), "Inspector Wang", inspections=1)
    [lot] = lots(laptop)
    mine = str(laptop.db)
    said = ok("review", lot, "--db", mine, "--name", "Chen Jing")
    assert "signed with this laptop's device key" in said
    ok("approve", lot, "--db", mine, "--name", "Zhou Min")
    ok("correct", lot, "--db", mine, "--name", "Wang Li", "--reason", "brand as labelled", "--set",
       "brand=Golden Grain jasmine rice")
    ok("review", lot, "--db", mine, "--name", "Chen Jing")
    ok("approve", lot, "--db", mine, "--name", "Zhou Min")
    on_laptop = state(laptop.db, lot)
    assert (on_laptop["issued"], on_laptop["revision"], on_laptop["replaces_revision"]) == (True, 1, 0)
    verified = cli("verify", "--db", mine)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # Later the institute gets a hub: the sign-off records, after the finalisation, are accepted.
    register_in_process(hub_db, laptop, enroll_in_process(hub_db, "Inspector Wang"))
    carry_to_hub(laptop, hub_db, tmp_path, "late")
    on_hub = state(hub_db, lot, "hub")
    assert {k: on_hub[k] for k in ("issued", "revision", "reviewer", "approver")} == \
        {k: on_laptop[k] for k in ("issued", "revision", "reviewer", "approver")}
    verified = cli_process("verify", "--db", str(hub_db))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    with SqliteStore.open_read_only(hub_db) as store:
        kinds = [r.kind for r in store.inspection_records(lot) if r.device_id == device_of(laptop)]
    assert kinds.count(RecordKind.INSPECTION_APPROVED) == 2 and RecordKind.HEADER_CORRECTED in kinds


async def test_the_tui_opened_on_the_hubs_database_reviews_and_approves_with_the_hub_key(
    tmp_path: Path, hub_db: Path
) -> None:
    from textual.widgets import Input

    from fieldtool.infra.config import Settings
    from fieldtool.sync import keys
    from fieldtool.sync.hub import hub_key_path
    from fieldtool.tui.app import FieldtoolApp
    from fieldtool.tui.runner import ServiceRunner
    from fieldtool.tui.screens.review import ReviewScreen
    from fieldtool.usecases.inspection import Services

    laptop = make_laptop(paths.data_dir(), "Inspector Wang", inspections=1)
    register_in_process(hub_db, laptop, enroll_in_process(hub_db, "Inspector Wang"))
    carry_to_hub(laptop, hub_db, tmp_path, "tui")
    [lot] = lots(laptop)
    from fieldtool.sync.hub import open_signing

    def open_as_the_tui_does() -> Services:  # fieldtool.cli.launch: a hub's database signs with the hub key
        store, key = open_signing(hub_db)
        assert key.public_key == keys.load(hub_key_path(hub_db)).public_key
        return Services(store, signer=key)

    runner = ServiceRunner(open_as_the_tui_does)
    try:
        app = FieldtoolApp(runner, Settings(lang="en", db_path=str(hub_db)))
        async with app.run_test(size=(110, 32)) as pilot:
            await app.push_screen(ReviewScreen(lot))
            await pilot.pause()
            screen = app.screen
            screen.query_one("#review-name", Input).value = "Wang Li"
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert "awaiting review" in str(screen.query_one("#review-status").render())  # refused: he inspected it
            screen.query_one("#review-name", Input).value = "Chen Jing"
            await pilot.press("ctrl+r")
            await pilot.pause()
            screen.query_one("#review-name", Input).value = "Zhou Min"
            await pilot.press("ctrl+a")
            await pilot.pause()
            assert "Issued" in str(screen.query_one("#review-status").render())
    finally:
        runner.close()
    with SqliteStore.open_read_only(hub_db) as store:
        own = [r.kind for r in store.records(device_id=store.device_id)]
    assert own == [RecordKind.INSPECTION_REVIEWED, RecordKind.INSPECTION_APPROVED]
    verified = cli("verify", "--db", str(hub_db))
    assert verified.returncode == 0, verified.stdout + verified.stderr
