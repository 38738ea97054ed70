"""Provides `LaptopSyncStore`: a laptop's sync state: its link to a hub, the hub's receipts, reference data.

A part of `SqliteStore` (fieldtool.storage.store). The formats and the checks live in
fieldtool.sync; this module holds their SQL only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldtool.core.records import RecordKind
from fieldtool.storage.base import StoreBase
from fieldtool.storage.chain import link_of


class LaptopSyncStore(StoreBase):
    """The hub this laptop is enrolled with, the receipts it signed, and what is still unsynced."""

    def link_hub(self, url: str, hub_id: str, hub_public_key: str, device_name: str) -> None:
        """Remember the hub this laptop is enrolled with and the key that signs its receipts."""
        with self._writing():
            self._db.execute(
                "INSERT INTO sync_link (id, url, hub_id, hub_public_key, device_name, enrolled_at) "
                "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET url = excluded.url, hub_id = excluded.hub_id, "
                "hub_public_key = excluded.hub_public_key, device_name = excluded.device_name, "
                "enrolled_at = excluded.enrolled_at",
                [url, hub_id, hub_public_key, device_name, self._now()],
            )

    def set_hub_url(self, url: str) -> None:
        """Change the address of the linked hub (same hub, same key)."""
        with self._writing():
            self._db.execute("UPDATE sync_link SET url = ? WHERE id = 1", [url])

    def hub_link(self) -> dict[str, Any] | None:
        """The hub this laptop is enrolled with: url, hub_id, hub_public_key, device_name, enrolled_at."""
        row = self._one("SELECT url, hub_id, hub_public_key, device_name, enrolled_at FROM sync_link WHERE id = 1")
        return None if row is None else dict(row)

    def save_receipt(self, receipt: Mapping[str, Any]) -> bool:
        """Keep a receipt (already verified) of the linked hub; False when it was already kept."""
        with self._writing():
            if self._one("SELECT 1 FROM sync_receipts WHERE id = ?", [receipt["id"]]) is not None:
                return False
            self._db.execute(
                "INSERT INTO sync_receipts (id, hub_id, device_id, seq, hash, new_records, duplicates, source, "
                "issued_at, signature, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [receipt[k] for k in ("id", "hub_id", "device_id", "seq", "hash", "new_records", "duplicates",
                                      "source", "issued_at", "signature")] + [self._now()],
            )
        return True

    def receipts(self, limit: int = 20) -> list[dict[str, Any]]:
        """The receipts kept, newest first."""
        return [dict(r) for r in self._all(
            "SELECT * FROM sync_receipts ORDER BY received_at DESC, rowid DESC LIMIT ?", [limit])]

    def latest_receipt(self, device_id: str | None = None) -> dict[str, Any] | None:
        """The kept receipt (of any hub) that acknowledges the furthest point of a device's chain, if any."""
        row = self._one("SELECT * FROM sync_receipts WHERE device_id = ? ORDER BY seq DESC, received_at DESC LIMIT 1",
                        [device_id or self._device_id])
        return None if row is None else dict(row)

    def acknowledged_head(self) -> tuple[int, str]:
        """This device's chain head as last acknowledged by the linked hub's receipts: (0, GENESIS) before any."""
        row = self._one(
            "SELECT r.seq, r.hash FROM sync_receipts r JOIN sync_link l ON l.hub_id = r.hub_id "
            "WHERE r.device_id = ? ORDER BY r.seq DESC LIMIT 1", [self._device_id])
        return link_of(row)

    def unsynced_inspection_count(self) -> int:
        """This device's finalised inspections whose finalisation no hub has acknowledged yet."""
        seq, _ = self.acknowledged_head()
        row = self._one(
            "SELECT count(*) AS n FROM records WHERE device_id = ? AND kind = ? AND seq > ?",
            [self._device_id, str(RecordKind.INSPECTION_FINALISED), seq],
        )
        return 0 if row is None else int(row["n"])

    def unsent_record_count(self) -> int:
        """This device's records after the acknowledged head."""
        return self.chain_head()[0] - self.acknowledged_head()[0]

    def save_reference(self, name: str, content: str) -> None:
        """Keep a piece of reference data received from the hub (replacing the previous one)."""
        with self._writing():
            self._db.execute(
                "INSERT INTO sync_reference (name, content, received_at) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET content = excluded.content, received_at = excluded.received_at",
                [name, content, self._now()],
            )

    def reference(self, name: str) -> tuple[str, str] | None:
        """A piece of reference data received from the hub: (content, received_at), or None."""
        row = self._one("SELECT content, received_at FROM sync_reference WHERE name = ?", [name])
        return None if row is None else (str(row["content"]), str(row["received_at"]))
