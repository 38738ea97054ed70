"""Measures what signing every record costs (issue 12): the lot report, Enter → saved, hub ingest and a full verify.

Usage (from the repository root, in the venv where fieldtool[hub] is installed):

    python benchmarks/bench_evidence.py                      # all four; the verify on 10^6 records
    python benchmarks/bench_evidence.py --only report        # or enter, ingest, verify
    python benchmarks/bench_evidence.py --only verify --records 200000

Databases are built in ``--dir`` (default ``/tmp/ft/B``), signed by a key kept there
(``bench-device-key.pem``), and reused when present with the same parameters: the 10^6-record one
takes several minutes to build. XDG config and data directories point into ``--dir`` too, so the
user's own key and files are never read.

1. ``report``: `lot_report_data` + `render_lot_report` (what ``fieldtool report lot`` runs, on a
   store opened read-only) of the same kind of finished lot (125 packages, seeded), placed in the
   middle of a database of about 10^3 records and of one of about 10^5 (the other lots: 50 to 125
   packages each). Interleaved, median of ``--repeat``. Aim: big / small ≤ 1.2x.
2. ``enter``: Enter → saved for the 125th package, `Services.record_weight` (what the weighing
   screen calls on Enter) on a durable store (synchronous=FULL, a real file), each run on a new
   inspection with 124 packages stored. Signed with a real Ed25519 key, against the same store
   whose signer returns a constant signature (the same work without Ed25519). Interleaved,
   medians. Aim: signed / unsigned ≤ 1.1x.
3. ``ingest``: `Hub.ingest` of a laptop's chain in batches of `MAX_BATCH` (hash, link, schema,
   signature of every record, projections, a signed receipt and a durable COMMIT per batch) into
   a fresh hub, against a sqlite-utils `insert_all` of the same rows into an empty ``records``
   table in one transaction. Aim: insert_all time / ingest time ≥ 0.3.
4. ``verify``: `verify_store` with this key trusted, on a database of ``--records`` records, in a
   child process that does nothing else: records per second and the child's peak RSS (VmHWM),
   against the same child on a database ten times smaller. Memory is bounded when the two peaks
   are about the same.

Figures are printed; nothing is asserted on time. Exit status 0 means the measurements ran.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from bench_reports import make_lot
from sqlite_utils import Database
from timing import median_time

from fieldtool.core.inspection import InspectionHeader, SamplingMethod, SiteKind
from fieldtool.core.records import RecordSigner
from fieldtool.core.tare import TareMethod
from fieldtool.reports.fonts import find_cjk_font
from fieldtool.reports.lot import render_lot_report
from fieldtool.storage import SqliteStore
from fieldtool.storage.schema import apply_pragmas
from fieldtool.sync.hub import MAX_BATCH, init_hub, open_hub
from fieldtool.sync.keys import SigningKey, finalisation_signer, load_or_create
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from fieldtool.sync.wire import record_to_dict
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_report import lot_report_data

REPO = Path(__file__).resolve().parent.parent

REPORT_AIM = 1.2
"""Lot report on 10^5 records at most this many times as long as on 10^3."""
ENTER_AIM = 1.1
"""Enter → saved with Ed25519 signing at most this many times as long as without."""
INGEST_AIM = 0.3
"""Hub ingest at least this fraction of a bare insert_all's speed."""

KEY_FILE = "bench-device-key.pem"
REPORT_PACKAGES = 125
ENTER_PACKAGES = 125


# -- building databases ----------------------------------------------------------------------


def _header(number: int, balance_id: str | None) -> InspectionHeader:

    return InspectionHeader(
        site_name=f"Site {number}", site_address=f"{number} Zhongshan Road", site_kind=SiteKind.RETAILER,
        brand="Golden Grain rice", batch=f"B-{number:06d}", nominal=Decimal(500), unit="g", lot_size=5000,
        rule_set_id="jjf1070-2005", sampling_method=SamplingMethod.SIMPLE_RANDOM, sampling_seed=1000 + number,
        inspectors=("Wang Li",), balance_id=balance_id, tare_method=TareMethod.INDIVIDUAL,
    )


class Filler:
    """Adds finished lots of 50 to 125 packages through the store's use-cases (a finalisation signed each)."""

    def __init__(self, store: SqliteStore, key: SigningKey) -> None:

        self.store = store
        self.sign = finalisation_signer(key)
        self.number = 0
        if store.inspector() is None:
            store.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
        self.balance = store.add_balance(make="Sartorius", model="BSA", serial="S1",
                                         max_capacity="6200", d="0.1")

    def lot(self, packages: int) -> int:
        """One finished lot of `packages` packages; returns the records it wrote (packages + 4)."""

        self.number += 1
        s = self.store
        inspection = s.create_inspection(_header(self.number, self.balance.id))
        s.record_tare(inspection.id, "12.3", TareMethod.INDIVIDUAL, position=1)
        for k in range(packages):
            s.record_measurement(inspection.id, f"{498 + (k * 7) % 40 / 10:.1f}")
        s.finalise_and_sign(inspection.id, "Wang Li", self.sign)
        return packages + 4

    def fill(self, records: int, progress: bool = False) -> None:
        """Lots until about `records` more records are written (the last lot is cut to fit, at least 1 package)."""
        done, started = 0, time.perf_counter()
        while records - done > 5:
            packages = max(1, min(50 + (self.number * 17) % 76, records - done - 4))
            done += self.lot(packages)
            if progress and self.number % 200 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  {done:,} / {records:,} records ({rate:,.0f}/s, "
                      f"about {(records - done) / rate:.0f} s to go)", flush=True)


def report_lot(services: Services, seed: int = 2012) -> str:
    """The lot the report benchmark prints: bench_reports' lot of 125 packages entered through `Services`, finalised."""
    return make_lot(services, seed)


def cached(path: Path, build: Callable[[Path], str]) -> str:
    """Build the database at `path` (via a ``.partial`` file, then renamed) unless it is there; returns what
    `build` returned, kept beside it in ``<path>.json``."""
    meta = path.with_name(path.name + ".json")
    if path.exists() and meta.exists():
        return str(json.loads(meta.read_text())["value"])
    partial = path.with_name(path.name + ".partial")
    for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    value = build(partial)
    partial.replace(path)  # closing the last connection folded the WAL into the file
    meta.write_text(json.dumps({"value": value}))
    print(f"  built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return value


def records_of(db: Path) -> int:
    """How many records the database holds."""
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])


# -- 1. report --------------------------------------------------------------------------------


def bench_report(work: Path, key: SigningKey, repeat: int) -> None:

    def build(total: int) -> Callable[[Path], str]:
        def make(path: Path) -> str:
            print(f"building a database of about {total:,} records with the report's lot in the middle ...", flush=True)
            with SqliteStore.open(path, durable=False, signer=key) as store:
                filler = Filler(store, key)
                other = total - REPORT_PACKAGES - 10
                filler.fill(other // 2, progress=total > 20_000)
                lot = report_lot(Services(store))
                filler.fill(other - other // 2, progress=total > 20_000)
            return lot

        return make

    dbs = {}
    for label, total in (("10^3", 1_000), ("10^5", 100_000)):
        db = work / f"report-{total}.db"
        dbs[label] = (db, cached(db, build(total)))

    font = find_cjk_font(None, notify=lambda note: print(f"note: {note}"))
    trust = Trust(local_key=key.public_key)
    out = work / "report.pdf"

    def report(db: Path, lot: str) -> int:
        with SqliteStore.open_read_only(db) as store:
            data = lot_report_data(Services(store), lot, trust=trust)
            return render_lot_report(data, out, font=font)

    times: dict[str, list[float]] = {label: [] for label in dbs}
    pages = {label: report(db, lot) for label, (db, lot) in dbs.items()}  # warm-up
    for _ in range(repeat):
        for label, (db, lot) in dbs.items():
            t, _ = median_time(1, functools.partial(report, db, lot))
            times[label].append(t)
    print(f"\nreport lot ({REPORT_PACKAGES} packages, data + PDF), median of {repeat} runs, interleaved\n")
    print(f"{'database':<24}{'records':>10}{'pages':>7}{'ms':>10}")
    for label, (db, _) in dbs.items():
        print(f"{label + ' records':<24}{records_of(db):>10,}{pages[label]:>7}{statistics.median(times[label]) * 1000:>10.1f}")
    ratio = statistics.median(times["10^5"]) / statistics.median(times["10^3"])
    print(f"ratio 10^5 / 10^3: {ratio:.2f}x  (aim ≤ {REPORT_AIM:g}x: {'met' if ratio <= REPORT_AIM else 'MISSED'})")


# -- 2. enter ---------------------------------------------------------------------------------


class ConstantSigner:
    """A signer that does no cryptography: a fixed public key and the same 128-hex signature for everything."""

    public_key = "0" * 64

    def sign(self, data: bytes) -> str:
        return "0" * 128


def bench_enter(work: Path, key: SigningKey, repeat: int) -> None:

    signers: dict[str, RecordSigner] = {"Ed25519 signature": key, "constant signature": ConstantSigner()}
    prepared: dict[str, tuple[Path, list[str]]] = {}
    for n, (label, signer) in enumerate(signers.items()):
        db = work / f"enter-{n}.db"
        for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            stale.unlink(missing_ok=True)
        ids = []
        with SqliteStore.open(db, durable=False, signer=signer) as store:
            services = Services(store)
            services.save_inspector("Wang Li", "N-001", "Nanjing QTSB")
            for i in range(repeat + 1):
                inspection = services.start_inspection(_header(i, None))
                for k in range(ENTER_PACKAGES - 1):
                    store.record_measurement(inspection.id, f"{499 + (k * 7) % 40 / 10:.1f}",
                                             gross=f"{511 + (k * 7) % 40 / 10:.1f}", tare="12.0")
                ids.append(inspection.id)
        prepared[label] = (db, ids)

    stores = {label: SqliteStore.open(db, signer=signers[label]) for label, (db, _) in prepared.items()}
    try:
        entering = {label: Services(store) for label, store in stores.items()}
        times: dict[str, list[float]] = {label: [] for label in signers}
        for run in range(repeat + 1):  # run 0 is a warm-up
            order = list(signers) if run % 2 else list(reversed(signers))
            for label in order:
                inspection_id = prepared[label][1][run]
                t, (m, _) = median_time(1, functools.partial(entering[label].record_weight, inspection_id, "512.3 12.1"))
                assert m.position == ENTER_PACKAGES, m.position
                if run:
                    times[label].append(t)
    finally:
        for store in stores.values():
            store.close()
    print(f"\nEnter → saved, package {ENTER_PACKAGES} (Services.record_weight, synchronous=FULL), "
          f"median of {repeat} runs, interleaved\n")
    print(f"{'signer':<24}{'ms':>10}{'min':>10}{'max':>10}")
    for label, ts in times.items():
        print(f"{label:<24}{statistics.median(ts) * 1000:>10.2f}{min(ts) * 1000:>10.2f}{max(ts) * 1000:>10.2f}")
    ratio = statistics.median(times["Ed25519 signature"]) / statistics.median(times["constant signature"])
    print(f"ratio signed / constant: {ratio:.2f}x  (aim ≤ {ENTER_AIM:g}x: {'met' if ratio <= ENTER_AIM else 'MISSED'})")


# -- 3. ingest --------------------------------------------------------------------------------


def bench_ingest(work: Path, key: SigningKey, repeat: int, records: int) -> None:


    def make(path: Path) -> str:
        print(f"building a laptop of about {records:,} records ...", flush=True)
        with SqliteStore.open(path, durable=False, signer=key) as store:
            Filler(store, key).fill(records)
            return store.device_id

    laptop = work / f"laptop-{records}.db"
    device_id = cached(laptop, make)
    with SqliteStore.open_read_only(laptop) as store:
        chain = list(store.records(device_id=device_id))

    def ingest(run: int) -> float:
        directory = work / f"hub-{run}"
        for stale in directory.glob("*") if directory.exists() else ():
            stale.unlink()
        directory.mkdir(exist_ok=True)
        init_hub(directory / "hub.db", "bench hub")
        store, hub = open_hub(directory / "hub.db")
        with store:
            hub.register(hub.enroll("bench laptop"), device_id, key.public_key)
            started = time.perf_counter()
            for i in range(0, len(chain), MAX_BATCH):
                hub.ingest(device_id, chain[i : i + MAX_BATCH], "push")
            elapsed = time.perf_counter() - started
            assert store.chain_head(device_id)[0] == len(chain)
        return elapsed

    def bare(run: int) -> float:
        path = work / f"bare-{run}.db"
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        db = Database(path)
        apply_pragmas(db)
        db.table("records").create({"id": str, "device_id": str, "seq": int, "kind": str, "inspection_id": str,
                              "recorded_at": str, "body": str, "prev_hash": str, "hash": str, "signature": str}, pk="id")
        db.table("records").create_index(["device_id", "seq"], unique=True)
        rows = [{**record_to_dict(r), "body": r.body_json()} for r in chain]
        started = time.perf_counter()
        with db.conn:
            db.table("records").insert_all(rows, batch_size=MAX_BATCH)
        elapsed = time.perf_counter() - started
        db.close()
        return elapsed

    hub_times, bare_times = [], []
    for run in range(repeat):
        hub_times.append(ingest(run))
        bare_times.append(bare(run))
    h, b = statistics.median(hub_times), statistics.median(bare_times)
    n = len(chain)
    print(f"\nhub ingest of {n:,} records (batches of {MAX_BATCH}), median of {repeat} runs, interleaved\n")
    print(f"{'method':<48}{'s':>8}{'records/s':>12}")
    print(f"{'Hub.ingest, every check incl. signatures':<48}{h:>8.2f}{n / h:>12,.0f}")
    print(f"{'bare insert_all, one transaction (baseline)':<48}{b:>8.2f}{n / b:>12,.0f}")
    ratio = b / h
    print(f"ratio insert_all time / ingest time: {ratio:.2f}  (aim ≥ {INGEST_AIM:g}: "
          f"{'met' if ratio >= INGEST_AIM else 'MISSED'})")


# -- 4. verify --------------------------------------------------------------------------------


def verify_child(db: Path, public_key: str) -> int:
    """Run in the child process: verify `db` trusting `public_key`, print one JSON line of figures."""

    before = _status("VmRSS")
    with SqliteStore.open_read_only(db) as store:
        started = time.perf_counter()
        report = verify_store(store, Trust(local_key=public_key))
        elapsed = time.perf_counter() - started
    print(json.dumps({"records": report.records, "signed": report.signed, "seconds": elapsed,
                      "state": report.state(), "problems": report.problems[:3],
                      "rss_before_kib": before, "peak_kib": _status("VmHWM")}))
    return 0


def _status(field: str) -> int:
    """A field of /proc/self/status in KiB (0 where there is none)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def bench_verify(work: Path, key: SigningKey, records: int) -> None:
    def build(total: int) -> Callable[[Path], str]:
        def make(path: Path) -> str:

            print(f"building a database of about {total:,} records for verify ...", flush=True)
            with SqliteStore.open(path, durable=False, signer=key) as store:
                Filler(store, key).fill(total, progress=total > 20_000)
                return store.device_id

        return make

    results = {}
    for total in (records // 10, records):
        db = work / f"verify-{total}.db"
        cached(db, build(total))
        child = subprocess.run(
            [sys.executable, __file__, "--verify-child", str(db), key.public_key],
            check=False, capture_output=True, text=True, cwd=REPO,
        )
        if child.returncode != 0:
            print(f"the verify child failed on {db}: {child.stderr.strip().splitlines()[-1:]}")
            return
        results[total] = json.loads(child.stdout.strip().splitlines()[-1])

    print("\nfull verify (verify_store, this key trusted), each in a child process that does only that\n")
    print(f"{'records':>10}{'s':>9}{'records/s':>12}{'RSS before MiB':>16}{'peak MiB':>10}  state")
    for r in results.values():
        print(f"{r['records']:>10,}{r['seconds']:>9.1f}{r['records'] / r['seconds']:>12,.0f}"
              f"{r['rss_before_kib'] / 1024:>16.1f}{r['peak_kib'] / 1024:>10.1f}  {r['state']}")
        for problem in r["problems"]:
            print(f"    {problem}")
    small, big = results[records // 10], results[records]
    print(f"peak memory {records:,} / {records // 10:,} records: {big['peak_kib'] / small['peak_kib']:.2f}x "
          "(bounded: about 1x)")


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["report", "enter", "ingest", "verify"], help="run one benchmark")
    parser.add_argument("--records", type=int, default=1_000_000, help="records of the verify database (default 10^6)")
    parser.add_argument("--ingest-records", type=int, default=20_000,
                        help="records of the laptop chain the hub ingests (default 20 000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the report (default 5)")
    parser.add_argument("--ingest-repeat", type=int, default=3, help="ingest runs of each kind (default 3)")
    parser.add_argument("--enter-repeat", type=int, default=31, help="timed Enters of each kind (default 31)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ft/B"), help="where databases are built and kept")
    parser.add_argument("--verify-child", nargs=2, metavar=("DB", "PUBLIC_KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.verify_child:
        return verify_child(Path(args.verify_child[0]), args.verify_child[1])

    work: Path = args.dir
    work.mkdir(parents=True, exist_ok=True)
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        os.environ[var] = str(work / "home" / var.lower())
    sys.path.insert(0, str(REPO))

    key = load_or_create(work / KEY_FILE)
    print(f"databases in {work}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    if args.only in (None, "report"):
        bench_report(work, key, args.repeat)
    if args.only in (None, "enter"):
        bench_enter(work, key, args.enter_repeat)
    if args.only in (None, "ingest"):
        bench_ingest(work, key, args.ingest_repeat, args.ingest_records)
    if args.only in (None, "verify"):
        bench_verify(work, key, args.records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
