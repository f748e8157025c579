"""A redis-server of a test's own, on a free port, that the test may kill."""

import socket
import subprocess
import time
from contextlib import contextmanager

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def private_redis():
    """Yield (url, stop): a running Redis, and a function that kills it."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - a fixed binary, our arguments
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def stop() -> None:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)

    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", stop
    finally:
        stop()
