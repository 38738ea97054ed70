"""The plausibility rules at their edges (fieldtool.core.plausibility) and through the use-cases on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest

from fieldtool.core.plausibility import (
    BalanceLimits,
    ImplausibleWeight,
    PlausibilityRules,
    check_density,
    check_net,
    check_reading,
    check_tare,
)
from fieldtool.core.record_schema import validate_body
from fieldtool.core.records import RecordKind
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError
from fieldtool.storage import SqliteStore
from fieldtool.usecases.entry import example
from fieldtool.usecases.inspection import Services
from tests.tui.conftest import header

RULES = PlausibilityRules()
G = BalanceLimits(D(6200), D("0.01"))


def net_only(net: D):  # type: ignore[no-untyped-def]
    return lambda f: [(None, net / f)]


@pytest.mark.parametrize(
    ("net", "nominal", "tne", "unit", "asks"),
    [
        (D(575), D(500), D(15), "g", False),  # exactly Qn + 5T
        (D("575.01"), D(500), D(15), "g", True),
        (D(425), D(500), D(15), "g", False),  # exactly Qn − 5T
        (D("424.9"), D(500), D(15), "g", True),
        (D("1.075"), D(1), D("0.015"), "kg", False),
        (D("1.0751"), D(1), D("0.015"), "kg", True),
        (D("1022.5"), D(1000), D("4.5"), "mL", False),  # exactly Qn + 5T on 1000 mL
        (D("1022.51"), D(1000), D("4.5"), "mL", True),
        (D("1.0225"), D(1), D("0.0045"), "L", False),
    ],
)
def test_net_far_from_qn_asks_beyond_exactly_5t(net: D, nominal: D, tne: D, unit: str, asks: bool) -> None:
    found = check_net(net, nominal, tne, unit, RULES, str(net), unit, net_only(net))
    assert (found is not None) is asks
    if found is not None:
        assert not found.refused


@pytest.mark.parametrize(
    ("typed", "nominal", "tne", "unit", "factor", "words"),
    [
        ("5119", D(500), D(15), "g", D(10), "5119 g is 10 × Qn: point left out?"),
        ("51.19", D(500), D(15), "g", D("0.1"), "51.19 g is 1/10 of Qn: point misplaced?"),
        ("1015.2", D(1), D("0.015"), "kg", D(1000), "1015.2 kg is 1000 × Qn: g typed for kg?"),
        ("0.5012", D(500), D(15), "g", D("0.001"), "0.5012 g is 1/1000 of Qn: kg typed for g?"),
        ("10023", D(1000), D(15), "mL", D(10), "10023 mL is 10 × Qn: point left out?"),
        ("1003.1", D(1), D("0.015"), "L", D(1000), "1003.1 L is 1000 × Qn: mL typed for L?"),
    ],
)
def test_the_likely_slip_is_named(typed: str, nominal: D, tne: D, unit: str, factor: D, words: str) -> None:
    found = check_net(D(typed), nominal, tne, unit, RULES, typed, unit, net_only(D(typed)))
    assert found is not None and found.slip is not None
    assert (found.slip.factor, found.en) == (factor, words)
    assert "Qn" in found.zh and found.zh.isascii() is False


def test_a_far_net_no_slip_explains_is_asked_plainly_and_0_turns_the_check_off() -> None:
    found = check_net(D(300), D(500), D(15), "g", RULES, "300", "g", net_only(D(300)))
    assert found is not None and found.slip is None
    assert found.en == "net 300 g is more than 5 T from Qn 500 g"
    assert check_net(D(300), D(500), D(15), "g", PlausibilityRules(outlier_t=D(0)), "300", "g", net_only(D(300))) is None


@pytest.mark.parametrize(
    ("value", "balance", "problem"),
    [
        (D(6200), G, None),  # exactly Max
        (D("6200.01"), G, "gross weight 6200.01 g is above the balance's Max of 6200 g"),
        (D(0), G, None),
        (D("-0.01"), G, "gross weight -0.01 g is below zero"),
        (D("511.91"), G, None),
        (D("511.910"), G, None),  # a trailing zero is no finer than d
        (D("511.91234"), G, "the balance shows 0.01 g; 511.91234 has 5 decimals"),
        (D("511.911"), G, "the balance shows 0.01 g; 511.911 has 3 decimals"),
        (D("1.0123"), BalanceLimits(D("6.2"), D("0.0001")), None),  # a kg lot on a 0.1 g balance
        (D("1.01234"), BalanceLimits(D("6.2"), D("0.0001")), "the balance shows 0.0001 g; 1.01234 has 5 decimals"),
        (D(99999), None, None),  # no balance in the register: only the sign is known
    ],
)
def test_the_balance_limits_a_typed_weight(value: D, balance: BalanceLimits | None, problem: str | None) -> None:
    found = check_reading(value, ("gross weight", "毛重"), "g", balance, typed=True)
    assert (found.en if found else None) == problem
    assert found is None or found.refused


def test_a_reading_from_the_balance_is_not_held_to_d() -> None:
    assert check_reading(D("511.913"), ("gross weight", "毛重"), "g", G, typed=False) is None


def test_tare_far_from_the_others_and_densities() -> None:
    others = [D("12.1"), D("12.3")]
    assert check_tare(D("24.4"), others, "g", RULES) is None  # exactly 2 × the mean
    slip = check_tare(D(121), others, "g", RULES)
    assert slip is not None and slip.slip is not None and slip.slip.factor == 10
    assert check_tare(D(121), others[:1], "g", RULES) is None  # from the third on
    assert check_density(D(2), RULES) is None and check_density(D("0.5"), RULES) is None
    typed = check_density(D(1035), RULES, "1035")
    assert typed is not None and typed.en.endswith("kg/m³ typed for g/mL?")


# -- through the use-cases, on a real store --------------------------------------------------------


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    store = SqliteStore.open(Path(tmp_path_factory.mktemp("plausible")) / "fieldtool.db")
    yield Services(store)
    store.close()


def test_a_confirmed_outlier_is_stored_with_its_note_and_the_record_stays_valid(services: Services) -> None:
    b = services.add_balance(make="M", model="X", serial="1", max_capacity="6200", d="0.01")
    iid = services.start_inspection(header(balance_id=b.id, tare_method=TareMethod.INDIVIDUAL)).id
    with pytest.raises(ImplausibleWeight) as asked:
        services.record_weight(iid, "5119 12.1")
    assert asked.value.likely is not None and asked.value.likely.factor == 10
    assert services.lot_state(iid).measurements == ()  # nothing saved
    with pytest.raises(InputError, match="above the balance's Max of 6200 g"):
        services.record_weight(iid, "99999 12.1")
    with pytest.raises(InputError, match="has a comma; use a point: 498.5") as comma:
        services.record_weight(iid, "498,5 12")
    assert comma.value.zh == "毛重：498,5 含逗号；请用小数点：498.5"
    m, _ = services.record_weight(iid, "5119 12.1", confirmed=True)
    assert m.net == D("5106.9")
    note = services.confirmations(iid)[m.id]
    assert note.startswith("confirmed by the inspector: gross 5119 g: point left out?")
    body = {
        "position": 1, "gross": "5119", "tare": "12.1", "net": "5106.9", "unit": "g", "weighing_unit": None,
        "density": None, "source": "typed", "raw": None, "supersedes": None, "reason": None, "withdrawn": False,
    }
    validate_body(RecordKind.MEASUREMENT_RECORDED, body)  # an older record, without the note
    validate_body(RecordKind.MEASUREMENT_RECORDED, body | {"confirmed": note})
    stored = next(r for r in services.store.records() if r.id == m.id)
    assert stored.body["confirmed"] == note
    validate_body(stored.kind, stored.body)
    assert services.store.verify_chain() == [] and services.store.verify_projections() == []


def test_grams_typed_on_a_kg_lot_are_refused_naming_the_slip_and_the_example_fits(services: Services) -> None:
    b = services.add_balance(make="M", model="Y", serial="2", max_capacity="6.2", d="0.0001", unit_symbol="kg")
    iid = services.start_inspection(header(balance_id=b.id, nominal=D(1), unit="kg", tare_method=TareMethod.INDIVIDUAL)).id
    with pytest.raises(InputError) as refused:
        services.record_weight(iid, "1015.2 12.1")
    assert str(refused.value) == "gross weight 1015.2 kg is above the balance's Max of 6.2 kg: g typed for kg?"
    assert example(services.lot_state(iid)) == "1.0246 0.0242"
    m, _ = services.record_weight(iid, "1.0152 0.0121")
    assert m.net == D("1.0031")
