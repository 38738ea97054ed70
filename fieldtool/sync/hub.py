"""Provides `Hub`: the hub's use-cases over its database: enrolment, authentication, ingest with receipts, reference data.

The hub stores what laptops send in an ordinary fieldtool database: every device's records in
`records`, applied to the same projections, so the report commands run against it. The hub never
changes a record. A batch (a push, or a bundle file) is stored atomically after every record has
been checked: its place in the device's chain, its hash, its body against its kind's schema
(fieldtool.core.record_schema: types, decimals, ranges, references), and each finalisation
signature against the key the device enrolled with. A record that contradicts one already held,
a chain that does not extend the acknowledged head, or a body that fails its schema is refused
with the reason, and kept aside in `hub_flagged` for the supervisor; the batch is then stored not
at all.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fieldtool.core.record_schema import RecordSchemaError, validate_record
from fieldtool.core.records import (
    Record,
    RecordKind,
    after_finalisation_problem,
    attestation_problem,
    canonical_json,
    prechecked,
    record_hash,
    signature_problem,
    to_json_value,
)
from fieldtool.errors import InputError, NotFoundError, StoreError
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.errors import AuthError, RefusedError
from fieldtool.sync.trust import attested_through
from fieldtool.sync.wire import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    Bundle,
    FormatError,
    Receipt,
    bundle_from_bytes,
    is_hex64,
    record_to_dict,
    request_payload,
    unsigned,
)
from fieldtool.sync.wire import signature_problem as finalisation_signature_problem

FRESHNESS_SECONDS = 300
"""How far a request's signing time may be from the hub's clock; a nonce is remembered at least this long."""

MAX_BATCH = 1000
"""The most records one push may carry."""

REFERENCE_TYPE = "fieldtool-reference/1"
"""The `type` of the reference data document served to laptops."""

_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud or typed from paper


def hub_key_path(db: Path) -> Path:
    """Where the hub's signing key lives: next to its database (``hub.db`` → ``hub.key.pem``)."""
    return db.with_suffix(".key.pem")


def _code_hash(code: str) -> str:
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode("ascii", "replace")).hexdigest()


def _now_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class IngestResult:
    """What a batch did: the signed receipt, and whether it was a replay of a bundle already imported."""

    receipt: Receipt
    """The hub's signed receipt: the device's acknowledged head."""
    replay: bool = False
    """True when the same bundle file had been imported before (nothing changed)."""


class Hub:
    """The hub's use-cases over its store.

    Args:
        store: the hub database (made a hub by `init_hub`); its connection belongs to the calling thread.
        key: the hub's signing key (receipts, reference data).
        clock: the current time (aware); UTC now by default.
    """

    def __init__(self, store: SqliteStore, key: keys.SigningKey, clock: Callable[[], datetime] | None = None) -> None:
        identity = store.hub_identity()
        if identity is None:
            raise InputError(f"{store.path} is not a hub database; create one with 'fieldtool hub init --db FILE'")
        if identity["public_key"] != key.public_key:
            raise InputError(f"the key next to {store.path} is not the key this hub was created with")
        self.store = store
        self.key = key
        self.identity: dict[str, Any] = identity
        """The hub's id, name, public key and creation time."""
        self._clock = clock or (lambda: datetime.now(UTC))

    @property
    def hub_id(self) -> str:
        """The hub's id (its database's device id)."""
        return str(self.identity["id"])

    # -- enrolment and devices -------------------------------------------------------------------

    def enroll(self, name: str, valid_days: int = 7) -> str:
        """Make a one-time enrolment code for a named laptop; only its hash is stored.

        Raises:
            InputError: an empty name or a validity of less than a day.
        """
        name = " ".join(name.split())
        if not name:
            raise InputError("give the name of the inspector or laptop to enrol (--name)")
        if valid_days < 1:
            raise InputError(f"an enrolment code must be valid for at least a day; got {valid_days}")
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        expires = self._clock() + timedelta(days=valid_days)
        self.store.add_enrolment(_code_hash(code), name, _now_text(expires))
        return code

    def register(self, code: str, device_id: str, public_key: str) -> dict[str, Any]:
        """Register a laptop's public key with its one-time code; repeating the same registration is a no-op.

        Returns:
            What the laptop keeps: hub_id, hub_public_key, device_id, device_name.

        Raises:
            AuthError: an unknown, expired or already used code, or a malformed key.
        """
        if not is_hex64(public_key) or not device_id:
            raise AuthError("enrolment needs the device id and its Ed25519 public key (64 hex digits)")
        code_hash = _code_hash(code)
        with self.store.transaction():
            row = self.store.enrolment(code_hash)
            if row is None:
                raise AuthError("unknown enrolment code; ask the supervisor for a new one ('fieldtool hub enroll')",
                               zh="注册码不存在：请向主管索取新的注册码")
            if row["used_by"] is not None:
                if row["used_by"] == device_id and row["used_key"] == public_key:
                    return self._enrolled(device_id, row["name"])
                raise AuthError("this enrolment code was used already; ask the supervisor for a new one",
                               zh="该注册码已被使用：请向主管索取新的注册码")
            if row["expires_at"] < _now_text(self._clock()):
                raise AuthError(f"this enrolment code expired at {row['expires_at']}; ask the supervisor for a new one",
                               zh=f"该注册码已于 {row['expires_at']} 过期：请向主管索取新的注册码")
            if self.store.hub_device(device_id) is not None:
                raise AuthError(f"device {device_id} is enrolled already", zh=f"设备 {device_id} 已注册")
            self.store.add_device(device_id, row["name"], public_key, code_hash)
        return self._enrolled(device_id, row["name"])

    def _enrolled(self, device_id: str, name: str) -> dict[str, Any]:
        return {"hub_id": self.hub_id, "hub_name": self.identity["name"], "hub_public_key": self.key.public_key,
                "device_id": device_id, "device_name": name}

    def active_device(self, device_id: str) -> dict[str, Any]:
        """An enrolled device that is not revoked.

        Raises:
            AuthError: the device is unknown or revoked.
        """
        device = self.store.hub_device(device_id)
        if device is None:
            raise AuthError(f"device {device_id} is not enrolled on this hub", zh=f"设备 {device_id} 未在此中心注册")
        if device["revoked_at"] is not None:
            raise AuthError(f"device {device_id} ({device['name']}) was revoked at {device['revoked_at']}: "
                            f"{device['revoke_reason']}",
                            zh=f"设备 {device_id}（{device['name']}）已于 {device['revoked_at']} 被撤销："
                               f"{device['revoke_reason']}")
        return device

    def authenticate(self, method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        """Check a request's device signature, freshness and nonce (see `wire`); returns the device.

        Args:
            method: the HTTP method.
            path: the request path.
            headers: the request headers (lower-case names).
            body: the request body as received.

        Raises:
            AuthError: a missing header, an unknown or revoked device, a bad or stale signature, a replay.
        """
        def header(name: str) -> str:
            value = headers.get(name.lower())
            if not value:
                raise AuthError(f"the request has no {name} header; it must be signed by an enrolled device")
            return value

        device_id, stamp, nonce, signature = (header(h) for h in (HEADER_DEVICE, HEADER_TIME, HEADER_NONCE,
                                                                   HEADER_SIGNATURE))
        try:
            moment = int(stamp)
        except ValueError:
            raise AuthError(f"{HEADER_TIME} must be Unix seconds; got {stamp!r}") from None
        if len(nonce) != 32 or any(c not in "0123456789abcdef" for c in nonce):
            raise AuthError(f"{HEADER_NONCE} must be 32 hex digits")
        device = self.active_device(device_id)
        now = int(self._clock().timestamp())
        if abs(now - moment) > FRESHNESS_SECONDS:
            raise AuthError(f"the request was signed {abs(now - moment)} s away from the hub's clock (at most "
                            f"{FRESHNESS_SECONDS} s); check the laptop's clock",
                            zh=f"本机时钟与中心相差 {abs(now - moment)} 秒（最多 {FRESHNESS_SECONDS} 秒）：请校准本机时钟")
        if not keys.valid_signature(device["public_key"], request_payload(method, path, device_id, moment, nonce, body),
                                    signature):
            raise AuthError(f"the request's signature is not valid for device {device_id}",
                            zh=f"请求的签名与设备 {device_id} 不符")
        if not self.store.use_nonce(device_id, nonce, now, FRESHNESS_SECONDS):
            raise AuthError("this request was sent before (replayed nonce); refused")
        return device

    def revoke(self, device_id: str, reason: str) -> None:
        """Revoke a device: its requests and bundles are refused from now on; what it sent stays.

        Raises:
            InputError: an empty reason.
            NotFoundError: no such device.
            StoreError: it is revoked already.
        """
        reason = " ".join(reason.split())
        if not reason:
            raise InputError("give the reason for the revocation (--reason)")
        self.store.revoke_device(device_id, reason)

    # -- receipts --------------------------------------------------------------------------------

    def receipt(self, device_id: str, new_records: int, duplicates: int, source: str) -> Receipt:
        """A signed receipt of the device's chain head as held now."""
        seq, head = self.store.chain_head(device_id)
        draft = Receipt(str(uuid.uuid4()), self.hub_id, device_id, seq, head, new_records, duplicates, source,
                        _now_text(self._clock()), "")
        return Receipt(**{**asdict(draft), "signature": self.key.sign(draft.payload())})

    # -- ingest ----------------------------------------------------------------------------------

    def ingest(self, device_id: str, records: Sequence[Record], source: str, bundle_sha256: str | None = None) -> Receipt:
        """Check and store a batch of one device's records atomically; returns the signed receipt.

        Records the hub holds already (same device, seq and content) are skipped: re-sending is a
        no-op. The batch is refused as a whole, with every reason, when a record is of another
        device, contradicts a held record, does not extend the chain, has a wrong hash, a body that
        fails its kind's schema or names a record that is not there, a bad signature, or cannot be
        applied; the offending records are kept aside for the supervisor.

        Raises:
            AuthError: the device is unknown or revoked.
            RefusedError: the batch was refused; nothing of it was stored.
        """
        device = self.active_device(device_id)
        if len(records) > MAX_BATCH:
            raise RefusedError(f"a batch holds at most {MAX_BATCH} records; got {len(records)}")
        flags: list[dict[str, Any]] = []
        problems: list[str] = []

        def refuse(record: Record, reason: str) -> None:
            problems.append(reason)
            flags.append({
                "device_id": device_id, "seq": record.seq, "record_id": record.id, "record_hash": record.hash,
                "reason": reason, "record": canonical_json(record_to_dict(record)).decode("utf-8"), "source": source,
            })

        for r in records:
            if r.device_id != device_id:
                refuse(r, f"record {r.id} (seq {r.seq}) is of device {r.device_id}; device {device_id} "
                          "may send only its own records")
        ordered = sorted(records, key=lambda r: r.seq)
        stored = 0
        duplicates = 0
        try:
            if problems:
                raise _Refusal
            with self.store.transaction():
                head_seq, head_hash = self.store.chain_head(device_id)
                held = self.store.records_at(device_id, [r.seq for r in ordered if r.seq <= head_seq])
                batch: dict[str, Record] = {}
                finalised: dict[str, int] = {}  # inspections finalised in this batch, with the seq
                held_final: dict[str, int | None] = {}  # the store's finalisations looked up in this batch
                prev_seq, prev_hash = head_seq, head_hash
                attested = self._attested_through(device_id, ordered)
                # The new records' own signatures, checked at once on a thread per core.
                valid = prechecked(device["public_key"], [r for r in ordered if r.seq > head_seq],
                                   keys.valid_signatures, keys.valid_signature)
                seen: set[int] = set()
                for r in ordered:
                    where = f"record {r.id} (device {device_id}, seq {r.seq})"
                    if r.seq in seen:
                        refuse(r, f"{where}: seq {r.seq} appears twice in the batch with different content")
                        break
                    seen.add(r.seq)
                    if r.seq <= head_seq:
                        mine = held.get(r.seq)
                        if mine == r:
                            duplicates += 1
                        else:
                            refuse(r, f"{where} contradicts record {mine.id if mine else '?'} that the hub holds at "
                                      f"seq {r.seq} (hash {r.hash[:12]}… ≠ {mine.hash[:12] if mine else '?'}…); "
                                      "kept aside for the supervisor")
                        continue
                    if r.seq != prev_seq + 1:
                        refuse(r, f"{where} does not extend the acknowledged head: the hub holds seq {prev_seq} and "
                                  f"expects seq {prev_seq + 1} next (records {prev_seq + 1}–{r.seq - 1} missing)")
                        break
                    if r.prev_hash != prev_hash:
                        refuse(r, f"{where} does not extend the chain: its previous hash {r.prev_hash[:12]}… is not "
                                  f"the hash {prev_hash[:12]}… of seq {prev_seq}")
                        break
                    intact = _wire_hash(r) == r.hash
                    if not intact:
                        refuse(r, f"{where}: hash does not match its contents (the record was altered)")
                        break
                    own = signature_problem(r, device["public_key"], attested, valid)
                    if own is None and r.kind == RecordKind.CHAIN_ATTESTED:
                        own = attestation_problem(r)
                        if own is None and attested != r.seq - 1:
                            own = f"{r.where}: a chain is attested once; its first attestation covers seq 1–{attested}"
                    if own is not None:
                        refuse(r, own)
                        break
                    late = after_finalisation_problem(r, self._finalised(r.inspection_id, finalised, held_final))
                    if late is not None:
                        refuse(r, late)
                        break
                    if r.kind == RecordKind.INSPECTION_FINALISED and r.inspection_id is not None:
                        finalised.setdefault(r.inspection_id, r.seq)
                    try:
                        # Before anything is stored: a body every report can read, naming what it refers to.
                        validate_record(r, lambda rid: batch.get(rid) or self.store.record_by_id(rid))
                    except RecordSchemaError as e:
                        refuse(r, str(e))
                        break
                    if r.kind == RecordKind.INSPECTION_SIGNED:
                        fid = r.body.get("finalisation_id")
                        signed = batch.get(fid) if isinstance(fid, str) else None
                        if signed is None and isinstance(fid, str):
                            signed = self.store.record_by_id(fid)
                        problem = finalisation_signature_problem(r, signed, device["public_key"], keys.valid_signature)
                        if problem is not None:
                            refuse(r, problem)
                            break
                    batch[r.id] = r
                    prev_seq, prev_hash = r.seq, r.hash
                if problems:
                    raise _Refusal
                for r in batch.values():
                    try:
                        self.store.insert_verified_record(r)
                    except (StoreError, sqlite3.IntegrityError, TypeError) as e:
                        refuse(r, f"record {r.id} (device {device_id}, seq {r.seq}) cannot be applied: {e}")
                        raise _Refusal from None
                    stored += 1
                receipt = self.receipt(device_id, stored, duplicates, source)
                self.store.add_issued_receipt(receipt.as_dict())
                if bundle_sha256 is not None:
                    self.store.add_imported_bundle(bundle_sha256, device_id, receipt.id)
        except _Refusal:
            self.store.flag(flags)
            first = problems[0]
            more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
            raise RefusedError(f"refused, nothing stored: {first}{more}", problems) from None
        return receipt

    def _attested_through(self, device_id: str, batch: Sequence[Record]) -> int:
        """The last seq the device's ``chain-attested`` record covers: the one held, else the first in the batch (0: none)."""
        held = attested_through(self.store, device_id)
        if held or self.store.first_of_kind(str(RecordKind.CHAIN_ATTESTED), device_id) is not None:
            return held
        first = next((r for r in batch if r.kind == RecordKind.CHAIN_ATTESTED), None)
        return first.seq - 1 if first is not None else 0

    def _finalised(
        self, inspection_id: str | None, in_batch: dict[str, int], held: dict[str, int | None]
    ) -> dict[str, int]:
        """The finalisation of `inspection_id` by seq, if it was finalised in the batch or before it (held here).

        Args:
            inspection_id: the inspection a record names.
            in_batch: inspections finalised earlier in the batch, with the seq.
            held: the store's answers so far in this batch (None: not finalised), filled as a cache.
        """
        if inspection_id is None or inspection_id in in_batch:
            return in_batch
        if inspection_id not in held:  # one look-up an inspection and batch, not one a record
            found = self.store.finalisation_of(inspection_id)
            held[inspection_id] = found.seq if found is not None else None
        seq = held[inspection_id]
        return in_batch if seq is None else {inspection_id: seq}

    def import_bundle(self, data: bytes, name: str) -> IngestResult:
        """Ingest a bundle file with exactly the checks of a push; a file imported before changes nothing.

        Raises:
            RefusedError: a truncated or altered file, a device unknown or revoked, a bad signature,
                or records refused by `ingest`.
        """
        sha = hashlib.sha256(data).hexdigest()
        previous = self.store.imported_bundle(sha)
        if previous is not None:
            fields = {k: previous[k] for k in ("id", "device_id", "seq", "hash", "new_records", "duplicates", "source",
                                               "issued_at", "signature")}
            return IngestResult(Receipt(hub_id=self.hub_id, **fields), replay=True)
        try:
            bundle: Bundle = bundle_from_bytes(data, name)
        except FormatError as e:
            raise RefusedError(f"refused, nothing stored: {e}") from None
        try:
            device = self.active_device(bundle.device_id)
        except AuthError as e:
            raise RefusedError(f"refused, nothing stored: bundle {name}: {e}") from None
        if bundle.public_key != device["public_key"]:
            raise RefusedError(f"refused, nothing stored: bundle {name} is signed with a key that is not the enrolled "
                               f"key of device {bundle.device_id}")
        if not keys.valid_signature(device["public_key"], bundle.payload(), bundle.signature):
            raise RefusedError(f"refused, nothing stored: bundle {name} does not match its signature "
                               "(altered after export)")
        receipt = self.ingest(bundle.device_id, bundle.records, f"bundle:{sha}", bundle_sha256=sha)
        return IngestResult(receipt)

    # -- reference data --------------------------------------------------------------------------

    def reference(self, device_id: str) -> dict[str, Any]:
        """The reference data for a laptop, signed by the hub: programmes and rule sets (their TOML
        text), the balance register and the device's assignments."""
        from fieldtool.plans.where import files_by_id, programmes_dirs, rules_dirs

        def files(directories: list[Path]) -> list[dict[str, str]]:
            out = []
            for file_id, path in sorted(files_by_id(directories).items()):
                text = path.read_text(encoding="utf-8")
                out.append({"id": file_id, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "toml": text})
            return out

        balances = [to_json_value({k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                   for k, v in asdict(b).items()}) for b in self.store.balances()]
        document = {
            "type": REFERENCE_TYPE,
            "hub_id": self.hub_id,
            "device_id": device_id,
            "issued_at": _now_text(self._clock()),
            "programmes": files(programmes_dirs()),
            "rule_sets": files(rules_dirs()),
            "balances": balances,
            "assignments": [{k: a[k] for k in ("programme_id", "cities", "products", "assigned_at")}
                            for a in self.store.assignments(device_id)],
        }
        return {**document, "signature": self.key.sign(unsigned(document))}


def _wire_hash(r: Record) -> str:
    """`record_hash` of a record, fast for records decoded from JSON (plain values): one json.dumps, no copy.

    For such values the text is exactly `canonical_json`'s. A float gets through here, but never into
    the database: storing the body goes through `canonical_json`, which refuses it.
    """
    try:
        text = json.dumps({"prev": r.prev_hash, **r.fields()}, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        try:
            return record_hash(r.prev_hash, r.fields())  # Decimals and other values the canonical encoding converts
        except (TypeError, ValueError):
            return ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Refusal(Exception):
    """Raised inside the ingest transaction to roll it back; never leaves `Hub.ingest`."""


def init_hub(db: Path, name: str) -> dict[str, Any]:
    """Create a hub: its database (or make an existing fieldtool database a hub) and its signing key.

    Raises:
        InputError: an empty name, or the key file cannot be made.
        StoreError: the database is a hub already, or cannot be created.
    """
    name = " ".join(name.split())
    if not name:
        raise InputError("give the hub a name (--name)")
    with SqliteStore.open(db) as store:
        if store.hub_identity() is not None:
            raise StoreError(f"{db} is a hub already (id {store.hub_identity()['id']})")  # type: ignore[index]
        key_file = hub_key_path(db)
        if key_file.exists():
            raise InputError(f"{key_file} exists already; move it away or use another --db")
        key = keys.load_or_create(key_file)
        return store.make_hub(name, key.public_key)


def open_signing(db: Path) -> tuple[SqliteStore, keys.SigningKey]:
    """A database opened to append records, and the key that signs them: a hub's own key on a hub's
    database (checked against the hub's identity), else this laptop's device key (the caller closes the store).

    Raises:
        InputError: a hub whose key is missing or is not the key it was created with.
        StoreError: the database cannot be opened.
    """
    store = SqliteStore.open(db)
    hub = store.hub_identity()
    if hub is None:
        return store, keys.device_key()
    store.close()
    try:
        key = keys.load(hub_key_path(db))
    except FileNotFoundError:
        raise InputError(f"the hub key {hub_key_path(db)} is missing; the hub's records cannot be signed") from None
    if key.public_key != hub["public_key"]:
        raise InputError(f"the key next to {db} is not the key this hub was created with")
    return SqliteStore.open(db, signer=key), key


def open_hub(db: Path, clock: Callable[[], datetime] | None = None) -> tuple[SqliteStore, Hub]:
    """Open an existing hub database with its key (the caller closes the store).

    Raises:
        NotFoundError: there is no such file.
        InputError: it is not a hub, or its key is missing or wrong.
    """
    if not db.is_file():
        raise NotFoundError(f"no hub database {db}; create one with 'fieldtool hub init --db {db}'")
    store = SqliteStore.open(db)
    try:
        try:
            key = keys.load(hub_key_path(db))
        except FileNotFoundError:
            raise InputError(f"the hub key {hub_key_path(db)} is missing; receipts cannot be signed") from None
        return store, Hub(store, key, clock)
    except BaseException:
        store.close()
        raise


