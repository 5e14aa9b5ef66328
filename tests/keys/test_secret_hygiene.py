"""Secrets never leave the database in the clear: not in a page, a fragment, a log line, an
exception report, the admin or a URL.

The walk below visits every GET route of the product that exists on this branch (admin
included), filled with real objects, as the key's owner (a superuser, so the admin opens too)
and as a teammate, with and without htmx, and looks for the secrets in every answer and in
every log line written meanwhile.
"""

import html
import logging
import re
import sys

import pytest
from django.contrib import admin
from django.core.signals import got_request_exception
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.views.debug import ExceptionReporter

from soundsite.keys.checks import mark_rejected
from soundsite.keys.services import add_sandbox_key
from tests.factories import make_job, make_key
from tests.keys.conftest import WEBHOOK_SECRET

SOUNDVERSE_SECRET = "sksoundverse_KNOWN_9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZZZ"
SOUNDPIECE_SECRET = "spk_KNOWN_Qm9ZkQ2v8xW4nB7tR1yU3iO5pA6sD0fGYYYY"
SECRETS = (SOUNDVERSE_SECRET, SOUNDPIECE_SECRET, WEBHOOK_SECRET)
# Fragments of a secret long enough to be telling, e.g. half a key printed by mistake.
FRAGMENTS = tuple(secret[:16] for secret in SECRETS) + tuple(secret[-16:] for secret in SECRETS)


def assert_clean(text: str, where: str) -> None:
    for needle in SECRETS + FRAGMENTS:
        assert needle not in text, f"a secret appears in {where}"


@pytest.fixture
def world(workspace, owner, teammate):
    from soundsite.accounts.models import Membership

    owner.is_staff = owner.is_superuser = True
    owner.save()
    soundverse = make_key(
        workspace, owner, secret=SOUNDVERSE_SECRET, label="Agency SV", shared=True
    )
    soundpiece = make_key(
        workspace,
        owner,
        provider="soundpiece",
        secret=SOUNDPIECE_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        label="Agency SP",
        shared=True,
    )
    mark_rejected(soundpiece)  # the owner's pages then carry the rejected-key notice
    add_sandbox_key(Membership.objects.get(user=owner), "soundverse", check=False)
    job = make_job(workspace, owner, soundverse)
    make_job(workspace, teammate, soundpiece, operation="create.new_song")
    return {"keys": [soundverse, soundpiece], "job": job, "workspace": workspace}


def _routes(patterns, prefix=""):
    """Every route as (text, pattern chain), regex alternatives expanded, catch-alls skipped."""
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            texts = [str(pattern)]
        elif isinstance(pattern, RegexPattern):
            regex = pattern._regex.lstrip("^").rstrip("$")
            match = re.fullmatch(r"\(\?P<(\w+)>([\w|]+)\)(/?)", regex)
            if match:
                texts = [f"{alt}{match.group(3)}" for alt in match.group(2).split("|")]
            elif "(?P" in regex or ".*" in regex:
                continue  # catch-all views
            else:
                texts = [regex.replace("\\", "")]
        else:
            continue
        for text in texts:
            if isinstance(entry, URLResolver):
                yield from _routes(entry.url_patterns, prefix + text)
            elif isinstance(entry, URLPattern):
                yield prefix + text


def _fill(route, world, objects_by_admin_prefix):
    """Concrete URLs for a route, with each parameter given the real objects it can take."""
    codes = [str(key.code) for key in world["keys"]] + [
        str(world["job"].code),
        str(world["workspace"].code),
    ]
    candidates = {
        "uuid": codes,
        "str:provider": ["soundverse", "soundpiece"],
        "path:object_id": [],
        "int:content_type_id": [],
        "str": ["anything"],
        "int": ["1"],
    }
    for admin_prefix, pk in objects_by_admin_prefix.items():
        if route.startswith(admin_prefix):
            candidates["path:object_id"] = [str(pk)]
    urls = ["/" + route]
    for converter in re.findall(r"<([^>]+)>", route):
        kind = converter if converter in candidates else converter.split(":")[0]
        values = candidates.get(kind, [])
        urls = [u.replace(f"<{converter}>", value, 1) for u in urls for value in values]
    return urls


def _admin_objects():
    found = {}
    for model in admin.site._registry:
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            found[f"admin/{model._meta.app_label}/{model._meta.model_name}/"] = first.pk
    return found


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def test_no_page_fragment_log_or_url_shows_a_secret(client, world, owner, teammate, caplog):
    routes = sorted(set(_routes(get_resolver().url_patterns)))
    admin_objects = _admin_objects()
    assert "admin/keys/providerkey/" in admin_objects
    visited, ok = [], set()
    with caplog.at_level(logging.DEBUG):
        for user in (owner, teammate):
            client.force_login(user)
            for route in routes:
                # The sandbox stands in for the providers' own servers (its API answers only
                # its own keys, from its own database thread): it is not a product page.
                if route.startswith(("logout", "sandbox/")):
                    continue
                for url in _fill(route, world, admin_objects):
                    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
                        response = client.get(url, **headers)
                        assert response.status_code < 500, url
                        assert_clean(_body(response), url)
                        assert_clean(response.get("Location", ""), f"redirect from {url}")
                        visited.append(url)
                        if response.status_code == 200:
                            ok.add(url)
    assert_clean(caplog.text, "the logs")
    # The walk really opened the pages that show keys.
    sv, sp = world["keys"]
    for url in (
        "/settings/keys/",
        f"/settings/keys/{sv.code}/edit/",
        f"/settings/keys/{sp.code}/secret/",
        f"/settings/keys/{sp.code}/delete/",
        "/settings/usage/",
        "/settings/usage/export.csv",
        "/admin/keys/providerkey/",
        f"/admin/keys/providerkey/{sv.pk}/change/",
        "/jobs/",
        "/",
    ):
        assert url in ok, url
    assert len(visited) > 60


def test_forms_that_take_a_secret_post_it(client, world, owner):
    client.force_login(owner)
    for url in (
        "/settings/keys/new/soundpiece/",
        f"/settings/keys/{world['keys'][1].code}/secret/",
    ):
        text = client.get(url).content.decode()
        form = re.search(r"<form[^>]*>(?:(?!</form>).)*name=\"secret\"", text, re.S)
        assert form and 'method="post"' in form.group(0)
    # The htmx request that redraws the license choice carries only these fields.
    text = client.get("/settings/keys/new/soundverse/").content.decode()
    includes = {html.unescape(i) for i in re.findall(r'hx-include="([^"]+)"', text)}
    assert includes == {"[name='plan'],[name='license'],[name='license_upgrade']"}


def test_fragments_and_form_errors_do_not_echo_secrets(client, world, owner, fake_provider, caplog):
    sv, sp = world["keys"]
    client.force_login(owner)
    with caplog.at_level(logging.DEBUG):
        for answer in ("accept", "reject", "crash"):
            fake_provider.answer = answer
            response = client.post(f"/settings/keys/{sp.code}/check/", HTTP_HX_REQUEST="true")
            assert_clean(_body(response), f"the check fragment ({answer})")
        bad_plan = {
            "label": "x",
            "secret": SOUNDVERSE_SECRET,
            "plan": "nope",
            "license": "sample",
        }
        response = client.post("/settings/keys/new/soundverse/", bad_plan)
        assert response.status_code == 400
        assert_clean(_body(response), "the add form with errors")
        fake_provider.answer = "reject"
        response = client.post(
            f"/settings/keys/{sp.code}/secret/",
            {"secret": SOUNDPIECE_SECRET, "webhook_secret": WEBHOOK_SECRET},
        )
        assert response.status_code == 400
        assert_clean(_body(response), "the replace form with a rejected key")
        fake_provider.answer = "accept"
        response = client.post(
            "/settings/keys/new/soundpiece/",
            {
                "label": "Second",
                "secret": SOUNDPIECE_SECRET,
                "webhook_secret": WEBHOOK_SECRET,
                "plan": "Pro",
                "license": "sync",
            },
            follow=True,
        )
        assert_clean(_body(response), "the keys page after adding")
    assert_clean(caplog.text, "the logs")


def test_exception_reports_do_not_show_secrets(client, world, owner, settings, monkeypatch):
    settings.DEBUG = False
    reports = []

    def capture(sender, request, **kwargs):
        reports.append((request, sys.exc_info()))

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("soundsite.keys.views.create_key", broken)
    monkeypatch.setattr("soundsite.keys.views.replace_secret", broken)
    got_request_exception.connect(capture)
    client.raise_request_exception = False
    client.force_login(owner)
    try:
        client.post(
            "/settings/keys/new/soundpiece/",
            {
                "label": "Boom",
                "secret": SOUNDPIECE_SECRET,
                "webhook_secret": WEBHOOK_SECRET,
                "plan": "Pro",
                "license": "sync",
            },
        )
        client.post(
            f"/settings/keys/{world['keys'][0].code}/secret/", {"secret": SOUNDVERSE_SECRET}
        )
    finally:
        got_request_exception.disconnect(capture)
    assert len(reports) == 2
    for request, exc_info in reports:
        reporter = ExceptionReporter(request, *exc_info)
        text = reporter.get_traceback_text()
        assert "the database went away" in text  # the report is real
        assert_clean(text, "the text exception report")
        assert_clean(reporter.get_traceback_html(), "the HTML exception report")


def test_templates_cannot_reveal_a_secret(world):
    from django.template import Context, Template

    key = world["keys"][0]
    rendered = Template("{{ key.reveal_secret }}|{{ key.reveal_webhook_secret }}").render(
        Context({"key": key})
    )
    assert_clean(rendered, "a template")
    assert_clean(repr(key) + str(key), "the key's repr")
