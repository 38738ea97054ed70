"""A real terminal for the end-to-end tests: a tmux session on its own server socket, running one command."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable


class Terminal:
    """A tmux session of `size` (columns, lines) on its own server socket, running `command`."""

    def __init__(self, name: str, command: str, env: dict[str, str], size: tuple[int, int] = (80, 24)) -> None:
        self.socket = name
        self.env = env
        self._tmux("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), command)

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env,
                              check=False, timeout=20).stdout

    def screen(self) -> str:
        """What the terminal shows, line by line."""
        return self._tmux("capture-pane", "-p", "-t", self.socket)

    def type(self, text: str) -> None:
        """`text` typed literally."""
        self._tmux("send-keys", "-t", self.socket, "-l", text)

    def enter(self) -> None:
        self._tmux("send-keys", "-t", self.socket, "Enter")

    def send(self, *keys: str) -> None:
        """Every key in one `send-keys` call: tmux writes them to the terminal with no delay between them."""
        self._tmux("send-keys", "-t", self.socket, *keys)

    def pid(self) -> int:
        """The process the terminal runs."""
        return int(self._tmux("list-panes", "-t", self.socket, "-F", "#{pane_pid}").split()[0])

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        """The screen, once `pattern` is on it."""
        return self.wait_until(lambda screen: re.search(pattern, screen) is not None, repr(pattern), timeout)

    def wait_until(self, ready: Callable[[str], bool], what: str, timeout: float = 60) -> str:
        """The screen, once `ready(screen)` holds (a bounded wait, polling)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if ready(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{what} was not reached; the screen:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env, timeout=20,
                       check=False)
