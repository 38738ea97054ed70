"""Provides `SimulatedBalance`: the weighing side of a simulator (load, zero, tare, stability, faults).

It knows nothing of protocols: a speaker (`fieldtool.balance.sim.speakers`) turns its state into
replies. Everything is guarded by one lock, so a test (or the simulator's console) can change
the load and inject faults while a client is being served.

The load follows a script of package weights. After every change the balance is unstable for
`unstable_period` seconds (its values wander by a few d). The next package is placed after a
stable weight was delivered (``advance="read"``, as if the inspector took the package off as soon
as it was read), after a fixed time (``advance=<seconds>``), or only when told (``"manual"``:
`place` / `next_package`). After the last package the pan is empty (zero).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from fieldtool.core.quantity import decimals_of

Advance = str | float
"""``"read"``, ``"manual"`` or seconds per package."""


@dataclass(frozen=True)
class Display:
    """What the balance would show now."""

    state: str
    """``ok``, ``over`` (above Max) or ``under`` (below the zero range)."""
    value: Decimal
    """The net value, rounded to d (unstable values wander)."""
    stable: bool
    """Whether the value is stable."""


class SimulatedBalance:
    """A balance's weighing state, with script controls and fault injection.

    Args:
        unit: the display unit (g or kg …).
        capacity: Max, in `unit`.
        d: the scale interval, in `unit` (sets the decimals shown).
        model: the model designation it reports.
        serial: the serial number it reports.
        weights: the script: package loads, in `unit`, placed one after another.
        unstable_period: seconds of instability after each change of load.
        stability_timeout: seconds a "stable weight" command waits before the timeout reply.
        advance: when the next package is placed: ``"read"``, ``"manual"`` or seconds.
        seed: seeds the wandering of unstable values and the garbage bytes.
        clock: monotonic seconds (injectable).
    """

    def __init__(
        self,
        *,
        unit: str = "g",
        capacity: Decimal = Decimal(6200),
        d: Decimal = Decimal("0.01"),
        model: str = "SIM6200",
        serial: str = "0012345678",
        weights: Iterable[Decimal] = (),
        unstable_period: float = 0.3,
        stability_timeout: float = 3.0,
        advance: Advance = "read",
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (advance in ("read", "manual") or (isinstance(advance, float | int) and advance > 0)):
            raise ValueError(f"advance must be 'read', 'manual' or seconds; got {advance!r}")
        self.unit = unit
        self.capacity = capacity
        self.d = d
        self.model = model
        self.serial = serial
        self.unstable_period = unstable_period
        self.stability_timeout = stability_timeout
        self.advance = advance
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._clock = clock
        self._rng = random.Random(seed)
        self._script: deque[Decimal] = deque(weights)
        self.load = Decimal(0)
        """What lies on the pan, in `unit`, relative to the empty pan."""
        self.zero_offset = Decimal(0)
        """The load at which zero was set."""
        self.tare = Decimal(0)
        """The tare held (persists across client connections and ``@`` resets, as on a real balance)."""
        self.changed_at = clock()
        self.placed_at = clock()
        self.delivered: list[Decimal] = []
        """Every stable net value delivered in answer to a weight command, in order (for tests)."""
        # Faults, consumed by the speakers and servers.
        self.muted = False
        """No replies at all (commands are swallowed): a sleeping or unplugged balance."""
        self.hold_unstable = False
        """Stay unstable whatever the time (a draught, a vibrating table)."""
        self.garble_next = 0
        """Replace this many next replies by garbage bytes (the command is lost)."""
        self.error_next = 0
        """Answer this many next commands with the protocol's error reply."""
        self.drop_next = False
        """Drop the connection on the next command, without a reply."""
        self.slow_next = 0.0
        """Answer the next command only after this many seconds (a late reply, after the driver gave up)."""
        if self._script:
            self.load = self._script.popleft()

    # -- the script ---------------------------------------------------------------------------

    def place(self, load: Decimal) -> None:
        """Put `load` on the pan (it is unstable for `unstable_period`)."""
        with self.lock:
            self.load = Decimal(load)
            self.changed_at = self.placed_at = self._clock()
            self.changed.notify_all()

    def next_package(self) -> None:
        """Place the next package of the script, or empty the pan after the last one."""
        with self.lock:
            self.place(self._script.popleft() if self._script else Decimal(0))

    def script(self, weights: Iterable[Decimal]) -> None:
        """Replace the rest of the script."""
        with self.lock:
            self._script = deque(weights)

    @property
    def remaining(self) -> int:
        """Packages of the script not yet placed."""
        return len(self._script)

    def _tick(self) -> None:
        if not isinstance(self.advance, str):
            while self._clock() - self.placed_at >= self.advance:
                placed = self.placed_at + self.advance
                self.next_package()
                self.placed_at = self.changed_at = placed

    # -- what the balance shows ---------------------------------------------------------------

    def is_stable(self) -> bool:
        """Whether the load has settled."""
        with self.lock:
            self._tick()
            return not self.hold_unstable and self._clock() - self.changed_at >= self.unstable_period

    def display(self) -> Display:
        """The value shown now."""
        with self.lock:
            stable = self.is_stable()
            gross = self.load - self.zero_offset
            if gross > self.capacity + 9 * self.d:
                return Display("over", Decimal(0), stable)
            if gross < -20 * self.d:
                return Display("under", Decimal(0), stable)
            net = gross - self.tare
            if not stable:
                net += self.d * self._rng.choice((-4, -3, -2, -1, 1, 2, 3, 4))
            return Display("ok", self.rounded(net), stable)

    def rounded(self, value: Decimal) -> Decimal:
        """A value rounded to d's decimals."""
        return value.quantize(Decimal(1).scaleb(-decimals_of(self.d)))

    def delivered_stable(self, value: Decimal) -> None:
        """Called by a speaker after a stable weight went out: note it, and place the next package (``advance="read"``)."""
        with self.lock:
            self.delivered.append(value)
            if self.advance == "read":
                self.next_package()

    def wait_stable(self, stop: threading.Event) -> bool:
        """Wait up to `stability_timeout` for the load to settle (a "stable weight" command); True when stable."""
        deadline = self._clock() + self.stability_timeout
        with self.lock:
            while not self.is_stable():
                left = deadline - self._clock()
                if left <= 0 or stop.is_set():
                    return False
                step = min(left, 0.05)
                if not self.hold_unstable:
                    step = min(step, max(0.001, self.unstable_period - (self._clock() - self.changed_at)))
                self.changed.wait(step)
            return True

    # -- zero and tare ------------------------------------------------------------------------

    def set_zero(self) -> str:
        """Zero now (call when stable): ``ok``, or ``over`` / ``under`` outside ±2 % of Max from the last zero."""
        with self.lock:
            gross = self.load - self.zero_offset
            limit = self.capacity * Decimal("0.02")
            if gross > limit:
                return "over"
            if gross < -limit:
                return "under"
            self.zero_offset = self.load
            self.tare = Decimal(0)
            self.changed_at = self._clock()
            return "ok"

    def set_tare(self) -> tuple[str, Decimal]:
        """Tare now (call when stable): ``ok`` and the tare, or ``over`` / ``under``."""
        with self.lock:
            shown = self.display()
            if shown.state != "ok":
                return shown.state, Decimal(0)
            gross = self.load - self.zero_offset
            if gross <= 0:
                return "under", Decimal(0)
            self.tare = self.rounded(gross)
            self.changed_at = self._clock()
            return "ok", self.tare

    def clear_tare(self) -> None:
        """Clear the tare."""
        with self.lock:
            self.tare = Decimal(0)

    # -- faults -------------------------------------------------------------------------------

    def take(self, fault: str) -> bool:
        """Consume one pending fault of a kind (``garble``, ``error``, ``drop``); True when there was one."""
        with self.lock:
            if fault == "garble" and self.garble_next:
                self.garble_next -= 1
                return True
            if fault == "error" and self.error_next:
                self.error_next -= 1
                return True
            if fault == "drop" and self.drop_next:
                self.drop_next = False
                return True
            return False

    def take_delay(self) -> float:
        """Consume a pending slow reply; its delay in seconds (0: none)."""
        with self.lock:
            delay, self.slow_next = self.slow_next, 0.0
            return delay

    def garbage(self, size: int = 12) -> bytes:
        """Random bytes that are no protocol's reply (no CR or LF inside)."""
        with self.lock:
            return bytes(self._rng.choice([*range(0x80, 0x100), 0x00, 0x07, 0x1A]) for _ in range(size))
