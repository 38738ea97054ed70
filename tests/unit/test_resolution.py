"""Tests of `fieldtool.core.resolution`: the one rule for writing a lot's numbers, and the package numbers shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fieldtool.core.inspection import Balance, Measurement, MeasurementSource
from fieldtool.core.quantity import unit
from fieldtool.core.resolution import Resolution, derived, package_numbers, resolution_for, rounded, shown

T0 = datetime(2026, 12, 6, 23, 6, tzinfo=UTC)


def balance(d: str, unit_symbol: str = "g") -> Balance:
    return Balance(id="b1", make="M", model="X", serial="1", unit=unit_symbol, max_capacity=Decimal(4200), d=Decimal(d),
                   e=None, accuracy_class="", mpe=None, certificate="", calibration_due=None, connection=None, added_at=T0)


def measurement(mid: str, position: int, net: str, *, gross: str | None = None, tare: str | None = None,
                withdrawn: bool = False, supersedes: str | None = None, minutes: int = 0) -> Measurement:
    return Measurement(
        id=mid, inspection_id="i1", position=position, net=Decimal(net), unit="g", weighing_unit="g",
        gross=None if gross is None else Decimal(gross), tare=None if tare is None else Decimal(tare), density=None,
        source=MeasurementSource.TYPED, raw=None, supersedes=supersedes, withdrawn=withdrawn, reason="r" if supersedes else None,
        recorded_at=T0 + timedelta(minutes=minutes),
    )


def test_recorded_values_keep_their_digits_and_lose_only_trailing_zeros() -> None:
    assert shown(Decimal("48.9200"), 1) == "48.92"
    assert shown(Decimal("536.6"), 2, "g") == "536.60 g"
    assert shown(Decimal("-15.1"), 2) == "\u221215.10"
    assert shown(None, 2) == "—"


def test_means_round_half_even_and_t_reads_the_same_on_every_lot() -> None:
    assert rounded(Decimal("500.2740000"), 3, "g") == "500.274 g"
    assert rounded(Decimal("0.0125"), 3) == "0.012"
    assert derived(Decimal("3.0000"), 3, "g") == derived(Decimal("3.00"), 3, "g") == "3 g"
    assert derived(Decimal("0.45"), 1) == "0.4" and derived(Decimal(150), 1) == "150"


def test_the_balance_sets_the_places_in_the_weighing_unit_and_in_the_lots() -> None:
    ms = [measurement("a", 1, "502.3")]
    assert resolution_for(balance("0.01"), unit("g"), unit("g"), ms) == Resolution(weighing=2, net=2)
    # 0.1 g is 0.0001 kg: a kg lot on a 0.1 g balance has nets to four places, means to five.
    res = resolution_for(balance("0.1"), unit("kg"), unit("kg"), ms)
    assert (res.weighing, res.net, res.mean) == (4, 4, 5)
    # Without a balance: what the recorded values need.
    assert resolution_for(None, unit("g"), unit("g"), [measurement("a", 1, "1.25", gross="13.25", tare="12")]) == \
        Resolution(weighing=2, net=2)


def test_a_net_from_an_average_tare_is_written_as_a_mean_and_its_row_adds_up() -> None:
    res = resolution_for(balance("0.1"), unit("g"), unit("g"), [], average_tare=True)
    # One digit finer than d, as the average tare it comes from (a mean): not "502.3000" (issue 14, item 5).
    assert res.net_value(Decimal("502.3000")) == Decimal("502.30")
    assert res.net_value(Decimal("490.0667")) == Decimal("490.07")
    assert res.average_tare(Decimal("12.0333")) == Decimal("12.03")
    assert res.average_tare(Decimal("12.0450")) == Decimal("12.04")  # half-even
    assert res.shortfall(Decimal(500), Decimal("490.0667")) == Decimal("9.93")
    # A typed net is a record: it keeps a digit finer than d.
    typed = resolution_for(balance("0.1"), unit("g"), unit("g"), [])
    assert typed.net_value(Decimal("499.25")) == Decimal("499.25")
    assert typed.shortfall(Decimal(500), Decimal("484.9")) == Decimal("15.1")


def test_package_numbers_are_those_on_screen_after_withdrawals_and_corrections() -> None:
    history = [
        measurement("p1", 1, "500.1"),
        measurement("p2", 2, "5001", minutes=1),
        measurement("p2w", 2, "5001", withdrawn=True, supersedes="p2", minutes=2),  # package 2 withdrawn
        measurement("p3", 3, "499.0", minutes=3),  # the next package 2
        measurement("p3c", 3, "499.9", supersedes="p3", minutes=4),  # corrected: still package 2
        measurement("p4", 4, "498.0", minutes=5),
        measurement("p4w", 4, "498.0", withdrawn=True, supersedes="p4", minutes=6),  # package 3, withdrawn...
        measurement("p5", 5, "497.0", minutes=7),  # ... and the next package 3
    ]
    numbers = package_numbers(history)
    assert [numbers[m] for m in ("p1", "p2", "p2w", "p3", "p3c", "p4", "p4w", "p5")] == [1, 2, 2, 2, 2, 3, 3, 3]
    # 50 packages with two withdrawals: numbers 1-50, never 52.
    many = [measurement(f"m{i}", i, "500") for i in range(1, 53)]
    many += [measurement("w10", 10, "500", withdrawn=True, supersedes="m10", minutes=1),
             measurement("w20", 20, "500", withdrawn=True, supersedes="m20", minutes=2)]
    shown_numbers = package_numbers(many)
    current = [shown_numbers[f"m{i}"] for i in range(1, 53) if i not in (10, 20)]
    assert current == list(range(1, 51))
    assert (shown_numbers["w10"], shown_numbers["w20"]) == (10, 19)
