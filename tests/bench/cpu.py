"""CPU time of processes (and their children) read from /proc, as `top` would count it."""

import os
from collections.abc import Mapping
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        pending += _children(current)
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the process and its live descendants."""
    total = 0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def snapshot(pids: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds of each named process tree now."""
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def per_message_ms(
    before: Mapping[str, float], after: Mapping[str, float], messages: int
) -> dict[str, float]:
    """CPU milliseconds per message of each process over a run."""
    return {name: (after[name] - before[name]) * 1000 / max(1, messages) for name in before}


def rss_mb(pid: int) -> float:
    """Resident memory (MiB) of the process and its live descendants."""
    total_kb = 0
    for member in tree(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024
