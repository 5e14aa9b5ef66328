"""The whole of the Soundverse reference's tables, typed in again cell by cell.

shared/providers/soundverse.md §5 (rate limits) and §6 (prices). test_plans.py samples them
beside the behaviour; this file pins every published figure, so a wrong digit anywhere fails.
"""

from decimal import Decimal

import pytest

from soundsite.keys import plans

BUCKETS = (
    "song",
    "music",
    "singing",
    "extend_music",
    "extend_song",
    "stems",
    "copyright_check",
    "section_timestamping",
)
# Tier: Song gen, Music gen, Singing, Extend Music, Extend Song, Stem sep., Copyright check,
# Section timestamping (None: unlimited) — hour / 24 hours, as published.
RATE_TABLE = {
    "starter": ["15/150"] * 7 + [None],
    "starter_x5": ["75/750"] * 5 + ["20/50", "20/50", None],
    "growth": ["25/60"] * 5 + ["50/125", "50/125", None],
    "growth_x5": ["40/100"] * 5 + ["80/200", "80/200", None],
    "scale_1": ["80/200"] * 5 + ["160/400", "160/400", None],
    "scale_2": ["120/300"] * 5 + ["240/600", "240/600", None],
    "scale_3": ["160/400"] * 5 + ["320/800", "320/800", None],
    "scale_4": ["200/500"] * 5 + ["400/1000", "400/1000", None],
    "scale_5": ["400/1000"] * 5 + ["800/2000", "800/2000", None],
}


@pytest.mark.parametrize("tier", RATE_TABLE)
def test_every_rate_limit_cell(tier):
    expected = {
        bucket: None if cell is None else tuple(int(n) for n in cell.split("/"))
        for bucket, cell in zip(BUCKETS, RATE_TABLE[tier], strict=True)
    }
    assert plans.RATE_LIMITS[tier] == expected


def test_every_plan_but_pay_as_you_go_has_a_row():
    assert set(plans.RATE_LIMITS) == set(plans.SOUNDVERSE_PLANS) - {"payg"}


# Version: contracted, PAYG — columns Royalty-Free · Sample · Distribution · Sync · Full Ownership.
SONG_TABLE = {
    "v6": ("0.105 0.158 0.21 0.42 1.05", "0.158 0.2363 0.315 0.63 1.575"),
    "v5": ("0.07 0.105 0.14 0.28 0.70", "0.105 0.1575 0.21 0.42 1.05"),
    "v4": ("0.065 0.195 0.26 0.52 1.30", "0.14 0.21 0.28 0.56 1.40"),
    "v1": ("0.05 0.075 0.10 0.20 0.50", "0.06 0.09 0.12 0.24 0.60"),
}


def _row(text):
    return tuple(Decimal(value) for value in text.split())


@pytest.mark.parametrize("version", SONG_TABLE)
def test_every_song_price_cell(version):
    contracted, payg = SONG_TABLE[version]
    assert plans.SONG_PRICES[version] == {"contracted": _row(contracted), "payg": _row(payg)}
    # One published version of the FAQ prices Music Gen with the same table.
    assert plans.MUSIC_PRICES[version] == plans.SONG_PRICES[version]


def test_song_versions_are_exactly_the_published_ones():
    assert set(plans.SONG_PRICES) == set(SONG_TABLE)


def test_every_other_price_cell():
    assert {
        "contracted": _row("0.06 0.09 0.12 0.24 0.60"),
        "payg": _row("0.09 0.135 0.18 0.36 0.90"),
    } == plans.SINGING_PRICES
    assert _row("0.04 0.06 0.08 0.16 0.40") == plans.EXTEND_V1_PRICES
    assert _row("0.02 0.03 0.04 0.08 0.20") == plans.LYRICS_PRICES
    assert Decimal("0.05") == plans.STEMS_PRICE
    assert dict(zip((15, 60, 180, 300), _row("0.06 0.12 0.24 0.45"))) == plans.LOOP_UPLOAD_PRICES
    assert (
        dict(zip((5, 15, 60, 180, 300), _row("0.04 0.06 0.12 0.24 0.45")))
        == plans.LOOP_GENERATE_PRICES
    )
    assert (
        dict(zip((15, 30, 60, 180, 300), _row("0.005 0.01 0.02 0.06 0.10")))
        == plans.SANSAAR_LITE_ROYALTY_FREE
    )
    assert _row("1 1.5 2 4 10") == plans.SANSAAR_LICENSE_FACTORS
    assert {
        "sansaar_1_lite": Decimal(1),
        "sansaar_1": Decimal(2),
    } == plans.SANSAAR_MODEL_FACTORS


def test_plans_and_default_licenses_as_published():
    defaults = {plan.id: plan.default_license for plan in plans.SOUNDVERSE_PLANS.values()}
    assert defaults == {
        "starter": "royalty_free",
        "starter_x5": "royalty_free",
        "growth": "sample",
        "growth_x5": "sample",
        **{f"scale_{n}": "distribution" for n in range(1, 6)},
        "payg": "royalty_free",  # pre-selected only: any license per job
    }
    assert plans.granted_licenses("soundverse", "payg") == (
        "royalty_free",
        "sample",
        "distribution",
        "sync",
        "full_ownership",
    )
