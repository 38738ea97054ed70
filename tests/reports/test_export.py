"""Tests of the export of lots and measurements (`fieldtool.usecases.export`), read back from real files."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fieldtool.core.chinatime import CHINA_TIME
from fieldtool.core.tare import TareMethod
from fieldtool.errors import FieldtoolError, InputError, NotFoundError
from fieldtool.storage import SqliteStore
from fieldtool.usecases.demo import PROGRAMME_ID
from fieldtool.usecases.export import LOT_COLUMNS, MEASUREMENT_COLUMNS, export
from fieldtool.usecases.inspection import Services


@pytest.fixture
def services(demo_lots: Any) -> Iterator[Services]:
    """Services over the shared demo database (tests/reports/conftest.py)."""
    with SqliteStore.open(demo_lots.db) as store:
        yield Services(store, clock=lambda: datetime(2012, 11, 5, tzinfo=UTC))


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark, for Excel"
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_csv_has_one_row_per_lot_and_per_measurement_version(services: Services, tmp_path: Path) -> None:
    files = export(services, "csv", tmp_path / "out")
    assert files == [tmp_path / "out" / "lots.csv", tmp_path / "out" / "measurements.csv"]
    lots = read_csv(files[0])
    measurements = read_csv(files[1])
    inspections = services.store.inspections()
    assert sorted(r["inspection_id"] for r in lots) == sorted(i.id for i in inspections)
    assert list(lots[0]) == list(LOT_COLUMNS) and list(measurements[0]) == list(MEASUREMENT_COLUMNS)
    versions = [m for i in inspections for m in services.store.measurement_history(i.id)]
    assert sorted(r["measurement_id"] for r in measurements) == sorted(m.id for m in versions)
    by_id = {r["inspection_id"]: r for r in lots}
    for i in inspections:
        assert int(by_id[i.id]["measurement_versions"]) == len(services.store.measurement_history(i.id))
        assert by_id[i.id]["status"] == ("final" if i.is_final else "open")


def half_unit(text: str) -> Decimal:
    """Half a unit in the last place ``text`` is written to."""
    places = len(text.split(".")[1]) if "." in text else 0
    return Decimal(1).scaleb(-places) / 2


def test_decimals_are_written_to_the_balances_resolution_and_positions_are_package_numbers(
        services: Services, tmp_path: Path) -> None:
    export(services, "csv", tmp_path)
    csv_rows = read_csv(tmp_path / "measurements.csv")
    rows = {r["measurement_id"]: r for r in csv_rows}
    trailing_zero = 0
    for inspection in services.store.inspections():
        average = inspection.header.tare_method is TareMethod.AVERAGE
        for m in services.store.measurement_history(inspection.id):
            row = rows[m.id]
            if average:  # a net from an average tare is rounded to d, as on screen and in the report
                assert abs(Decimal(row["net"]) - m.net) <= half_unit(row["net"])
            else:  # a record never loses a digit: only trailing zeros beyond d go
                assert Decimal(row["net"]) == m.net
            assert row["gross"] == "" if m.gross is None else Decimal(row["gross"]) == m.gross
            assert row["tare"] == "" if m.tare is None else Decimal(row["tare"]) == m.tare
            assert row["density"] == ("" if m.density is None else str(m.density))
            trailing_zero += row["net"].endswith("0") and "." in row["net"]
        # The positions are the package numbers on screen: 1 to n for the n current packages.
        current = [int(r["position"]) for r in csv_rows if r["inspection_id"] == inspection.id and r["status"] == "current"]
        assert sorted(current) == list(range(1, len(current) + 1))
    assert trailing_zero > 0, "the demo has nets such as 499.10 on a 0.01 g balance; their last zero must survive"
    lots = {r["inspection_id"]: r for r in read_csv(tmp_path / "lots.csv")}
    for inspection in services.store.inspections(final=True):
        verdict = services.verdict(inspection.id)
        assert verdict is not None
        row = lots[inspection.id]
        assert row["nominal"] == str(inspection.header.nominal) and row["tne"] == str(verdict.inputs.tne)
        assert row["outcome"] == verdict.outcome.value and row["verdict_id"] == verdict.id
        mean = next((c for c in verdict.criteria if c.code.value == "mean"), None)
        if mean is not None:  # one digit finer than a net, as the report prints them
            assert abs(Decimal(row["mean"]) - mean.observed) <= half_unit(row["mean"])
            assert abs(Decimal(row["mean_limit"]) - mean.limit) <= half_unit(row["mean_limit"])
        failed = [c.code.value for c in verdict.criteria if c.status.value == "fail"]
        assert row["failed_criteria"] == "; ".join(failed)
        assert row["created_at"] == inspection.created_at.astimezone(CHINA_TIME).isoformat()
        assert row["created_at"].endswith("+08:00")
        assert datetime.fromisoformat(row["finalised_at"]).tzinfo is not None


def test_superseded_and_withdrawn_versions_keep_their_reason(services: Services, demo_lots: Any, tmp_path: Path) -> None:
    export(services, "csv", tmp_path)
    rows = [r for r in read_csv(tmp_path / "measurements.csv")]
    withdrawn = [r for r in rows if r["status"] == "withdrawn"]
    superseded = [r for r in rows if r["status"] == "superseded"]
    assert withdrawn and superseded
    ids = {r["measurement_id"]: r for r in rows}
    for r in withdrawn + [r for r in rows if r["supersedes"]]:
        assert r["reason"] and r["supersedes"] in ids
        assert ids[r["supersedes"]]["status"] == "superseded"
        assert int(r["version"]) == int(ids[r["supersedes"]]["version"]) + 1
        if r["status"] == "withdrawn":
            assert r["counted"] == "false"
    # The verdict judged exactly the current versions of a finalised lot.
    lot = [r for r in rows if r["inspection_id"] == demo_lots.corrected]
    assert {r["measurement_id"] for r in lot if r["in_verdict"] == "true"} == {
        r["measurement_id"] for r in lot if r["status"] == "current"}
    current = services.store.current_measurements(demo_lots.corrected)
    assert sorted(r["measurement_id"] for r in lot if r["counted"] == "true") == sorted(m.id for m in current)


def test_json_round_trips(services: Services, tmp_path: Path) -> None:
    files = export(services, "json", tmp_path)
    assert [f.name for f in files] == ["lots.json", "measurements.json"]
    lots = json.loads(files[0].read_text(encoding="utf-8"))
    measurements = json.loads(files[1].read_text(encoding="utf-8"))
    export(services, "csv", tmp_path)
    csv_lots = read_csv(tmp_path / "lots.csv")
    assert len(lots) == len(csv_lots) and list(lots[0]) == list(LOT_COLUMNS)
    for j, c in zip(lots, csv_lots, strict=True):
        assert j["inspection_id"] == c["inspection_id"]
        assert isinstance(j["lot_size"], int) and isinstance(j["inspectors"], list)
        assert Decimal(j["nominal"]) == Decimal(c["nominal"]) and j["nominal"] == c["nominal"]
    by_id = {m["measurement_id"]: m for m in measurements}
    for inspection in services.store.inspections():
        for m in services.store.measurement_history(inspection.id):
            row = by_id[m.id]
            assert Decimal(row["net"]) == m.net and row["net"] == str(m.net)
            assert row["status"] in ("current", "superseded", "withdrawn")
            assert isinstance(row["counted"], bool) and isinstance(row["position"], int)
            assert datetime.fromisoformat(row["recorded_at"]) == m.recorded_at
            assert row["gross"] == (None if m.gross is None else str(m.gross))


def test_filters_and_an_existing_file_is_replaced(services: Services, tmp_path: Path) -> None:
    (tmp_path / "lots.csv").write_text("old", encoding="utf-8")
    export(services, "csv", tmp_path, programme_id=PROGRAMME_ID, cities=["beijing"], final=True)
    lots = read_csv(tmp_path / "lots.csv")
    expected = services.store.inspections(programme_id=PROGRAMME_ID, city_id="beijing", final=True)
    assert sorted(r["inspection_id"] for r in lots) == sorted(i.id for i in expected)
    assert {r["city_zh"] for r in lots} == {"北京"} and {r["status"] for r in lots} == {"final"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lots.csv", "measurements.csv"]  # no temporary left
    # Days are China days, inclusive.
    days = sorted(i.created_at.astimezone(CHINA_TIME).date() for i in services.store.inspections())
    export(services, "json", tmp_path, since=days[0], until=days[0])
    first_day = json.loads((tmp_path / "lots.json").read_text(encoding="utf-8"))
    assert first_day and all(
        datetime.fromisoformat(r["created_at"]).astimezone(CHINA_TIME).date() == days[0] for r in first_day)


def test_bad_format_filter_and_ids_are_one_line_errors(services: Services, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown export format 'xlsx'") as fmt:
        export(services, "xlsx", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="unknown export filter 'colour'") as key:
        export(services, "csv", tmp_path, colour="red")
    with pytest.raises(NotFoundError, match="atlantis") as city:
        export(services, "csv", tmp_path, programme_id=PROGRAMME_ID, cities=["atlantis"])
    with pytest.raises(InputError, match="ends") as period:
        export(services, "csv", tmp_path, since=date(2012, 6, 2), until=date(2012, 6, 1))
    for exc in (fmt, key, city, period):
        assert "\n" not in str(exc.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_an_unwritable_directory_is_a_one_line_error(services: Services, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(InputError, match="cannot write") as exc:
            export(services, "csv", locked)
        with pytest.raises(InputError, match="cannot create") as nested:
            export(services, "csv", locked / "sub")
    finally:
        locked.chmod(0o700)
    assert "\n" not in str(exc.value) and "\n" not in str(nested.value)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_directory_nobody_may_write_is_a_one_line_error(services: Services) -> None:
    # /proc refuses new files even to root, so this runs in containers too.
    with pytest.raises(InputError, match="cannot write /proc/lots.csv") as exc:
        export(services, "csv", "/proc")
    with pytest.raises(InputError, match="cannot create export directory") as nested:
        export(services, "json", "/proc/fieldtool-export")
    assert "\n" not in str(exc.value) and "\n" not in str(nested.value)


def test_a_file_where_the_directory_should_be_is_a_one_line_error(services: Services, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(FieldtoolError) as exc:
        export(services, "csv", blocker)
    with pytest.raises(FieldtoolError) as below:
        export(services, "json", blocker / "sub")
    assert "\n" not in str(exc.value) and str(blocker) in str(below.value)
