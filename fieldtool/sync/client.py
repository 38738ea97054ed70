"""Provides the laptop's side of sync over HTTP (standard library urllib only): enrol, push, receipts, reference data.

`sync` signs any finalisation not signed yet, asks the hub for the device's acknowledged head (a
signed receipt), sends every later record in batches, checks each receipt against the hub key
pinned at enrolment, and finally pulls the reference data. An interrupted sync resumes where it
stopped: the hub's head says what it holds.
"""

from __future__ import annotations

import http.client
import ipaddress
import itertools
import json
import re
import secrets
import ssl
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldtool.core.records import GENESIS
from fieldtool.errors import FieldtoolError, InputError
from fieldtool.infra.bounded import DocumentError, read_json
from fieldtool.infra.files import write_atomically
from fieldtool.storage import SqliteStore
from fieldtool.sync import keys
from fieldtool.sync.errors import AuthError, RefusedError, SyncError
from fieldtool.sync.wire import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    FormatError,
    Receipt,
    is_hex64,
    receipt_from_dict,
    record_to_dict,
    request_payload,
    unsigned,
)

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
        if lang == "zh":
            parts = [f"已发送 {self.sent} 条记录（中心新存 {self.stored} 条，已有 {self.duplicates} 条）",
                     f"中心确认至第 {self.head[0]} 号记录"]
            if self.enrolled:
                parts.insert(0, "已注册")
            if self.signed:
                parts.append(f"已签名 {self.signed} 项完成判定")
            if self.reference_files:
                parts.append(f"已更新参考文件：{'、'.join(self.reference_files)}")
            return "；".join(parts)
        sent = (f"sent {self.sent} record{'s' if self.sent != 1 else ''} ({self.stored} new to the hub, "
                f"{self.duplicates} already held)")
        parts = [sent, f"acknowledged head seq {self.head[0]}"]
        if self.enrolled:
            parts.insert(0, "enrolled")
        if self.signed:
            parts.append(f"{self.signed} finalisation{'s' if self.signed != 1 else ''} signed")
        if self.reference_files:
            parts.append(f"reference files updated: {', '.join(self.reference_files)}")
        return "; ".join(parts)


MAX_ANSWER_BYTES = 64 * 1024 * 1024
"""The largest answer read from a hub (the reference data, with every programme and rule set, is far smaller)."""

MAX_ERROR_BYTES = 1024 * 1024
"""The largest error answer read from a hub."""

MAX_URL_CHARS = 2048
"""The longest hub URL accepted."""


def check_hub_url(url: str) -> urllib.parse.SplitResult:
    """Check a hub URL before anything connects to it or stores it.

    Accepted: ``http://`` or ``https://``, a host name (labels of at most 63 characters, 253 in
    all; an international name is accepted where IDNA can encode it), an IPv4 address or an IPv6
    address in brackets, an optional port from 1 to 65535 and an optional path; no user name or
    password, query, fragment, spaces or control characters.

    Returns:
        The URL's parts.

    Raises:
        InputError: anything else, in one line naming the URL and what is wrong with it.
    """
    shown = repr(url if len(url) <= 80 else url[:80] + "…")

    def refuse(problem: str) -> InputError:
        return InputError(f"the hub URL must be http://HOST:PORT or https://HOST:PORT; got {shown} ({problem})")

    if len(url) > MAX_URL_CHARS:
        raise refuse(f"longer than {MAX_URL_CHARS} characters")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise refuse("it holds a space or a control character")
    try:
        parsed = urllib.parse.urlsplit(url)
        port = parsed.port
    except ValueError as e:
        raise refuse(str(e).lower()) from None
    if parsed.scheme not in ("http", "https"):
        raise refuse("the scheme must be http or https")
    host = parsed.hostname
    if not host:
        raise refuse("no host")
    if parsed.username is not None or parsed.password is not None:
        raise refuse("a user name or password does not belong in it")
    if parsed.query or parsed.fragment:
        raise refuse("a query (?…) or fragment (#…) does not belong in it")
    if port == 0:
        raise refuse("port 0")
    problem = _ipv6_problem(host) if parsed.netloc.split("@")[-1].startswith("[") else _host_name_problem(host)
    if problem:
        raise refuse(problem)
    return parsed


def _ipv6_problem(host: str) -> str | None:
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return f"{host!r} is not an IPv6 address"
    return None


def _host_name_problem(host: str) -> str | None:
    try:
        name = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "the host name is not one DNS can carry (a label longer than 63 characters, or an unusable character)"
    labels = name.removesuffix(".").split(".")
    if len(name) > 253:
        return "the host name is longer than 253 characters"
    for label in labels:
        if not _LABEL.fullmatch(label):
            return f"{label[:63]!r} is not a host name label (letters, digits and hyphens, up to 63)"
    return None


_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", re.ASCII)
"""A programme's or rule set's id as a file name can carry it (no path, no hidden file, not too long)."""

_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)", re.ASCII)


class HubClient:
    """Signed JSON requests to a hub (urllib).

    Args:
        url: the hub's base URL (http or https).
        device_id: the laptop's device id.
        key: the device key that signs each request.
        cafile: a CA bundle (or the hub's self-signed certificate) to trust for https.
        timeout: seconds to wait for each response.
        clock: Unix time (injected in tests).
    """

    def __init__(self, url: str, device_id: str, key: keys.SigningKey, cafile: Path | None = None,
                 timeout: float = 60, clock: Callable[[], float] = time.time) -> None:
        parsed = check_hub_url(url)
        self.url = url.rstrip("/")
        self._prefix = parsed.path.rstrip("/")
        self.device_id = device_id
        self._key = key
        self._timeout = timeout
        self._clock = clock
        self._context = ssl.create_default_context(cafile=str(cafile)) if cafile else None

    def request(self, method: str, path: str, document: Any = None, signed: bool = True) -> Any:
        """Send one request and return the decoded JSON answer.

        Raises:
            AuthError: the hub refused the device (401).
            RefusedError: the hub refused the records (409).
            SyncError: the hub is unreachable, the connection broke, or any other error.
        """
        # Any encoding will do: the signature covers the SHA-256 of exactly these bytes. Records read from the
        # store are plain JSON values, so json.dumps needs no conversion pass.
        body = b"" if document is None else json.dumps(document, separators=(",", ":"), ensure_ascii=False,
                                                        allow_nan=False).encode("utf-8")
        full_path = self._prefix + path
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if signed:
            moment = int(self._clock())
            nonce = secrets.token_hex(16)
            headers |= {
                HEADER_DEVICE: self.device_id,
                HEADER_TIME: str(moment),
                HEADER_NONCE: nonce,
                HEADER_SIGNATURE: self._key.sign(request_payload(method, full_path, self.device_id, moment, nonce,
                                                                 body)),
            }
        req = urllib.request.Request(self.url + path, data=body if method == "POST" else None, headers=headers,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=self._timeout, context=self._context) as response:
                raw = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as e:
            detail, detail_zh = _error_text(e)
            if e.code == 401:
                raise AuthError(f"the hub refused this laptop: {detail}", zh=f"中心拒绝了本机：{detail_zh}") from None
            if e.code == 409:
                problems = detail_problems(e)
                raise RefusedError(f"the hub refused the records: {detail}", problems,
                                   zh=f"中心拒收了这些记录（已在中心标记，待主管处理）：{detail_zh}") from None
            raise SyncError(f"the hub answered {e.code}: {detail}", zh=f"中心答复 {e.code}：{detail_zh}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", None) or e
            raise SyncError(f"cannot reach the hub at {self.url}: {reason}; the sync resumes when run again",
                            zh=f"无法连接中心 {self.url}：{reason}；再次同步时会从中断处继续") from None
        except http.client.HTTPException as e:
            # The connection broke mid-answer (IncompleteRead, RemoteDisconnected ...): the hub may have stored the
            # batch; the next sync asks it for its head and goes on from there.
            raise SyncError(f"the connection to the hub at {self.url} broke ({type(e).__name__}); "
                            "the sync resumes when run again",
                            zh=f"与中心 {self.url} 的连接中断（{type(e).__name__}）；再次同步时会从中断处继续") from None
        try:
            return read_json(raw, f"the hub's answer to {path}", max_bytes=MAX_ANSWER_BYTES, fractions=True)
        except DocumentError as e:
            if e.malformed:
                raise SyncError(f"the hub's answer to {path} was cut off or is not JSON; run the sync again",
                                zh=f"中心对 {path} 的答复不完整或不是 JSON；请再次同步") from None
            raise SyncError(f"{e}; not used") from None


def _error_text(e: urllib.error.HTTPError) -> tuple[str, str]:
    """The hub's error answer as one line, in English and in Chinese (the English where the hub gave no Chinese)."""
    try:
        doc = read_json(e.read(MAX_ERROR_BYTES + 1), "the hub's error answer", max_bytes=MAX_ERROR_BYTES, fractions=True)
        e.doc = doc  # type: ignore[attr-defined]
        text = _one_line(str(doc.get("error") or doc))
        return text, _one_line(str(doc["error_zh"])) if isinstance(doc.get("error_zh"), str) else text
    except (DocumentError, OSError, AttributeError, http.client.HTTPException):
        text = _one_line(str(e.reason)) if e.reason else f"HTTP {e.code}"
        return text, text


def _one_line(text: str) -> str:
    """A text from the hub as one line of a message, cut after 500 characters."""
    line = " ".join(text.split())
    return line if len(line) <= 500 else line[:500] + "…"


def detail_problems(e: urllib.error.HTTPError) -> list[str]:
    """Every problem the hub listed in its error answer."""
    doc = getattr(e, "doc", None)
    problems = doc.get("problems") if isinstance(doc, dict) else None
    return [str(p) for p in problems] if isinstance(problems, list) else []


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
