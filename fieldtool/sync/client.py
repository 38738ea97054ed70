"""Provides the laptop's side of sync over HTTP (standard library urllib only): enrol, push, receipts, reference data.

`sync` signs any finalisation not signed yet, asks the hub for the device's acknowledged head (a
signed receipt), sends every later record in batches, checks each receipt against the hub key
pinned at enrolment, and finally pulls the reference data. An interrupted sync resumes where it
stopped: the hub's head says what it holds.
"""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldtool.core.records import GENESIS
from fieldtool.errors import FieldtoolError, InputError
from fieldtool.infra.files import write_atomically
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.errors import AuthError, SyncError
from fieldtool.sync.hub_client import HubClient
from fieldtool.sync.wire import (
    FormatError,
    Receipt,
    is_hex64,
    receipt_from_dict,
    record_to_dict,
    unsigned,
)

_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", re.ASCII)
"""A programme's or rule set's id as a file name can carry it (no path, no hidden file, not too long)."""

BATCH_SIZE = 200
"""Records per push by default."""

REFERENCE_NAME = "hub"
"""The name under which the hub's reference document is kept on the laptop."""


@dataclass(frozen=True)
class SyncProgress:
    """How far a sync got: sent past messages to a progress bar."""

    phase: str
    """enrol, head, push, reference or done."""
    sent: int
    """Records sent so far (stored or already held)."""
    total: int
    """Records to send in this sync."""
    message: str
    """One line for a log."""
    message_zh: str = ""
    """The same line in Chinese."""

    def in_language(self, lang: str) -> str:
        """The line in `lang` (zh or en)."""
        return self.message_zh if lang == "zh" and self.message_zh else self.message


@dataclass
class SyncResult:
    """What a sync did."""

    hub_url: str
    """The hub."""
    enrolled: bool = False
    """This sync enrolled the laptop."""
    signed: int = 0
    """Finalisations signed now (they had not been signed at finalisation)."""
    sent: int = 0
    """Records sent."""
    stored: int = 0
    """Records the hub stored (new to it)."""
    duplicates: int = 0
    """Records the hub held already."""
    receipts: list[Receipt] = field(default_factory=list)
    """Every receipt received and verified, in order."""
    head: tuple[int, str] = (0, GENESIS)
    """The acknowledged head at the end."""
    reference_files: list[str] = field(default_factory=list)
    """Programme and rule-set files written from the hub's reference data."""
    reference_problems: list[str] = field(default_factory=list)
    """Reference files that were not applied, with the reason."""

    def summary(self, lang: str = "en") -> str:
        """One line for the CLI (English) or the TUI (`lang` zh or en)."""
        zh = lang == "zh"
        records = "record" if self.sent == 1 else "records"
        parts = [
            f"已发送 {self.sent} 条记录（中心新存 {self.stored} 条，已有 {self.duplicates} 条）" if zh else
            f"sent {self.sent} {records} ({self.stored} new to the hub, {self.duplicates} already held)",
            f"中心确认至第 {self.head[0]} 号记录" if zh else f"acknowledged head seq {self.head[0]}",
        ]
        if self.enrolled:
            parts.insert(0, "已注册" if zh else "enrolled")
        if self.signed:
            finalisations = "finalisation" if self.signed == 1 else "finalisations"
            parts.append(f"已签名 {self.signed} 项完成判定" if zh else f"{self.signed} {finalisations} signed")
        if self.reference_files:
            parts.append(f"已更新参考文件：{'、'.join(self.reference_files)}" if zh else
                         f"reference files updated: {', '.join(self.reference_files)}")
        return ("；" if zh else "; ").join(parts)


def verified_receipt(data: Any, hub_public_key: str, hub_id: str, device_id: str) -> Receipt:
    """A receipt checked against the pinned hub key, hub and device.

    Raises:
        SyncError: not a receipt, not signed by the hub, or not about this device.
    """
    try:
        receipt = receipt_from_dict(data)
    except FormatError as e:
        raise SyncError(f"the hub's receipt is malformed: {e}") from None
    if not keys.valid_signature(hub_public_key, receipt.payload(), receipt.signature):
        raise SyncError("the receipt is not signed by the hub this laptop is enrolled with; nothing is acknowledged")
    if receipt.hub_id != hub_id or receipt.device_id != device_id:
        raise SyncError(f"the receipt is for device {receipt.device_id} at hub {receipt.hub_id}, not this laptop")
    return receipt


def check_receipt_against_chain(store: SqliteStore, receipt: Receipt) -> None:
    """Check that the acknowledged head is a record this laptop holds, with the same hash.

    Raises:
        SyncError: the hub holds more, or another record at that seq.
    """
    if receipt.seq == 0:
        return
    mine = store.record_at(store.device_id, receipt.seq)
    if mine is None:
        raise SyncError(f"the hub holds seq {receipt.seq} of this device, but this laptop's chain ends at seq "
                        f"{store.chain_head()[0]}: was the database restored from an old copy?")
    if mine.hash != receipt.hash:
        raise SyncError(f"the hub holds a different record at seq {receipt.seq} ({receipt.hash[:12]}… ≠ "
                        f"{mine.hash[:12]}…); this chain was changed after it was sent; ask the supervisor")


def enroll(store: SqliteStore, key: keys.SigningKey, url: str, code: str, cafile: Path | None = None) -> dict[str, Any]:
    """Enrol this laptop with a hub using a one-time code; pins the hub's key.

    Raises:
        AuthError: the code is unknown, used or expired.
        SyncError: the hub cannot be reached.
    """
    client = HubClient(url, store.device_id, key, cafile)
    answer = client.request("POST", "/v1/enroll", {"code": code.strip(), "device_id": store.device_id,
                                                   "public_key": key.public_key})
    # The hub key is pinned here (trust on first use; over https the certificate vouches for it).
    if (not isinstance(answer, dict) or not is_hex64(answer.get("hub_public_key"))
            or not isinstance(answer.get("hub_id"), str) or answer.get("device_id") != store.device_id):
        raise SyncError("the hub's answer to the enrolment is malformed")
    store.link_hub(url, str(answer["hub_id"]), str(answer["hub_public_key"]), str(answer["device_name"]))
    return dict(answer)


def sync(
    store: SqliteStore,
    key: keys.SigningKey,
    url: str | None = None,
    *,
    enroll_code: str | None = None,
    batch_size: int = BATCH_SIZE,
    cafile: Path | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    reference_dirs: tuple[Path, Path] | None = None,
    timeout: float = 60,
) -> SyncResult:
    """Send every record the hub lacks, verify each receipt, then pull the reference data.

    Args:
        store: the laptop's database.
        key: the device key.
        url: the hub; the enrolled hub's URL when None.
        enroll_code: a one-time code from the supervisor, for the first sync.
        batch_size: records per request.
        cafile: a CA bundle or the hub's certificate, for https with a private CA.
        progress: called after each step.
        reference_dirs: (programmes dir, rules dir) where the hub's programme and rule-set files
            are written; None keeps them in the database only.
        timeout: seconds to wait for each answer.

    Raises:
        AuthError: not enrolled, or refused by the hub.
        RefusedError: the hub refused records (they are flagged there for the supervisor).
        SyncError: the hub cannot be reached or the connection broke (run again: it resumes).
    """
    if batch_size < 1:
        raise InputError(f"the batch size must be at least 1; got {batch_size}")
    result = SyncResult(hub_url=url or "")

    def tell(phase: str, message: str, zh: str, total: int = 0) -> None:
        if progress is not None:
            progress(SyncProgress(phase, result.sent, total, message, zh))

    link = store.hub_link()
    if enroll_code:
        if url is None:
            raise InputError("enrolment needs the hub's URL (--hub URL)", zh="注册需要中心地址")
        tell("enrol", f"enrolling with {url}", f"正在向 {url} 注册")
        enroll(store, key, url, enroll_code, cafile)
        result.enrolled = True
        link = store.hub_link()
    if link is None:
        raise AuthError("this laptop is not enrolled with a hub; run: fieldtool sync --hub URL --enroll CODE "
                        "(the code comes from 'fieldtool hub enroll')",
                        zh="本机尚未在中心注册：请输入中心地址和主管给的注册码")
    url = url or str(link["url"])
    result.hub_url = url
    client = HubClient(url, store.device_id, key, cafile, timeout=timeout)
    if url != link["url"]:
        health = client.request("GET", "/v1/health", signed=False)
        if not isinstance(health, dict) or health.get("public_key") != link["hub_public_key"]:
            raise SyncError(f"the hub at {url} is not the hub this laptop is enrolled with ({link['url']})",
                            zh=f"{url} 不是本机注册的中心（{link['url']}）")
        store.set_hub_url(url)
    hub_id, hub_key = str(link["hub_id"]), str(link["hub_public_key"])

    result.signed = len(store.sign_finalisations(keys.finalisation_signer(key)))
    tell("head", "asking the hub what it holds", "正在询问中心已有的记录")
    head = verified_receipt(client.request("GET", "/v1/head").get("receipt"), hub_key, hub_id, store.device_id)
    check_receipt_against_chain(store, head)
    store.save_receipt(head.as_dict())
    result.receipts.append(head)
    last, _ = store.chain_head()
    total = last - head.seq
    tell("push", f"{total} record{'s' if total != 1 else ''} to send", f"待发送 {total} 条记录", total)
    after = head.seq
    while after < last:
        pending = store.records(after_seq=after)
        try:
            batch = list(itertools.islice(pending, batch_size))
        finally:
            pending.close()  # type: ignore[attr-defined]  # a generator: its statement is finished here
        answer = client.request("POST", "/v1/push", {"records": [record_to_dict(r) for r in batch]})
        receipt = verified_receipt(answer.get("receipt") if isinstance(answer, dict) else None, hub_key, hub_id,
                                   store.device_id)
        if (receipt.seq, receipt.hash) != (batch[-1].seq, batch[-1].hash):
            raise SyncError(f"the hub acknowledged seq {receipt.seq}, not the batch's last record seq {batch[-1].seq}")
        store.save_receipt(receipt.as_dict())
        result.receipts.append(receipt)
        result.sent += len(batch)
        result.stored += receipt.new_records
        result.duplicates += receipt.duplicates
        after = receipt.seq
        tell("push", f"sent up to seq {after}: {receipt.new_records} stored, {receipt.duplicates} already held",
             f"已发送至第 {after} 号：新存 {receipt.new_records} 条，已有 {receipt.duplicates} 条", total)
    result.head = store.acknowledged_head()
    tell("reference", "receiving reference data", "正在接收参考数据（检验方案、规则）", total)
    pull_reference(store, client, hub_key, hub_id, result, reference_dirs)
    tell("done", result.summary(), result.summary("zh"), total)
    return result


def pull_reference(store: SqliteStore, client: HubClient, hub_key: str, hub_id: str, result: SyncResult,
                   dirs: tuple[Path, Path] | None) -> None:
    """Receive the hub's signed reference data, keep it, and write changed programme and rule-set files.

    Raises:
        SyncError: the document is not signed by the hub.
    """
    document = client.request("GET", "/v1/reference")
    if not isinstance(document, dict) or document.get("hub_id") != hub_id or not keys.valid_signature(
        hub_key, unsigned(document), str(document.get("signature", ""))
    ):
        raise SyncError("the reference data is not signed by the hub this laptop is enrolled with; not applied")
    store.save_reference(REFERENCE_NAME, json.dumps(document, sort_keys=True, ensure_ascii=False))
    if dirs is None:
        return
    from fieldtool.plans.programme import load_programme_file
    from fieldtool.plans.rules import load_rule_set_file
    from fieldtool.plans.where import files_by_id, programmes_dirs, rules_dirs

    for what, entries, target, known, load in (
        ("programme", document.get("programmes", []), dirs[0], files_by_id(programmes_dirs()), load_programme_file),
        ("rule set", document.get("rule_sets", []), dirs[1], files_by_id(rules_dirs()), load_rule_set_file),
    ):
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict):
                result.reference_problems.append(f"a {what} entry that is not an object not applied")
                continue
            file_id, text = str(entry.get("id", "")), str(entry.get("toml", ""))
            if not _FILE_ID.fullmatch(file_id):
                result.reference_problems.append(f"{what} with the unusable id {file_id[:80]!r} not applied")
                continue
            current = known.get(file_id)
            if current is not None and current.read_bytes() == text.encode("utf-8"):
                continue
            with tempfile.TemporaryDirectory() as scratch:
                candidate = Path(scratch) / f"{file_id}.toml"
                candidate.write_text(text, encoding="utf-8")
                try:
                    load(candidate)
                except FieldtoolError as e:
                    result.reference_problems.append(f"{what} {file_id} from the hub not applied: {e}")
                    continue
            target.mkdir(parents=True, exist_ok=True)
            write_atomically(target / f"{file_id}.toml", text.encode("utf-8"))
            result.reference_files.append(f"{what} {file_id}")


def received_reference(store: SqliteStore) -> dict[str, Any] | None:
    """The last reference document received from the hub (programmes, rule sets, balances, assignments), or None."""
    kept = store.reference(REFERENCE_NAME)
    if kept is None:
        return None
    document = json.loads(kept[0])
    return {**document, "received_at": kept[1]} if isinstance(document, dict) else None


def received_assignments(store: SqliteStore) -> list[dict[str, Any]]:
    """This laptop's assignments (programme_id, cities, products) from the last reference data; [] before any."""
    document = received_reference(store)
    return list(document.get("assignments", [])) if document else []
