"""Provides `Services`, the use-cases of an inspection shared by the TUI and the CLI.

A `Services` object is built around an open `SqliteStore`; screens and commands call it and
show what it returns. It turns what an inspector types into exact values, stores them first,
and only then answers with the new state of the lot (so nothing is shown as saved that is not).

It joins one family of use-cases per module: `new_inspection` (profile, balance register, preview
and opening), `weighing` (tare, density, packages, verdict) and `home` (lists and the programme
matrix), all built on `base.ServicesBase` (store, clock, reference data, the state of a lot). The
values they answer with live in `lot_types`; the reading of typed text in `entry`.
"""

from __future__ import annotations

from fieldtool.usecases.home import HomeUseCases
from fieldtool.usecases.new_inspection import NewInspectionUseCases
from fieldtool.usecases.weighing import WeighingUseCases


class Services(NewInspectionUseCases, WeighingUseCases, HomeUseCases):
    """The use-cases of fieldtool over one store.

    Args:
        store: the open store (its connection belongs to the calling thread).
        clock: the current time, as an aware datetime (UTC by default); injected in tests.
        new_seed: a fresh six-digit sampling seed (from `secrets` by default); injected in tests.
        signer: the device key; with it, finalising signs the finalisation in the same transaction
            (without it, the next sync or bundle export signs it).
    """


__all__ = ["Services"]
