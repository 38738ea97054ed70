"""Provides the use-cases of weighing a lot: tare sample, density, packages, corrections and the verdict.

Each stores what was typed (or read from the balance) first and only then answers with the lot's
new state, so nothing is shown as saved that is not.
"""

from __future__ import annotations

from dataclasses import replace

from fieldtool.core.inspection import Measurement
from fieldtool.core.quantity import parse_decimal
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError
from fieldtool.usecases.base import ServicesBase
from fieldtool.usecases.entry import parse_entry, positive
from fieldtool.usecases.lot_types import LotState


class WeighingUseCases(ServicesBase):
    """Recording the tare sample, the density and each package of an open inspection, and finalising it."""

    # -- tare and density ----------------------------------------------------------------------

    def record_tare_sample(self, inspection_id: str, text: str, source: str = "typed", raw: str | None = None) -> LotState:
        """Record one empty packaging of the average-tare sample.

        Raises:
            InputError: the text is not a positive weight, or the inspection does not use average tare.
        """
        state = self._open_state(inspection_id)
        if state.tare.method is not TareMethod.AVERAGE:
            raise InputError("this inspection does not use average tare")
        if state.measurements:
            raise InputError("the tare sample must be complete before the first package is weighed")
        value = positive(text, "tare")
        self.store.record_tare(inspection_id, value, TareMethod.AVERAGE, source=source, raw=raw, unit=state.weighing_unit.symbol)
        # Only the tare changed (no package is weighed yet): nothing else of the lot is read again.
        return replace(state, tare=self._tare_state(state.inspection, state.rules, state.progress.tne, state.density))

    def record_density(
        self,
        inspection_id: str,
        *,
        density: str | None = None,
        flask_volume_ml: str | None = None,
        filled_g: str | None = None,
        empty_g: str | None = None,
        temperature_c: str | None = None,
    ) -> LotState:
        """Record the product's density at 20 °C: typed, or from a calibrated flask.

        Raises:
            InputError: values missing or not numbers; or packages already weighed with another density.
        """
        state = self._open_state(inspection_id)
        if state.measurements:
            raise InputError("record the density before the first package: weighed packages were converted with the earlier one")
        self.store.record_density(
            inspection_id,
            density_g_per_ml=None if not density else parse_decimal(density, "density"),
            flask_volume_ml=None if not flask_volume_ml else parse_decimal(flask_volume_ml, "flask volume"),
            filled_g=None if not filled_g else parse_decimal(filled_g, "filled flask"),
            empty_g=None if not empty_g else parse_decimal(empty_g, "empty flask"),
            temperature_c=None if not temperature_c else parse_decimal(temperature_c, "temperature"),
        )
        return self.lot_state(inspection_id)

    # -- weighing ------------------------------------------------------------------------------

    def parse_entry(self, state: LotState, text: str) -> dict[str, object]:
        """Turn what was typed for one package into the values to store (net, gross, tare, density).

        Raises:
            InputError: the text does not fit the entry the tare method asks for, or the net is negative.
        """
        return parse_entry(state, text)

    def record_weight(
        self, inspection_id: str, text: str, source: str = "typed", raw: str | None = None
    ) -> tuple[Measurement, LotState]:
        """Record the next package from what was typed (or read from the balance).

        Returns when the measurement is committed, with the lot's new state.

        Raises:
            InputError: the text does not fit, the sample is already complete, or the tare or
                density is not ready.
            StoreError: the inspection is final.
        """
        state = self._open_state(inspection_id)
        if len(state.measurements) >= state.progress.needed or state.complete:
            raise InputError(
                f"the sample is complete ({len(state.measurements)} packages); "
                "correct an entry, or finalise the inspection"
            )
        values = self.parse_entry(state, text)
        # With individual tare the measurement itself keeps the gross and the tare: one record, one commit.
        measurement = self.store.record_measurement(inspection_id, source=source, raw=raw, **values)  # type: ignore[arg-type]
        return measurement, self._with_measurements(state, (*state.measurements, measurement))

    def correct_weight(self, measurement_id: str, text: str, reason: str) -> tuple[Measurement, LotState]:
        """Correct a package: a new version with the reason; the original stays in the record.

        Raises:
            InputError: the text does not fit, or the reason is empty.
        """
        old = self.store.measurement(measurement_id)
        state = self.lot_state(old.inspection_id)
        values = self.parse_entry(state, text)
        if not reason.strip():
            raise InputError("a correction needs a reason")
        measurement = self.store.correct_measurement(measurement_id, reason=reason, **values)  # type: ignore[arg-type]
        return measurement, self.lot_state(old.inspection_id)

    def undo_last(self, inspection_id: str, reason: str) -> LotState:
        """Withdraw the last package entered, with a reason; it stays in the record as withdrawn.

        Raises:
            InputError: nothing to undo, or the reason is empty.
        """
        state = self.lot_state(inspection_id)
        if not state.measurements:
            raise InputError("nothing to undo: no package weighed yet")
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
            raise InputError(f"the sample is not complete: {missing} more package{'s' if missing != 1 else ''} to weigh")
        name = " ".join(by_name.split())
        allowed = {_folded(n) for n in state.inspection.header.inspectors}
        profile = self.store.inspector()
        if profile is not None:
            allowed.add(_folded(profile.name))
        if not name or (allowed and name.casefold() not in allowed):
            raise InputError(f"type the name of an inspector of this inspection to confirm ({', '.join(state.inspection.header.inspectors) or 'profile name'})")
        evaluation = state.evaluation
        assert evaluation is not None
        # Record the name as the inspection (or the profile) spells it, not as it was typed.
        known = [*state.inspection.header.inspectors, *([profile.name] if profile else [])]
        name = next((n for n in known if _folded(n) == name.casefold()), name)
        self.store.save_verdict(inspection_id, evaluation)
        if self.signer is not None:
            from fieldtool.sync.keys import finalisation_signer

            self.store.finalise_and_sign(inspection_id, name, finalisation_signer(self.signer))
        else:
            self.store.finalise(inspection_id, name)
        return self.lot_state(inspection_id)


def _folded(name: str) -> str:
    """A name as names are compared: runs of spaces as one, case folded."""
    return " ".join(name.split()).casefold()


__all__ = ["WeighingUseCases"]
