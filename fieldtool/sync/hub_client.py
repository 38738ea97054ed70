"""Provides `HubClient`: the laptop's HTTP link to the hub (standard library urllib only), and the checks of a hub URL.

Each request is signed with the device key (`fieldtool.sync.wire`); an answer is read to a bound
and parsed strictly; a refusal, an unreachable hub or a broken connection becomes one typed error
with its wording in English and Chinese (the hub sends ``error_zh`` beside ``error``).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import secrets
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fieldtool.errors import InputError
from fieldtool.infra.bounded import DocumentError, read_json
from fieldtool.sync import keys
from fieldtool.sync.errors import AuthError, RefusedError, SyncError
from fieldtool.sync.wire import HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIME, request_payload

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
