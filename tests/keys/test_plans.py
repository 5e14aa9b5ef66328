"""Plans, licenses, prices and limits, pinned against shared/providers/soundverse.md §4–§6."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from soundsite.keys import plans
from tests.factories import make_job, make_key, make_member, make_workspace

D = Decimal


# --- The reference's figures ----------------------------------------------------------------
def test_plans_and_their_default_licenses():
    expected = {
        "starter": "royalty_free",
        "starter_x5": "royalty_free",
        "growth": "sample",
        "growth_x5": "sample",
        "scale_1": "distribution",
        "scale_5": "distribution",
    }
    for plan_id, license_id in expected.items():
        assert plans.SOUNDVERSE_PLANS[plan_id].default_license == license_id
    labels = [p.label for p in plans.SOUNDVERSE_PLANS.values()]
    assert labels == [
        "Starter",
        "Starter ×5",
        "Growth",
        "Growth ×5",
        "Scale 1",
        "Scale 2",
        "Scale 3",
        "Scale 4",
        "Scale 5",
        "Pay as you go",
    ]


@pytest.mark.parametrize(
    ("version", "pricing", "expected"),
    [
        ("v6", "contracted", ("0.105", "0.158", "0.21", "0.42", "1.05")),
        ("v6", "payg", ("0.158", "0.2363", "0.315", "0.63", "1.575")),
        ("v5", "contracted", ("0.07", "0.105", "0.14", "0.28", "0.70")),
        ("v5", "payg", ("0.105", "0.1575", "0.21", "0.42", "1.05")),
        ("v4", "contracted", ("0.065", "0.195", "0.26", "0.52", "1.30")),
        ("v1", "payg", ("0.06", "0.09", "0.12", "0.24", "0.60")),
    ],
)
def test_song_prices_match_the_reference(version, pricing, expected):
    assert plans.SONG_PRICES[version][pricing] == tuple(D(v) for v in expected)


def test_other_price_tables_match_the_reference():
    assert plans.SINGING_PRICES["contracted"] == tuple(
        D(v) for v in ("0.06", "0.09", "0.12", "0.24", "0.60")
    )
    assert plans.SINGING_PRICES["payg"] == tuple(
        D(v) for v in ("0.09", "0.135", "0.18", "0.36", "0.90")
    )
    assert tuple(D(v) for v in ("0.04", "0.06", "0.08", "0.16", "0.40")) == plans.EXTEND_V1_PRICES
    assert tuple(D(v) for v in ("0.02", "0.03", "0.04", "0.08", "0.20")) == plans.LYRICS_PRICES
    assert D("0.05") == plans.STEMS_PRICE
    assert {
        15: D("0.06"),
        60: D("0.12"),
        180: D("0.24"),
        300: D("0.45"),
    } == plans.LOOP_UPLOAD_PRICES
    assert plans.LOOP_GENERATE_PRICES[5] == D("0.04")
    assert plans.LOOP_GENERATE_PRICES[300] == D("0.45")
    assert plans.SANSAAR_LITE_ROYALTY_FREE[180] == D("0.06")


@pytest.mark.parametrize(
    ("tier", "bucket", "expected"),
    [
        ("starter", "song", (15, 150)),
        ("starter", "stems", (15, 150)),
        ("starter_x5", "music", (75, 750)),
        ("starter_x5", "stems", (20, 50)),
        ("growth", "singing", (25, 60)),  # lower daily caps than Starter, as published
        ("growth", "copyright_check", (50, 125)),
        ("growth_x5", "extend_song", (40, 100)),
        ("scale_1", "stems", (160, 400)),
        ("scale_2", "song", (120, 300)),
        ("scale_3", "extend_music", (160, 400)),
        ("scale_4", "stems", (400, 1000)),
        ("scale_5", "song", (400, 1000)),
        ("scale_5", "copyright_check", (800, 2000)),
        ("scale_5", "section_timestamping", None),
    ],
)
def test_rate_limits_match_the_reference(tier, bucket, expected):
    assert plans.RATE_LIMITS[tier][bucket] == expected


def test_pay_as_you_go_has_no_published_limits():
    assert "payg" not in plans.RATE_LIMITS


def test_every_license_has_a_plain_summary():
    for license_id in plans.SOUNDVERSE_LICENSES:
        found = plans.LICENSES[license_id]
        assert found.summary and found.allows and found.forbids
    assert "Spotify" in plans.LICENSES["distribution"].allows
    assert "picture" in plans.LICENSES["sync"].summary
    assert plans.LICENSES["full_ownership"].exclusive
    assert "library or sample pack" in plans.LICENSES["royalty_free"].forbids


# --- Which licenses a plan grants -----------------------------------------------------------
def test_a_contracted_plan_grants_its_own_license():
    assert plans.granted_licenses("soundverse", "growth") == ("sample",)
    assert plans.granted_licenses("soundverse", "scale_3") == ("distribution",)


def test_an_upgrade_grants_the_higher_licenses_only():
    assert plans.granted_licenses("soundverse", "growth", upgraded=True) == (
        "sample",
        "distribution",
        "sync",
        "full_ownership",
    )


def test_pay_as_you_go_grants_every_license():
    assert plans.granted_licenses("soundverse", "payg") == plans.SOUNDVERSE_LICENSES


def test_an_unknown_plan_grants_nothing():
    assert plans.granted_licenses("soundverse", "platinum") == ()


def test_soundpiece_accepts_any_recorded_license():
    assert "agreement" in plans.granted_licenses("soundpiece", "Whatever plan")


# --- Estimates ------------------------------------------------------------------------------
@pytest.fixture
def member(workspace):
    return make_member(workspace, "producer@example.com", "member")


def test_a_song_costs_two_outputs_at_the_contracted_price(workspace, member):
    key = make_key(workspace, member, plan="starter", license="royalty_free")
    estimate = plans.estimate(key, "song_v5", "v5", "royalty_free", {})
    assert estimate.cost_usd == D("0.14")
    assert estimate.unit_price == D("0.07")
    assert estimate.cost_label == "$0.14 (2 results × $0.07)"


def test_pay_as_you_go_uses_the_payg_column_and_any_license(workspace, member):
    key = make_key(workspace, member, plan="payg", license="royalty_free")
    estimate = plans.estimate(key, "song_v6", "v6", "sample", {})
    assert estimate.cost_usd == D("0.4726")
    assert estimate.license_label == "Sample"
    assert estimate.limits_label == "Soundverse publishes no limits for Pay as you go"
    assert estimate.hour_limit is None and estimate.day_limit is None


def test_a_license_the_plan_does_not_give_is_refused(workspace, member):
    key = make_key(workspace, member, plan="growth", license="sample")
    with pytest.raises(plans.LicenseNotGranted):
        plans.estimate(key, "song_v5", "v5", "sync", {})


def test_the_key_license_is_the_default(workspace, member):
    key = make_key(workspace, member, plan="scale_1", license="distribution")
    assert plans.estimate(key, "singing_v2").cost_usd == D("0.12")


def test_versionless_operation_keys_find_their_row(workspace, member):
    key = make_key(workspace, member)
    assert plans.estimate(key, "song", "5").cost_usd == D("0.14")
    assert plans.estimate(key, "music", "v6").cost_usd == D("0.21")


def test_unpublished_prices_say_so(workspace, member):
    key = make_key(workspace, member)
    song_v7 = plans.estimate(key, "song_v7", "v7")
    assert song_v7.cost_usd is None
    assert song_v7.cost_label == "Soundverse publishes no price for version 7"
    remix = plans.estimate(key, "remix_v7", "v7")
    assert remix.cost_usd is None
    assert "no price" in remix.cost_label
    unknown = plans.estimate(key, "teleport", "")
    assert unknown.cost_usd is None
    assert unknown.cost_label == "Price not known for this operation"


def test_flat_prices(workspace, member):
    key = make_key(workspace, member, plan="payg", license="full_ownership")
    assert plans.estimate(key, "stems_all").cost_usd == D("0.05")
    assert plans.estimate(key, "lyrics").cost_usd == D("0.20")
    assert plans.estimate(key, "extend_music_v1").cost_usd == D("0.40")


def test_loops_are_priced_by_length(workspace, member):
    key = make_key(workspace, member)
    assert plans.estimate(key, "loop_auto", params={"duration": 40}).cost_usd == D("0.12")
    assert plans.estimate(key, "gen_loop_music", params={"duration": 5}).cost_usd == D("0.04")
    unknown = plans.estimate(key, "loop_auto")
    assert unknown.cost_usd is None
    assert unknown.cost_label == "$0.06–$0.45, depending on length"
    too_long = plans.estimate(key, "loop_auto", params={"duration": 301})
    assert too_long.cost_usd is None
    assert "above 300 s" in too_long.cost_label


def test_text_to_music_uses_sansaar_prices(workspace, member):
    key = make_key(workspace, member, plan="payg")
    lite = plans.estimate(
        key, "text_to_music", license="sync", params={"duration": 60, "model": "sansaar_1_lite"}
    )
    assert lite.cost_usd == D("0.08")  # 0.02 × 4 for Sync
    full = plans.estimate(key, "text_to_music", params={"duration": 30, "model": "sansaar_1"})
    assert full.cost_usd == D("0.02")


def test_music_prices_can_follow_the_sansaar_table(workspace, member, settings):
    key = make_key(workspace, member)
    assert plans.estimate(key, "music_v5", params={"duration": 30}).cost_usd == D("0.14")
    settings.SOUNDVERSE_MUSIC_PRICES = "sansaar"
    assert plans.estimate(key, "music_v5", params={"duration": 30}).cost_usd == D("0.04")


def test_soundpiece_prices_and_limits_are_not_published(
    workspace, member, django_assert_num_queries
):
    key = make_key(workspace, member, provider="soundpiece", license="sync")
    with django_assert_num_queries(0):
        estimate = plans.estimate(key, "create.new_song", "", "", {})
    assert estimate.cost_usd is None
    assert estimate.cost_label == "Soundpiece does not publish prices"
    assert estimate.limits_label == "Soundpiece does not publish its rate limit"
    assert estimate.license == "sync"


# --- Limits ---------------------------------------------------------------------------------
def test_limits_count_this_keys_jobs_in_the_bucket(workspace, member, django_assert_num_queries):
    key = make_key(workspace, member, plan="starter")
    now = timezone.now()
    for _ in range(3):
        make_job(workspace, member, key, operation="song_v5", created_at=now - timedelta(minutes=5))
    make_job(workspace, member, key, operation="song_v6", created_at=now - timedelta(hours=3))
    make_job(workspace, member, key, operation="music_v5", created_at=now)  # other bucket
    with django_assert_num_queries(1):
        estimate = plans.estimate(key, "song_v5", "v5", now=now)
    assert (estimate.hour_limit, estimate.hour_left) == (15, 12)
    assert (estimate.day_limit, estimate.day_left) == (150, 146)
    assert estimate.limits_label == "12 of 15 left this hour · 146 of 150 left today"


def test_other_keys_and_workspaces_do_not_count(workspace, member):
    key = make_key(workspace, member)
    other_key = make_key(workspace, member, label="Other")
    elsewhere = make_workspace("Elsewhere")
    make_job(workspace, member, other_key)
    make_job(elsewhere, None, key)  # a job row of another workspace pointing at this key
    assert plans.estimate(key, "song_v5").hour_left == 15


def test_jobs_that_never_reached_the_provider_do_not_count(workspace, member):
    key = make_key(workspace, member)
    make_job(workspace, member, key, state="failed", submit_attempts=0)
    make_job(workspace, member, key, state="canceled", submit_attempts=0)
    make_job(workspace, member, key, state="failed", submit_attempts=1)
    make_job(workspace, member, key, state="queued", submit_attempts=0)  # about to be sent
    assert plans.estimate(key, "song_v5").hour_left == 13


def test_extend_song_counts_against_song_and_extend_song(workspace, member):
    key = make_key(workspace, member, plan="growth", license="sample")
    now = timezone.now()
    for _ in range(4):
        make_job(workspace, member, key, operation="extend_song_v5", created_at=now)
    for _ in range(2):
        make_job(workspace, member, key, operation="song_v5", created_at=now)
    estimate = plans.estimate(key, "extend_song_v5", "v5", now=now)
    buckets = {limit.bucket: limit for limit in estimate.limits}
    assert buckets["song"].hour_used == 6
    assert buckets["extend_song"].hour_used == 4
    # The tighter bucket wins: Song generation has 25 − 6 left.
    assert estimate.hour_left == 19
    assert plans.estimate(key, "song_v5", now=now).hour_left == 19


def test_the_limit_can_be_reached(workspace, member):
    key = make_key(workspace, member, plan="starter_x5")
    now = timezone.now()
    for _ in range(20):
        make_job(workspace, member, key, operation="stems_vocals", created_at=now)
    estimate = plans.estimate(key, "stems_all", now=now)
    assert estimate.hour_left == 0 and estimate.limit_reached


def test_rolling_and_fixed_windows(workspace, member, settings):
    key = make_key(workspace, member)
    now = timezone.now().replace(minute=10, second=0, microsecond=0)
    make_job(workspace, member, key, created_at=now - timedelta(minutes=30))
    assert plans.estimate(key, "song_v5", now=now).hour_left == 14
    settings.KEY_LIMIT_WINDOW = "fixed"
    # The job was made in the previous clock hour.
    assert plans.estimate(key, "song_v5", now=now).hour_left == 15


def test_operations_without_a_bucket_have_no_published_limit(workspace, member):
    key = make_key(workspace, member)
    estimate = plans.estimate(key, "lyrics")
    assert estimate.hour_left is None
    assert estimate.limits_label == "Soundverse publishes no limit for this"


def test_license_snapshot(workspace, member):
    key = make_key(workspace, member, plan="payg", license="royalty_free")
    snapshot = plans.license_snapshot(key, "sync")
    assert snapshot["license"] == "sync"
    assert snapshot["license_label"] == "Sync"
    assert snapshot["plan_label"] == "Pay as you go"
    assert snapshot["allows"]


def test_format_usd():
    assert plans.format_usd(D("0.14")) == "$0.14"
    assert plans.format_usd(D("0.2363")) == "$0.2363"
    assert plans.format_usd(D("2.1")) == "$2.10"
    assert plans.format_usd(D("0")) == "$0.00"
    assert plans.format_usd(None) == "not published"


def test_versionless_operation_names_are_counted_too(workspace, member):
    key = make_key(workspace, member)
    make_job(workspace, member, key, operation="song", version="v5")
    make_job(workspace, member, key, operation="song", version="4")
    make_job(workspace, member, key, operation="music", version="v5")  # another bucket
    assert plans.estimate(key, "song", "v5").hour_left == 13
