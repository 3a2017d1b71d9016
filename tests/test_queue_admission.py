"""Start checks the classroom's queue limits and queues the run as one step: tabs pressing Start at
the same instant cannot take more places than there are."""

import threading
import time

from alexnet_core.guard.limits import MAX_QUEUED_TOTAL
from alexnet_core.training.store import Store
from ui.training import queue


def test_simultaneous_starts_never_overshoot_the_server_wide_limit(tmp_path):
    store = Store(tmp_path)
    for i in range(MAX_QUEUED_TOTAL - 1):  # one place left
        store.create(f"run {i}", {}, {}, "cpu")
    start = threading.Barrier(8)
    admitted, refused = [], []

    def submit() -> int:
        time.sleep(0.05)  # a submit that takes a while: without the lock every tab passes the check first
        return store.create("late", {}, {}, "cpu")

    def tab() -> None:
        start.wait()
        try:
            admitted.append(queue.admit(store, [], submit))
        except ValueError as err:
            refused.append(str(err))

    threads = [threading.Thread(target=tab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 1 and len(refused) == 7
    assert all("limit for everyone" in r for r in refused)
    assert len(store.list(["queued", "running"])) == MAX_QUEUED_TOTAL


def test_a_sessions_own_limit_counts_only_its_active_runs(tmp_path):
    store = Store(tmp_path)
    mine = [store.create(f"mine {i}", {}, {}, "cpu") for i in range(3)]
    try:
        queue.admit(store, mine, lambda: store.create("fourth", {}, {}, "cpu"))
    except ValueError as err:
        assert "at most 3 per person" in str(err)
    else:
        raise AssertionError("a fourth run was queued")
    store.finish(mine[0], "done")  # one finished: its place is free again
    assert queue.admit(store, mine, lambda: store.create("fourth", {}, {}, "cpu")) > mine[-1]
