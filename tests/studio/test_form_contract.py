"""What the forms send is what the providers accept: each job's parameters, turned into a
request by the provider's own client code, pass the sandbox's validation of that request."""

import pytest
from django.urls import resolve

from soundsite.providers import soundpiece, soundverse
from soundsite.providers.catalog import all_operations
from soundsite.providers.soundverse_catalog import WIRE
from soundsite.sandbox import soundverse_engine
from soundsite.sandbox.soundpiece_schemas import validate_put
from soundsite.sandbox.soundverse_spec import ENDPOINTS
from soundsite.studio.models import Job
from tests.studio.forms_support import valid_data


def sandbox_errors(operation, params, job_key) -> list:
    if operation.provider == "soundpiece":
        body = soundpiece.build_body(operation.key, params, idempotency_key=str(job_key))
        return validate_put(operation.key, body, {})[1]
    assert not soundverse.validate_params(operation, params)
    wire = WIRE[operation.key]
    if wire.method == "GET":
        return [] if params.get("audio_url") else ["no audio_url"]
    action = resolve("/sandbox/soundverse" + wire.path).kwargs["action"]
    return soundverse_engine.validate(ENDPOINTS[action], soundverse.build_body(operation, params))[
        1
    ]


@pytest.mark.parametrize("only_required", [False, True], ids=["all fields", "required only"])
@pytest.mark.parametrize("operation", all_operations(), ids=lambda op: f"{op.provider}:{op.key}")
def test_form_made_requests_pass_the_providers_validation(
    client, owner, sp_key, sv_key, library_track, public_base, operation, only_required
):
    client.force_login(owner)
    data = valid_data(operation, library_track, only_required=only_required)
    assert client.post(f"/studio/{operation.task}/", data).status_code == 302
    job = Job.objects.get()
    assert sandbox_errors(operation, job.parameters, job.idempotency_key) == []
