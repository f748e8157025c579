"""Peak memory of the processes a benchmark started, from /proc (Linux)."""

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def peak_rss_mb(pid: int) -> float | None:
    """VmHWM: the most resident memory the process has used, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def tree_peak_rss(pid: int) -> dict:
    """Peak RSS of a master process and of each of its child processes (MB)."""
    workers = [mb for mb in map(peak_rss_mb, children(pid)) if mb is not None]
    return {
        "master_mb": peak_rss_mb(pid),
        "children_mb": sorted(workers, reverse=True),
        "max_child_mb": max(workers) if workers else None,
    }


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far, in seconds (0 if gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its child processes (a worker and its pool)."""
    return round(cpu_seconds(pid) + sum(map(cpu_seconds, children(pid))), 2)
