"""Capturing weights into an inspection: units converted exactly, only stable readings, the raw line kept, nothing on failure.

A capture is what the application does: a read (`BalanceSession.read_next`, as the TUI does, or the
driver's `read_stable`), then `record_reading` / `record_tare_reading` on the store.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from fieldtool.balance import BalanceError, EmptyPan, NoReply, Overload, StabilityTimeout, UnitMismatch, connect
from fieldtool.balance.reading import Reading
from fieldtool.balance.session import BalanceSession, Waiting
from fieldtool.balance.sim import Simulator
from fieldtool.balance.units import convert
from fieldtool.core.inspection import Measurement, MeasurementSource
from fieldtool.core.tare import TareMethod
from fieldtool.errors import InputError
from fieldtool.usecases.balance import record_reading, record_tare_reading
from fieldtool.usecases.inspection import Services
from fieldtool.usecases.lot_types import LotState

from .conftest import FAST, PATIENCE, start, unstable_first

Make = Callable[..., tuple[Simulator, str]]


def a_reading(value: str, unit: str) -> Reading:
    from datetime import UTC, datetime

    return Reading(Decimal(value), unit, True, f"S S {value} {unit}", datetime(2012, 6, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("value", "have", "want", "expected"),
    [
        ("0.51230", "kg", "g", "512.30"), ("512.3", "g", "kg", "0.5123"), ("512.30", "g", "g", "512.30"),
        ("5", "kg", "g", "5E+3"), ("1250", "mg", "g", "1.250"),
    ],
)
def test_conversion_is_exact_and_keeps_the_digits(value: str, have: str, want: str, expected: str) -> None:
    converted = convert(a_reading(value, have), want)
    assert converted == Decimal(expected) and str(converted) == expected


@pytest.mark.parametrize(("have", "want", "needle"), [("lb", "g", "set it to g or kg"), ("", "g", "no unit"), ("g", "mL", "by hand")])
def test_conversion_refuses_other_units(have: str, want: str, needle: str) -> None:
    with pytest.raises(UnitMismatch, match=needle):
        convert(a_reading("1", have), want)


def test_capture_records_the_reading_with_its_raw_line(services: Services, simulator: Make) -> None:
    inspection = start(services)
    sim, port = simulator("mt-sics", "tcp", weights=[Decimal("501.37")])
    seen: list[Reading] = []
    on_value = unstable_first(sim.balance, seen)

    def progress(_waiting: Waiting, reading: Reading | None) -> None:
        if reading is not None:
            on_value(reading)

    session = BalanceSession(port, "mt-sics", **FAST)  # as the weighing screen reads: on the session, then records
    try:
        unit = services.lot_state(inspection).weighing_unit.symbol
        reading = session.read_next(unit, timeout=PATIENCE, progress=progress)
        measurement, state = record_reading(services, inspection, reading, port=session.connection)
    finally:
        session.close()
    assert measurement.net == Decimal("501.37") and str(measurement.net) == "501.37"
    assert measurement.source is MeasurementSource.BALANCE
    assert measurement.raw == "S S     501.37 g" == seen[-1].raw
    assert [m.id for m in state.measurements] == [measurement.id]
    assert not seen[0].stable  # unstable readings were shown, not recorded


def test_a_kg_balance_into_a_g_inspection_and_back(services: Services, simulator: Make) -> None:
    grams = start(services)
    _sim, port = simulator("and", "pty", unit="kg", d=Decimal("0.0001"), capacity=Decimal(6), weights=[Decimal("0.5123")])
    with connect(port, "and", **FAST) as driver:
        m, _ = record_reading(services, grams, driver.read_stable(PATIENCE), port=driver.port)
        assert str(m.net) == "512.3"
    kilos = start(services, nominal=Decimal(5), unit="kg")
    _sim, port = simulator("sbi", "tcp", weights=[Decimal("5012.3")], d=Decimal("0.1"))
    with connect(port, "sbi", **FAST) as driver:
        m, _ = record_reading(services, kilos, driver.read_stable(PATIENCE), port=driver.port)
        assert str(m.net) == "5.0123"


def test_nothing_is_recorded_when_the_balance_fails(services: Services, simulator: Make) -> None:
    inspection = start(services)
    sim, port = simulator("mt-sics", "tcp", advance="manual", unit="lb", weights=[Decimal("1.1")])
    b = sim.balance
    with connect(port, "mt-sics", **FAST) as driver:

        def capture(timeout: float = PATIENCE) -> tuple[Measurement, LotState]:
            return record_reading(services, inspection, driver.read_stable(timeout), port=driver.port)

        with pytest.raises(UnitMismatch, match="reads in lb"):
            capture()
        b.unit = "g"
        b.place(Decimal(0))
        with pytest.raises(EmptyPan, match="put the package on the pan"):
            capture()
        b.place(Decimal(9000))
        with pytest.raises(Overload):
            capture()
        b.place(Decimal(500))
        b.hold_unstable = True
        with pytest.raises(StabilityTimeout):
            capture(0.05)
        b.hold_unstable, b.muted = False, True
        with pytest.raises(NoReply):
            capture()
        assert services.lot_state(inspection).measurements == ()
        b.muted = False
        m, state = capture()
        assert m.net == Decimal("500.00") and len(state.measurements) == 1


def test_individual_tare_takes_the_gross_then_the_packaging(services: Services, simulator: Make) -> None:
    inspection = start(services, tare_method=TareMethod.INDIVIDUAL)
    _sim, port = simulator("mt-sics", "tcp", weights=[Decimal("512.40"), Decimal("12.10")])
    with connect(port, "mt-sics", **FAST) as driver:
        gross = driver.read_stable(PATIENCE)
        with pytest.raises(InputError, match="individual tare"):
            record_reading(services, inspection, gross, port=driver.port)  # the packaging is still to come
        m, _ = record_reading(services, inspection, driver.read_stable(PATIENCE), gross=gross, port=driver.port)
    assert (m.gross, m.tare, m.net) == (Decimal("512.40"), Decimal("12.10"), Decimal("500.30"))
    assert m.raw == "S S     512.40 g\nS S      12.10 g"


def test_average_tare_sample_from_the_balance(services: Services, simulator: Make) -> None:
    inspection = start(services, tare_method=TareMethod.AVERAGE)
    _sim, port = simulator("sbi", "pty", weights=[Decimal("12.10"), Decimal("12.30")])
    with connect(port, "sbi", **FAST) as driver:
        record_tare_reading(services, inspection, driver.read_stable(PATIENCE), port=driver.port)
        state = record_tare_reading(services, inspection, driver.read_stable(PATIENCE), port=driver.port)
        with pytest.raises(InputError, match="one gross weight"):
            record_reading(services, inspection, a_reading("512.4", "g"), gross=a_reading("1", "g"), port=driver.port)
    assert [w.value for w in state.tare.weighings] == [Decimal("12.10"), Decimal("12.30")]


def test_a_volume_lot_weighed_net_cannot_take_grams(services: Services, simulator: Make) -> None:
    inspection = start(services, nominal=Decimal(500), unit="mL")
    _sim, port = simulator("mt-sics", "tcp", weights=[Decimal("500.1")])
    with connect(port, "mt-sics", **FAST) as driver, pytest.raises(UnitMismatch, match="enter the values by hand"):
        record_reading(services, inspection, driver.read_stable(PATIENCE), port=driver.port)
    assert services.lot_state(inspection).measurements == ()


def test_errors_are_fieldtool_errors_with_one_line() -> None:
    from fieldtool.errors import FieldtoolError

    error = NoReply("/dev/ttyUSB0 9600 8N1", "no reply to SI within 1 s")
    assert isinstance(error, BalanceError) and isinstance(error, FieldtoolError) and error.exit_code == 2
    assert str(error) == "balance on /dev/ttyUSB0 9600 8N1: no reply to SI within 1 s"


def test_the_store_half_refuses_unstable_and_empty_readings(services: Services) -> None:
    inspection = start(services)
    unstable = Reading(Decimal("500.1"), "g", False, "S D 500.1 g", a_reading("1", "g").at)
    with pytest.raises(InputError, match="never recorded"):
        record_reading(services, inspection, unstable)
    with pytest.raises(EmptyPan):
        record_reading(services, inspection, a_reading("0.00", "g"), port="p")
    m, _ = record_reading(services, inspection, a_reading("0.5001", "kg"))
    assert str(m.net) == "500.1" and m.raw == "S S 0.5001 kg"
    average = start(services, tare_method=TareMethod.AVERAGE)
    with pytest.raises(InputError, match="never recorded"):
        record_tare_reading(services, average, unstable)
    state = record_tare_reading(services, average, a_reading("12.1", "g"))
    assert state.tare.weighings[0].value == Decimal("12.1")
