"""Provides the one rule for writing quantities as a metrologist does: to the balance's resolution, means one digit finer.

Every screen, report and export writes a lot's numbers through this module, so that a net reads
the same on the weighing screen, in the PDF and in measurements.csv:

- a weighed value (gross, tare, a net typed or read) to the places of the balance's d, never
  dropping a digit it was recorded with (``48.9200`` at 1 place is ``48.92``: a record is never
  altered, only its trailing zeros go);
- an average tare, and a net computed from it, rounded half-even to one digit finer than d
  (``12.0415`` is ``12.04``, ``502.3000`` is ``502.30`` on a 0.1 g balance): the average is a mean,
  written as means are; the mean of a tare sample of ten is exact at that place, so a reader can
  redo every net of the report from its gross and the average tare printed;
- q̄, s, λ·s, the mean limit and the margin one digit finer than a net (`Resolution.mean`);
- T and the limits derived from it as the rule set gives them (`derived`: ``15 g``, ``3 g``).

Standard library only (`fieldtool.core`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from fieldtool.core.inspection import Balance, Measurement
from fieldtool.core.quantity import Unit, from_base, to_base, unit

MINUS = "\u2212"
"""The minus sign a shown value carries (U+2212: a hyphen is easily misread as a dash)."""


def decimals(value: Decimal) -> int:
    """The decimal places a value needs to be written exactly, without trailing zeros (``48.9200`` → 2)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def round_to(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half-even to ``places`` decimals."""
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, value.adjusted() + places + 3)
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def at_places(value: Decimal, places: int) -> Decimal:
    """A recorded value to ``places`` decimals, never dropping a digit it has (``536.6`` at 2 → ``536.60``)."""
    need = max(places, decimals(value))
    with localcontext() as ctx:
        ctx.prec = max(ctx.prec, value.adjusted() + need + 3)
        return value.quantize(Decimal(1).scaleb(-need))


def text(value: Decimal, unit_symbol: str = "") -> str:
    """A value as written for a reader: every digit it has, no exponent, a true minus sign, then the unit."""
    written = format(value, "f")
    if written.startswith("-"):
        written = MINUS + written[1:]
    return f"{written} {unit_symbol}".rstrip()


def shown(value: Decimal | None, places: int, unit_symbol: str = "") -> str:
    """A recorded value to ``places`` decimals (`at_places`), with its unit; ``—`` when absent."""
    return "—" if value is None else text(at_places(value, places), unit_symbol)


def rounded(value: Decimal | None, places: int, unit_symbol: str = "") -> str:
    """A derived value (a mean, s, a limit) rounded half-even to ``places`` decimals; ``—`` when absent."""
    return "—" if value is None else text(round_to(value, places), unit_symbol)


def derived(value: Decimal | None, places: int, unit_symbol: str = "") -> str:
    """T or a limit from it: as the rule set gives it when it has at most ``places`` decimals, else rounded to them.

    Trailing zeros go (``3.0000`` and ``3.00`` are both ``3``): the same T/5 reads the same on every lot.
    """
    if value is None:
        return "—"
    if decimals(value) <= places:
        exact = value.normalize()
        exponent = exact.as_tuple().exponent
        return text(exact if isinstance(exponent, int) and exponent <= 0 else value.quantize(Decimal(1)), unit_symbol)
    return rounded(value, places, unit_symbol)


@dataclass(frozen=True)
class Resolution:
    """How many decimal places a lot's quantities are written with."""

    weighing: int
    """Places of a gross, a tare, a net mass and an average tare, in the weighing unit: those of the balance's d
    (else of the values recorded)."""
    net: int
    """Places of a net quantity in the lot's unit: d converted to it (0.1 g is 0.0001 kg), or the step of a
    computed volume."""
    computed_nets: bool = False
    """True when the nets are computed from an average tare: rounded to `net` + 1 places, as the average tare is."""

    averaged_tare: bool = False
    """True when every package's tare is the average tare of a tare sample (written as `average_tare` does)."""

    @property
    def mean(self) -> int:
        """Places of q̄, s, λ·s, the mean limit and the margin: one digit finer than a net quantity."""
        return self.net + 1

    @property
    def weighing_mean(self) -> int:
        """Places of the s of a tare sample, and of T in the balance's unit: one digit finer than d."""
        return self.weighing + 1

    def weighed(self, value: Decimal | None) -> Decimal | None:
        """A gross or a tare weighing as written (`at_places` to d); None stays None."""
        return None if value is None else at_places(value, self.weighing)

    def average_tare(self, value: Decimal | None) -> Decimal | None:
        """An average tare rounded half-even to one digit finer than d (it is a mean); None stays None."""
        return None if value is None else round_to(value, self.weighing_mean)

    def tare_value(self, value: Decimal | None) -> Decimal | None:
        """A package's tare as written: the average tare (`average_tare`) or a weighing (`weighed`)."""
        return self.average_tare(value) if self.averaged_tare else self.weighed(value)

    def net_value(self, value: Decimal) -> Decimal:
        """A net quantity as written: to d (`at_places`); computed from an average tare, rounded one digit finer."""
        return round_to(value, self.net + 1) if self.computed_nets else at_places(value, self.net)

    def shortfall(self, nominal: Decimal, net: Decimal) -> Decimal:
        """Qn − q as written: the difference of the written values, so the row adds up as printed."""
        return at_places(nominal - self.net_value(net), self.net)

    def net_text(self, value: Decimal | None, unit_symbol: str = "") -> str:
        """`net_value` as text, with its unit; ``—`` when absent."""
        return "—" if value is None else text(self.net_value(value), unit_symbol)

    def mean_text(self, value: Decimal | None, unit_symbol: str = "") -> str:
        """A mean, s or a limit from them rounded to `mean` places, with its unit; ``—`` when absent."""
        return rounded(value, self.mean, unit_symbol)


def resolution_for(
    balance: Balance | None,
    lot_unit: Unit,
    weighing_unit: Unit,
    measurements: Iterable[Measurement],
    *,
    average_tare: bool = False,
) -> Resolution:
    """The places to write a lot's quantities with: the balance's d in the weighing unit and in the lot's unit.

    A recorded value with more digits keeps them (`at_places`); without a balance (or for a lot judged
    by volume, whose nets are computed volumes) the places are those the recorded values need.

    Args:
        balance: the balance the lot is weighed on, from the register; None when unknown.
        lot_unit: the lot's unit (of Qn and the nets).
        weighing_unit: the unit gross and tare are weighed in.
        measurements: the lot's current measurements.
        average_tare: the nets are gross minus an average tare (then rounded one digit finer than d).

    Returns:
        The resolution.
    """
    ms = tuple(measurements)
    weighed = max((decimals(v) for m in ms for v in (m.gross, m.tare) if v is not None), default=0)
    recorded_nets = max((decimals(m.net) for m in ms), default=0)
    # Nets by volume are computed volumes at their own step, whatever the tare.
    computed = average_tare and lot_unit.kind is weighing_unit.kind
    if balance is None:
        return Resolution(weighing=weighed, net=weighed if computed else recorded_nets, computed_nets=computed,
                          averaged_tare=average_tare)
    b_unit = unit(balance.unit)

    def d_in(target: Unit) -> int | None:
        if b_unit.kind is not target.kind:
            return None  # a volume lot: its nets are computed volumes, written as computed
        return decimals(from_base(to_base(balance.d, b_unit), target))

    weighing = d_in(weighing_unit)
    net = d_in(lot_unit)
    if net is None:
        return Resolution(weighing=weighed if weighing is None else weighing, net=recorded_nets,
                          averaged_tare=average_tare)
    return Resolution(weighing=weighed if weighing is None else weighing, net=net, computed_nets=computed,
                      averaged_tare=average_tare)


def package_numbers(history: Iterable[Measurement]) -> dict[str, int]:
    """The package number the inspector saw for every version of every package (the table's first column).

    A lot's store numbers its entries (``position``): a withdrawn package keeps its entry number, so
    after a withdrawal the entry numbers run ahead of the package numbers on screen (package 26 is the
    28th entry). Screens, the report and the export name a package by the number on screen instead: a
    current package by its place among the current ones, a withdrawn one by the place it had when it
    was withdrawn (only the last package can be withdrawn), every version of a package by its own.

    Args:
        history: every version of every package (`SqliteStore.measurement_history`).

    Returns:
        Each measurement id's package number.
    """
    versions: dict[int, list[Measurement]] = {}
    for m in history:
        versions.setdefault(m.position, []).append(m)
    positions = sorted(versions)
    withdrawn_at = {p: versions[p][-1].recorded_at for p in positions if versions[p][-1].withdrawn}
    numbers: dict[str, int] = {}
    for i, p in enumerate(positions):
        when = withdrawn_at.get(p)
        before = positions[:i]
        if when is None:
            number = 1 + sum(1 for q in before if q not in withdrawn_at)
        else:  # those before it still counted when it was withdrawn
            number = 1 + sum(1 for q in before if q not in withdrawn_at or withdrawn_at[q] > when)
        for m in versions[p]:
            numbers[m.id] = number
    return numbers


__all__ = [
    "MINUS",
    "Resolution",
    "at_places",
    "decimals",
    "derived",
    "package_numbers",
    "resolution_for",
    "round_to",
    "rounded",
    "shown",
    "text",
]
