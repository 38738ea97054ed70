"""Provides the capture of weights from a balance into an inspection (a use-case over `Services`).

A capture reads a stable reading, converts it exactly to the inspection's weighing unit (g ↔ kg;
any other unit is refused), and records it through `Services` with ``source="balance"`` and the
balance's raw line as evidence. Nothing is recorded unless the whole reading is good: an error of
the balance (overload, silence, a reading that never settles …) leaves the inspection as it was.

For an individual tare (the inspector enters gross and tare) two readings are needed: the full
package, then its emptied packaging. Read the gross with `read_for_entry`, then call
`capture_weight(..., gross=that_reading)`; the measurement keeps both raw lines.

A capture has two halves that may run on different threads: a read talks to the balance
(blocking; `read_for_entry` here, `BalanceSession.read_next` on a worker thread in the TUI) and
`record_reading` / `record_tare_reading` store the result (on the store thread, through the
TUI's `ServiceRunner`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from fieldtool.balance.driver import BalanceDriver
from fieldtool.balance.errors import EmptyPan, UnitMismatch
from fieldtool.balance.reading import Reading
from fieldtool.errors import InputError

if TYPE_CHECKING:
    from fieldtool.core.inspection import Measurement
    from fieldtool.services import LotState, Services

POWERS_OF_TEN = {"mg": -3, "g": 0, "kg": 3}
"""Mass units a balance may read in, as powers of ten of a gram: converted exactly by shifting the point."""


def convert(reading: Reading, to_unit: str, port: str = "") -> Decimal:
    """The reading's value in `to_unit`, exactly (``Decimal.scaleb``: the recorded digits are kept).

    Raises:
        UnitMismatch: the reading has no unit, or it cannot be converted to `to_unit`.
    """
    have = reading.unit
    if have == to_unit:
        return reading.value
    if have in POWERS_OF_TEN and to_unit in POWERS_OF_TEN:
        return reading.value.scaleb(POWERS_OF_TEN[have] - POWERS_OF_TEN[to_unit])
    if not have:
        raise UnitMismatch(port, "the reading carries no unit; it cannot be recorded")
    if to_unit in POWERS_OF_TEN:
        raise UnitMismatch(port, f"the balance reads in {have}; set it to g or kg (this inspection weighs in {to_unit})")
    raise UnitMismatch(port, f"the balance reads in {have}, but this inspection records {to_unit}: enter the values by hand")


def _text(value: Decimal) -> str:
    return format(value, "f")


def _recordable(reading: Reading, unit: str, port: str, what: str = "package") -> Decimal:
    """The reading's value in `unit`, when it may be recorded: stable, in a convertible unit, a load on the pan.

    Raises:
        InputError: the reading is not stable.
        UnitMismatch: its unit cannot be converted to `unit`.
        EmptyPan: it is zero or negative.
    """
    if not reading.stable:
        raise InputError(f"an unstable reading ({reading}) is never recorded")
    value = convert(reading, unit, port)
    if value <= 0:
        raise EmptyPan(port, f"the balance reads {reading}; put the {what} on the pan")
    return value


def _check_entry(entry: str, gross: Reading | None) -> None:
    """Refuse a capture that does not fit the entry of the lot (one reading, or gross then tare)."""
    if entry == "gross tare" and gross is None:
        raise InputError("individual tare: read the full package first (read_for_entry), then capture its emptied packaging")
    if entry != "gross tare" and gross is not None:
        raise InputError(f"this inspection enters one {entry} weight per package; no separate gross reading")


def read_for_entry(
    driver: BalanceDriver,
    weighing_unit: str,
    timeout: float = 10.0,
    on_value: Callable[[Reading], None] | None = None,
    cancel: threading.Event | None = None,
) -> Reading:
    """Read the next stable reading and check that it can be recorded in `weighing_unit`.

    Args:
        driver: the connected balance.
        weighing_unit: the unit the inspection weighs in (`LotState.weighing_unit.symbol`).
        timeout: seconds to wait for stability.
        on_value: called with every reading on the way (the live value).
        cancel: set it to stop waiting.

    Returns:
        The stable reading, as the balance sent it.

    Raises:
        UnitMismatch: its unit cannot be converted to `weighing_unit`.
        EmptyPan: it is zero or negative.
        BalanceError: the balance failed (see `BalanceDriver.read_stable`).
    """
    reading = driver.read_stable(timeout, on_value=on_value, cancel=cancel)
    _recordable(reading, weighing_unit, driver.port)
    return reading


def record_reading(
    services: Services, inspection_id: str, reading: Reading, *, gross: Reading | None = None, port: str = ""
) -> tuple[Measurement, LotState]:
    """Record a stable reading (already read) as the next package: the store half of a capture.

    The TUI reads on a worker thread (`BalanceSession.read_next`) and records on the store thread with this.

    Args:
        services: the use-cases over the open store.
        inspection_id: the inspection being weighed.
        reading: the stable reading: the package, or with `gross` its emptied packaging.
        gross: for an individual tare, the full package's reading.
        port: names the balance in messages.

    Returns:
        The measurement, committed, and the lot's new state.

    Raises:
        InputError: the inspection is not ready for this package, an individual tare without
            `gross`, or a reading that is not stable.
        StoreError: the inspection is final.
        UnitMismatch, EmptyPan: the reading cannot be recorded.
    """
    weighing, entry = services.weighing_entry(inspection_id)  # the header alone: record_weight checks the rest
    unit = weighing.symbol
    _check_entry(entry, gross)
    readings = [r for r in (gross, reading) if r is not None]
    text = " ".join(_text(_recordable(r, unit, port)) for r in readings)
    return services.record_weight(inspection_id, text, source="balance", raw="\n".join(r.raw for r in readings))


def capture_weight(
    services: Services,
    inspection_id: str,
    driver: BalanceDriver,
    timeout: float = 10.0,
    *,
    gross: Reading | None = None,
    on_value: Callable[[Reading], None] | None = None,
    cancel: threading.Event | None = None,
) -> tuple[Measurement, LotState]:
    """Read the next package from the balance and record it (`read_for_entry`, then `record_reading`).

    Args:
        services: the use-cases over the open store.
        inspection_id: the inspection being weighed.
        driver: the connected balance.
        timeout: seconds to wait for a stable reading.
        gross: for an individual tare, the full package's reading taken before (`read_for_entry`);
            the reading taken now is then its emptied packaging.
        on_value: called with every reading on the way (the live value).
        cancel: set it to stop waiting.

    Returns:
        The measurement, committed, and the lot's new state.

    Raises:
        InputError: the inspection is not ready for this package (see `Services.record_weight`),
            or an individual tare without `gross`.
        StoreError: the inspection is final.
        BalanceError: the balance failed, or its reading cannot be recorded (unit, empty pan).
    """
    weighing, entry = services.weighing_entry(inspection_id)
    _check_entry(entry, gross)
    reading = read_for_entry(driver, weighing.symbol, timeout, on_value, cancel)
    return record_reading(services, inspection_id, reading, gross=gross, port=driver.port)


def record_tare_reading(services: Services, inspection_id: str, reading: Reading, *, port: str = "") -> LotState:
    """Record a stable reading as one empty packaging of the average-tare sample: the store half of a capture.

    Raises:
        InputError: not average tare, packages already weighed, or an unstable reading.
        UnitMismatch, EmptyPan: the reading cannot be recorded.
    """
    weighing, _ = services.weighing_entry(inspection_id)
    value = _recordable(reading, weighing.symbol, port, "packaging")
    return services.record_tare_sample(inspection_id, _text(value), source="balance", raw=reading.raw)


def capture_tare_sample(
    services: Services,
    inspection_id: str,
    driver: BalanceDriver,
    timeout: float = 10.0,
    *,
    on_value: Callable[[Reading], None] | None = None,
    cancel: threading.Event | None = None,
) -> LotState:
    """Read one empty packaging of the average-tare sample from the balance and record it.

    Raises:
        InputError: the inspection does not use average tare, or packages are already weighed.
        BalanceError: the balance failed, or its reading cannot be recorded.
    """
    weighing, _ = services.weighing_entry(inspection_id)
    reading = read_for_entry(driver, weighing.symbol, timeout, on_value, cancel)
    return record_tare_reading(services, inspection_id, reading, port=driver.port)
