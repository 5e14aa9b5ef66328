"""Real processes for the reliability suites: the sandbox over HTTP and django-q2 clusters.

The test and its processes share one database (the test database, so these are
``transactional_db`` tests), one media directory and one cache. Every process runs in its own
process group and is SIGKILLed at the end, whatever happened. Queues, cache keys and ports
are per test and per xdist worker: the cluster's queue is named after the worker, and it is
emptied before and after each test.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import close_old_connections, connection

from tests.conftest import TEST_ENCRYPTION_KEY

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 90.0


def database_url() -> str:
    """The test database, as a ``DATABASE_URL`` for the processes."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.5, what: str = "it"):
    deadline = time.monotonic() + timeout
    while True:
        close_old_connections()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            what = what() if callable(what) else what
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(interval)


class Stack:
    """The sandbox server and any number of clusters, started and killed on demand."""

    def __init__(self, var_dir: Path, extra_env: dict | None = None):
        self.var_dir = var_dir
        self.logs = var_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen] = {}
        self.every: list[subprocess.Popen] = []  # all ever started, for the final kill
        self.started = 0
        self.port = 0
        self.base_url = ""
        self.extra_env = dict(extra_env or {})

    def env(self) -> dict:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "soundsite.settings",
            "DATABASE_URL": database_url(),
            "VAR_DIR": str(self.var_dir),
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
            "SANDBOX_WEBHOOK_DISPATCHER": "false",
            "PUBLIC_BASE_URL": self.base_url or "http://127.0.0.1:8000",
            "LOG_LEVEL": "INFO",
            # One worker holds the waiter; two more archive.
            "WORKERS": "3",
            "PYTHONUNBUFFERED": "1",
        }
        env.update(self.extra_env)
        return env

    def spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command,
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one SIGKILL stops all of it
        )
        log.close()
        if name in self.processes:
            self.kill(name)  # never lose track of a running process group
        self.processes[name] = process
        self.every.append(process)
        return process

    # --- The sandbox, standing in for both providers over HTTP --------------------------------
    def start_sandbox(self) -> str:
        for _ in range(3):
            self.port = free_port()
            self.base_url = f"http://127.0.0.1:{self.port}"
            process = self.spawn(
                "sandbox",
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "soundsite.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
            )
            deadline = time.monotonic() + START_TIMEOUT
            while process.poll() is None and time.monotonic() < deadline:
                try:
                    if httpx.get(f"{self.base_url}/healthz/", timeout=2).status_code == 200:
                        return self.base_url
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            self.kill("sandbox")  # the port was taken in between, or it hung: try another
        raise AssertionError("The sandbox server did not start:\n" + self.tail("sandbox"))

    # --- Clusters ----------------------------------------------------------------------------
    def start_cluster(self, name: str = "cluster") -> subprocess.Popen:
        self.started += 1
        return self.spawn(name, [sys.executable, "-m", "tests.reliability.launcher"])

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: the cluster's sentinel, workers and ticker at once."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        # Forked workers are reaped by nobody once their parent is gone; make sure they are.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def kill_all(self) -> None:
        for name in list(self.processes):
            self.kill(name)
        for process in self.every:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)

    def alive(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def tail(self, name: str, lines: int = 60) -> str:
        path = self.logs / f"{name}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def log_text(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def purge_queue() -> None:
    from django_q.brokers import get_broker

    get_broker().purge_queue()


@pytest.fixture
def stack(transactional_db, tmp_path, settings):
    """A sandbox server and a cluster launcher on the test database; all killed at the end.

    ``VAR_DIR`` is the test's tmp_path, so the processes' media and file cache are the ones the
    test's own settings point at (see tests/conftest.py).
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    purge_queue()
    stack = Stack(tmp_path)
    try:
        yield stack
    finally:
        stack.kill_all()
        close_old_connections()
        purge_queue()


# --- Checks shared by the suites --------------------------------------------------------------
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_track_files(media: Path) -> set[str]:
    """Every file the library keeps (the sandbox's own files live under ``sandbox/``)."""
    root = media / "tracks"
    if not root.exists():
        return set()
    return {str(path.relative_to(media)) for path in root.rglob("*") if path.is_file()}
