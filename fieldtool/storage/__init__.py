"""Provides the local store: the only sqlite-utils user; it holds all SQL and returns domain objects.

Modules: `schema` (pragmas and migrations), `chain` (the records table: append, read, verify),
`projections` (records to query tables), `codec` (domain objects to stored text and back),
`checks` (values refused before they are recorded), `store` (`SqliteStore`: the connection,
transactions and the append of a record, composed of one part per concern: `registers`,
`inspections`, `measurements`, `verdicts`, `ledger`, `laptop_sync`, `hub_state`, each typed
against `base.StoreBase`).
"""

from fieldtool.storage.store import SqliteStore

__all__ = ["SqliteStore"]
