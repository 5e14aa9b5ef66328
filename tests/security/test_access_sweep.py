"""The access sweep (docs/security.md): every URL pattern of the project, filled with real
objects, requested with every method. The machinery and the tables (FILLERS, PUBLIC,
ALLOWED_CHANGES, PAYLOADS) are in tests/security/sweep.py; the personas are spread over three
files so parallel workers share the work.
"""

import pytest
from django.urls import resolve

from tests.security.sweep import (
    Sweep,
    Unfillable,
    fill,
    routes,
    run_sweep,
)


def test_every_route_can_be_filled(world):
    """A route the sweep cannot fill fails here, with the line to add."""
    problems = []
    for route in routes():
        try:
            url, _ = fill(route, world)
        except Unfillable as error:
            problems.append(str(error))
            continue
        match = resolve(url.split("?")[0])
        if match.func is not route.callback and route.public_key != "admin/":
            problems.append(f"{url} resolves to {match.func}, not to {route.name}")
    assert not problems, "\n".join(problems)


def test_the_walk_finds_every_app_and_nested_urlconf():
    found = {route.name for route in routes()}
    for name in ("home", "track_audio", "key_edit", "member_role", "job_card", "share_page"):
        assert name in found
    assert "sandbox_soundpiece_action" in found  # two levels of include()
    assert any(route.template.startswith("/sandbox/soundverse/v5/") for route in routes())
    assert any(name.startswith("admin:") for name in found)


@pytest.mark.parametrize("persona", ["anonymous", "stranger"])
def test_access_sweep(world, persona):
    run_sweep(world, persona)


def test_a_stranger_cannot_tell_a_real_object_from_a_missing_one(world):
    """For every address naming an object of the workspace, a stranger's GET and POST get the
    same status as for an object that does not exist."""
    sweep = Sweep(world)
    compared = 0
    for route in routes():
        url, names_object = fill(route, world)
        if not names_object or route.public_key:
            continue
        missing, _ = fill(route, world, unknown=True)
        for method in ("get", "post"):
            real = sweep.request("stranger", route, url, method, {})[0].status_code
            other = sweep.request("stranger", route, missing, method, {})[0].status_code
            assert real == other, f"{method.upper()} {url}: {real}, but {other} when missing"
            compared += 1
    assert compared > 60
