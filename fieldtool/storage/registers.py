"""Provides `RegisterStore`: the registers of the store, the inspector profile and the balances.

A part of `SqliteStore` (fieldtool.storage.store).
"""

from __future__ import annotations

from datetime import date

from fieldtool.core.inspection import Balance, InspectorProfile
from fieldtool.core.quantity import Kind
from fieldtool.core.quantity import unit as lookup_unit
from fieldtool.core.records import RecordKind
from fieldtool.errors import InputError
from fieldtool.storage import checks
from fieldtool.storage.base import StoreBase
from fieldtool.storage.codec import balance_from_row, inspector_from_row, iso_day


class RegisterStore(StoreBase):
    """The inspector profile of this device and its balance register."""

    def save_inspector(self, name: str, inspector_no: str = "", organisation: str = "") -> InspectorProfile:
        """Save the profile of the inspector using this device (saving again replaces it).

        Raises:
            InputError: the name is empty.
        """
        body = {
            "name": checks.text(name, "inspector name", required=True),
            "inspector_no": checks.text(inspector_no, "inspector number"),
            "organisation": checks.text(organisation, "organisation"),
        }
        with self._writing():
            current = self._one("SELECT id FROM inspectors ORDER BY updated_at DESC LIMIT 1")
            record_id = self._new_id()
            profile_id = record_id if current is None else current["id"]
            self._append(RecordKind.INSPECTOR_SAVED, None, {"profile_id": profile_id, **body}, record_id=record_id)
        profile = self.inspector()
        assert profile is not None
        return profile

    def inspector(self) -> InspectorProfile | None:
        """The inspector profile of this device, or None before one is saved."""
        row = self._one("SELECT * FROM inspectors ORDER BY updated_at DESC LIMIT 1")
        return None if row is None else inspector_from_row(row)

    def add_balance(
        self,
        *,
        make: str,
        model: str,
        serial: str,
        max_capacity: object,
        d: object,
        unit: str = "g",
        e: object = None,
        accuracy_class: str = "",
        mpe: object = None,
        certificate: str = "",
        calibration_due: date | None = None,
        connection: str | None = None,
    ) -> Balance:
        """Add a balance to the register (net-content-rules.md §5).

        Args:
            make: manufacturer.
            model: model designation.
            serial: serial number.
            max_capacity: Max, in `unit`.
            d: the actual scale interval, in `unit`.
            unit: g or kg.
            e: the verification scale interval, if verified.
            accuracy_class: I, II, III or IIII, if known.
            mpe: the maximum permissible error at the loads used, if known.
            certificate: the calibration certificate's number.
            calibration_due: when the certificate expires.
            connection: how to reach the balance, or None when weights are typed.

        Returns:
            The stored balance.

        Raises:
            InputError: a value is missing or invalid.
        """
        balance_unit = lookup_unit(checks.text(unit, "balance unit", required=True))
        if balance_unit.kind is not Kind.MASS:
            raise InputError(f"a balance weighs in g or kg; got {balance_unit.symbol}", zh=f"天平须以 g 或 kg 称量；输入为 {balance_unit.symbol}")
        body = {
            "make": checks.text(make, "balance make", required=True),
            "model": checks.text(model, "balance model", required=True),
            "serial": checks.text(serial, "balance serial number", required=True),
            "unit": balance_unit.symbol,
            "max_capacity": checks.quantity(max_capacity, "balance Max", positive=True),
            "d": checks.quantity(d, "balance d", positive=True),
            "e": checks.optional_quantity(e, "balance e", positive=True),
            "accuracy_class": checks.text(accuracy_class, "accuracy class"),
            "mpe": checks.optional_quantity(mpe, "balance MPE", positive=True),
            "certificate": checks.text(certificate, "certificate"),
            "calibration_due": iso_day(checks.day(calibration_due, "calibration due date")),
            "connection": checks.optional_text(connection, "balance connection"),
        }
        record = self._append(RecordKind.BALANCE_ADDED, None, body)
        return self.balance(record.id)

    def balances(self) -> list[Balance]:
        """Every balance of the register, in the order they were added."""
        return [balance_from_row(r) for r in self._all("SELECT * FROM balances ORDER BY added_at, rowid")]

    def balance(self, balance_id: str) -> Balance:
        """One balance of the register.

        Raises:
            NotFoundError: no balance has that id.
        """
        return balance_from_row(self._row_by_id("balances", balance_id, "balance"))

