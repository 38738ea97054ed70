"""Provides `register_identified`: adds a connected balance to the register, with what it says about itself.

Make, model and serial number (and Max, where the protocol reports it) come from the balance;
the inspector adds what no balance reports: d, e, class, MPE, certificate and due date. The
connection string is stored, so that the balance can be reached again.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fieldtool.balance.reading import Identity
from fieldtool.balance.transport import ConnectionSpec
from fieldtool.core.quantity import parse_decimal
from fieldtool.errors import InputError

if TYPE_CHECKING:
    from fieldtool.core.inspection import Balance
    from fieldtool.services import Services


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
        raise InputError(f"the balance does not report its {missing}; type it as on the plate")
    if max_capacity.strip():
        max_value = parse_decimal(max_capacity, "balance Max")
    elif identity.capacity is not None:
        max_value = identity.capacity
    else:
        raise InputError(f"{identity.make} {model} does not report its Max; type it as on the plate")
    chosen_unit = unit.strip() or identity.capacity_unit or "g"
    return services.store.add_balance(
        make=identity.make, model=model, serial=serial, max_capacity=max_value,
        d=parse_decimal(d, "balance d"), unit=chosen_unit,
        e=parse_decimal(e, "balance e") if e.strip() else None, accuracy_class=accuracy_class,
        mpe=parse_decimal(mpe, "balance MPE") if mpe.strip() else None, certificate=certificate,
        calibration_due=calibration_due, connection=str(connection),
    )
