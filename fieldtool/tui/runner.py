"""Provides the service runner: every store call runs on one thread that owns the SQLite connection.

The UI awaits each call, so the event loop stays free while SQLite commits (and fsyncs) a
weight, and a screen shows a weight as saved only after the call has returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the services (and the domain) are imported on the store thread, not before the first screen
    from fieldtool.usecases.inspection import Services

R = TypeVar("R")


class ServiceRunner:
    """Runs `Services` calls one at a time on a dedicated thread.

    The factory runs first on that thread, when `start` is called (the app calls it once its first
    screen is painted, so that opening the database and importing sqlite-utils and numpy do not
    compete with the first screen for the interpreter) or with the first call, whichever comes
    first. A call made before the factory has finished simply waits behind it; if it failed,
    every call raises its error.

    Args:
        factory: builds the `Services` (and opens the store) on the runner's thread.
    """

    def __init__(self, factory: Callable[[], Services]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldtool-store")
        self._factory = factory
        self._ready: Future[Services] | None = None

    def start(self) -> None:
        """Open the store on the store thread now (if not already opening)."""
        if self._ready is None:
            self._ready = self._executor.submit(self._factory)

    def _run(self, fn: Callable[[Services], R]) -> R:
        assert self._ready is not None
        return fn(self._ready.result())

    async def call(self, fn: Callable[[Services], R]) -> R:
        """Run `fn(services)` on the store thread and await its result (exceptions propagate)."""
        self.start()
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, fn)

    def call_sync(self, fn: Callable[[Services], R]) -> R:
        """Run `fn(services)` on the store thread and wait for it (for start-up and tests)."""
        self.start()
        return self._executor.submit(self._run, fn).result()

    def close(self) -> None:
        """Close the store (if it was opened) and stop the thread."""
        ready = self._ready
        if ready is not None and ready.exception() is None:
            self._executor.submit(lambda: ready.result().store.close()).result()
        self._executor.shutdown()
