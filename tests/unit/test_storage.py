"""Tests of the local store: schema and migrations, the record chain, append-only measurements, durability."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.evaluate import Outcome, evaluate_lot
from fieldtool.core.inspection import DensityMethod, InspectionHeader, MeasurementSource, SamplingMethod, SiteKind
from fieldtool.core.quantity import unit
from fieldtool.core.records import GENESIS, RecordKind, canonical_json, record_hash
from fieldtool.core.rules import RuleSet
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError, NotFoundError, StoreError
from fieldtool.storage import SqliteStore
from fieldtool.storage.schema import TABLES
from tests.conftest import StepClock
from tests.unit.conftest import JJF, rules

START = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def counting_ids(prefix: int = 0) -> Callable[[], str]:
    """Deterministic UUID strings: prefix-000…1, prefix-000…2, …"""
    counter = iter(range(1, 1_000_000))
    return lambda: str(uuid.UUID(int=(prefix << 64) + next(counter)))


def header(**changes: object) -> InspectionHeader:
    fields: dict[str, object] = {
        "programme_id": "cn-2025-spring",
        "city_id": "hangzhou",
        "site_name": "Xihu Supermarket",
        "site_address": "1 Lake Road, Hangzhou",
        "site_kind": SiteKind.RETAILER,
        "product_id": "rice-5kg",
        "brand": "Golden Grain rice",
        "batch": "B-2025-031",
        "production_date": date(2025, 2, 1),
        "nominal": Decimal(500),
        "unit": "g",
        "lot_size": 10,
        "rule_set_id": "jjf1070-2005",
        "variant": "standard",
        "sampling_method": SamplingMethod.SIMPLE_RANDOM,
        "sampling_seed": 2**100 + 7,
        "inspectors": ("Li Wei", "Zhang Min"),
        "balance_id": None,
        "tare_method": TareMethod.INDIVIDUAL,
        "notes": "carton 3 damaged",
    }
    fields.update(changes)
    return InspectionHeader(**fields)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "fieldtool.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore.open(db_path, clock=StepClock(START), new_id=counting_ids()) as s:
        yield s


def raw(db_path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, bypassing the store (autocommit)."""
    return sqlite3.connect(db_path, isolation_level=None)


def jjf1070() -> RuleSet:
    return rules(JJF)


# -- schema and migrations -----------------------------------------------------------------


def test_open_creates_parent_dirs_and_every_table(db_path: Path) -> None:
    assert not db_path.parent.exists()
    with SqliteStore.open(db_path):
        pass
    con = raw(db_path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(TABLES) <= names
    assert con.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid").fetchall()[0] == ("0001_initial",)


def test_reopen_applies_nothing_and_keeps_the_device(db_path: Path) -> None:
    with SqliteStore.open(db_path) as first:
        device = first.device_id
    schema = raw(db_path).execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    applied = raw(db_path).execute("SELECT count(*) FROM _sqlite_migrations").fetchone()
    with SqliteStore.open(db_path) as second:
        assert second.device_id == device
    con = raw(db_path)
    assert con.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert con.execute("SELECT count(*) FROM _sqlite_migrations").fetchone() == applied
    assert con.execute("SELECT count(*) FROM device").fetchone() == (1,)


def test_wal_full_sync_and_foreign_keys(store: SqliteStore, db_path: Path) -> None:
    assert raw(db_path).execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn = store._db.conn  # the store's own connection: synchronous and foreign_keys are per connection
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)


def test_decimal_columns_are_text(store: SqliteStore, db_path: Path) -> None:
    inspection = store.create_inspection(header())
    store.record_measurement(inspection.id, Decimal("499.10"), gross="520.10", tare="21.00")
    row = raw(db_path).execute("SELECT typeof(net), net, typeof(gross), gross, tare FROM measurements").fetchone()
    assert row == ("text", "499.10", "text", "520.10", "21.00")
    assert raw(db_path).execute("SELECT nominal, typeof(nominal) FROM inspections").fetchone() == ("500", "text")


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        SqliteStore.open(path)


# -- inspections -----------------------------------------------------------------------------


def test_inspection_header_round_trip_with_every_field(db_path: Path) -> None:
    with SqliteStore.open(db_path, clock=StepClock(START)) as s:
        balance = s.add_balance(make="Mettler", model="ML3002", serial="B123", max_capacity="3200", d="0.01")
        given = header(balance_id=balance.id)
        created = s.create_inspection(given)
        device = s.device_id
    assert created.header == given
    with SqliteStore.open(db_path) as s:
        again = s.inspection(created.id)
    assert again == created
    assert again.header == given
    assert again.header.nominal == Decimal(500) and str(again.header.nominal) == "500"
    assert again.header.sampling_seed == 2**100 + 7
    assert again.device_id == device
    assert again.created_at == START + timedelta(seconds=3)  # device, balance, inspection
    assert not again.is_final


def test_header_is_stored_in_canonical_form(store: SqliteStore) -> None:
    created = store.create_inspection(
        header(site_kind="producer", unit="ml", sampling_method="systematic", tare_method="net", site_name="  Plant  ")
    )
    h = created.header
    assert (h.site_kind, h.unit, h.sampling_method, h.tare_method) == (
        SiteKind.PRODUCER,
        "mL",
        SamplingMethod.SYSTEMATIC,
        TareMethod.NET,
    )
    assert h.site_name == "Plant"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"site_kind": "supermarket"}, "site kind must be one of producer, wholesaler, retailer"),
        ({"lot_size": 0}, "lot size must be at least 1"),
        ({"lot_size": True}, "lot size must be a whole number"),
        ({"nominal": Decimal(0)}, "nominal quantity must be positive"),
        ({"nominal": 500.5}, "as a string"),
        ({"unit": "stone"}, "unknown unit"),
        ({"site_name": " "}, "site name must not be empty"),
        ({"sampling_method": "guess"}, "sampling method must be one of"),
        ({"inspectors": ("Li Wei", "Li Wei")}, "twice"),
        ({"production_date": datetime(2025, 1, 1)}, "production date must be a date"),
    ],
)
def test_bad_header_is_refused_and_nothing_recorded(
    store: SqliteStore, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        store.create_inspection(header(**changes))
    assert list(store.records()) == []


def test_unknown_balance_rolls_back(store: SqliteStore) -> None:
    with pytest.raises(NotFoundError, match="no balance nope"):
        store.create_inspection(header(balance_id="nope"))
    assert store.inspections() == []
    assert list(store.records()) == []


def test_unknown_inspection_is_not_found(store: SqliteStore) -> None:
    calls: tuple[Callable[[], object], ...] = (
        lambda: store.inspection("x-1"),
        lambda: store.record_measurement("x-1", "1"),
        lambda: store.current_measurements("x-1"),
        lambda: store.record_tare("x-1", "1", TareMethod.AVERAGE),
        lambda: store.latest_verdict("x-1"),
        lambda: store.finalise("x-1", "Li Wei"),
    )
    for call in calls:
        with pytest.raises(NotFoundError, match=r"^no inspection x-1$"):
            call()
    with pytest.raises(NotFoundError, match=r"^no measurement m-1$"):
        store.correct_measurement("m-1", "1", "typo")


def test_inspections_newest_first_and_filtered(store: SqliteStore) -> None:
    a = store.create_inspection(header(city_id="hangzhou", site_kind="producer", brand="Alpha 100%"))
    b = store.create_inspection(header(city_id="ningbo"))
    c = store.create_inspection(header(city_id="hangzhou", programme_id="other"))
    store.finalise(b.id, "Li Wei")
    assert [i.id for i in store.inspections()] == [c.id, b.id, a.id]
    assert [i.id for i in store.inspections(city_id="hangzhou")] == [c.id, a.id]
    assert [i.id for i in store.inspections(programme_id="cn-2025-spring", city_id="hangzhou")] == [a.id]
    assert [i.id for i in store.inspections(final=True)] == [b.id]
    assert [i.id for i in store.inspections(final=False)] == [c.id, a.id]
    assert [i.id for i in store.inspections(site_kind=SiteKind.PRODUCER)] == [a.id]
    assert [i.id for i in store.inspections(search="a 100%")] == [a.id]
    assert [i.id for i in store.inspections(search="_")] == []
    assert [i.id for i in store.inspections(since=b.created_at)] == [c.id, b.id]
    assert [i.id for i in store.inspections(until=b.created_at)] == [a.id]
    assert [i.id for i in store.inspections(limit=1)] == [c.id]


# -- measurements ----------------------------------------------------------------------------


def test_measurements_get_the_next_position(store: SqliteStore) -> None:
    inspection = store.create_inspection(header())
    other = store.create_inspection(header())
    m = [store.record_measurement(inspection.id, f"50{i}.0") for i in range(3)]
    store.record_measurement(other.id, "1")
    assert [x.position for x in m] == [1, 2, 3]
    assert [x.position for x in store.current_measurements(other.id)] == [1]
    assert [(x.position, x.net) for x in store.current_measurements(inspection.id)] == [
        (1, Decimal("500.0")),
        (2, Decimal("501.0")),
        (3, Decimal("502.0")),
    ]


def test_measurement_from_a_balance_keeps_its_line(store: SqliteStore) -> None:
    inspection = store.create_inspection(header())
    line = "ST,GS,+  520.10 g\r\n"
    m = store.record_measurement(inspection.id, "499.10", "520.10", "21.00", source="balance", raw=line)
    assert (m.source, m.raw, m.unit) == (MeasurementSource.BALANCE, line, "g")
    assert (m.gross, m.tare) == (Decimal("520.10"), Decimal("21.00"))


@pytest.mark.parametrize(
    ("net", "message"),
    [(499.1, "as a string"), ("-1", "zero or more"), ("abc", "not a number"), (Decimal("NaN"), "not a finite")],
)
def test_bad_net_is_refused(store: SqliteStore, net: object, message: str) -> None:
    inspection = store.create_inspection(header())
    with pytest.raises(InputError, match=message):
        store.record_measurement(inspection.id, net)
    assert store.measurement_history(inspection.id) == []


def test_decimals_come_back_exactly(db_path: Path) -> None:
    values = ["499.10", "0.000", "1E+3", "12345678901234567890.123456789"]
    with SqliteStore.open(db_path) as s:
        inspection = s.create_inspection(header())
        for v in values:
            s.record_measurement(inspection.id, Decimal(v), gross=Decimal(v))  # text such as 1E+3 is refused as input
    with SqliteStore.open(db_path) as s:
        got = s.current_measurements(inspection.id)
    assert [str(m.net) for m in got] == values
    assert [str(m.gross) for m in got] == values


def test_correction_supersedes_and_keeps_the_original(store: SqliteStore) -> None:
    inspection = store.create_inspection(header())
    first = store.record_measurement(inspection.id, "498.0")
    original = store.record_measurement(inspection.id, "4991.0")
    corrected = store.correct_measurement(original.id, "499.1", "typed 4991.0 for 499.1")
    assert (corrected.position, corrected.supersedes, corrected.reason) == (2, original.id, "typed 4991.0 for 499.1")
    assert [(m.id, m.net) for m in store.current_measurements(inspection.id)] == [
        (first.id, Decimal("498.0")),
        (corrected.id, Decimal("499.1")),
    ]
    history = store.measurement_history(inspection.id)
    assert [m.id for m in history] == [first.id, original.id, corrected.id]
    assert history[1] == original  # unchanged


def test_correction_needs_a_reason_and_the_current_version(store: SqliteStore) -> None:
    inspection = store.create_inspection(header())
    m = store.record_measurement(inspection.id, "498.0")
    for empty in ("", "   "):
        with pytest.raises(InputError, match="reason must not be empty"):
            store.correct_measurement(m.id, "499.0", empty)
    with pytest.raises(InputError, match="reason is required"):
        store.withdraw_measurement(m.id, None)  # type: ignore[arg-type]
    newer = store.correct_measurement(m.id, "499.0", "misread")
    with pytest.raises(StoreError, match=f"already superseded by {newer.id}"):
        store.correct_measurement(m.id, "500.0", "again")
    assert len(store.measurement_history(inspection.id)) == 2


def test_withdraw_removes_the_package_from_current(store: SqliteStore) -> None:
    inspection = store.create_inspection(header())
    a = store.record_measurement(inspection.id, "498.0")
    b = store.record_measurement(inspection.id, "497.0")
    w = store.withdraw_measurement(b.id, "package was from another lot")
    assert (w.withdrawn, w.supersedes, w.net, w.position) == (True, b.id, Decimal("497.0"), 2)
    assert [m.id for m in store.current_measurements(inspection.id)] == [a.id]
    assert [m.id for m in store.measurement_history(inspection.id)] == [a.id, b.id, w.id]
    c = store.record_measurement(inspection.id, "499.0")
    assert c.position == 3  # positions are never reused
    with pytest.raises(StoreError, match="already superseded"):
        store.withdraw_measurement(b.id, "twice")
    with pytest.raises(StoreError, match="withdraws package 2"):
        store.correct_measurement(w.id, "1", "undo the undo")


@pytest.mark.parametrize("table", ["records", "measurements"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET recorded_at = 'x'", "DELETE FROM {t}"])
def test_append_only_tables_refuse_update_and_delete(
    store: SqliteStore, db_path: Path, table: str, statement: str
) -> None:
    inspection = store.create_inspection(header())
    store.record_measurement(inspection.id, "499.0")
    con = raw(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute(statement.format(t=table))
    assert con.execute(f"SELECT count(*) FROM {table} WHERE recorded_at = 'x'").fetchone() == (0,)
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] >= 1


# -- tare, density, verdicts -----------------------------------------------------------------


def test_tares_round_trip_and_check_positions(store: SqliteStore) -> None:
    inspection = store.create_inspection(header())
    a = store.record_tare(inspection.id, "21.00", TareMethod.AVERAGE)
    b = store.record_tare(inspection.id, "20.90", "individual", position=1, source="balance", raw="20.90 g")
    assert [(t.method, t.position, str(t.value)) for t in store.tares(inspection.id)] == [
        (TareMethod.AVERAGE, None, "21.00"),
        (TareMethod.INDIVIDUAL, 1, "20.90"),
    ]
    assert store.tares(inspection.id) == [a, b]
    with pytest.raises(InputError, match="individual tare must be a whole number"):
        store.record_tare(inspection.id, "20", TareMethod.INDIVIDUAL)
    with pytest.raises(InputError, match="tare sample"):
        store.record_tare(inspection.id, "20", TareMethod.AVERAGE, position=2)
    with pytest.raises(InputError, match="'net' has no tare"):
        store.record_tare(inspection.id, "20", TareMethod.NET)


def test_densities_typed_and_by_flask(store: SqliteStore) -> None:
    inspection = store.create_inspection(header(unit="mL", tare_method="individual"))
    typed = store.record_density(inspection.id, density_g_per_ml="0.9982", temperature_c="-1.5")
    flask = store.record_density(inspection.id, flask_volume_ml="100.00", filled_g="150.12", empty_g="50.30")
    assert (typed.method, typed.density_g_per_ml, typed.temperature_c) == (
        DensityMethod.TYPED,
        Decimal("0.9982"),
        Decimal("-1.5"),
    )
    assert (flask.method, flask.density_g_per_ml, flask.flask_volume_ml) == (
        DensityMethod.FLASK,
        Decimal("0.9982"),
        Decimal("100.00"),
    )
    assert store.densities(inspection.id) == [typed, flask]
    with pytest.raises(InputError, match="not both"):
        store.record_density(inspection.id, density_g_per_ml="1", flask_volume_ml="1", filled_g="2", empty_g="1")
    with pytest.raises(InputError, match="flask method needs"):
        store.record_density(inspection.id, flask_volume_ml="100")
    with pytest.raises(InputError, match="give a density"):
        store.record_density(inspection.id)


def _weigh_lot(store: SqliteStore, inspection_id: str, nets: list[str]) -> list[Decimal]:
    for net in nets:
        store.record_measurement(inspection_id, net)
    return [m.net for m in store.current_measurements(inspection_id)]


def test_verdict_round_trip_with_its_inputs(db_path: Path) -> None:
    rules = jjf1070()
    with SqliteStore.open(db_path) as s:
        inspection = s.create_inspection(header())
        nets = _weigh_lot(s, inspection.id, ["499.10"] * 8 + ["480.0", "470.0"])
        evaluation = evaluate_lot(rules, Decimal(500), unit("g"), 10, nets)
        saved = s.save_verdict(inspection.id, evaluation)
        ids = tuple(m.id for m in s.current_measurements(inspection.id))
    with SqliteStore.open(db_path) as s:
        latest = s.latest_verdict(inspection.id)
    assert latest == saved
    assert latest.outcome is evaluation.outcome is Outcome.FAIL
    assert latest.criteria == evaluation.criteria
    i = latest.inputs
    assert (i.rule_set_id, i.variant, i.nominal, i.unit, i.lot_size, i.tne) == (
        "jjf1070-2005",
        "standard",
        Decimal(500),
        "g",
        10,
        Decimal(15),
    )
    assert [str(n) for n in i.nets] == ["499.10"] * 8 + ["480.0", "470.0"]
    assert i.measurement_ids == ids


def test_verdict_must_match_the_current_measurements(store: SqliteStore) -> None:
    rules = jjf1070()
    inspection = store.create_inspection(header())
    assert store.latest_verdict(inspection.id) is None
    nets = _weigh_lot(store, inspection.id, ["500"] * 10)
    stale = evaluate_lot(rules, Decimal(500), unit("g"), 10, nets)
    store.correct_measurement(store.current_measurements(inspection.id)[0].id, "470", "misread")
    with pytest.raises(StoreError, match="not the 10 current measurements"):
        store.save_verdict(inspection.id, stale)
    other_lot = evaluate_lot(rules, Decimal(500), unit("g"), 9, nets[:9])
    with pytest.raises(StoreError, match=r"lot size 9, but inspection \S+ has 10"):
        store.save_verdict(inspection.id, other_lot)
    assert store.latest_verdict(inspection.id) is None


def test_finalised_inspection_refuses_every_change(store: SqliteStore) -> None:
    rules = jjf1070()
    inspection = store.create_inspection(header())
    nets = _weigh_lot(store, inspection.id, ["500"] * 10)
    m = store.current_measurements(inspection.id)[0]
    evaluation = evaluate_lot(rules, Decimal(500), unit("g"), 10, nets)
    store.save_verdict(inspection.id, evaluation)
    final = store.finalise(inspection.id, "Li Wei")
    assert final.is_final and final.finalised_by == "Li Wei"
    before = len(list(store.records()))
    refused: list[Callable[[], object]] = [
        lambda: store.record_measurement(inspection.id, "499"),
        lambda: store.correct_measurement(m.id, "499", "late"),
        lambda: store.withdraw_measurement(m.id, "late"),
        lambda: store.record_tare(inspection.id, "20", TareMethod.AVERAGE),
        lambda: store.record_density(inspection.id, density_g_per_ml="1"),
        lambda: store.save_verdict(inspection.id, evaluation),
        lambda: store.finalise(inspection.id, "Zhang Min"),
    ]
    for call in refused:
        with pytest.raises(StoreError, match=f"^inspection {inspection.id} is final; it can no longer change$"):
            call()
    assert len(list(store.records())) == before
    assert store.inspection(inspection.id).finalised_by == "Li Wei"


# -- register --------------------------------------------------------------------------------


def test_inspector_profile_saved_again_keeps_its_id(store: SqliteStore) -> None:
    assert store.inspector() is None
    first = store.save_inspector("Li Wei", "ZJ-0042", "Zhejiang Institute of Metrology")
    second = store.save_inspector("Li Wei", "ZJ-0043", "Zhejiang Institute of Metrology")
    assert second.id == first.id
    assert store.inspector() == second
    assert second.inspector_no == "ZJ-0043"
    with pytest.raises(InputError, match="inspector name must not be empty"):
        store.save_inspector("")


def test_balance_register_round_trip(store: SqliteStore) -> None:
    b = store.add_balance(
        make="Sartorius",
        model="Entris II",
        serial="0038",
        max_capacity="4.2",
        d="0.00001",
        unit="kg",
        e="0.0001",
        accuracy_class="II",
        mpe="0.00015",
        certificate="JL-2024-77",
        calibration_due=date(2026, 1, 31),
        connection="serial:/dev/ttyUSB0:9600",
    )
    assert store.balance(b.id) == b
    assert store.balances() == [b]
    assert (str(b.max_capacity), str(b.d), b.calibration_due, b.unit) == ("4.2", "0.00001", date(2026, 1, 31), "kg")
    with pytest.raises(NotFoundError, match="no balance zz"):
        store.balance("zz")
    with pytest.raises(InputError, match="g or kg"):
        store.add_balance(make="x", model="y", serial="z", max_capacity="1", d="1", unit="mL")


# -- the record chain ------------------------------------------------------------------------


def test_every_change_is_a_chained_record(store: SqliteStore) -> None:
    inspection = store.create_inspection(header())
    m = store.record_measurement(inspection.id, "499.10")
    store.correct_measurement(m.id, "499.20", "typo")
    records = list(store.records())
    assert [r.kind for r in records] == [
        RecordKind.INSPECTION_CREATED,
        RecordKind.MEASUREMENT_RECORDED,
        RecordKind.MEASUREMENT_CORRECTED,
    ]
    assert [r.seq for r in records] == [1, 2, 3]
    assert records[0].prev_hash == GENESIS
    assert [r.prev_hash for r in records[1:]] == [r.hash for r in records[:-1]]
    for r in records:
        assert r.hash == record_hash(r.prev_hash, r.fields())
    assert records[0].id == inspection.id and records[1].id == m.id
    assert records[1].body["net"] == "499.10"
    assert [r.seq for r in store.records(after_seq=2)] == [3]
    assert store.verify_chain() == []


def test_chain_is_deterministic_with_injected_clock_and_ids(tmp_path: Path) -> None:
    heads = []
    for name in ("a.db", "b.db"):
        with SqliteStore.open(tmp_path / name, clock=StepClock(START), new_id=counting_ids()) as s:
            inspection = s.create_inspection(header())
            s.record_measurement(inspection.id, "499.10")
            heads.append([r.hash for r in s.records()])
    assert heads[0] == heads[1]


def test_verify_chain_names_a_tampered_record(store: SqliteStore, db_path: Path) -> None:
    inspection = store.create_inspection(header())
    m = store.record_measurement(inspection.id, "479.10")
    store.record_measurement(inspection.id, "500.00")
    assert store.verify_chain() == []
    con = raw(db_path)
    con.execute("DROP TRIGGER records_no_update")
    body = json.loads(con.execute("SELECT body FROM records WHERE id = ?", [m.id]).fetchone()[0])
    body["net"] = "499.10"
    con.execute("UPDATE records SET body = ? WHERE id = ?", [canonical_json(body).decode(), m.id])
    problems = store.verify_chain()
    assert problems == [f"record {m.id} (device {store.device_id}, seq 2): hash does not match its contents"]


def test_verify_chain_reports_a_missing_record(store: SqliteStore, db_path: Path) -> None:
    inspection = store.create_inspection(header())
    store.record_tare(inspection.id, "20.0", TareMethod.AVERAGE)
    last = store.record_tare(inspection.id, "20.1", TareMethod.AVERAGE)
    con = raw(db_path)
    con.execute("DROP TRIGGER records_no_delete")
    con.execute("DELETE FROM records WHERE seq = 2")
    problems = store.verify_chain()
    assert f"record {last.id} (device {store.device_id}, seq 3): seq 2 missing before it" in problems
    assert any("previous hash does not match" in p and last.id in p for p in problems)


def _busy_inspection(store: SqliteStore) -> str:
    balance = store.add_balance(make="Ohaus", model="PX", serial="9", max_capacity="620", d="0.01")
    store.save_inspector("Li Wei", "ZJ-0042", "ZJIM")
    inspection = store.create_inspection(header(balance_id=balance.id))
    nets = _weigh_lot(store, inspection.id, ["500.0"] * 10)
    m = store.current_measurements(inspection.id)
    store.correct_measurement(m[0].id, "499.0", "misread")
    store.withdraw_measurement(m[1].id, "wrong lot")
    store.record_measurement(inspection.id, "501.0")
    store.record_tare(inspection.id, "20.0", TareMethod.INDIVIDUAL, position=1)
    store.record_density(inspection.id, density_g_per_ml="1.01")
    nets = [x.net for x in store.current_measurements(inspection.id)]
    store.save_verdict(inspection.id, evaluate_lot(jjf1070(), Decimal(500), unit("g"), 10, nets))
    store.finalise(inspection.id, "Li Wei")
    return inspection.id


def test_query_tables_are_derived_from_the_records(store: SqliteStore) -> None:
    _busy_inspection(store)
    assert store.verify_chain() == []
    assert store.verify_projections() == []


def test_verify_projections_names_a_tampered_measurement(store: SqliteStore, db_path: Path) -> None:
    inspection_id = _busy_inspection(store)
    victim = store.current_measurements(inspection_id)[2]
    con = raw(db_path)
    con.execute("DROP TRIGGER measurements_no_update")
    con.execute("UPDATE measurements SET net = '520.0' WHERE id = ?", [victim.id])
    assert store.verify_chain() == []  # the chain alone cannot see it
    assert store.verify_projections() == [f"measurements: row {victim.id} differs from its record in net"]
    con.execute("DROP TRIGGER verdicts_no_delete")
    con.execute("DELETE FROM verdicts")
    assert any(p.startswith("verdicts: row ") and p.endswith(" is missing") for p in store.verify_projections())


def test_two_devices_write_distinct_uuids(tmp_path: Path) -> None:
    ids: list[set[str]] = []
    devices = []
    for name in ("laptop-a.db", "laptop-b.db"):
        with SqliteStore.open(tmp_path / name) as s:
            inspection = s.create_inspection(header())
            for net in ("499.1", "500.2", "501.3"):
                m = s.record_measurement(inspection.id, net)
                s.correct_measurement(m.id, net + "0", "re-weighed")
            devices.append(s.device_id)
            ids.append({r.id for r in s.records()} | {s.device_id})
    assert devices[0] != devices[1]
    assert ids[0].isdisjoint(ids[1])
    for value in ids[0] | ids[1]:
        assert uuid.UUID(value).version == 4


def test_canonical_json_is_stable_and_refuses_floats() -> None:
    assert canonical_json({"b": Decimal("499.10"), "a": ["é", None, True, 3]}) == (
        '{"a":["é",null,true,3],"b":"499.10"}'.encode()
    )
    with pytest.raises(TypeError, match="float"):
        canonical_json({"net": 499.1})
    with pytest.raises(TypeError, match="non-finite"):
        canonical_json(Decimal("Infinity"))


def test_two_threads_with_their_own_stores_write_one_intact_chain(db_path: Path) -> None:
    with SqliteStore.open(db_path) as s:
        inspection = s.create_inspection(header())
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def weigh(offset: int) -> None:
        try:
            with SqliteStore.open(db_path) as mine:  # a connection belongs to its thread
                start.wait()
                for i in range(25):
                    mine.record_measurement(inspection.id, f"{offset}.{i:02d}")
        except BaseException as e:  # noqa: BLE001 - collected and asserted below, so a thread's failure fails the test
            errors.append(e)

    threads = [threading.Thread(target=weigh, args=(n,)) for n in (400, 500)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with SqliteStore.open(db_path) as s:
        current = s.current_measurements(inspection.id)
        assert [m.position for m in current] == list(range(1, 51))
        assert s.verify_chain() == []
        assert [r.seq for r in s.records()] == list(range(1, 52))


# -- durability ------------------------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from fieldtool.storage import SqliteStore

    store = SqliteStore.open(sys.argv[1])
    m = store.record_measurement(sys.argv[2], "499.10")
    print(m.id, flush=True)
    if sys.argv[3] == "exit":
        os._exit(0)
    time.sleep(60)
    """
)


@pytest.mark.parametrize("death", ["exit", "sigkill"])
def test_a_reported_weight_survives_the_process_dying(db_path: Path, death: str) -> None:
    if death == "sigkill" and not hasattr(signal, "SIGKILL"):
        pytest.skip("no SIGKILL on this platform")
    with SqliteStore.open(db_path) as s:
        inspection = s.create_inspection(header())
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db_path), inspection.id, death], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        measurement_id = child.stdout.readline().strip()
        if death == "sigkill":
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert measurement_id
    with SqliteStore.open(db_path) as s:
        current = s.current_measurements(inspection.id)
        assert s.verify_chain() == []
    assert [(m.id, str(m.net)) for m in current] == [(measurement_id, "499.10")]


def test_the_signing_key_is_noted_once_committed_and_again_after_a_rollback(tmp_path: Path) -> None:
    # verify learns a device's keys from `signing_keys`: the key of the first record must be there
    # once that record is committed, also when its first transaction was undone and a later one wrote it.
    from fieldtool.infra import keys

    key = keys.load_or_create(tmp_path / "k.pem")
    with SqliteStore.open(tmp_path / "a.db", signer=key) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.save_inspector("Li Wei")
            store.add_balance(make="Sartorius", model="BSA622S", serial="1", max_capacity="620", d="0.01")
            raise RuntimeError("cut short")
        assert store._all("SELECT * FROM signing_keys") == []
        store.save_inspector("Li Wei")
        with store.transaction():
            store.add_balance(make="Sartorius", model="BSA622S", serial="1", max_capacity="620", d="0.01")
            with pytest.raises(InputError), store.transaction():  # a savepoint undone inside the transaction
                store.add_balance(make="Sartorius", model="BSA622S", serial="2", max_capacity="-1", d="0.01")
            store.add_balance(make="Sartorius", model="BSA622S", serial="3", max_capacity="620", d="0.01")
        noted = store._all("SELECT public_key, first_seq FROM signing_keys")
        seqs = [row["seq"] for row in store._all("SELECT seq FROM records ORDER BY seq")]
    assert noted == [{"public_key": key.public_key, "first_seq": 1}] and seqs == [1, 2, 3]
