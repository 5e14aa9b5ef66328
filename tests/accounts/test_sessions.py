"""Sessions know whose they are: a new password ends every other session at once."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client

from soundsite.accounts.models import UserSession
from soundsite.accounts.sessions import SessionStore, end_sessions
from soundsite.studio.models import JobState
from tests.accounts.test_password_reset import _reset_link
from tests.factories import PASSWORD
from tests.studio import conftest as studio

NEW_PASSWORD = "amber meadow 314"

# The studio's fixtures for a provider key and its jobs.
key, make_job = studio.key, studio.make_job


def signed_in(user) -> Client:
    """A browser of its own, signed in the way people sign in."""
    browser = Client()
    response = browser.post("/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def session_key(browser: Client) -> str:
    return browser.cookies[django_settings.SESSION_COOKIE_NAME].value


def card(browser: Client, job) -> int:
    return browser.get(f"/jobs/{job.code}/card/", headers={"HX-Request": "true"}).status_code


@pytest.fixture
def job(make_job):
    return make_job(state=JobState.RUNNING)


def test_a_session_row_names_its_user_and_an_anonymous_one_names_nobody(owner, client):
    browser = signed_in(owner)
    assert UserSession.objects.get(session_key=session_key(browser)).user_id == owner.pk
    anonymous = SessionStore()
    anonymous["note"] = "not signed in"
    anonymous.save()
    assert UserSession.objects.get(session_key=anonymous.session_key).user_id is None


def test_changing_the_password_signs_out_every_other_device(owner, job):
    laptop, phone = signed_in(owner), signed_in(owner)
    old_phone_key = session_key(phone)
    assert card(laptop, job) == 200 and card(phone, job) == 200

    response = laptop.post(
        "/profile/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    # The device that changed it stays signed in, with a fresh session, and is told.
    page = laptop.get("/profile/")
    assert page.status_code == 200
    assert "Your other devices are signed out." in page.content.decode()
    assert card(laptop, job) == 200
    assert UserSession.objects.filter(user_id=owner.pk).count() == 1
    # The other one is signed out everywhere at once, the job-card poll included, which reads
    # sessions straight from the cache.
    assert cache.get(SessionStore.cache_key_prefix + old_phone_key) is None
    assert card(phone, job) == 403
    assert phone.get("/profile/")["Location"].startswith("/login/")


def test_the_profile_says_other_devices_will_be_signed_out(owner):
    body = signed_in(owner).get("/profile/").content.decode()
    assert "signs you out on your other devices" in body


def test_resetting_the_password_ends_every_session(owner, job, client, settings):
    forgotten = signed_in(owner)
    assert card(forgotten, job) == 200
    client.post("/password-reset/", {"email": owner.email})
    form_url = client.get(_reset_link(settings), follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/password-reset/done/"
    assert "is signed out" in client.get("/password-reset/done/").content.decode()
    assert card(forgotten, job) == 403
    assert not UserSession.objects.filter(user_id=owner.pk).exists()


def test_signing_in_again_or_saving_the_profile_keeps_the_other_sessions(owner):
    first = signed_in(owner)
    second = signed_in(owner)  # sign-in saves last_login
    second.post("/profile/", {"display_name": "Ola", "email": owner.email})
    assert first.get("/profile/").status_code == 200
    assert UserSession.objects.filter(user_id=owner.pk).count() == 2


def test_end_sessions_keeps_the_one_asked_for_and_leaves_other_people_alone(owner, teammate):
    kept, ended, other = signed_in(owner), signed_in(owner), signed_in(teammate)
    assert end_sessions(owner.pk, keep=session_key(kept)) == 1
    assert kept.get("/profile/").status_code == 200
    assert ended.get("/profile/").status_code == 302
    assert other.get("/profile/").status_code == 200
    assert end_sessions(owner.pk + 1000) == 0


def test_expired_sessions_are_swept_daily(owner):
    from datetime import timedelta
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone
    from django_q.models import Schedule

    from soundsite.accounts.tasks import clear_expired_sessions

    current, stale = signed_in(owner), signed_in(owner)
    UserSession.objects.filter(session_key=session_key(stale)).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert clear_expired_sessions() == "removed 1 expired sessions"
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [session_key(current)]
    # The migration's step schedules it (tests start with empty tables), and running it twice
    # changes nothing.
    migration = import_module("soundsite.accounts.migrations.0005_user_sessions")
    migration.schedule_sweep(apps, None)
    migration.schedule_sweep(apps, None)
    (schedule,) = Schedule.objects.filter(func="soundsite.accounts.tasks.clear_expired_sessions")
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1
