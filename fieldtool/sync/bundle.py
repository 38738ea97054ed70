"""Provides offline sync: a laptop writes its unsent records as one signed bundle file; the hub's receipt comes back as a file.

The hub ingests a bundle with exactly the checks of a push (`Hub.import_bundle`) and writes its
signed receipt next to it (``FILE.receipt.json``); `import_receipt` records the acknowledgement
on the laptop, so its unsynced count goes down without a network.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from fieldtool.core.records import GENESIS, canonical_json
from fieldtool.errors import InputError
from fieldtool.infra.bounded import read_file
from fieldtool.infra.files import write_atomically
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.client import check_receipt_against_chain, verified_receipt
from fieldtool.sync.errors import SyncError
from fieldtool.sync.wire import MAX_RECEIPT_BYTES, Bundle, FormatError, Receipt, make_bundle, read_wire_json


def export_bundle(store: SqliteStore, key: keys.SigningKey, path: Path, everything: bool = False) -> Bundle:
    """Sign pending finalisations and write the records after the acknowledged head (or all) as a signed bundle.

    Args:
        store: the laptop's database.
        key: the device key.
        path: the file to write.
        everything: the whole chain instead of the unsent records only.

    Returns:
        The bundle written (it may hold no record when everything was acknowledged).
    """
    store.sign_finalisations(keys.finalisation_signer(key))
    after_seq, after_hash = (0, GENESIS) if everything else store.acknowledged_head()
    records = list(store.records(after_seq=after_seq))
    created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    bundle = make_bundle(store.device_id, key.public_key, created, after_seq, after_hash, records, key.sign)
    write_atomically(path, canonical_json(bundle.as_dict()))
    return bundle


def receipt_file(bundle_path: Path) -> Path:
    """Where the hub writes the receipt of a bundle: ``FILE.receipt.json`` next to it."""
    return bundle_path.with_name(bundle_path.name + ".receipt.json")


def write_receipt(receipt: Receipt, path: Path) -> None:
    """Write a receipt file (JSON, signed by the hub)."""
    write_atomically(path, (json.dumps(receipt.as_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8"))


def import_receipt(store: SqliteStore, path: Path) -> Receipt:
    """Record on the laptop a receipt that the hub wrote for a bundle.

    Raises:
        InputError: the file cannot be read, is larger than `MAX_RECEIPT_BYTES`, is not JSON, or nests too deep.
        SyncError: the laptop is not enrolled, or the receipt is not the linked hub's, not about
            this device, or acknowledges a record this laptop does not hold.
    """
    link = store.hub_link()
    if link is None:
        raise SyncError("this laptop is not enrolled with a hub, so it cannot check the hub's receipt")
    content = read_file(path, MAX_RECEIPT_BYTES)
    try:
        data = read_wire_json(content, str(path), MAX_RECEIPT_BYTES, f"{path} is not a receipt ({{problem}})")
    except FormatError as e:
        raise InputError(str(e)) from None
    receipt = verified_receipt(data, str(link["hub_public_key"]), str(link["hub_id"]), store.device_id)
    check_receipt_against_chain(store, receipt)
    store.save_receipt(receipt.as_dict())
    return receipt
