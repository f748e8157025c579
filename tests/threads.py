"""Work run from several threads at the same instant, as concurrent requests or workers."""

import threading

from django.db import connections


def at_once(work, times: int = 2, timeout: float = 60) -> list:
    """Run `work` in `times` threads released at the same instant (two dispatchers, two
    workers, two browser tabs), each on its own database connection; their results."""
    results, start_line = [], threading.Barrier(times)

    def run():
        start_line.wait()
        try:
            results.append(work())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
