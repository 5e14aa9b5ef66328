"""Run the web server and the background task cluster together, in the foreground."""

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

NAMES = {0: "The web server", 1: "The background task cluster"}


class Command(BaseCommand):
    help = "Run gunicorn and the django-q2 cluster together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)

    def commands(self, host, port, web_workers):
        base = str(Path(settings.BASE_DIR))
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "soundsite.wsgi:application",
            "--chdir",
            base,
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
            # The control socket would live in the home directory, shared by every copy.
            "--no-control-socket",
            # Each worker listens on a socket of its own and the kernel spreads connections
            # between them. On one shared socket, a burst of new connections could all land on
            # whichever worker woke first, leaving the other idle for as long as they stayed
            # open (seen in the poll benchmark: whole 10 s rounds at a third of the speed).
            "--reuse-port",
        ]
        tasks = [sys.executable, str(Path(base) / "manage.py"), "qcluster"]
        return [web, tasks]

    def handle(self, host, port, web_workers, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        # Install the handlers first, so a Ctrl-C while starting still stops both children.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        children = []
        ended = None
        try:
            for command in self.commands(host, port, web_workers):
                children.append(subprocess.Popen(command))  # noqa: S603 - no shell
            self.stdout.write(
                self.style.SUCCESS(
                    f"Soundsite is running at http://{host}:{port}/ "
                    f"(public address {settings.PUBLIC_BASE_URL}). Press Ctrl-C to stop."
                )
            )
            while not stopping and ended is None:
                time.sleep(0.2)
                ended = next((i for i, c in enumerate(children) if c.poll() is not None), None)
        finally:
            self.stop_children(children)
        if ended is not None and not stopping:
            self.stderr.write(
                f"{NAMES[ended]} stopped unexpectedly (exit code {children[ended].returncode}); "
                "see its messages above. The rest of Soundsite was stopped too."
            )
            self.stdout.write("Soundsite stopped.")
            sys.exit(1)
        self.stdout.write("Soundsite stopped.")

    def stop_children(self, children):
        """Ask each child to stop, give them 15 seconds together, then kill what is left."""
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
