import logging

from django.core.cache import cache

from soundsite.keys import checks
from soundsite.keys.models import KeyHealth
from tests.factories import make_key


def test_mark_rejected_records_health_and_flags_the_owner(workspace, owner):
    key = make_key(workspace, owner, health="valid")
    checks.mark_rejected(key, "Soundverse refused it during a job.")
    key.refresh_from_db()
    assert key.health == KeyHealth.REJECTED
    assert key.health_message == "Soundverse refused it during a job."
    assert key.checked_at is not None
    assert checks.has_rejected_keys(owner.pk)


def test_mark_rejected_has_a_plain_default_message(workspace, owner):
    key = make_key(workspace, owner, provider="soundpiece")
    checks.mark_rejected(key)
    key.refresh_from_db()
    assert key.health_message.startswith("Soundpiece refused this key during a job.")


def test_the_flag_costs_no_query_once_cached(workspace, owner, django_assert_num_queries):
    make_key(workspace, owner)
    with django_assert_num_queries(1):
        assert checks.has_rejected_keys(owner.pk) is False
    with django_assert_num_queries(0):
        assert checks.has_rejected_keys(owner.pk) is False


def test_the_flag_is_recomputed_when_the_cache_is_lost(workspace, owner):
    key = make_key(workspace, owner)
    checks.mark_rejected(key)
    cache.clear()
    assert checks.has_rejected_keys(owner.pk) is True


def test_a_good_check_clears_the_notice(workspace, owner, fake_provider):
    key = make_key(workspace, owner)
    checks.mark_rejected(key)
    outcome = checks.check_key(key)
    assert outcome.accepted
    assert checks.has_rejected_keys(owner.pk) is False


def test_a_page_view_costs_nothing_extra_without_rejected_keys(client, owner):
    client.force_login(owner)
    client.get("/jobs/")  # warm the flag
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/jobs/")
    assert not any("keys_providerkey" in q["sql"] for q in queries.captured_queries)


def test_a_crashing_client_is_logged_without_the_secret(workspace, owner, fake_provider, caplog):
    key = make_key(workspace, owner, secret="sksoundverse_secret_value_0123456789")
    fake_provider.answer = "crash"
    with caplog.at_level(logging.DEBUG):
        outcome = checks.check_key(key)
    assert outcome.health == KeyHealth.UNREACHABLE
    assert "RuntimeError" in caplog.text
    assert "sksoundverse_secret_value_0123456789" not in caplog.text


def test_a_key_whose_secret_cannot_be_decrypted(workspace, owner, settings):
    from soundsite.lib import crypto

    key = make_key(workspace, owner)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    crypto.reset()
    outcome = checks.check_key(key)
    assert outcome.health == KeyHealth.UNREACHABLE
    assert "cannot read this key's stored secret" in outcome.message


def test_mark_rejected_from_async_code(workspace, owner):
    from asgiref.sync import async_to_sync

    key = make_key(workspace, owner)
    async_to_sync(checks.amark_rejected)(key, "Refused.")
    key.refresh_from_db()
    assert key.health == KeyHealth.REJECTED and key.health_message == "Refused."
