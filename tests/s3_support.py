"""A real S3-compatible server for the tests: moto in server mode, in a process of its own.

``s3_server`` starts one server per test process (each xdist worker has its own) and stops it
at the end. ``s3_storage`` gives a test an empty bucket of its own on that server and a
django-storages ``S3Storage`` built with the same options ``soundsite/settings.py`` uses for
``STORAGE_BACKEND=s3``. ``use_s3`` makes it the project's default storage for the test.

The server runs in a separate process on purpose: a storage that works over the wire against
it works against any S3-compatible store, and nothing it keeps can end up on the test's disk.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """The endpoint URL of a moto S3 server running in its own process."""
    pytest.importorskip("moto.server")
    log = tmp_path_factory.mktemp("moto") / "server.log"
    for _ in range(3):
        port = _free_port()
        endpoint = f"http://127.0.0.1:{port}"
        with open(log, "ab") as output:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=output,
                stderr=subprocess.STDOUT,
                env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        if process.poll() is None and time.monotonic() < deadline:
            break
        process.kill()
        process.wait()
    else:
        pytest.fail(f"The S3 test server did not start:\n{log.read_text()}")
    try:
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def storage_options(endpoint: str, bucket: str) -> dict:
    """The S3Storage options of settings.py for this server and bucket."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "region_name": REGION,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
    }


@pytest.fixture
def s3_storage(s3_server):
    """An S3Storage on a fresh, empty bucket of its own (removed afterwards)."""
    import boto3
    from storages.backends.s3 import S3Storage

    bucket = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=bucket)
    storage = S3Storage(**storage_options(s3_server, bucket))
    yield storage
    storage.bucket.objects.all().delete()
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def use_s3(settings, s3_storage):
    """Make the test's bucket the project's default storage (as STORAGE_BACKEND=s3 does)."""
    settings.STORAGE_BACKEND = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": storage_options(s3_storage.endpoint_url, s3_storage.bucket_name),
        },
    }
    return s3_storage
