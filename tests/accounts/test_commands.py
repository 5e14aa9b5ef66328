"""The start-up commands behind `make run`: bootstrap_demo and serve."""

import os
import signal
import subprocess
import sys
import threading
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from soundsite.accounts.management.commands import serve
from soundsite.accounts.models import Membership, User, Workspace

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


class TestBootstrapDemo:
    def test_first_run_creates_the_owner_and_prints_the_password_once(self, db):
        first = StringIO()
        call_command("bootstrap_demo", stdout=first)
        user = User.objects.get(email="demo@soundsite.local")
        membership = Membership.objects.get(user=user)
        assert membership.role == "owner"
        assert membership.workspace.name == "Demo Agency"
        password = first.getvalue().split("Password:")[1].split()[0]
        assert user.check_password(password)

        second = StringIO()
        call_command("bootstrap_demo", stdout=second)
        assert "Password:" not in second.getvalue()
        assert password not in second.getvalue()
        assert "demo@soundsite.local" in second.getvalue()
        assert User.objects.count() == 1
        assert Workspace.objects.count() == 1
        assert Membership.objects.count() == 1


@pytest.fixture
def restore_signals():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def spawned(monkeypatch):
    children = []
    real_popen = subprocess.Popen

    def popen(command):
        child = real_popen(command)
        children.append(child)
        return child

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    yield children
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


class TestServe:
    def test_it_runs_gunicorn_and_the_cluster_from_the_project(self):
        web, tasks = serve.Command().commands("127.0.0.1", 8000, 2)
        assert web[1:4] == ["-m", "gunicorn", "soundsite.wsgi:application"]
        assert web[web.index("--bind") + 1] == "127.0.0.1:8000"
        # A listening socket per worker, so connections are spread between the workers.
        assert "--reuse-port" in web
        assert web[web.index("--worker-class") + 1] == "gthread"
        assert tasks[1:] == [str(settings.BASE_DIR / "manage.py"), "qcluster"]

    def test_ctrl_c_stops_both_children(self, monkeypatch, spawned, restore_signals):
        monkeypatch.setattr(serve.Command, "commands", lambda self, *args: [SLEEPER, SLEEPER])
        out = StringIO()
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
        call_command("serve", stdout=out)
        assert len(spawned) == 2
        assert all(child.returncode is not None for child in spawned)
        assert "Soundsite is running at http://127.0.0.1:8000/" in out.getvalue()
        assert out.getvalue().rstrip().endswith("Soundsite stopped.")

    def test_when_one_child_dies_the_other_is_stopped(self, monkeypatch, spawned, restore_signals):
        crash = [sys.executable, "-c", "raise SystemExit(3)"]
        monkeypatch.setattr(serve.Command, "commands", lambda self, *args: [crash, SLEEPER])
        err = StringIO()
        with pytest.raises(SystemExit) as exit_info:
            call_command("serve", stdout=StringIO(), stderr=err)
        assert exit_info.value.code == 1
        assert spawned[1].returncode == -signal.SIGTERM
        assert "The web server stopped unexpectedly (exit code 3)" in err.getvalue()
