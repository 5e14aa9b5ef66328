"""Job-card poll benchmark (``make bench``; figures in docs/benchmarks.md).

Goal: with 500 running jobs in a workspace, the job-card poll (``/jobs/<code>/card/``) serves
at least 0.7x the requests per second of a bare Django view that returns a constant string,
both measured side by side in the same run against the same production server.

How:
- A fresh install (``VAR_DIR`` in a temporary folder: SQLite, diskcache, the embedded
  default of ``make run``) is migrated and given one workspace, one member and 500 running
  jobs whose cards the pipeline has published, as it does whenever a job changes.
- gunicorn runs exactly as ``manage.py serve`` starts it (gthread workers, 8 threads each,
  access log on), with ``tests.bench.settings``: the product's settings plus one bare view
  at ``/bench/constant/`` (that view exists only in the benchmark's URLs).
- ``wrk`` (Debian's package; ``make bench`` installs it) keeps N connections busy over
  loopback, each request carrying the member's session cookie and ``HX-Request``, like a
  browser tab. The poll target walks through the 500 jobs' cards; the yardstick asks for the
  constant. The two alternate for several rounds after a warm-up and the medians are compared.

Knobs (environment): ``BENCH_POLL_JOBS`` (500), ``BENCH_POLL_ROUNDS`` (5),
``BENCH_POLL_SECONDS`` per run (10), ``BENCH_POLL_CONNECTIONS`` (64), ``BENCH_WEB_WORKERS``
and ``BENCH_WEB_THREADS`` (2 and 8, as ``manage.py serve``), ``BENCH_WRK_THREADS`` (1), and
``BENCH_DATABASE_URL`` / ``BENCH_REDIS_URL`` to run the server on a scratch PostgreSQL
database and Redis instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

JOBS = int(os.environ.get("BENCH_POLL_JOBS", "500"))
ROUNDS = int(os.environ.get("BENCH_POLL_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_POLL_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_POLL_CONNECTIONS", "64"))
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "1"))
THREADS = os.environ.get("BENCH_WEB_THREADS", "8")
GOAL = 0.7
MARKER = "BENCH-SEED:"


def seed(count: int) -> None:
    """Run inside the server's environment: one member, ``count`` running jobs, their cards."""
    from django.test import Client

    from soundsite.studio import cards
    from soundsite.studio.models import Job, JobState
    from tests.factories import make_key, make_member, make_workspace

    workspace = make_workspace("Benchmark Agency")
    user = make_member(workspace, "poller@example.com", "member")
    key = make_key(workspace, user, "soundpiece", shared=True)
    Job.objects.bulk_create(
        Job(
            workspace=workspace,
            created_by=user,
            key=key,
            provider="soundpiece",
            operation="create.new_song",
            task="song",
            title=f"Summer spot {index + 1}",
            parameters={"prompt": "bright summer pop"},
            license_snapshot={"license": "Royalty-Free"},
            state=JobState.RUNNING,
            stage="Making the music",
            progress=float(index % 100),
            remote_id=f"op_{index}",
        )
        for index in range(count)
    )
    codes = []
    for job in Job.objects.filter(workspace=workspace).select_related("key", "source_track"):
        cards.publish(job)
        codes.append(str(job.code))
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    print(MARKER + json.dumps({"cookie": cookie, "codes": codes}))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(var_dir: Path) -> dict:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTEST", "DJANGO_", "BENCH_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.bench.settings",
        VAR_DIR=str(var_dir),
        DEBUG="0",
        SECRET_KEY="bench-" + "k3Yq8vN2pW7xR4tL9mB6cF1hJ5sD0gA8zE3uI7oP2yT6wQ9nV4rX1bM",
        PUBLIC_BASE_URL="http://127.0.0.1:8000",
        SANDBOX_WEBHOOK_DISPATCHER="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(settings.BASE_DIR),
    )
    if os.environ.get("BENCH_DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    if os.environ.get("BENCH_REDIS_URL"):
        env["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    return env


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A seeded install served by gunicorn as ``manage.py serve`` runs it."""
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: run `make bench`, which installs Debian's wrk.")
    from soundsite.accounts.management.commands.serve import Command as Serve

    var_dir = tmp_path_factory.mktemp("bench-poll")
    env = _environment(var_dir)
    _manage(env, "migrate", "--noinput")
    out = _manage(env, "shell", "-c", f"from tests.bench.bench_poll import seed; seed({JOBS})")
    seeded = json.loads(
        next(line for line in out.splitlines() if line.startswith(MARKER))[len(MARKER) :]
    )

    port = _free_port()
    web = Serve().commands("127.0.0.1", port, WEB_WORKERS)[0]
    web[web.index("--threads") + 1] = THREADS
    log = open(var_dir / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603 - our own command line
        web, env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, (var_dir / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start within a minute"
            time.sleep(0.2)
        yield {"base": base, "var_dir": var_dir, "pid": process.pid, **seeded}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wrk(server: dict, paths_file: Path, seconds: int) -> dict:
    """One wrk run over the paths in ``paths_file``; requests per second and errors."""
    script = paths_file.with_suffix(".lua")
    script.write_text(
        "local paths = {}\n"
        f'for line in io.lines("{paths_file}") do paths[#paths + 1] = line end\n'
        "local counter = math.random(#paths)\n"
        "request = function()\n"
        "  counter = counter % #paths + 1\n"
        '  return wrk.format("GET", paths[counter])\n'
        "end\n"
    )
    result = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            "-H",
            f"Cookie: {settings.SESSION_COOKIE_NAME}={server['cookie']}",
            "-H",
            "HX-Request: true",
            server["base"] + "/",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    median = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "p50": median.group(1) if median else "?",
    }


def test_poll_throughput_against_a_bare_view(server, tmp_path):
    base, cookie = server["base"], server["cookie"]
    poll_paths = [f"/jobs/{code}/card/" for code in server["codes"]]
    assert len(poll_paths) == JOBS

    # The two targets answer what they should, and the poll really checks the session.
    with httpx.Client(base_url=base, cookies={settings.SESSION_COOKIE_NAME: cookie}) as http:
        card = http.get(poll_paths[0], headers={"HX-Request": "true"})
        assert card.status_code == 200
        assert 'hx-trigger="every 2s' in card.text and "Summer spot" in card.text
        assert http.get("/bench/constant/").text == "ok"
    assert httpx.get(base + poll_paths[0]).status_code == 403
    assert httpx.get(base + "/bench/constant/").status_code == 200

    poll_file = tmp_path / "poll.txt"
    poll_file.write_text("\n".join(poll_paths) + "\n")
    bare_file = tmp_path / "bare.txt"
    bare_file.write_text("/bench/constant/\n")
    targets = {"poll": poll_file, "bare": bare_file}

    for path_file in targets.values():  # warm-up: caches, connections, the first imports
        _wrk(server, path_file, max(2, SECONDS // 3))
    runs: dict[str, list[dict]] = {"poll": [], "bare": []}
    for round_number in range(ROUNDS):
        order = ("poll", "bare") if round_number % 2 == 0 else ("bare", "poll")
        for name in order:
            runs[name].append(_wrk(server, targets[name], SECONDS))

    poll = statistics.median(run["rps"] for run in runs["poll"])
    bare = statistics.median(run["rps"] for run in runs["bare"])
    ratio = poll / bare
    print()
    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    cache = "Redis" if os.environ.get("BENCH_REDIS_URL") else "diskcache"
    print(
        f"Job-card poll, {JOBS} running jobs: gunicorn {WEB_WORKERS} gthread workers x {THREADS} "
        "threads, "
        f"wrk {WRK_THREADS} thread(s), {CONNECTIONS} connections, {ROUNDS} alternating rounds "
        f"of {SECONDS} s, database {database}, cache {cache}"
    )
    for name in ("poll", "bare"):
        figures = ", ".join(f"{run['rps']:.0f}" for run in runs[name])
        latency = ", ".join(run["p50"] for run in runs[name])
        print(f"  {name}: {figures} req/s (median p50 latency per run: {latency})")
    print(f"  median poll {poll:.0f} req/s / median bare {bare:.0f} req/s = {ratio:.2f}x")

    for name in ("poll", "bare"):
        for run in runs[name]:
            assert run["non_2xx"] == 0, f"{name}: {run['non_2xx']} answers were not 200"
            assert run["errors"] == 0, f"{name}: {run['errors']} socket errors"
            assert run["requests"] > 0
    assert ratio >= GOAL, f"poll {ratio:.2f}x a bare view, goal {GOAL}x"
