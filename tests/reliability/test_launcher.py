"""The launcher keeps its ticker (scheduler and recovery on the scaled clock) running."""

import os
import time
from pathlib import Path

from tests.reliability.conftest import wait_for


def tickers_of(group: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != group:
                continue
            stat = (entry / "stat").read_text()
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ProcessLookupError):
            continue
        zombie = stat.rsplit(")", 1)[1].split()[0] == "Z"
        if b"ticker" in arguments and not zombie:
            found.append(int(entry.name))
    return found


def test_the_ticker_keeps_running_beside_the_cluster(stack):
    # qcluster returns as soon as its sentinel is up; a launcher that stopped its ticker then
    # left restarts to django-q2's 30-second scheduler, so killed work waited that long.
    stack.start_sandbox()
    cluster = stack.start_cluster()
    wait_for(lambda: "running." in stack.log_text("cluster"), timeout=120, what="the cluster")
    time.sleep(2)
    assert tickers_of(cluster.pid), stack.tail("cluster")
    assert stack.alive("cluster")
