"""Provides the balance use-cases: a balance's reading recorded into an inspection, an identified balance registered.

A capture has two halves that may run on different threads. The read talks to the balance and
blocks: `BalanceSession.read_next` on a worker thread in the TUI (or a driver's `read_stable`).
The record stores the result, on the store thread (through the TUI's `ServiceRunner`):
`record_reading` for a package, `record_tare_reading` for an empty packaging of the average-tare
sample. Recording converts the reading exactly to the inspection's weighing unit (g ↔ kg; any
other unit is refused) and stores it with ``source="balance"`` and the balance's raw line as
evidence. Nothing is recorded unless the whole reading is good: an unstable reading, a unit that
cannot be converted or an empty pan leaves the inspection as it was.

For an individual tare (the inspector enters gross and tare) two readings are needed: the full
package, then its emptied packaging. Read both, then call `record_reading(..., gross=first)`; the
measurement keeps both raw lines.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fieldtool.balance.reading import Identity, Reading
from fieldtool.balance.transport import ConnectionSpec
from fieldtool.balance.units import recordable
from fieldtool.core.quantity import plain_decimal
from fieldtool.errors import InputError

if TYPE_CHECKING:
    from fieldtool.core.inspection import Balance, Measurement
    from fieldtool.usecases.inspection import Services
    from fieldtool.usecases.lot_types import LotState


_ENTRY_ZH = {"net": "净含量", "gross": "毛重", "gross tare": "毛重和皮重"}
"""The entries of a lot (`Services.weighing_entry`), in Chinese."""


def _check_entry(entry: str, gross: Reading | None) -> None:
    """Refuse a capture that does not fit the entry of the lot (one reading, or gross then tare)."""
    if entry == "gross tare" and gross is None:
        raise InputError("individual tare: read the full package first, then record its emptied packaging with it as the gross",
                         zh="逐件皮重：请先读取整件，再读取其倒空后的包装，两者一并记录")
    if entry != "gross tare" and gross is not None:
        raise InputError(f"this inspection enters one {entry} weight per package; no separate gross reading",
                         zh=f"本次检验每件只录入一个{_ENTRY_ZH.get(entry, entry)}值；不单独读取毛重")


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
    text = " ".join(plain_decimal(recordable(r, unit, port)) for r in readings)
    return services.record_weight(inspection_id, text, source="balance", raw="\n".join(r.raw for r in readings))


def record_tare_reading(services: Services, inspection_id: str, reading: Reading, *, port: str = "") -> LotState:
    """Record a stable reading as one empty packaging of the average-tare sample: the store half of a capture.

    Raises:
        InputError: not average tare, packages already weighed, or an unstable reading.
        UnitMismatch, EmptyPan: the reading cannot be recorded.
    """
    weighing, _ = services.weighing_entry(inspection_id)
    value = recordable(reading, weighing.symbol, port, "packaging")
    return services.record_tare_sample(inspection_id, plain_decimal(value), source="balance", raw=reading.raw)


def register_identified(
    services: Services,
    identity: Identity,
    connection: ConnectionSpec,
    *,
    d: str,
    max_capacity: str = "",
    unit: str = "",
    e: str = "",
    accuracy_class: str = "",
    mpe: str = "",
    certificate: str = "",
    calibration_due: date | None = None,
    model: str = "",
    serial: str = "",
) -> Balance:
    """Add an identified balance to the register.

    Args:
        services: the use-cases over the open store.
        identity: what the balance reported (`BalanceDriver.identify`).
        connection: how it was reached; stored with the balance.
        d: the scale interval, as typed.
        max_capacity: Max as typed; empty to take the one the balance reported.
        unit: g or kg; empty for the unit of the reported Max (g when none).
        e, accuracy_class, mpe, certificate, calibration_due: as on the certificate (optional).
        model, serial: typed values for a balance that does not report them.

    Returns:
        The stored balance.

    Raises:
        InputError: Max unknown, a value not a number, or model / serial unknown.
    """
    model = identity.model or model.strip()
    serial = identity.serial or serial.strip()
    if not model or not serial:
        missing = " and ".join(w for w, v in (("model", model), ("serial number", serial)) if not v)
        missing_zh = "和".join(w for w, v in (("型号", model), ("出厂编号", serial)) if not v)
        raise InputError(f"the balance does not report its {missing}; type it as on the plate", zh=f"天平未报告其{missing_zh}；请按铭牌输入")
    if not max_capacity.strip():
        if identity.capacity is None:
            raise InputError(f"{identity.make} {model} does not report its Max; type it as on the plate", zh=f"{identity.make} {model} 未报告最大秤量 Max；请按铭牌输入")
        max_capacity = str(identity.capacity)
    return services.add_balance(
        make=identity.make, model=model, serial=serial, max_capacity=max_capacity, d=d,
        unit_symbol=unit.strip() or identity.capacity_unit or "g", e=e, accuracy_class=accuracy_class, mpe=mpe,
        certificate=certificate, calibration_due=calibration_due, connection=str(connection),
    )
