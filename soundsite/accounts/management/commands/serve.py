"""Run the web server and the background task cluster together, in the foreground."""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run gunicorn and the django-q2 cluster together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, host, port, web_workers, **options):
        web = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [
                sys.executable,
                "-m",
                "gunicorn",
                "soundsite.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--worker-class",
                "gthread",
                "--threads",
                "8",
                "--timeout",
                "120",
                "--access-logfile",
                "-",
            ]
        )
        tasks = subprocess.Popen([sys.executable, "manage.py", "qcluster"])  # noqa: S603
        children = [web, tasks]
        self.stdout.write(
            self.style.SUCCESS(
                f"Soundsite is running at http://{host}:{port}/ "
                f"(public address {settings.PUBLIC_BASE_URL}). Press Ctrl-C to stop."
            )
        )

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.2)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        self.stdout.write("Soundsite stopped.")
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            sys.exit(1)
