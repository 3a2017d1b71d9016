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
            _done = True
