"""Fixtures of the sync tests: laptops built through the store's use-cases, a hub, a real hub server process."""

from __future__ import annotations

import json
import ssl
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.records import Record
from fieldtool.core.tare import TareMethod
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.hub import Hub, init_hub, open_hub
from tests.conftest import PYTHON, StepClock, run_cli_env

START = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def header(number: int, city: str = "nanjing", balance_id: str | None = None) -> InspectionHeader:
    return InspectionHeader(
        programme_id="cn-2012-net-content",
        city_id=city,
        site_name=f"Site {number}",
        site_address=f"{number} Zhongshan Road",
        site_kind=SiteKind.RETAILER,
        product_id="rice",
        brand="Golden Grain rice",
        batch=f"B-{number:03d}",
        production_date=date(2025, 2, 1),
        nominal=Decimal(500),
        unit="g",
        lot_size=10,
        rule_set_id="jjf1070-2005",
        variant="standard",
        sampling_method=SamplingMethod.SIMPLE_RANDOM,
        sampling_seed=1000 + number,
        inspectors=("Wang Li",),
        balance_id=balance_id,
        tare_method=TareMethod.INDIVIDUAL,
        notes="",
    )


@dataclass
class Laptop:
    """A simulated laptop: its database and its device key."""

    db: Path
    key: keys.SigningKey
    name: str

    def store(self) -> SqliteStore:
        return SqliteStore.open(self.db, signer=self.key)


def make_laptop(directory: Path, name: str, inspections: int = 3, weights: int = 6, *, sign_at_finalise: bool = True,
                open_one: bool = False) -> Laptop:
    """A laptop database with a profile, a balance and finished inspections (each: weights, a correction, final)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = keys.load_or_create(directory / keys.KEY_FILE)
    db = directory / "fieldtool.db"
    with SqliteStore.open(db, clock=StepClock(START), durable=False, signer=key) as store:
        add_inspections(store, key, inspections, weights, sign_at_finalise=sign_at_finalise, first=1)
        if open_one:
            inspection = store.create_inspection(header(99))
            store.record_measurement(inspection.id, "500.1")
    return Laptop(db, key, name)


def add_inspections(store: SqliteStore, key: keys.SigningKey, count: int, weights: int = 6, *,
                    sign_at_finalise: bool = True, first: int = 1) -> list[str]:
    if store.inspector() is None:
        store.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
    balance = store.add_balance(make="Sartorius", model="BSA", serial=f"S{first}", max_capacity="6200", d="0.1")
    ids = []
    for n in range(first, first + count):
        inspection = store.create_inspection(header(n, balance_id=balance.id))
        store.record_tare(inspection.id, "12.3", TareMethod.INDIVIDUAL, position=1)
        measured = [store.record_measurement(inspection.id, f"{500 + k / 10:.1f}") for k in range(weights)]
        store.correct_measurement(measured[0].id, "499.7", "typed 500.0 instead of 499.7")
        if sign_at_finalise:
            store.finalise_and_sign(inspection.id, "Wang Li", keys.finalisation_signer(key))
        else:
            store.finalise(inspection.id, "Wang Li")
        ids.append(inspection.id)
    return ids


@dataclass
class HubFiles:
    db: Path


def make_hub(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    db = directory / "hub.db"
    init_hub(db, "Nanjing hub")
    return db


def enroll_in_process(hub_db: Path, name: str) -> str:
    store, hub = open_hub(hub_db)
    with store:
        return hub.enroll(name)


def register_in_process(hub_db: Path, laptop: Laptop, code: str) -> None:
    """Enrol a laptop directly on the hub database and link the laptop (what /v1/enroll does, without HTTP)."""
    store, hub = open_hub(hub_db)
    with store, laptop.store() as mine:
        answer = hub.register(code, mine.device_id, laptop.key.public_key)
        mine.link_hub("http://unused", answer["hub_id"], answer["hub_public_key"], answer["device_name"])


def open_test_hub(hub_db: Path) -> tuple[SqliteStore, Hub]:
    return open_hub(hub_db)


@dataclass
class Server:
    url: str
    db: Path
    process: subprocess.Popen[str]


def start_server(hub_db: Path, *extra: str, context: ssl.SSLContext | None = None) -> Server:
    """`fieldtool hub serve` in a subprocess on a free loopback port, once it answers /v1/health."""
    process = subprocess.Popen(
        [PYTHON, "-m", "fieldtool.cli.sync", "hub", "serve", "--db", str(hub_db), "--host", "127.0.0.1", "--port", "0",
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=run_cli_env(),
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "serving" not in line:
        process.kill()
        raise AssertionError(f"the hub did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
    url = line.split(" on ", 1)[1].split(" ", 1)[0]
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url + "/v1/health", timeout=2, context=context) as r:
                assert json.loads(r.read())["status"] == "ok"
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return Server(url, hub_db, process)


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def chain(laptop: Laptop) -> list[Record]:
    """Every record of the laptop's database, in chain order."""
    with laptop.store() as store:
        return list(store.records())


def device_of(laptop: Laptop) -> str:
    """The laptop's device id."""
    with laptop.store() as store:
        return store.device_id


@pytest.fixture
def hub_db(tmp_path: Path) -> Path:
    return make_hub(tmp_path / "hub")


@pytest.fixture
def hub(hub_db: Path) -> Iterator[Hub]:
    """The hub's use-cases over the test's hub database, open for the test."""
    store, h = open_hub(hub_db)
    with store:
        yield h


@pytest.fixture
def server(hub_db: Path) -> Iterator[Server]:
    s = start_server(hub_db)
    yield s
    stop_server(s)


def new_id() -> str:
    return str(uuid.uuid4())
