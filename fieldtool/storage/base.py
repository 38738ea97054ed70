"""Provides `StoreBase`: what each part of the store may use of `SqliteStore`, the facade that composes them.

`SqliteStore` (fieldtool.storage.store) holds the connection, the transactions, the append of a
record and the shared row helpers; each concern (registers, inspections, measurements, verdicts,
the ledger, the laptop's and the hub's sync state) is a class of its own module derived from
`StoreBase`, so it is typed against what it uses without importing the facade.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from fieldtool.core.inspection import Balance, Inspection, Measurement
from fieldtool.core.records import Record, RecordKind
from fieldtool.storage.codec import Row

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime."""

IdFactory = Callable[[], str]
"""Returns a new, globally unique id (a UUID string)."""


class StoreBase(abc.ABC):
    """The connection, the write path and the row helpers, implemented by `SqliteStore`."""

    _db: Database
    """The connection (sqlite-utils) to the database file."""
    _path: str
    """The database file, for messages."""
    _device_id: str
    """This database's device id: the UUID that its own records carry."""
    _new_id: IdFactory
    """Returns a new record or row id."""
    _read_only: bool
    """Opened only for reading (`SqliteStore.open_read_only`): `_writing` refuses every write."""

    # -- implemented by SqliteStore ---------------------------------------------------------

    @abc.abstractmethod
    def _writing(self) -> AbstractContextManager[None]:
        """A write transaction, committed on leaving the outermost one (nested ones are savepoints).

        On a store opened read-only it raises `StoreError` before anything is written.
        """

    @abc.abstractmethod
    def _now(self) -> str:
        """The current time as stored text (ISO 8601, UTC)."""

    @abc.abstractmethod
    def _append(
        self,
        kind: RecordKind,
        inspection_id: str | None,
        body: Mapping[str, Any],
        *,
        record_id: str | None = None,
        checked_open: bool = False,
    ) -> Record:
        """Append the next record of this device and apply it to the projections, in one transaction."""

    @abc.abstractmethod
    def _one(self, sql: str, params: list[Any] | None = None) -> Row | None:
        """The first row of a query, or None."""

    @abc.abstractmethod
    def _all(self, sql: str, params: list[Any] | None = None) -> list[Row]:
        """Every row of a query."""

    @abc.abstractmethod
    def _row_by_id(self, table: str, row_id: str, what: str) -> Row:
        """The row of `table` with this id; NotFoundError ("no <what> <id>") when there is none."""

    # -- what one part uses of another ------------------------------------------------------

    @abc.abstractmethod
    def _inspection_row(self, inspection_id: str) -> Row:
        """An inspection's row with its finalisation (by_name, at); NotFoundError when there is none."""

    @abc.abstractmethod
    def _require_open(self, inspection_id: str) -> Row:
        """An open inspection's row; NotFoundError when there is none, StoreError when it is final."""

    @abc.abstractmethod
    def balance(self, balance_id: str) -> Balance:
        """One balance of the register (`RegisterStore.balance`)."""

    @abc.abstractmethod
    def inspection(self, inspection_id: str) -> Inspection:
        """One inspection (`InspectionStore.inspection`)."""

    @abc.abstractmethod
    def finalise(self, inspection_id: str, by_name: str) -> Inspection:
        """Finalise an inspection (`InspectionStore.finalise`)."""

    @abc.abstractmethod
    def current_measurements(self, inspection_id: str) -> list[Measurement]:
        """The current version of each package that still counts (`MeasurementStore.current_measurements`)."""

    @abc.abstractmethod
    def chain_head(self, device_id: str | None = None) -> tuple[int, str]:
        """The seq and hash of a device's last record held here (`LedgerStore.chain_head`)."""
