"""Serve a fake provider (an ASGI app) over real HTTP on a loopback port, in a thread."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


def listening_socket(port: int = 0) -> socket.socket:
    """A socket bound and listening on 127.0.0.1 (port 0: the OS picks), so nothing races us."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


def base_url_of(sock: socket.socket) -> str:
    """The http:// base URL of a listening socket."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serving(app: ASGIApp, sock: socket.socket | None = None) -> Iterator[str]:
    """Run app on a listening socket (a new one if none) until the block ends."""
    sock = sock or listening_socket()
    config = uvicorn.Config(app, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake provider did not start")
        time.sleep(0.02)
    try:
        yield base_url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
