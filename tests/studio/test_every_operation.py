"""The whole path for every catalog operation of both providers: the task form is posted, the
job is sent to the sandbox, followed, and its results end as archived tracks (or kept text),
with lineage, readable file names, the license snapshot and one submission each."""

import re

import httpx
import pytest

from soundsite.library.models import Relation, Track
from soundsite.providers.catalog import all_operations
from soundsite.sandbox import faults
from soundsite.sandbox import soundpiece_ops as sandbox_soundpiece
from soundsite.sandbox.models import SandboxOperation
from soundsite.studio.models import Job, JobState
from soundsite.wsgi import application as wsgi_application
from tests.factories import make_track
from tests.studio.forms_support import valid_data
from tests.studio.sandbox_support import drive
from tests.studio.test_pipeline_sandbox import sandbox_key

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sandbox_pipeline")]

TEXT_TASKS = {"lyrics", "assistant", "identify"}
RELATIONS = {
    "stems": Relation.STEM,
    "cut": Relation.CUT,
    "remix": Relation.REMIX,
    "extend": Relation.EXTENSION,
    "loop": Relation.LOOP,
}


@pytest.fixture
def stand_in(settings, monkeypatch):
    """The Soundpiece stand-in fetches the signed input links from this server in-process."""
    settings.PUBLIC_BASE_URL = "http://testserver"
    monkeypatch.setattr(
        sandbox_soundpiece, "input_transport", httpx.WSGITransport(app=wsgi_application)
    )


@pytest.mark.parametrize("operation", all_operations(), ids=lambda op: f"{op.provider}:{op.key}")
def test_every_operation_ends_in_the_library(client, workspace, owner, operation, stand_in):
    key, account = sandbox_key(workspace, owner, str(operation.provider))
    source = make_track(workspace, "Harbour theme", user=owner, seconds=12.0)
    client.force_login(owner)
    data = valid_data(operation, source, only_required=True, key=key)
    response = client.post(f"/studio/{operation.task}/", data)
    assert response.status_code == 302, re.findall(
        r'class="field-error"[^>]*>([^<]*)<', response.content.decode()
    )
    job = Job.objects.get(workspace=workspace, operation=operation.key)
    assert job.license_snapshot and job.idempotency_key

    job = drive(job)
    assert job.state == JobState.READY, f"{job.error_code}: {job.error_message}"
    assert SandboxOperation.objects.filter(account=account).count() <= 1
    if operation.provider == "soundpiece":
        assert faults.count(account, method="PUT") == 1
    else:
        assert faults.count(account, method="POST") <= 1  # the status-only operations GET

    tracks = list(Track.objects.filter(job=job).order_by("output_position"))
    if str(operation.task) in TEXT_TASKS and not job.result_count:
        assert job.result_text.strip()
        assert not tracks
        return
    assert len(tracks) == job.result_count >= 1
    for track in tracks:
        assert track.sha256 and len(track.sha256) == 64
        assert track.duration > 0 and track.sample_rate > 0 and track.channels >= 1
        assert track.peaks
        assert track.license_snapshot == job.license_snapshot
        assert re.fullmatch(r".+ \[[0-9a-f]{8}\]\.[a-z0-9]+", track.file_name), track.file_name
        if str(operation.task) in RELATIONS and job.source_track_id:
            assert track.parent_id == source.pk
            assert track.relation == RELATIONS[str(operation.task)]
    if not job.source_track_id and len(tracks) > 1:
        assert tracks[0].relation == Relation.ORIGINAL
        assert {t.relation for t in tracks[1:]} == {Relation.VARIATION}
