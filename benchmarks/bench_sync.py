"""Benchmark of the hub: ingest rate with every check against a bare sqlite-utils insert, and a laptop's full sync.

Usage (from the repository root, in the venv where fieldtool[hub] is installed):

    python benchmarks/bench_sync.py                    # a laptop with 300 inspections of 50 weights
    python benchmarks/bench_sync.py --inspections 50 --weights 20 --batch 200

1. Ingest: the laptop's records are ingested by `Hub.ingest` in batches (hash and link of every
   record checked, signatures verified, projections written, a signed receipt per batch, one
   durable COMMIT per batch) into a fresh hub database; the baseline inserts the same rows into a
   bare `records` table with sqlite-utils `insert_all`, same batches, same pragmas (WAL,
   synchronous=FULL), one COMMIT per batch. Target: ratio >= 0.3.
2. Full sync: `fieldtool hub serve` in a subprocess on loopback; the laptop's first sync over
   HTTP (enrolment, every record, receipts, reference data), then a second sync (nothing new).

Figures are printed; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlite_utils import Database

from fieldtool.storage import SqliteStore
from fieldtool.storage.schema import apply_pragmas
from fieldtool.sync import keys
from fieldtool.sync.client import sync
from fieldtool.sync.hub import init_hub, open_hub
from fieldtool.sync.wire import record_to_dict
from tests.conftest import StepClock
from tests.sync.conftest import START, add_inspections, start_server, stop_server


def build_laptop(directory: Path, inspections: int, weights: int) -> tuple[Path, keys.SigningKey]:
    directory.mkdir(parents=True)
    key = keys.load_or_create(directory / keys.KEY_FILE)
    db = directory / "fieldtool.db"
    with SqliteStore.open(db, clock=StepClock(START), durable=False) as store:
        done = 0
        while done < inspections:
            step = min(25, inspections - done)
            add_inspections(store, key, step, weights, first=done + 1)
            done += step
    return db, key


def ingest_rate(records: list, device_id: str, key: keys.SigningKey, directory: Path, batch: int) -> float:
    db = directory / "hub.db"
    init_hub(db, "bench hub")
    store, hub = open_hub(db)
    with store:
        code = hub.enroll("bench laptop")
        hub.register(code, device_id, key.public_key)
        start = time.perf_counter()
        for i in range(0, len(records), batch):
            hub.ingest(device_id, records[i : i + batch], "push")
        elapsed = time.perf_counter() - start
        assert store.chain_head(device_id)[0] == len(records)
    return len(records) / elapsed


def bare_rate(records: list, directory: Path, batch: int) -> float:
    db = Database(directory / "bare.db")
    apply_pragmas(db)
    db["records"].create({"id": str, "device_id": str, "seq": int, "kind": str, "inspection_id": str,
                          "recorded_at": str, "body": str, "prev_hash": str, "hash": str}, pk="id")
    db["records"].create_index(["device_id", "seq"], unique=True)
    rows = [{**record_to_dict(r), "body": r.body_json()} for r in records]
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        with db.conn:
            db["records"].insert_all(rows[i : i + batch], batch_size=batch)
    elapsed = time.perf_counter() - start
    db.close()
    return len(rows) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inspections", type=int, default=300)
    parser.add_argument("--weights", type=int, default=50, help="weights per inspection (default 50)")
    parser.add_argument("--batch", type=int, default=200, help="records per batch (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="ingest runs; the median is shown (default 3)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = str(root / var.lower())
        t = time.perf_counter()
        db, key = build_laptop(root / "laptop", args.inspections, args.weights)
        with SqliteStore.open(db) as store:
            store.sign_finalisations(keys.finalisation_signer(key))
            records = list(store.records())
            device_id = store.device_id
        print(f"laptop: {args.inspections} inspections x {args.weights} weights = {len(records)} records "
              f"(built in {time.perf_counter() - t:.1f} s)")

        verified, bare = [], []
        for run in range(args.repeat):
            verified.append(ingest_rate(records, device_id, key, root / f"ingest{run}", args.batch))
            (root / f"bare{run}").mkdir()
            bare.append(bare_rate(records, root / f"bare{run}", args.batch))
        v, b = statistics.median(verified), statistics.median(bare)
        print()
        print(f"{'ingest (batches of ' + str(args.batch) + ')':<44}{'records/s':>12}")
        print(f"{'hub ingest, every check + projections':<44}{v:>12,.0f}")
        print(f"{'bare sqlite-utils insert_all (baseline)':<44}{b:>12,.0f}")
        print(f"{'ratio (target >= 0.3)':<44}{v / b:>12.2f}  {'OK' if v / b >= 0.3 else 'BELOW TARGET'}")

        hub_db = root / "served" / "hub.db"
        hub_db.parent.mkdir()
        init_hub(hub_db, "bench hub")
        store, hub = open_hub(hub_db)
        with store:
            code = hub.enroll("bench laptop")
        server = start_server(hub_db)
        try:
            with SqliteStore.open(db) as store:
                t = time.perf_counter()
                first = sync(store, key, server.url, enroll_code=code, batch_size=args.batch)
                full = time.perf_counter() - t
                t = time.perf_counter()
                second = sync(store, key)
                again = time.perf_counter() - t
        finally:
            stop_server(server)
        print()
        print(f"full sync over HTTP (loopback), {args.inspections} inspections:")
        print(f"  first sync:  {full:6.2f} s  ({first.stored} records, {len(first.receipts)} receipts, "
              f"{first.stored / full:,.0f} records/s)")
        print(f"  second sync: {again:6.2f} s  ({second.sent} records sent: nothing new)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
