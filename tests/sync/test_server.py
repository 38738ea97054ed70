"""End-to-end: the real hub server process on loopback, laptops syncing over HTTP, and the CLI in subprocesses."""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from fieldtool.core.records import canonical_json
from fieldtool.infra import paths
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.client import SyncResult, received_assignments, received_reference, sync
from fieldtool.sync.errors import AuthError, SyncError
from fieldtool.sync.hub import open_hub
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from fieldtool.sync.wire import HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, request_payload
from tests.conftest import PYTHON, run_cli_env
from tests.sync.conftest import Laptop, Server, enroll_in_process, make_laptop

LAPTOPS = 30


def hub_counts(hub_db: Path) -> dict[str, tuple[int, int]]:
    """Per device: (records held, highest seq)."""
    with SqliteStore.open(hub_db) as store:
        rows = store._db.execute("SELECT device_id, count(*), max(seq) FROM records GROUP BY device_id").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def chain_hashes(db: Path, device_id: str) -> list[str]:
    with SqliteStore.open(db) as store:
        return [r.hash for r in store.records(device_id=device_id)]


@pytest.mark.slow
def test_thirty_laptops_sync_concurrently_then_again_nothing_new(tmp_path: Path, server: Server) -> None:
    laptops = [make_laptop(tmp_path / f"laptop{n:02d}", f"Inspector {n}", inspections=3, weights=5, open_one=n % 3 == 0)
               for n in range(LAPTOPS)]
    codes = [enroll_in_process(server.db, lap.name) for lap in laptops]
    results: dict[int, SyncResult | BaseException] = {}

    def run_all(first: bool) -> None:
        def one(n: int) -> None:
            try:
                with laptops[n].store() as store:
                    results[n] = sync(store, laptops[n].key, server.url, enroll_code=codes[n] if first else None,
                                      batch_size=16)
            except Exception as e:  # noqa: BLE001 - a thread's failure is reported below, with the laptop's number
                results[n] = e

        threads = [threading.Thread(target=one, args=(n,)) for n in range(LAPTOPS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        failures = {n: r for n, r in results.items() if isinstance(r, BaseException)}
        assert not failures, failures

    run_all(first=True)
    counts = hub_counts(server.db)
    devices = {}
    for n, lap in enumerate(laptops):
        with lap.store() as store:
            devices[n] = store.device_id
            head = store.chain_head()[0]
            result = results[n]
            assert isinstance(result, SyncResult)
            assert result.enrolled and result.stored == head and result.head[0] == head
            assert store.unsynced_inspection_count() == 0
            assert verify_store(store, Trust(local_key=lap.key.public_key)).ok
        assert counts[devices[n]] == (head, head)
    assert len(counts) == LAPTOPS

    results.clear()
    run_all(first=False)
    assert all(isinstance(r, SyncResult) and r.sent == 0 and r.stored == 0 for r in results.values())
    assert hub_counts(server.db) == counts
    with SqliteStore.open(server.db) as hub_store:
        report = verify_store(hub_store)
        assert report.ok, report.problems[:5]
        assert report.devices == LAPTOPS and report.signatures == 3 * LAPTOPS
        assert len(hub_store.inspections(final=True)) == 3 * LAPTOPS
    assert chain_hashes(server.db, devices[7]) == chain_hashes(laptops[7].db, devices[7])


def signed_request(url: str, device_id: str, key: keys.SigningKey, path: str, body: bytes, moment: int | None = None,
                   nonce: str | None = None) -> urllib.request.Request:
    moment = int(time.time()) if moment is None else moment
    nonce = nonce or secrets.token_hex(16)
    headers = {HEADER_DEVICE: device_id, HEADER_TIME: str(moment), HEADER_NONCE: nonce,
               HEADER_SIGNATURE: key.sign(request_payload("POST" if body else "GET", path, device_id, moment, nonce, body))}
    return urllib.request.Request(url + path, data=body or None, headers=headers, method="POST" if body else "GET")


def answer(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture
def enrolled(tmp_path: Path, server: Server) -> Laptop:
    lap = make_laptop(tmp_path / "wang", "Inspector Wang", inspections=2)
    with lap.store() as store:
        sync(store, lap.key, server.url, enroll_code=enroll_in_process(server.db, lap.name))
    return lap


def test_replayed_stale_forged_and_unknown_requests_are_refused(server: Server, enrolled: Laptop) -> None:
    with enrolled.store() as store:
        device = store.device_id
    request = signed_request(server.url, device, enrolled.key, "/v1/head", b"")
    assert answer(request)[0] == 200
    status, doc = answer(request)
    assert (status, doc["error"]) == (401, "this request was sent before (replayed nonce); refused")
    status, doc = answer(signed_request(server.url, device, enrolled.key, "/v1/head", b"", moment=int(time.time()) - 3600))
    assert status == 401 and "3600 s away from the hub's clock" in doc["error"]
    status, doc = answer(signed_request(server.url, device, keys.SigningKey.generate(), "/v1/head", b""))
    assert status == 401 and "signature is not valid" in doc["error"]
    status, doc = answer(signed_request(server.url, "stranger", keys.SigningKey.generate(), "/v1/head", b""))
    assert status == 401 and "device stranger is not enrolled" in doc["error"]
    status, doc = answer(urllib.request.Request(server.url + "/v1/head"))
    assert status == 401 and "no X-Fieldtool-Device header" in doc["error"]


def test_a_truncated_upload_applies_nothing_and_the_next_sync_completes(server: Server, enrolled: Laptop) -> None:
    with enrolled.store() as store:
        from tests.sync.conftest import add_inspections

        add_inspections(store, enrolled.key, 1, first=20)
        device = store.device_id
        before = store.acknowledged_head()[0]
        records = [r for r in store.records(after_seq=before)]
    from fieldtool.sync.wire import record_to_dict

    body = canonical_json({"records": [record_to_dict(r) for r in records]})
    request = signed_request(server.url, device, enrolled.key, "/v1/push", body)
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    with socket.create_connection((host, int(port))) as raw:
        head = f"POST /v1/push HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in request.header_items()) + "\r\n"
        raw.sendall(head.encode() + body[: len(body) // 2])
        raw.shutdown(socket.SHUT_WR)
        raw.settimeout(10)
        try:
            raw.recv(1000)
        except OSError:
            pass
    assert hub_counts(server.db)[device][1] == before
    with enrolled.store() as store:
        result = sync(store, enrolled.key)
        assert result.stored == len(records) and store.unsent_record_count() == 0


def test_revoked_laptop_is_refused_and_reference_data_is_pulled(server: Server, enrolled: Laptop) -> None:
    with enrolled.store() as store:
        device = store.device_id
        reference = received_reference(store)
    assert reference is not None
    assert "cn-2012-net-content" in {p["id"] for p in reference["programmes"]}
    assert "jjf1070-2005" in {r["id"] for r in reference["rule_sets"]}
    assert len(reference["balances"]) == 1 and reference["assignments"] == []
    store, hub = open_hub(server.db)
    with store:
        store.assign(device, "cn-2012-net-content", ["nanjing", "suzhou"], [])
    with enrolled.store() as laptop_store:
        sync(laptop_store, enrolled.key)
        assigned = received_assignments(laptop_store)
    assert [(a["programme_id"], a["cities"], a["products"]) for a in assigned] == [
        ("cn-2012-net-content", ["nanjing", "suzhou"], [])]
    store, hub = open_hub(server.db)
    with store:
        hub.revoke(device, "laptop lost on the train")
    with enrolled.store() as laptop_store, pytest.raises(AuthError, match="revoked .*laptop lost on the train"):
        sync(laptop_store, enrolled.key)


def test_openapi_document_describes_every_endpoint(server: Server) -> None:
    with urllib.request.urlopen(server.url + "/openapi.json", timeout=10) as r:
        doc = json.loads(r.read())
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/v1/health", "/openapi.json", "/v1/enroll", "/v1/head", "/v1/push", "/v1/reference"}


# -- the CLI -----------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "fieldtool.cli.sync", *args], check=False, capture_output=True, text=True,
                          env=run_cli_env(), timeout=120)


@pytest.mark.slow
def test_cli_enrol_sync_bundle_import_receipt_verify_and_revoke(tmp_path: Path, server: Server) -> None:
    # The laptop of this test uses the default places: its key and database in the user data directory.
    laptop = make_laptop(paths.data_dir(), "Inspector Wang", inspections=2)
    enrolled = cli("hub", "enroll", "--db", str(server.db), "--name", "Inspector Wang, Nanjing")
    assert enrolled.returncode == 0, enrolled.stderr
    code = enrolled.stdout.strip()
    first = cli("sync", "--hub", server.url, "--enroll", code)
    assert first.returncode == 0, first.stderr
    assert "enrolled; sent" in first.stdout and "new to the hub" in first.stdout
    again = cli("sync")
    assert again.returncode == 0 and "sent 0 records" in again.stdout, again.stderr
    with laptop.store() as store:
        add_inspections_cli = __import__("tests.sync.conftest", fromlist=["add_inspections"]).add_inspections
        add_inspections_cli(store, laptop.key, 1, first=30, sign_at_finalise=False)
        device = store.device_id
    bundle = tmp_path / "usb" / "wang.bundle"
    bundle.parent.mkdir()
    exported = cli("bundle", "export", "-o", str(bundle))
    assert exported.returncode == 0 and "signed" in exported.stdout, exported.stderr
    imported = cli("hub", "import", "--db", str(server.db), str(bundle))
    assert imported.returncode == 0 and "records stored" in imported.stdout, imported.stderr
    replay = cli("hub", "import", "--db", str(server.db), str(bundle))
    assert replay.returncode == 0 and "was imported before" in replay.stdout and "nothing changed" in replay.stdout
    recorded = cli("bundle", "receipt", str(bundle) + ".receipt.json")
    assert recorded.returncode == 0 and "0 finalised inspections not yet acknowledged" in recorded.stdout, recorded.stderr
    for db in (str(paths.default_db()), str(server.db)):
        verified = cli("verify", "--db", db)
        assert verified.returncode == 0 and "OK: " in verified.stdout and "3 finalisation signatures" in verified.stdout, verified.stdout
    listed = cli("hub", "devices", "--db", str(server.db))
    assert device in listed.stdout and "active" in listed.stdout
    revoked = cli("hub", "revoke", "--db", str(server.db), device, "--reason", "laptop replaced")
    assert revoked.returncode == 0
    refused = cli("sync")
    assert refused.returncode == 1 and "revoked" in refused.stderr and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    refused_bundle = cli("hub", "import", "--db", str(server.db), str(bundle) + ".receipt.json")
    assert refused_bundle.returncode == 1 and "not a fieldtool bundle" in refused_bundle.stderr


def test_cli_mistakes_are_one_line(tmp_path: Path) -> None:
    for args, text in (
        (("verify", "--db", str(tmp_path / "none.db")), "no database"),
        (("hub", "enroll", "--db", str(tmp_path / "none.db"), "--name", "x"), "no hub database"),
        (("sync", "--db", str(tmp_path / "new.db")), "not enrolled with a hub"),
        (("sync", "--hub", "ftp://x", "--enroll", "A", "--db", str(tmp_path / "new.db")), "hub URL must be"),
        (("sync", "--hub", "http://127.0.0.1:9", "--enroll", "A", "--db", str(tmp_path / "new.db")), "cannot reach the hub"),
    ):
        result = cli(*args)
        assert result.returncode != 0 and text in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (PEM files), as a hub without a public CA would use."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fieldtool hub")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(private, hashes.SHA256()))
    cert_file, key_file = directory / "hub.crt", directory / "hub.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return cert_file, key_file


def test_https_hub_with_its_certificate_pinned_by_cafile(tmp_path: Path, hub_db: Path) -> None:
    import ssl

    from tests.sync.conftest import start_server, stop_server

    cert, key = self_signed(tmp_path)
    server = start_server(hub_db, "--cert", str(cert), "--key", str(key),
                          context=ssl.create_default_context(cafile=str(cert)))
    try:
        assert server.url.startswith("https://127.0.0.1:")
        lap = make_laptop(tmp_path / "wang", "Inspector Wang", inspections=1)
        code = enroll_in_process(hub_db, lap.name)
        with lap.store() as store:
            with pytest.raises(SyncError, match="cannot reach the hub .*CERTIFICATE_VERIFY_FAILED"):
                sync(store, lap.key, server.url, enroll_code=code)  # an unknown certificate is not trusted
            result = sync(store, lap.key, server.url, enroll_code=code, cafile=cert)
            assert result.enrolled and result.stored == store.chain_head()[0]
    finally:
        stop_server(server)
