"""Provides records, bundles, hub server and client: how laptops' evidence reaches the hub intact.

Modules: `keys` (device and hub Ed25519 keys), `wire` (the formats that cross the wire or a USB
stick: records, signatures, request authentication, receipts, bundles; standard library only),
`verify` (re-checking every chain and signature of a database), `hub` (the hub's use-cases:
enrolment, authentication, ingest, receipts, reference data), `server` (the ASGI app; needs the
``hub`` extra), `client` (the laptop's sync over HTTP with urllib), `bundle` (offline transfer).

The formats are documented in ``docs`` of each module and in the hub's OpenAPI document.
"""
