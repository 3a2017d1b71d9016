"""Process-wide settings of the app server, made once at start-up and never per request."""

from __future__ import annotations

import os
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


def configure_once() -> None:
    """Set torch's process-wide thread count once, at the first page run of this server.
    Setting it per request would let concurrent sessions change it under each other."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            import torch  # heavy: the first page imports it anyway

            torch.set_num_threads(server_threads())
            _done = True
