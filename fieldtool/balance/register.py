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
    if not max_capacity.strip():
        if identity.capacity is None:
            raise InputError(f"{identity.make} {model} does not report its Max; type it as on the plate")
        max_capacity = str(identity.capacity)
    return services.add_balance(
        make=identity.make, model=model, serial=serial, max_capacity=max_capacity, d=d,
        unit_symbol=unit.strip() or identity.capacity_unit or "g", e=e, accuracy_class=accuracy_class, mpe=mpe,
        certificate=certificate, calibration_due=calibration_due, connection=str(connection),
    )
