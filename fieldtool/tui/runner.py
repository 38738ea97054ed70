"""Provides the service runner: every store call runs on one thread that owns the SQLite connection.

The UI awaits each call, so the event loop stays free while SQLite commits (and fsyncs) a
weight, and a screen shows a weight as saved only after the call has returned.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fieldtool.services import Services

R = TypeVar("R")


class ServiceRunner:
    """Runs `Services` calls one at a time on a dedicated thread.

    The factory runs first on that thread, while the UI starts: opening the database (and
    importing sqlite-utils) does not delay the first screen. A call made before it has finished
    simply waits behind it; if it failed, every call raises its error.

    Args:
        factory: builds the `Services` (and opens the store) on the runner's thread.
    """

    def __init__(self, factory: Callable[[], Services]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldtool-store")
        self._ready = self._executor.submit(factory)

    def _run(self, fn: Callable[[Services], R]) -> R:
        return fn(self._ready.result())

    async def call(self, fn: Callable[[Services], R]) -> R:
        """Run `fn(services)` on the store thread and await its result (exceptions propagate)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._run, fn)

    def call_sync(self, fn: Callable[[Services], R]) -> R:
        """Run `fn(services)` on the store thread and wait for it (for start-up and tests)."""
        return self._executor.submit(self._run, fn).result()

    def close(self) -> None:
        """Close the store (if it was opened) and stop the thread."""
        if self._ready.exception() is None:
            self._executor.submit(lambda: self._ready.result().store.close()).result()
        self._executor.shutdown()
