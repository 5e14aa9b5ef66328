"""Property test: no input to any task form makes a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soundsite.providers.catalog import all_operations
from soundsite.studio.models import Job

OPERATIONS = all_operations()


def names_for(operation) -> list[str]:
    names = ["operation", "key", "license", "title", "form_token"]
    for spec in operation.fields:
        names.append(spec.name)
        names += [f"{spec.name}__track", f"{spec.name}__url", f"{spec.name}__q"]
    return names


values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["library", "upload", "url", "", "0", "-1", "1e309", "nan", "on", "x" * 5000]),
    st.uuids().map(str),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def posts(draw):
    operation = draw(st.sampled_from(OPERATIONS))
    names = names_for(operation)
    data = draw(st.dictionaries(st.sampled_from(names), values, max_size=len(names)))
    if draw(st.booleans()):
        data["operation"] = f"{operation.provider}:{operation.key}"
    return operation, data


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=posts())
def test_no_post_to_a_task_form_is_a_server_error(client, owner, sp_key, sv_key, case):
    operation, data = case
    client.force_login(owner)
    before = Job.objects.count()
    response = client.post(f"/studio/{operation.task}/", data)
    assert response.status_code in (302, 400)
    created = Job.objects.count() - before
    assert created == (1 if response.status_code == 302 else 0)
    for path in (f"/studio/{operation.task}/fields/", f"/studio/{operation.task}/estimate/"):
        assert client.post(path, data).status_code == 200
