"""Process-wide settings of the app server, made once at start-up and never per request."""

from __future__ import annotations

import os
import socket
import threading

_lock = threading.Lock()
_done = False


def server_threads() -> int:
    """torch's intra-op threads in the server process. One image is too little work to split
    across cores: on a shared CPU the threads mostly wait for each other (2 threads were ~3x
    slower than 1 under load, BENCHMARKS.md). Concurrent sessions each run in their own script
    thread, so with 1 thread each they still use every core. ALEXNET_SERVER_THREADS changes it."""
    value = os.environ.get("ALEXNET_SERVER_THREADS", "1")
    return max(1, int(value)) if value.isdigit() else 1


def tcp_nodelay() -> int:
    """Turn Nagle's algorithm off on this process's TCP sockets; returns how many were set.

    asyncio sets TCP_NODELAY only on sockets whose ``proto`` is IPPROTO_TCP, and the server's
    listening socket is made with proto 0, so every websocket to the browser kept Nagle on: after
    the first small message of a rerun the rest waited for the browser's delayed ACK (~40 ms on
    Linux). Accepted sockets inherit the option from the listening one, so setting it on every
    TCP socket open now (the listener and the connections already made) covers the ones to come.
    BENCHMARKS.md ("Nagle") has the figures."""
    count = 0
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
        try:
            fd = int(name)
            if not os.path.exists(f"/proc/self/fd/{fd}") or not os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                continue
            sock = socket.socket(fileno=os.dup(fd))
        except (OSError, ValueError):
            continue
        try:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                count += 1
        except OSError:
            pass
        finally:
            sock.close()  # closes the duplicate only
    return count


_wake_lock = threading.Lock()


def _asyncio_call_soon_threadsafe():
    """asyncio's own call_soon_threadsafe, whether or not this module has patched the class."""
    from asyncio import base_events

    current = base_events.BaseEventLoop.call_soon_threadsafe
    return getattr(current, "_original", current)


def _coalescing_call_soon_threadsafe(self, callback, *args, context=None):
    """asyncio's call_soon_threadsafe, writing the wake-up byte only when the handle is the only one
    waiting. A handle behind another one needs no byte of its own: the loop runs with a zero select
    timeout while anything is ready, and the first handle's writer wakes a sleeping loop. The lock
    makes "append, then count" one step, so two threads cannot both see the other's handle and skip."""
    self._check_closed()
    with _wake_lock:
        handle = self._call_soon(callback, args, context)
        alone = len(self._ready) == 1
    if alone:
        self._write_to_self()
    return handle


def coalesce_loop_wakeups() -> bool:
    """Stop every cross-thread message from costing a socket write; returns whether it patched.

    Streamlit's script thread hands each ForwardMsg (78 in a Layer Lab rerun) to the server's event
    loop with call_soon_threadsafe, and asyncio writes one byte to its self-pipe for each. The write
    is a system call that releases the GIL, and with other script threads busy, taking it back waits
    for a switch interval (5 ms): with many sessions the reruns queued behind these waits while the
    CPU was half idle (py-spy: the largest share of script-thread samples in _write_to_self).
    RELIABILITY.md ("Load") has the figures."""
    from asyncio import base_events

    cls = base_events.BaseEventLoop
    if getattr(cls.call_soon_threadsafe, "_coalescing", False):
        return False
    _coalescing_call_soon_threadsafe._coalescing = True  # type: ignore[attr-defined]
    _coalescing_call_soon_threadsafe._original = cls.call_soon_threadsafe  # type: ignore[attr-defined]
    cls.call_soon_threadsafe = _coalescing_call_soon_threadsafe  # type: ignore[method-assign]
    return True


GATE_WAIT_S = 1.0  # a script waits at most this long for its turn, then runs anyway


def script_gate_size() -> int:
    """How many script runs may execute Python at once (ALEXNET_SCRIPT_GATE; 0 turns the gate off)."""
    value = os.environ.get("ALEXNET_SCRIPT_GATE", "2")  # one runs Python while the other's torch work has the second core
    return int(value) if value.isdigit() else 2


def gate_script_runs(size: int | None = None) -> bool:
    """Let at most `size` script runs (whole pages or fragments) execute at once; returns whether it patched.

    Streamlit starts a thread per rerun, and with a class on one server dozens run at once. Python runs
    one of them at a time anyway (the GIL), so the extra threads add no throughput: each system call,
    contended lock or message hand-off releases the GIL, and taking it back waits a switch interval
    behind the others, so a 17 ms rerun took a second at 100 sessions with the CPU 40% idle. Waiting
    on a semaphore holds no GIL. A run waits at most GATE_WAIT_S for its turn and then runs anyway,
    so one long run (an export, a forward pass of a big spec) cannot stall every other session.
    RELIABILITY.md ("Load") has the figures."""
    from streamlit.runtime.scriptrunner import script_runner

    size = script_gate_size() if size is None else size
    cls = script_runner.ScriptRunner
    original = cls._run_script
    if size <= 0 or getattr(original, "_gated", False):
        return False
    gate = threading.BoundedSemaphore(size)

    def _run_script(self, rerun_data):
        got = gate.acquire(timeout=GATE_WAIT_S)
        try:
            return original(self, rerun_data)
        finally:
            if got:
                gate.release()

    _run_script._gated = True  # type: ignore[attr-defined]
    cls._run_script = _run_script  # type: ignore[method-assign]
    return True


def guard_component_json() -> None:
    """Read what a custom component (the Lab's dials) sends with the same limits as every JSON a user gives.

    Streamlit parses a component's trigger and state with plain ``json.loads`` before any app code runs (in the
    callbacks' pass). A page whose JavaScript was changed could send a 5,000-digit number or 3,000 nested
    brackets: Python's parser raises ValueError or RecursionError there, and the page showed a traceback. With
    this, such a value reads as nothing sent (the dials then say the edit was not applied)."""
    from streamlit.components.v2.bidi_component import serialization as ser

    from alexnet_core.spec.parse import loads_bounded
    from alexnet_core.spec.types import SpecError

    if getattr(ser.handle_deserialize, "_guarded", False):
        return

    def handle_deserialize(s: str | None) -> object:
        if s is None:
            return None
        try:
            return loads_bounded(s, "component value")
        except SpecError:
            return None

    original_state = ser.BidiComponentSerde.deserialize

    def deserialize(self, ui_value):  # type: ignore[no-untyped-def]
        if isinstance(ui_value, str):
            ui_value = handle_deserialize(ui_value)
        return original_state(self, ui_value if isinstance(ui_value, dict) else None)

    handle_deserialize._guarded = True  # type: ignore[attr-defined]
    ser.handle_deserialize = handle_deserialize
    ser.BidiComponentSerde.deserialize = deserialize  # type: ignore[method-assign]


def configure_once() -> None:
    """Set torch's process-wide thread count once, at the first page run of this server, and turn
    Nagle off on the server's sockets. Setting threads per request would let concurrent sessions
    change it under each other."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            import torch  # heavy: the first page imports it anyway

            torch.set_num_threads(server_threads())
            tcp_nodelay()
            coalesce_loop_wakeups()
            gate_script_runs()
            guard_component_json()
            _done = True
