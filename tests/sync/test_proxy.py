"""Sync through a proxy that cuts connections at random points, repeated until done: every record exactly once."""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

from fieldtool.storage import SqliteStore
from fieldtool.sync.client import sync
from fieldtool.sync.errors import SyncError
from fieldtool.sync.trust import Trust
from fieldtool.sync.verify import verify_store
from tests.sync.conftest import Server, enroll_in_process, make_laptop


class CuttingProxy:
    """A TCP proxy on loopback that forwards to the hub, cutting about half of the connections at a random byte.

    A cut closes both sides at once, wherever the exchange is: in the request headers, in the
    body, after the hub has answered (and committed) but before the client has read the answer.
    """

    def __init__(self, upstream: tuple[str, int], seed: int, cut_share: float = 0.5) -> None:
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.cut_share = cut_share
        self.cuts = 0
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self._running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                budget = self.rng.randrange(0, 4000) if self.rng.random() < self.cut_share else None
            threading.Thread(target=self._serve, args=(client, budget), daemon=True).start()

    def _serve(self, client: socket.socket, budget: int | None) -> None:
        try:
            upstream = socket.create_connection(self.upstream)
        except OSError:
            client.close()
            return
        state = {"left": budget, "closed": False}
        guard = threading.Lock()

        def close_both() -> None:
            with guard:
                if state["closed"]:
                    return
                state["closed"] = True
            for s in (client, upstream):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

        def pump(source: socket.socket, target: socket.socket) -> None:
            try:
                while True:
                    data = source.recv(4096)
                    if not data:
                        break
                    with guard:
                        left = state["left"]
                        if left is not None:
                            if len(data) >= left:
                                data = data[:left]
                                state["left"] = 0
                            else:
                                state["left"] = left - len(data)
                    if data:
                        target.sendall(data)
                    if state["left"] == 0:
                        with self.lock:
                            self.cuts += 1
                        break
            except OSError:
                pass
            close_both()

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self) -> None:
        self._running = False
        self.listener.close()


def test_sync_through_a_cutting_proxy_until_done_holds_every_record_exactly_once(tmp_path: Path, server: Server) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)), seed=20250314)
    url = f"http://127.0.0.1:{proxy.port}"
    laptops = [make_laptop(tmp_path / f"laptop{n}", f"Inspector {n}", inspections=6, weights=8) for n in range(4)]
    codes = [enroll_in_process(server.db, lap.name) for lap in laptops]
    attempts = [0] * len(laptops)
    failures: list[str] = []

    def until_done(n: int) -> None:
        lap = laptops[n]
        with lap.store() as store:
            enrolled = False
            while attempts[n] < 300:
                attempts[n] += 1
                try:
                    if not enrolled:
                        # An enrolment cut after the hub registered the key is repeated with the same code: a no-op.
                        sync(store, lap.key, url, enroll_code=codes[n], batch_size=7, timeout=10)
                    else:
                        sync(store, lap.key, url, batch_size=7, timeout=10)
                    return
                except SyncError as e:
                    enrolled = enrolled or store.hub_link() is not None
                    last = str(e)
            failures.append(f"laptop {n} did not finish in {attempts[n]} attempts: {last}")

    threads = [threading.Thread(target=until_done, args=(n,)) for n in range(len(laptops))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    proxy.close()
    assert not failures, failures
    assert proxy.cuts >= 5 and sum(attempts) > len(laptops), (proxy.cuts, attempts)  # the cuts really happened

    with SqliteStore.open(server.db) as hub_store:
        for lap in laptops:
            with lap.store() as store:
                mine = [(r.seq, r.hash) for r in store.records()]
                held = [(r.seq, r.hash) for r in hub_store.records(device_id=store.device_id)]
                assert held == mine  # every record, once, in order, unchanged
                assert store.unsynced_inspection_count() == 0
                assert verify_store(store, Trust(local_key=lap.key.public_key)).ok
        total = hub_store._db.execute("SELECT count(*), count(DISTINCT id) FROM records").fetchone()
        assert total[0] == total[1] == sum(len(list(SqliteStore.open(lap.db).records())) for lap in laptops)
        report = verify_store(hub_store)
        assert report.ok, report.problems[:5]
        assert hub_store.flagged() == []
