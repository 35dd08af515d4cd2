"""Serve the fake Tesla on a loopback port until terminated: `python -m tests.fakes PORT`.

Used by scripts/schemathesis.sh so that no request of the run leaves the machine.
"""

from __future__ import annotations

import signal
import sys
import threading

from tests.fakes.server import listening_socket, serving
from tests.fakes.tesla import OWNER_CLIENT, FakeTesla


def main(port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    sock = listening_socket(port)
    base = f"http://127.0.0.1:{port}"
    fake = FakeTesla(redirect_uris={OWNER_CLIENT: {"tesla://auth/callback"}}, base_url=base)
    with serving(fake.build(), sock):
        print(f"fake Tesla on {base}", flush=True)
        stop.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]))
