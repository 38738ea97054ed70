"""Provides the use-cases before the first package: the profile, the balance register and opening an inspection.

The new-inspection form previews what the plan asks of a lot (n, T, the balance against T) and
says which of Qn and N a rule set does not cover; opening an inspection checks the same first.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldtool.core.inspection import Balance, Inspection, InspectionHeader, InspectorProfile
from fieldtool.core.instrument import check_instrument
from fieldtool.core.quantity import BASE_UNIT, Kind, Unit, parse_decimal, unit
from fieldtool.core.rules import RuleSet, resolve_plan, tne, tne_in
from fieldtool.errors import InputError, OutOfScopeError
from fieldtool.plans.rules import rule_set_paths
from fieldtool.usecases.base import ServicesBase
from fieldtool.usecases.entry import positive
from fieldtool.usecases.lot_types import (
    LotCheck,
    LotPreview,
    LotRange,
    NominalRange,
    entry_for,
    header_weighing_unit,
)


class NewInspectionUseCases(ServicesBase):
    """The inspector's profile, the balance register, and the preview and opening of an inspection."""

    # -- profile and balances ------------------------------------------------------------------

    def inspector(self) -> InspectorProfile | None:
        """The inspector's profile, if set."""
        return self.store.inspector()

    def save_inspector(self, name: str, inspector_no: str = "", organisation: str = "") -> InspectorProfile:
        """Save the inspector's profile."""
        return self.store.save_inspector(name, inspector_no, organisation)

    def balances(self) -> list[Balance]:
        """The balance register."""
        return self.store.balances()

    def weighing_entry(self, inspection_id: str) -> tuple[Unit, str]:
        """What an inspection's packages are weighed in and entered as, from its header alone (cheap).

        Returns:
            The weighing unit, and ``net``, ``gross`` or ``gross tare`` (as `LotState`).

        Raises:
            NotFoundError: no such inspection.
        """
        h = self.store.inspection(inspection_id).header
        return header_weighing_unit(h), entry_for(h.tare_method)

    def inspection_balance(self, inspection_id: str) -> Balance | None:
        """The register entry of the balance an inspection is weighed on; None when it names none.

        Raises:
            NotFoundError: no such inspection.
        """
        balance_id = self.store.inspection(inspection_id).header.balance_id
        return self.store.balance(balance_id) if balance_id else None

    def add_balance(
        self,
        *,
        make: str,
        model: str,
        serial: str,
        max_capacity: str,
        d: str,
        unit_symbol: str = "g",
        e: str = "",
        accuracy_class: str = "",
        mpe: str = "",
        certificate: str = "",
        calibration_due: date | None = None,
        connection: str | None = None,
    ) -> Balance:
        """Add a balance to the register from what was typed (empty optional figures stay unknown).

        Raises:
            InputError: a value is missing, not a number, or not positive.
        """
        def number(text: str, what: str) -> Decimal | None:
            return positive(text, what) if text.strip() else None

        max_value = number(max_capacity, "balance Max")
        d_value = number(d, "balance d")
        if max_value is None or d_value is None:
            raise InputError("a balance needs its Max and its scale interval d", zh="天平须填写最大秤量 Max 和实际分度值 d")
        return self.store.add_balance(
            make=make, model=model, serial=serial, max_capacity=max_value, d=d_value, unit=unit_symbol,
            e=number(e, "balance e"), accuracy_class=accuracy_class, mpe=number(mpe, "balance MPE"),
            certificate=certificate, calibration_due=calibration_due, connection=connection,
        )

    # -- a new inspection ----------------------------------------------------------------------

    def rule_sets(self) -> list[RuleSet]:
        """Every rule set found, sorted by id (read once, then kept).

        Raises:
            RuleFileError: a rule file is invalid.
        """
        return [self.rule_set(rule_id) for rule_id in sorted(rule_set_paths())]

    def preview(
        self,
        rule_set_id: str,
        nominal: str | Decimal,
        unit_symbol: str,
        lot_size: int,
        variant: str = "standard",
        balance_id: str | None = None,
    ) -> LotPreview:
        """What the plan asks of a lot, with T and the balance check.

        Raises:
            FieldtoolError: an unknown rule set or unit, Qn or N outside the rule set.
        """
        rules = self.rule_set(rule_set_id)
        u = unit(unit_symbol)
        qn = nominal if isinstance(nominal, Decimal) else parse_decimal(nominal, "nominal quantity")
        if qn <= 0:
            raise InputError(f"nominal quantity must be positive; got {qn}", zh=f"标称净含量应大于零；输入为 {qn}")
        t = tne(rules, qn, u)
        plan = resolve_plan(rules, lot_size, variant)
        suitability = None
        due = None
        if balance_id:
            b = self.store.balance(balance_id)
            due = b.calibration_due
            if u.kind in (Kind.MASS, Kind.VOLUME):
                # T in the balance's unit (a liquid's T in mL is taken as g: the density is measured
                # later, it is near 1, and the check is a warning before the first weighing).
                t_bal = tne_in(t, u, unit(b.unit))
                suitability = check_instrument(t_bal, rules.instrument, mpe=b.mpe, e=b.e, d=b.d)
        return LotPreview(rules=rules, plan=plan, nominal=qn, unit=u, tne=t, suitability=suitability,
                          calibration_due=due, today=self.today())

    def check_lot(
        self,
        rule_set_id: str,
        nominal: Decimal,
        unit_symbol: str,
        lot_size: int,
        variant: str = "standard",
        balance_id: str | None = None,
    ) -> LotCheck:
        """Check Qn and N against a rule set separately, and preview the lot when both are covered.

        Unlike `preview`, a Qn or N outside the rule set is not an error: each refusal comes back
        with the range the rule set does cover, so a form can say which field is wrong and why.

        Raises:
            FieldtoolError: an unknown rule set, unit, variant or balance.
        """
        rules = self.rule_set(rule_set_id)
        rules.plan(variant)
        u = unit(unit_symbol)
        nominal_range: NominalRange | None = None
        lot_range: LotRange | None = None
        try:
            tne(rules, nominal, u)
        except OutOfScopeError:
            try:
                table = rules.table_for(u.kind)
            except OutOfScopeError:
                nominal_range = NominalRange(kind=u.kind.value, covered=False, low=None, low_inclusive=False, high=None,
                                             base_unit=BASE_UNIT[u.kind])
            else:
                inclusive = table.nominal_min is not None
                low = table.nominal_min if inclusive else table.bands[0].above
                nominal_range = NominalRange(kind=u.kind.value, covered=True, low=low, low_inclusive=inclusive,
                                             high=table.bands[-1].upto, base_unit=BASE_UNIT[u.kind])
        try:
            resolve_plan(rules, lot_size, variant)
        except OutOfScopeError:
            rows = rules.plan(variant).rows
            lot_range = LotRange(low=rows[0].lot_min, high=rows[-1].lot_max)
        preview = None
        if nominal_range is None and lot_range is None:
            preview = self.preview(rule_set_id, nominal, unit_symbol, lot_size, variant, balance_id)
        return LotCheck(preview=preview, nominal_range=nominal_range, lot_range=lot_range)

    def start_inspection(self, header: InspectionHeader) -> Inspection:
        """Open an inspection after checking that its rule set covers the lot.

        Raises:
            FieldtoolError: the rule set does not cover Qn or N, or a header value is invalid.
        """
        self.preview(header.rule_set_id, header.nominal, header.unit, header.lot_size, header.variant, header.balance_id)
        return self.store.create_inspection(header)

    def new_sampling_seed(self) -> int:
        """A fresh seed for a random draw: six digits, easy to copy onto the sampling form."""
        return self._new_seed()

    def latest_header(self) -> InspectionHeader | None:
        """The header of the newest inspection on this device (a new one starts from its city, balance ...)."""
        latest = self.store.inspections(limit=1)
        return latest[0].header if latest else None


__all__ = ["NewInspectionUseCases"]
