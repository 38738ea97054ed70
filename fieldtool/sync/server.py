"""Provides the hub's HTTP server: an ASGI app (Starlette) served by uvicorn, with its OpenAPI document.

Needs the ``hub`` extra (``pip install fieldtool[hub]``); laptops never import this module. Each
worker thread keeps its own connection to the hub database (WAL: readers never wait for the
writer; writers queue on SQLite's lock with a generous busy timeout). Every endpoint but
``/v1/health``, ``/v1/enroll`` and ``/openapi.json`` is authenticated by the device key (see
`fieldtool.sync.wire`).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import fieldtool
from fieldtool.errors import FieldtoolError
from fieldtool.sync import keys
from fieldtool.sync.errors import AuthError, RefusedError
from fieldtool.sync.hub import FRESHNESS_SECONDS, MAX_BATCH, Hub, open_hub
from fieldtool.sync.wire import (
    HEADER_DEVICE,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_TIME,
    FormatError,
    read_wire_json,
    record_from_dict,
)

MAX_BODY = 16 * 1024 * 1024
"""The largest request body accepted (a full batch of records is far smaller)."""

BUSY_TIMEOUT_MS = 60_000
"""How long a request waits for the database's write lock when many laptops push at once."""


class _Hubs:
    """One `Hub` (one database connection) per worker thread."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self._local = threading.local()

    def get(self) -> Hub:
        hub: Hub | None = getattr(self._local, "hub", None)
        if hub is None:
            store, hub = open_hub(self.db)
            store.set_busy_timeout(BUSY_TIMEOUT_MS)
            self._local.hub = hub
        return hub


def _error(status: int, message: str, problems: list[str] | None = None, *, zh: str | None = None) -> JSONResponse:
    """An error answer: the message, its problems, and its Chinese wording (``error_zh``) when it has one."""
    doc: dict[str, object] = {"error": message, "problems": problems or [message]}
    if zh:
        doc["error_zh"] = zh
    return JSONResponse(doc, status_code=status)


async def _body(request: Request) -> bytes | Response:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        return _error(413, f"request body of {declared} bytes exceeds {MAX_BODY}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return _error(413, f"request body exceeds {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _json(body: bytes) -> Any:
    """The request body as JSON, within bounds (size, nesting, no fractions), before anything in it is used.

    Raises:
        FormatError: a refused or cut body.
    """
    return read_wire_json(body, "the request body", MAX_BODY,
                          "the request body is not complete JSON ({problem}); was the upload cut?")


def create_app(db: Path) -> Starlette:
    """The hub's ASGI app over the hub database `db` (opened per worker thread).

    Raises:
        FieldtoolError: `db` is not a usable hub (checked once here, so the server fails at start).
    """
    store, hub = open_hub(db)
    identity = dict(hub.identity)
    store.close()
    hubs = _Hubs(db)

    async def call(request: Request, work: Callable[[Hub, bytes, dict[str, str]], Any], auth: bool = True) -> Response:
        try:
            body = await _body(request)
        except ClientDisconnect:
            return Response(status_code=400)  # the client is gone; nothing was applied
        if isinstance(body, Response):
            return body
        headers = {k.lower(): v for k, v in request.headers.items()}

        def run() -> Any:
            hub = hubs.get()
            device = hub.authenticate(request.method, request.url.path, headers, body) if auth else None
            return work(hub, body, {"device_id": device["id"]} if device else headers)

        try:
            result = await run_in_threadpool(run)
        except AuthError as e:
            return _error(401, str(e), zh=e.zh)
        except RefusedError as e:
            return _error(409, str(e), e.problems, zh=e.zh)
        except FormatError as e:
            return _error(400, str(e))
        except FieldtoolError as e:
            return _error(503 if "busy" in str(e) else 400, str(e), zh=e.zh)
        return JSONResponse(result)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "hub_id": identity["id"], "name": identity["name"],
                             "public_key": identity["public_key"], "version": fieldtool.__version__})

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    def enroll_work(hub: Hub, body: bytes, headers: dict[str, str]) -> Any:
        doc = _json(body)
        if not isinstance(doc, dict) or not all(isinstance(doc.get(k), str) for k in ("code", "device_id", "public_key")):
            raise FormatError("enrolment needs a JSON object with code, device_id and public_key")
        # Proof of possession: the request is signed by the key being enrolled.
        from fieldtool.sync.wire import request_payload

        try:
            moment = int(headers.get(HEADER_TIME.lower(), ""))
        except ValueError:
            raise AuthError(f"the enrolment request has no valid {HEADER_TIME} header") from None
        nonce = headers.get(HEADER_NONCE.lower(), "")
        signature = headers.get(HEADER_SIGNATURE.lower(), "")
        payload = request_payload("POST", "/v1/enroll", doc["device_id"], moment, nonce, body)
        if headers.get(HEADER_DEVICE.lower()) != doc["device_id"] or not keys.valid_signature(
            doc["public_key"], payload, signature
        ):
            raise AuthError("the enrolment request is not signed by the key it enrols")
        return hub.register(doc["code"], doc["device_id"], doc["public_key"])

    async def enroll(request: Request) -> Response:
        return await call(request, enroll_work, auth=False)

    async def head(request: Request) -> Response:
        return await call(request, lambda hub, body, who: {
            "receipt": hub.receipt(who["device_id"], 0, 0, "head").as_dict()})

    def push_work(hub: Hub, body: bytes, who: dict[str, str]) -> Any:
        doc = _json(body)
        if not isinstance(doc, dict) or not isinstance(doc.get("records"), list):
            raise FormatError("a push is a JSON object with a list of records")
        records = [record_from_dict(r, f"record {i + 1} of the batch") for i, r in enumerate(doc["records"])]
        return {"receipt": hub.ingest(who["device_id"], records, "push").as_dict()}

    async def push(request: Request) -> Response:
        return await call(request, push_work)

    async def reference(request: Request) -> Response:
        return await call(request, lambda hub, body, who: hub.reference(who["device_id"]))

    return Starlette(routes=[
        Route("/v1/health", health, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/v1/enroll", enroll, methods=["POST"]),
        Route("/v1/head", head, methods=["GET"]),
        Route("/v1/push", push, methods=["POST"]),
        Route("/v1/reference", reference, methods=["GET"]),
    ])


def serve(db: Path, host: str, port: int, certfile: Path | None = None, keyfile: Path | None = None,
          announce: Callable[[str], None] = print) -> None:
    """Serve the hub until interrupted: bind first, announce the URL (with the real port when 0), then serve.

    Raises:
        FieldtoolError: not a hub, or the address cannot be bound, or only one of cert and key given.
    """
    import uvicorn

    from fieldtool.errors import InputError

    if (certfile is None) != (keyfile is None):
        raise InputError("HTTPS needs both --cert and --key")
    app = create_app(db)
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                    backlog=2048)
    except OSError as e:
        raise InputError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=30,
                            ssl_certfile=str(certfile) if certfile else None,
                            ssl_keyfile=str(keyfile) if keyfile else None)
    server = uvicorn.Server(config)
    scheme = "https" if certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    announce(f"fieldtool hub serving {db} on {scheme}://{shown}:{sock.getsockname()[1]} (Ctrl-C stops)")
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        sock.close()


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the hub's JSON API."""
    record = {
        "type": "object",
        "required": ["id", "device_id", "seq", "kind", "inspection_id", "recorded_at", "body", "prev_hash", "hash"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "description": "UUID, unique across devices"},
            "device_id": {"type": "string"},
            "seq": {"type": "integer", "minimum": 1},
            "kind": {"type": "string", "description": "record kind, e.g. measurement-recorded, inspection-signed"},
            "inspection_id": {"type": ["string", "null"]},
            "recorded_at": {"type": "string", "description": "ISO 8601, UTC"},
            "body": {"type": "object", "description": "JSON values only; decimals as strings"},
            "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                     "description": "SHA-256 of canonical JSON of the fields above with prev"},
        },
    }
    receipt = {
        "type": "object",
        "required": ["type", "id", "hub_id", "device_id", "seq", "hash", "new_records", "duplicates", "source",
                     "issued_at", "signature"],
        "properties": {
            "type": {"const": "fieldtool-receipt/1"},
            "id": {"type": "string"}, "hub_id": {"type": "string"}, "device_id": {"type": "string"},
            "seq": {"type": "integer", "description": "the device's acknowledged chain head"},
            "hash": {"type": "string"}, "new_records": {"type": "integer"}, "duplicates": {"type": "integer"},
            "source": {"type": "string", "description": "push, head or bundle:<sha256>"},
            "issued_at": {"type": "string"},
            "signature": {"type": "string", "description": "Ed25519 (hex) by the hub key over the canonical JSON "
                                                            "of the other fields"},
        },
    }
    error = {"type": "object", "required": ["error", "problems"],
             "properties": {"error": {"type": "string"}, "problems": {"type": "array", "items": {"type": "string"}}}}
    signed = [{"$ref": f"#/components/parameters/{name}"} for name in ("Device", "Time", "Nonce", "Signature")]

    def answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    errors = {"400": answer("malformed or truncated request", error),
              "401": answer("unknown or revoked device, bad, stale or replayed signature", error),
              "413": answer("body too large", error)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "fieldtool hub", "version": fieldtool.__version__, "description": (
            "Receives laptops' inspection records and answers with signed receipts. Authentication: every request "
            "but health and openapi carries X-Fieldtool-Device, X-Fieldtool-Time (Unix seconds, within "
            f"{FRESHNESS_SECONDS} s of the hub's clock), X-Fieldtool-Nonce (32 hex digits, never reused) and "
            "X-Fieldtool-Signature: Ed25519 (hex) by the device key over the canonical JSON (sorted keys, no "
            "spaces, UTF-8) of {method, path, device_id, time, nonce, body_sha256}.")},
        "components": {
            "schemas": {"Record": record, "Receipt": receipt, "Error": error},
            "parameters": {
                "Device": {"name": HEADER_DEVICE, "in": "header", "required": True, "schema": {"type": "string"}},
                "Time": {"name": HEADER_TIME, "in": "header", "required": True, "schema": {"type": "integer"}},
                "Nonce": {"name": HEADER_NONCE, "in": "header", "required": True, "schema": {"type": "string"}},
                "Signature": {"name": HEADER_SIGNATURE, "in": "header", "required": True,
                              "schema": {"type": "string"}},
            },
        },
        "paths": {
            "/v1/health": {"get": {"summary": "The hub's identity and public key (no authentication)",
                                   "responses": {"200": answer("the hub", {"type": "object"})}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
            "/v1/enroll": {"post": {
                "summary": "Register a laptop's public key with a one-time code from 'fieldtool hub enroll'",
                "description": "Signed like any request, but by the key being enrolled (proof of possession). "
                               "Repeating a successful enrolment is a no-op.",
                "parameters": signed,
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["code", "device_id", "public_key"],
                    "properties": {"code": {"type": "string"}, "device_id": {"type": "string"},
                                   "public_key": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}}}},
                "responses": {"200": answer("enrolled: hub_id, hub_name, hub_public_key, device_id, device_name",
                                            {"type": "object"}), **errors}}},
            "/v1/head": {"get": {
                "summary": "The device's chain head as the hub holds it, as a signed receipt (resume point)",
                "parameters": signed,
                "responses": {"200": answer("receipt", {"type": "object", "properties": {
                    "receipt": {"$ref": "#/components/schemas/Receipt"}}}), **errors}}},
            "/v1/push": {"post": {
                "summary": f"Send up to {MAX_BATCH} of the device's own records, in chain order",
                "description": "Every record is checked (chain link, hash, finalisation signatures against the "
                               "enrolled key); the batch is stored atomically. Records already held are skipped. "
                               "A contradicting record or a chain that does not extend the acknowledged head is "
                               "refused (409), kept aside and flagged for the supervisor; nothing of the batch is "
                               "stored.",
                "parameters": signed,
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "required": ["records"],
                    "properties": {"records": {"type": "array", "maxItems": MAX_BATCH,
                                               "items": {"$ref": "#/components/schemas/Record"}}}}}}},
                "responses": {"200": answer("stored: the signed receipt", {"type": "object", "properties": {
                    "receipt": {"$ref": "#/components/schemas/Receipt"}}}),
                    "409": answer("refused, nothing stored; every problem listed", error), **errors}}},
            "/v1/reference": {"get": {
                "summary": "Reference data for the laptop, signed by the hub",
                "description": "programmes and rule_sets (id, sha256, toml), balances (the register), assignments "
                               "(programme_id, cities, products) of the calling device; signature over the "
                               "canonical JSON of the rest.",
                "parameters": signed,
                "responses": {"200": answer("reference data", {"type": "object"}), **errors}}},
        },
    }
