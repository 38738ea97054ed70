"""Provides the use-cases of weighing a lot: tare sample, density, packages, corrections and the verdict.

Each stores what was typed (or read from the balance) first and only then answers with the lot's
new state, so nothing is shown as saved that is not.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from fieldtool.core.inspection import Balance, Measurement
from fieldtool.core.plausibility import (
    BalanceLimits,
    PlausibilityRules,
    check_density,
    check_reading,
    check_tare,
    refuse,
)
from fieldtool.core.quantity import Kind, density_from_flask, unit
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError
from fieldtool.usecases.base import ServicesBase
from fieldtool.usecases.entry import check_entry, number, parse_entry, positive
from fieldtool.usecases.lot_types import LotState

if TYPE_CHECKING:
    from fieldtool.infra.config import Settings


def plausibility_rules(settings: Settings) -> PlausibilityRules:
    """The plausibility thresholds of the user's settings (`fieldtool.infra.config.Settings`)."""

    def exact(value: float) -> Decimal:
        return Decimal(repr(value))  # the digits as written in config.toml, not the float's binary expansion

    return PlausibilityRules(
        outlier_t=exact(settings.outlier_t),
        tare_ratio=exact(settings.tare_outlier_ratio),
        density_low=exact(settings.density_min),
        density_high=exact(settings.density_max),
    )


class WeighingUseCases(ServicesBase):
    """Recording the tare sample, the density and each package of an open inspection, and finalising it."""

    # -- the balance -------------------------------------------------------------------------

    def balance_limits(self, state: LotState, in_unit: str | None = None) -> BalanceLimits | None:
        """Max and d of the inspection's balance in `in_unit` (the lot's weighing unit by default); None without one.

        A register entry never changes (its records are append-only), so each is read once.
        """
        balance_id = state.inspection.header.balance_id
        target = unit(in_unit or state.weighing_unit.symbol)
        if balance_id is None or target.kind is not Kind.MASS:
            return None
        cache: dict[str, Balance] = self.__dict__.setdefault("_balances_read", {})
        if balance_id not in cache:
            cache[balance_id] = self.store.balance(balance_id)
        b = cache[balance_id]
        if b.unit not in ("g", "kg"):
            return None
        scale = unit(b.unit).factor / target.factor  # a kg balance's figures in g: × 1000
        return BalanceLimits(b.max_capacity * scale, b.d * scale)

    # -- tare and density ----------------------------------------------------------------------

    def record_tare_sample(
        self,
        inspection_id: str,
        text: str,
        source: str = "typed",
        raw: str | None = None,
        *,
        confirmed: bool = False,
        rules: PlausibilityRules | None = None,
    ) -> LotState:
        """Record one empty packaging of the average-tare sample.

        Args:
            inspection_id: the inspection.
            text: the weight as typed (or the balance's value).
            source: typed or balance.
            raw: the balance's line as received.
            confirmed: save a typed weight although it is far from the others (it is stored with a note).
            rules: the plausibility thresholds (the settings' defaults when None).

        Raises:
            InputError: the text is not a positive weight, above the balance's Max or finer than its d,
                or the inspection does not use average tare.
            ImplausibleWeight: a typed weight far from the others, not confirmed: nothing was saved.
        """
        state = self._open_state(inspection_id)
        if state.tare.method is not TareMethod.AVERAGE:
            raise InputError("this inspection does not use average tare", zh="本次检验不采用平均皮重")
        if state.measurements:
            raise InputError(
                "the tare sample must be complete before the first package is weighed",
                zh="称量第一件包装之前须完成皮重样本",
            )
        value = positive(text, "tare")
        wu = state.weighing_unit.symbol
        typed = source == "typed"
        refuse(check_reading(value, ("tare", "皮重"), wu, self.balance_limits(state), typed=typed), confirmed=False)
        note = None
        if typed:
            sample = [w.value for w in state.tare.weighings if w.method is TareMethod.AVERAGE]
            finding = check_tare(value, sample, wu, rules or PlausibilityRules())
            refuse(finding, confirmed=confirmed)
            note = finding.note if finding is not None else None
        self.store.record_tare(inspection_id, value, TareMethod.AVERAGE, source=source, raw=raw, unit=wu, confirmed=note)
        # Only the tare changed (no package is weighed yet): nothing else of the lot is read again.
        tare = self._tare_state(state.inspection, state.rules, state.progress.tne, state.density)
        return self.after_one_record(state, replace(state, tare=tare))

    def record_density(
        self,
        inspection_id: str,
        *,
        density: str | None = None,
        flask_volume_ml: str | None = None,
        filled_g: str | None = None,
        empty_g: str | None = None,
        temperature_c: str | None = None,
        confirmed: bool = False,
        rules: PlausibilityRules | None = None,
    ) -> LotState:
        """Record the product's density at 20 °C: typed, or from a calibrated flask.

        The density is held against the plausible range; one outside is saved only when `confirmed`, with a
        note. (The flask's weighings are not held to the lot's balance: a flask is often weighed on a finer one.)

        Raises:
            InputError: values missing or not numbers, a weighing the balance cannot show; or packages
                already weighed with another density.
            ImplausibleWeight: a density outside the plausible range, not confirmed: nothing was saved.
        """
        state = self._open_state(inspection_id)
        if state.measurements:
            raise InputError(
                "record the density before the first package: weighed packages were converted with the earlier one",
                zh="请在称量第一件包装之前记录密度：已称包装是按之前的密度换算的",
            )
        rho = None if not density else number(density, "density")
        volume = None if not flask_volume_ml else number(flask_volume_ml, "flask volume")
        filled = None if not filled_g else number(filled_g, "filled flask")
        empty = None if not empty_g else number(empty_g, "empty flask")
        for value, names in ((filled, ("filled flask", "装满后质量")), (empty, ("empty flask", "空瓶质量"))):
            if value is not None:
                # Not held to the lot's balance: a flask is often weighed on a finer one.
                refuse(check_reading(value, names, "g", None, typed=True), confirmed=False)
        judged = rho
        if judged is None and volume and filled and empty and volume > 0 and filled > empty:
            judged = density_from_flask(filled, empty, volume)
        finding = None if judged is None or judged <= 0 else check_density(judged, rules or PlausibilityRules(), density or None)
        refuse(finding, confirmed=confirmed)
        self.store.record_density(
            inspection_id,
            density_g_per_ml=rho,
            flask_volume_ml=volume,
            filled_g=filled,
            empty_g=empty,
            temperature_c=None if not temperature_c else number(temperature_c, "temperature"),
            confirmed=finding.note if finding is not None else None,
        )
        return self.lot_state(inspection_id)

    # -- weighing ------------------------------------------------------------------------------

    def parse_entry(self, state: LotState, text: str) -> dict[str, object]:
        """Turn what was typed for one package into the values to store (net, gross, tare, density).

        Raises:
            InputError: the text does not fit the entry the tare method asks for, or the net is negative.
        """
        return parse_entry(state, text)

    def _plausible_entry(
        self, state: LotState, text: str, *, typed: bool, confirmed: bool, rules: PlausibilityRules | None
    ) -> dict[str, object]:
        """`parse_entry`, then the plausibility checks: the values to store, with the note of a confirmed outlier.

        Raises:
            InputError: the text does not fit, or a value the balance cannot show.
            ImplausibleWeight: a typed net far from Qn, not confirmed.
        """
        values = self.parse_entry(state, text)
        finding = check_entry(state, text, values, self.balance_limits(state), rules or PlausibilityRules(), typed=typed)
        refuse(finding, confirmed=confirmed)
        if finding is not None:
            values["confirmed"] = finding.note
        return values

    def record_weight(
        self,
        inspection_id: str,
        text: str,
        source: str = "typed",
        raw: str | None = None,
        *,
        confirmed: bool = False,
        rules: PlausibilityRules | None = None,
    ) -> tuple[Measurement, LotState]:
        """Record the next package from what was typed (or read from the balance).

        Returns when the measurement is committed, with the lot's new state. Nothing is stored when the
        entry is refused or asks for confirmation.

        Args:
            inspection_id: the inspection.
            text: what was typed, or the balance's value.
            source: typed or balance.
            raw: the balance's line(s) as received.
            confirmed: save a typed entry whose net is far from Qn (it is stored with a note that it was confirmed).
            rules: the plausibility thresholds (the settings' defaults when None).

        Raises:
            InputError: the text does not fit, a value is below zero, above the balance's Max or (typed)
                finer than its d, the sample is already complete, or the tare or density is not ready.
            ImplausibleWeight: a typed net far from Qn (naming the likely slip), not confirmed.
            StoreError: the inspection is final.
        """
        state = self._open_state(inspection_id)
        if len(state.measurements) >= state.progress.needed or state.complete:
            n = len(state.measurements)
            raise InputError(
                f"the sample is complete ({n} packages); correct an entry, or finalise the inspection",
                zh=f"样本已完成（{n} 件）：可更正某件，或完成判定",
            )
        values = self._plausible_entry(state, text, typed=source == "typed", confirmed=confirmed, rules=rules)
        # With individual tare the measurement itself keeps the gross and the tare: one record, one commit.
        measurement = self.store.record_measurement(inspection_id, source=source, raw=raw, **values)  # type: ignore[arg-type]
        return measurement, self._with_measurements(state, (*state.measurements, measurement))

    def correct_weight(
        self,
        measurement_id: str,
        text: str,
        reason: str,
        *,
        confirmed: bool = False,
        rules: PlausibilityRules | None = None,
    ) -> tuple[Measurement, LotState]:
        """Correct a package: a new version with the reason; the original stays in the record.

        The new value meets the same checks as a new package (`record_weight`).

        Raises:
            InputError: the text does not fit, a value the balance cannot show, or the reason is empty.
            ImplausibleWeight: a net far from Qn, not confirmed: nothing was saved.
        """
        old = self.store.measurement(measurement_id)
        state = self.lot_state(old.inspection_id)
        values = self._plausible_entry(state, text, typed=True, confirmed=confirmed, rules=rules)
        if not reason.strip():
            raise InputError("a correction needs a reason", zh="更正须填写原因")
        measurement = self.store.correct_measurement(measurement_id, reason=reason, **values)  # type: ignore[arg-type]
        return measurement, self.lot_state(old.inspection_id)

    def confirmations(self, inspection_id: str) -> dict[str, str]:
        """The notes of the values confirmed although implausible, by record id (`SqliteStore.confirmations`)."""
        return self.store.confirmations(inspection_id)

    def undo_last(self, inspection_id: str, reason: str, *, measurement_id: str | None = None) -> LotState:
        """Withdraw the last package entered, with a reason; it stays in the record as withdrawn.

        Args:
            inspection_id: the inspection.
            reason: why it is withdrawn.
            measurement_id: the package the inspector was shown as the last one; when another has
                been entered since, nothing is withdrawn.

        Raises:
            InputError: nothing to undo, the reason is empty, or the last package is no longer the one named.
        """
        state = self.lot_state(inspection_id)
        if not state.measurements:
            raise InputError("nothing to undo: no package weighed yet", zh="没有可撤销的记录：尚未称量任何包装")
        if measurement_id is not None and state.measurements[-1].id != measurement_id:
            n = len(state.measurements)
            raise InputError(f"package {n} was entered since; nothing was withdrawn (undo again to withdraw it)",
                             zh=f"其间已录入第 {n} 件；未撤销任何记录（如需撤销，请再次撤销）")
        self.store.withdraw_measurement(state.measurements[-1].id, reason)
        return self._with_measurements(state, state.measurements[:-1])

    # -- verdict -------------------------------------------------------------------------------

    def finalise(self, inspection_id: str, by_name: str) -> LotState:
        """Save the verdict and finalise: afterwards the inspection can no longer change.

        Args:
            inspection_id: the inspection.
            by_name: the confirming inspector's name: one of the inspection's inspectors, or the
                profile's name.

        Raises:
            InputError: the sample is not complete, or the name is not an inspector of the inspection.
        """
        state = self.lot_state(inspection_id)
        if not state.complete:
            missing = state.progress.needed - len(state.measurements)
            raise InputError(
                f"the sample is not complete: {missing} more package{'s' if missing != 1 else ''} to weigh",
                zh=f"样本未完成：还需称 {missing} 件",
            )
        name = " ".join(by_name.split())
        allowed = {_folded(n) for n in state.inspection.header.inspectors}
        profile = self.store.inspector()
        if profile is not None:
            allowed.add(_folded(profile.name))
        if not name or (allowed and name.casefold() not in allowed):
            names = ", ".join(state.inspection.header.inspectors)
            raise InputError(
                f"type the name of an inspector of this inspection to confirm ({names or 'profile name'})",
                zh=f"请输入本次检验的检验员姓名以确认（{names or '档案中的姓名'}）",
            )
        evaluation = state.evaluation
        assert evaluation is not None
        # Record the name as the inspection (or the profile) spells it, not as it was typed.
        known = [*state.inspection.header.inspectors, *([profile.name] if profile else [])]
        name = next((n for n in known if _folded(n) == name.casefold()), name)
        self.store.save_verdict(inspection_id, evaluation)
        if self.signer is not None:
            from fieldtool.sync.keys import finalisation_signer

            final = self.store.finalise_and_sign(inspection_id, name, finalisation_signer(self.signer))
            records = None  # the finalisation's signature records besides: read the state again when next asked
        else:
            final = self.store.finalise(inspection_id, name)
            records = 2
        # The verdict and the finalisation change the inspection and the verdict only.
        after = replace(state, inspection=final, verdict=self.store.latest_verdict(inspection_id))
        return after if records is None else self.after_one_record(state, after, records=records)


def _folded(name: str) -> str:
    """A name as names are compared: runs of spaces as one, case folded."""
    return " ".join(name.split()).casefold()


__all__ = ["WeighingUseCases"]
