"""Provides `HubStore`: a hub's identity, enrolments, devices, nonces, receipts, flagged records, bundles, assignments.

A part of `SqliteStore` (fieldtool.storage.store). A hub database is an ordinary fieldtool
database whose `records` hold every enrolled device's chain. The formats and the checks live in
fieldtool.sync; this module holds their SQL only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from fieldtool.errors import NotFoundError, StoreError
from fieldtool.storage.base import StoreBase

_DEVICE_COLUMNS = "d.id, d.name, d.public_key, d.enrolled_at, r.revoked_at, r.reason AS revoke_reason"
_DEVICES = "hub_devices d LEFT JOIN hub_revocations r ON r.device_id = d.id"


class HubStore(StoreBase):
    """The hub's registry: who may push records, what it issued for them, and what it kept aside."""

    def hub_identity(self) -> dict[str, Any] | None:
        """This database's hub identity (id, name, public_key, created_at), or None when it is not a hub."""
        row = self._one("SELECT id, name, public_key, created_at FROM hub")
        return None if row is None else dict(row)

    def make_hub(self, name: str, public_key: str) -> dict[str, Any]:
        """Make this database a hub, with this device id as the hub id.

        Raises:
            StoreError: it is a hub already.
        """
        try:
            with self._writing():
                self._db.execute("INSERT INTO hub (id, name, public_key, created_at) VALUES (?, ?, ?, ?)",
                                 [self._device_id, name, public_key, self._now()])
        except sqlite3.IntegrityError as e:
            raise StoreError(f"{self._path} is already a hub ({e})") from None
        identity = self.hub_identity()
        assert identity is not None
        return identity

    def add_enrolment(self, code_hash: str, name: str, expires_at: str) -> None:
        """Register a one-time enrolment code (by its hash) for a named device."""
        with self._writing():
            self._db.execute("INSERT INTO hub_enrolments (code_hash, name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                             [code_hash, name, self._now(), expires_at])

    def enrolment(self, code_hash: str) -> dict[str, Any] | None:
        """An enrolment code's row with the device that used it (used_by), or None."""
        row = self._one(
            "SELECT e.*, d.id AS used_by, d.public_key AS used_key FROM hub_enrolments e "
            "LEFT JOIN hub_devices d ON d.enrolment = e.code_hash WHERE e.code_hash = ?", [code_hash])
        return None if row is None else dict(row)

    def add_device(self, device_id: str, name: str, public_key: str, code_hash: str) -> None:
        """Register an enrolled device and its public key (inside the caller's transaction or alone).

        Raises:
            StoreError: the device id is enrolled already, or the code was used.
        """
        try:
            with self._writing():
                self._db.execute(
                    "INSERT INTO hub_devices (id, name, public_key, enrolment, enrolled_at) VALUES (?, ?, ?, ?, ?)",
                    [device_id, name, public_key, code_hash, self._now()])
        except sqlite3.IntegrityError:
            raise StoreError(f"device {device_id} is enrolled already, or the code was used") from None

    def hub_device(self, device_id: str) -> dict[str, Any] | None:
        """An enrolled device: id, name, public_key, enrolled_at, revoked_at, revoke_reason; None if unknown."""
        row = self._one(f"SELECT {_DEVICE_COLUMNS} FROM {_DEVICES} WHERE d.id = ?", [device_id])
        return None if row is None else dict(row)

    def hub_devices(self) -> list[dict[str, Any]]:
        """Every enrolled device with its revocation, acknowledged head, record and flagged counts."""
        rows = self._all(
            f"SELECT {_DEVICE_COLUMNS}, "
            "(SELECT count(*) FROM records x WHERE x.device_id = d.id) AS records, "
            "(SELECT coalesce(max(seq), 0) FROM records x WHERE x.device_id = d.id) AS head_seq, "
            "(SELECT count(*) FROM hub_flagged f WHERE f.device_id = d.id) AS flagged "
            f"FROM {_DEVICES} ORDER BY d.enrolled_at, d.rowid")
        return [dict(r) for r in rows]

    def _require_device(self, device_id: str) -> None:
        if self.hub_device(device_id) is None:
            raise NotFoundError(f"no enrolled device {device_id} (see 'fieldtool hub devices')")

    def revoke_device(self, device_id: str, reason: str) -> None:
        """Revoke an enrolled device: its requests and bundles are refused from now on; its records stay.

        Raises:
            NotFoundError: no such device.
            StoreError: it is revoked already.
        """
        self._require_device(device_id)
        try:
            with self._writing():
                self._db.execute("INSERT INTO hub_revocations (device_id, reason, revoked_at) VALUES (?, ?, ?)",
                                 [device_id, reason, self._now()])
        except sqlite3.IntegrityError:
            raise StoreError(f"device {device_id} is revoked already") from None

    def use_nonce(self, device_id: str, nonce: str, now: int, window: int) -> bool:
        """Remember a request's nonce; False when it was seen already (a replay). Forgets nonces older than `window` s."""
        with self._writing():
            self._db.execute("DELETE FROM hub_nonces WHERE seen_at < ?", [now - 2 * window])
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO hub_nonces (device_id, nonce, seen_at) VALUES (?, ?, ?)", [device_id, nonce, now])
            return cursor.rowcount == 1

    def add_issued_receipt(self, receipt: Mapping[str, Any]) -> None:
        """Keep a receipt the hub issued (inside the transaction that stored its records)."""
        self._db.execute(
            "INSERT INTO hub_receipts (id, device_id, seq, hash, new_records, duplicates, source, issued_at, signature) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [receipt[k] for k in ("id", "device_id", "seq", "hash", "new_records", "duplicates", "source",
                                  "issued_at", "signature")],
        )

    def latest_issued_receipt(self, device_id: str) -> dict[str, Any] | None:
        """The receipt this hub issued that acknowledges the furthest point of a device's chain, if any."""
        row = self._one("SELECT * FROM hub_receipts WHERE device_id = ? ORDER BY seq DESC, issued_at DESC LIMIT 1",
                        [device_id])
        return None if row is None else dict(row)

    def flag(self, entries: list[dict[str, Any]]) -> int:
        """Keep refused records aside for the supervisor (each once); returns how many were new.

        Each entry: device_id, seq, record_id, record_hash, reason, record (the JSON as received), source.
        """
        added = 0
        with self._writing():
            for e in entries:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO hub_flagged (device_id, seq, record_id, record_hash, reason, record, source, "
                    "flagged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [e["device_id"], e["seq"], e["record_id"], e["record_hash"], e["reason"], e["record"], e["source"],
                     self._now()],
                )
                added += cursor.rowcount
        return added

    def flagged(self) -> list[dict[str, Any]]:
        """Every record kept aside, oldest first."""
        return [dict(r) for r in self._all("SELECT * FROM hub_flagged ORDER BY id")]

    def imported_bundle(self, sha256: str) -> dict[str, Any] | None:
        """The import of a bundle file (by its SHA-256) with its receipt, or None."""
        row = self._one(
            "SELECT b.sha256, b.device_id, b.imported_at, r.* FROM hub_bundles b JOIN hub_receipts r "
            "ON r.id = b.receipt_id WHERE b.sha256 = ?", [sha256])
        return None if row is None else dict(row)

    def add_imported_bundle(self, sha256: str, device_id: str, receipt_id: str) -> None:
        """Remember an imported bundle file (inside the transaction that stored its records)."""
        self._db.execute("INSERT INTO hub_bundles (sha256, device_id, receipt_id, imported_at) VALUES (?, ?, ?, ?)",
                         [sha256, device_id, receipt_id, self._now()])

    def assign(self, device_id: str, programme_id: str, cities: list[str], products: list[str]) -> None:
        """Assign a device (its inspector) to cities and products of a programme (replacing an earlier assignment).

        Raises:
            NotFoundError: the device is not enrolled.
        """
        self._require_device(device_id)
        with self._writing():
            self._db.execute(
                "INSERT INTO hub_assignments (device_id, programme_id, cities, products, assigned_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(device_id, programme_id) DO UPDATE SET cities = excluded.cities, "
                "products = excluded.products, assigned_at = excluded.assigned_at",
                [device_id, programme_id, json.dumps(cities), json.dumps(products), self._now()],
            )

    def assignments(self, device_id: str | None = None) -> list[dict[str, Any]]:
        """Assignments (of one device, or all): device_id, name, programme_id, cities, products, assigned_at."""
        rows = self._all(
            "SELECT a.*, d.name FROM hub_assignments a JOIN hub_devices d ON d.id = a.device_id "
            "WHERE ? IS NULL OR a.device_id = ? ORDER BY d.name, a.programme_id", [device_id, device_id])
        return [{**dict(r), "cities": json.loads(r["cities"]), "products": json.loads(r["products"])} for r in rows]
