"""The server's sockets send each message at once (Nagle off), whatever proto they were made with."""

from __future__ import annotations

import os
import socket

import pytest

from ui.runtime import tcp_nodelay

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_listener_and_open_connections_get_nodelay_and_new_connections_inherit_it():
    # proto 0, as the app server's listening socket is made: asyncio then leaves Nagle on
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    early = socket.create_connection(("127.0.0.1", port))
    early_server_side, _ = listener.accept()
    try:
        assert _nodelay(listener) == 0 and _nodelay(early_server_side) == 0
        assert tcp_nodelay() >= 2
        assert _nodelay(listener) == 1 and _nodelay(early_server_side) == 1
        late = socket.create_connection(("127.0.0.1", port))
        late_server_side, _ = listener.accept()
        assert _nodelay(late_server_side) == 1  # inherited from the listener
        late_server_side.sendall(b"still open")  # the duplicates were closed, the sockets were not
        assert late.recv(16) == b"still open"
        late.close()
        late_server_side.close()
    finally:
        early.close()
        early_server_side.close()
        listener.close()
