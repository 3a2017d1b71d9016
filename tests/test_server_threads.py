"""The server's two load fixes (ui/runtime.py): wake-ups coalesced, script runs gated. Neither may lose work."""

from __future__ import annotations

import asyncio
import threading
from asyncio import base_events

from streamlit.runtime.scriptrunner import script_runner

from ui import runtime


def test_a_burst_of_cross_thread_calls_writes_one_wakeup_and_runs_every_callback(monkeypatch):
    monkeypatch.setattr(base_events.BaseEventLoop, "call_soon_threadsafe", runtime._coalescing_call_soon_threadsafe)
    loop = asyncio.new_event_loop()
    writes = []
    real_write = loop._write_to_self
    monkeypatch.setattr(loop, "_write_to_self", lambda: (writes.append(1), real_write()))
    ran = []
    try:
        for i in range(100):
            loop.call_soon_threadsafe(ran.append, i)
        assert len(writes) == 1  # the first handle wakes the loop; the 99 behind it need no byte
        loop.run_until_complete(asyncio.sleep(0))
        assert ran == list(range(100))
        loop.call_soon_threadsafe(ran.append, 100)  # the queue drained: the next one writes again
        assert len(writes) == 2
    finally:
        loop.close()


def test_no_wakeup_is_lost_when_many_threads_call_into_a_sleeping_loop(monkeypatch):
    monkeypatch.setattr(base_events.BaseEventLoop, "call_soon_threadsafe", runtime._coalescing_call_soon_threadsafe)
    loop = asyncio.new_event_loop()
    threads, per_thread, done = 8, 400, threading.Event()
    count = [0]

    def bump():
        count[0] += 1
        if count[0] == threads * per_thread:
            done.set()

    def caller():
        for j in range(per_thread):
            loop.call_soon_threadsafe(bump)
            if j % 50 == 0:
                threading.Event().wait(0.001)  # let the loop drain and go back to sleep in select

    runner = threading.Thread(target=loop.run_forever)
    runner.start()
    try:
        callers = [threading.Thread(target=caller) for _ in range(threads)]
        for t in callers:
            t.start()
        for t in callers:
            t.join()
        assert done.wait(30), f"{count[0]} of {threads * per_thread} callbacks ran: a wake-up was lost"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        runner.join(30)
        loop.close()


def test_coalescing_patches_once(monkeypatch):
    # asyncio's own method, even when an earlier test's app run has patched the class (restored after the test)
    monkeypatch.setattr(base_events.BaseEventLoop, "call_soon_threadsafe", runtime._asyncio_call_soon_threadsafe())
    assert runtime.coalesce_loop_wakeups() is True
    assert runtime.coalesce_loop_wakeups() is False


def _recording_run_script(monkeypatch):
    """Replace ScriptRunner._run_script (restored after the test) with one that records how many run at once."""
    state = {"now": 0, "most": 0, "runs": 0}
    lock = threading.Lock()

    def fake(self, rerun_data):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        rerun_data.wait(30) if isinstance(rerun_data, threading.Event) else threading.Event().wait(0.005)
        with lock:
            state["now"] -= 1
            state["runs"] += 1

    monkeypatch.setattr(script_runner.ScriptRunner, "_run_script", fake)
    return state


def test_the_gate_lets_at_most_its_size_run_at_once_and_every_run_finishes(monkeypatch):
    state = _recording_run_script(monkeypatch)
    monkeypatch.setattr(runtime, "GATE_WAIT_S", 30.0)  # nobody gives up waiting in this test
    assert runtime.gate_script_runs(2) is True
    assert runtime.gate_script_runs(2) is False  # once per process
    threads = [threading.Thread(target=script_runner.ScriptRunner._run_script, args=(None, None)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert state["runs"] == 12
    assert state["most"] <= 2


def test_a_long_run_holding_the_gate_does_not_stall_the_others(monkeypatch):
    state = _recording_run_script(monkeypatch)
    monkeypatch.setattr(runtime, "GATE_WAIT_S", 0.05)
    runtime.gate_script_runs(1)
    release = threading.Event()
    long_run = threading.Thread(target=script_runner.ScriptRunner._run_script, args=(None, release))
    long_run.start()
    try:
        while state["now"] == 0:  # the long run holds the gate
            threading.Event().wait(0.01)
        short = threading.Thread(target=script_runner.ScriptRunner._run_script, args=(None, None))
        short.start()
        short.join(30)
        assert not short.is_alive() and state["runs"] == 1  # it ran after its wait, the long one still going
    finally:
        release.set()
        long_run.join(30)
    assert state["runs"] == 2


def test_the_gate_can_be_turned_off(monkeypatch):
    _recording_run_script(monkeypatch)
    monkeypatch.setenv("ALEXNET_SCRIPT_GATE", "0")
    assert runtime.gate_script_runs() is False
    assert not getattr(script_runner.ScriptRunner._run_script, "_gated", False)
