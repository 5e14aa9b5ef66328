"""Run a real django-q2 cluster for the reliability suites, with the pipeline's clocks scaled down.

``python -m tests.reliability.launcher`` runs ``manage.py qcluster`` in this process (django-q2
forks its sentinel, workers, monitor and pusher from it) and starts a *ticker* child that runs
what the cluster's scheduler and the one-minute recovery schedule would run, every second.
Everything stays in one process group, so the suites stop the whole cluster with one SIGKILL.

Only time constants change; every step is the production code path:

* job leases last 6 s instead of 60 s (renewed every 2 s instead of 15 s), and the waiter's
  lock lasts 3 s instead of 30 s, so a killed cluster's work is free again within seconds;
* the scheduler (django-q2 checks it every 30 s) runs every second and the recovery task
  every 6 s instead of every minute (as in production, once per lease time);
* with ``RELIABILITY_CLIENT_TIMEOUT`` set, provider clients time out after that many seconds
  (and Soundpiece long-polls are held for at most 1 s), so "slower than the client waits" is
  a few seconds rather than minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

LEASE_SECONDS = 6
RENEW_INTERVAL = 2.0
WAITER_LOCK_SECONDS = 3
TICK_SECONDS = 1.0
RECOVER_SECONDS = LEASE_SECONDS


def scale_clocks() -> None:
    from soundsite.providers import soundpiece
    from soundsite.studio import clients, pipeline, tasks, waiter

    for module, name in (
        (pipeline, "LEASE_SECONDS"),
        (waiter, "RENEW_INTERVAL"),
        (tasks, "WAITER_LOCK_SECONDS"),
        (soundpiece, "SERVER_WAIT_SECONDS"),
        (clients, "client_options"),
    ):
        # A renamed constant would silently keep the production clock: fail loudly instead.
        if not hasattr(module, name):
            raise SystemExit(f"{module.__name__}.{name} is gone; update tests/reliability.")
    pipeline.LEASE_SECONDS = LEASE_SECONDS
    waiter.RENEW_INTERVAL = RENEW_INTERVAL
    tasks.WAITER_LOCK_SECONDS = WAITER_LOCK_SECONDS

    timeout = float(os.environ.get("RELIABILITY_CLIENT_TIMEOUT") or 0)
    if not timeout:
        return
    soundpiece.SERVER_WAIT_SECONDS = 1
    production_options = clients.client_options

    def client_options(key) -> dict:
        options = production_options(key)
        if key.provider == "soundpiece":
            options.update(timeout=timeout, long_poll_timeout=timeout, connect_timeout=2.0)
        else:
            options.update(
                timeout=timeout,
                stream_open_timeout=timeout,
                stream_idle_timeout=timeout * 2,
                connect_timeout=2.0,
            )
        return options

    clients.client_options = client_options


def tick_forever() -> None:
    """What the scheduler and the recovery schedule do, on the scaled clock."""
    from django.db import close_old_connections
    from django_q.scheduler import scheduler

    from soundsite.studio import tasks

    last_recover = float("-inf")  # a restarted cluster picks up at once
    while True:
        close_old_connections()
        try:
            scheduler()
            if time.monotonic() - last_recover >= RECOVER_SECONDS:
                last_recover = time.monotonic()
                tasks.recover()
        except Exception as error:  # a busy database: try again next tick
            print(f"ticker: {error!r}", file=sys.stderr, flush=True)
        time.sleep(TICK_SECONDS)


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundsite.settings")
    django.setup()
    scale_clocks()
    if sys.argv[1:] == ["ticker"]:
        tick_forever()
        return
    ticker = subprocess.Popen([sys.executable, "-m", "tests.reliability.launcher", "ticker"])  # noqa: S603
    try:
        import multiprocessing

        from django.core.management import call_command

        # qcluster returns as soon as its sentinel is up (the interpreter would join the
        # sentinel only at exit); wait for it here, or the ticker is stopped at once.
        call_command("qcluster")
        for child in multiprocessing.active_children():
            child.join()
    finally:
        ticker.send_signal(signal.SIGTERM)


if __name__ == "__main__":
    main()
