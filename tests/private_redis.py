"""A redis-server of a test's own, on a free port, that the test may kill, hang and start again.

Tests that must lose Redis never touch the machine's shared Redis: they start one of
these (DEVELOPERS.md: "A test that must kill Redis starts its own redis-server").
"""

import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

REDIS_SERVER = "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A private redis-server, killed and started again on the same port as a test needs."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary, our arguments
            [*command, "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def hang(self) -> None:
        """Stopped, not dead: connections are accepted and never answered (a partition)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@contextmanager
def private_redis() -> Iterator[tuple[str, Callable[[], None]]]:
    """Yield (url, kill): a running private Redis, and a function that kills it."""
    server = RedisServer()
    server.start()
    try:
        yield server.url, server.kill
    finally:
        server.kill()
