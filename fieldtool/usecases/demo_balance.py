"""Provides a simulated balance for an open lot of a demo database (``fieldtool demo --open --balance``).

The balance is loaded with the rest of the lot, drawn around what was weighed so far, and reports
the model and serial number of the lot's register balance.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from fieldtool.core.quantity import from_base, to_base, unit
from fieldtool.errors import InputError

if TYPE_CHECKING:
    from fieldtool.balance.sim import SimulatedBalance
    from fieldtool.usecases.inspection import Services

_PROTOCOL_OF_MAKE = {"METTLER TOLEDO": "mt-sics", "Sartorius": "sbi", "A&D": "and"}
"""The protocol a make's balances speak; other makes are simulated as MT-SICS (many speak it)."""


@dataclass(frozen=True)
class DemoBalance:
    """A simulated balance loaded with the rest of an open demo lot."""

    inspection_id: str
    """The open inspection it continues."""
    protocol: str
    """mt-sics, sbi or and: the protocol of the register balance's make."""
    balance: SimulatedBalance
    """The simulated balance: the register balance's model, serial, Max and d, with the script."""
    packages: int
    """Packages still to weigh."""


def demo_balance(services: Services, seed: int = 2012) -> DemoBalance:
    """A simulated balance for the first open lot of a demo database, with its remaining packages on the script.

    The loads continue what was weighed: drawn around the mean and spread of the lot's entries so
    far, to the balance's d, in the lot's weighing unit; for an individual tare each package is
    two loads, the full package then its emptied packaging. The simulated balance reports the
    model and serial number of the lot's register balance, so that the identity check passes.

    Raises:
        InputError: the database has no open lot weighed on a balance.
    """
    import statistics

    from fieldtool.balance.sim import SimulatedBalance

    for inspection in services.inspections():
        if inspection.is_final or not inspection.header.balance_id:
            continue
        state = services.lot_state(inspection.id)
        remaining = state.progress.needed - len(state.measurements)
        if state.complete or remaining <= 0 or not state.measurements:
            continue
        register = services.store.balance(inspection.header.balance_id)
        wu = state.weighing_unit
        d = from_base(to_base(register.d, unit(register.unit)), wu)
        capacity = from_base(to_base(register.max_capacity, unit(register.unit)), wu)
        rng = random.Random(f"{seed}:{inspection.id}:balance")

        def drawn(values: list[Decimal], d: Decimal = d, rng: random.Random = rng) -> Callable[[], Decimal]:
            mean = statistics.fmean(float(v) for v in values)
            spread = statistics.stdev(float(v) for v in values) if len(values) > 1 else 10 * float(d)
            return lambda: max(d, (Decimal(repr(rng.gauss(mean, spread))) / d).to_integral_value() * d)

        script: list[Decimal] = []
        if state.entry == "gross tare":
            gross = drawn([m.gross for m in state.measurements if m.gross is not None])
            tare = drawn([m.tare for m in state.measurements if m.tare is not None])
            for _ in range(remaining):
                script += [gross(), tare()]
        else:
            field = "gross" if state.entry == "gross" else "net"
            entry = drawn([getattr(m, field) for m in state.measurements])
            script = [entry() for _ in range(remaining)]
        balance = SimulatedBalance(
            unit=wu.symbol, capacity=capacity, d=d, model=register.model, serial=register.serial, weights=script, seed=seed,
        )
        return DemoBalance(inspection.id, _PROTOCOL_OF_MAKE.get(register.make, "mt-sics"), balance, remaining)
    raise InputError("the demo database has no open lot weighed on a balance; build a new one with 'fieldtool demo --db NEW.db'")


__all__ = ["DemoBalance", "demo_balance"]
