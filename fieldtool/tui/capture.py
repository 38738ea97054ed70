"""Provides `BalanceCapture`: "read the next package from the balance" for the weighing and tare screens.

The wait runs on a worker thread (`BalanceSession.read_next`); each reading on the way is handed
to the event loop without blocking the thread (`call_soon_threadsafe`) and shown on the screen's
status line with what is awaited: a load that settles, a package on an empty pan, the next
package after the last one. Esc (or leaving the screen) cancels. Nothing is recorded here: the
screen records the returned reading through the store thread, and shows it only once it is stored.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

from fieldtool.balance.driver import Cancelled
from fieldtool.errors import FieldtoolError, message_in
from fieldtool.tui.i18n import T

if TYPE_CHECKING:
    from fieldtool.balance.reading import Reading
    from fieldtool.balance.session import Waiting
    from fieldtool.tui.app import FieldtoolApp

HOLD_MESSAGE = 3.0
"""Seconds a message shown during a wait stays over the live value."""

TEXT = {
    "connecting": T("⚖ connecting to the balance on {port} …", "⚖ 正在连接天平 {port} ……"),
    "unstable": T("⚖ waiting for a stable reading: {value}  (Esc cancels)", "⚖ 等待稳定读数：{value}（Esc 取消）"),
    "empty": T("⚖ the pan is empty: put {what} on the pan  (Esc cancels)", "⚖ 秤盘为空：请放上{what}（Esc 取消）"),
    "same": T(
        "⚖ {value} was read already: take it off and put {what} on the pan  (Esc cancels)",
        "⚖ {value} 已读取：请取下，放上{what}（Esc 取消）",
    ),
    "stable": T("⚖ stable: {value}, saving …", "⚖ 已稳定：{value}，正在保存……"),
    "cancelled": T("reading the balance was cancelled; nothing was saved", "已取消读取天平；未保存任何数据"),
    "busy": T("already waiting for the balance: Esc cancels", "正在等待天平：按 Esc 取消"),
    "no_connection": T(
        "no balance connection is set: choose one in Settings (S on Home), or type the weights",
        "未设置天平连接：请在设置中选择（首页按 S），或手工输入",
    ),
    "typing_while_waiting": T(
        "waiting for the balance: Esc cancels it before a typed weight is saved", "正在等待天平：请先按 Esc 取消，再保存手工输入的数值"
    ),
}


HELP = T(
    "F9 reads the package from the balance instead of typing it: the line under the table shows the live "
    "value until the balance reports it stable, then the weight is saved with the balance's own line as "
    "evidence and marked ⚖. A load is never read twice: after each reading, take the package off (or put "
    "the next one on) before F9 takes the next. Esc stops waiting; typing stays available. The balance "
    "connection is set and tested in Settings (S on Home); a balance whose serial number is not that of "
    "the inspection's balance is refused.",
    "按 F9 从天平读取，无需手工输入：表格下方一行显示实时读数，天平报告稳定后，数值连同天平原始输出一起保存，"
    "并标记 ⚖。同一负载不会被读取两次：每次读取后，取下该件（或放上下一件），F9 才会读取下一件。按 Esc 停止等待；"
    "仍可手工输入。天平连接在设置中选择和测试（首页按 S）；出厂编号与本次检验所用天平不符的天平将被拒绝。",
)
"""What the help screen (F1) says about reading the balance, on the screens that can."""


class BalanceCapture:
    """Mixed into a screen that reads packages from the balance; it needs `_status(text, error)` and `inspection_id`.

    `read_package` returns the stable reading, or None when the wait was cancelled or failed (the
    one-line reason is then on the status line).
    """

    app: Any
    inspection_id: str
    _cancel_capture: threading.Event | None = None
    _quiet_until = 0.0
    """Live values are not shown before this (monotonic) time: a message is being read."""

    if TYPE_CHECKING:

        def _status(self, text: str, error: bool = False) -> None: ...

        def tr(self, text: T, **fields: object) -> str: ...

    @property
    def capturing(self) -> bool:
        """Whether a read is waiting for the balance now."""
        return self._cancel_capture is not None

    def cancel_capture(self) -> bool:
        """Stop waiting for the balance; False when nothing was waiting."""
        if self._cancel_capture is None:
            return False
        self._cancel_capture.set()
        return True

    def say_while_waiting(self, text: str) -> None:
        """Show an error during the wait, kept on the status line for a few seconds over the live value."""
        self._status(text, error=True)
        self._quiet_until = time.monotonic() + HOLD_MESSAGE

    def can_capture(self) -> bool:
        """Whether a read may start: none is waiting and a connection is set (else the reason is shown)."""
        fapp: FieldtoolApp = self.app
        if self.capturing:
            self.say_while_waiting(self.tr(TEXT["busy"]))
            return False
        if not fapp.settings.balance_connection and not fapp.balance.configured:
            self._status(self.tr(TEXT["no_connection"]), error=True)
            return False
        return True

    async def read_package(self, unit: str, what: str) -> Reading | None:
        """Wait on a worker thread for the next stable package on the pan.

        Args:
            unit: the unit it will be recorded in (g ↔ kg are converted when stored).
            what: what is to be put on the pan ("package 7", "its emptied packaging" …), in the screen's language.

        Returns:
            The reading, or None (cancelled, or an error shown on the status line).
        """

        fapp: FieldtoolApp = self.app
        cancel = threading.Event()
        self._cancel_capture = cancel
        self.app.refresh_bindings()
        loop = asyncio.get_running_loop()
        session = fapp.balance

        def progress(waiting: Waiting, reading: Reading | None) -> None:
            loop.call_soon_threadsafe(self._show_wait, waiting, reading, what, session.connection)

        try:
            expect = await fapp.runner.call(lambda s: s.inspection_balance(self.inspection_id))
            return await asyncio.to_thread(
                session.read_next, unit, timeout=fapp.settings.balance_timeout, expect=expect, progress=progress, cancel=cancel
            )
        except Cancelled:
            self._status(self.tr(TEXT["cancelled"]))
        except FieldtoolError as exc:
            self._status(message_in(exc, fapp.settings.lang), error=True)
        finally:
            cancel.set()  # a screen left mid-wait (the task cancelled) stops the thread too
            self._cancel_capture = None
            self.app.refresh_bindings()
        return None

    def _show_wait(self, waiting: Waiting, reading: Reading | None, what: str, port: str) -> None:
        from fieldtool.balance.session import Waiting

        if self._cancel_capture is None or time.monotonic() < self._quiet_until:
            return  # a late reading after the wait ended, or a message is being read
        value = "" if reading is None else str(reading)
        key = {
            Waiting.CONNECTING: "connecting", Waiting.UNSTABLE: "unstable", Waiting.EMPTY: "empty",
            Waiting.SAME_LOAD: "same", Waiting.STABLE: "stable",
        }[waiting]
        self._status(self.tr(TEXT[key], value=value, what=what, port=port))
