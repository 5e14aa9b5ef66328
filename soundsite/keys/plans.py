"""Plans, licenses, prices and rate limits of the providers, and estimates for one job.

The figures come from the provider references (shared/providers/soundverse.md §4–§6,
soundpiece.md §10–§11) and are reproduced exactly as published, including the oddities the
reference points out (Growth's daily caps are lower than Starter's). Where a reference is
silent, the value is ``None`` and the product says "not published"; nothing is made up.

Summary of the sources:

* Soundverse plans and their default licenses: Starter → Royalty-Free, Growth → Sample,
  Scale → Distribution, Pay as you go → any license per job at higher prices (§4). Licenses
  are plan-based by default, with upgrades bought through the dashboard or support (§4).
* Soundverse hourly / daily request limits per plan tier and bucket (§5), prices in USD per
  output, contracted vs pay-as-you-go, per license (§6).
* Soundpiece publishes no plans, prices or numeric rate limit; 402 means out of credits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

SOUNDPIECE = "soundpiece"
SOUNDVERSE = "soundverse"

NOT_PUBLISHED = "not published"


# --- Licenses -------------------------------------------------------------------------------
@dataclass(frozen=True)
class License:
    id: str
    label: str
    summary: str  # one line, plain words
    allows: str
    forbids: str
    exclusive: bool = False


# Restrictions that Soundverse's FAQ applies to every license (§4, "Prohibited").
COMMON_PROHIBITIONS = (
    "Under every license: no training or fine-tuning of AI models on the results, no model "
    "extraction, no public download library of raw exports (except Full Ownership titles), "
    "and no sensitive personal data in prompts."
)

ROYALTY_FREE = "royalty_free"
SAMPLE = "sample"
DISTRIBUTION = "distribution"
SYNC = "sync"
FULL_OWNERSHIP = "full_ownership"
AGREEMENT = "agreement"

# Ordered from the least to the most rights (and price), as in the reference's price columns.
LICENSES: dict[str, License] = {
    ROYALTY_FREE: License(
        ROYALTY_FREE,
        "Royalty-Free",
        "Use it commercially in any media, forever, with no per-use fees.",
        allows=(
            "Commercial use of the results in any media, worldwide and forever, with no per-use "
            "fees (you own the exported master, not exclusively). Finished project "
            "deliverables may go to your clients."
        ),
        forbids=(
            "Reselling raw or unmodified exports as a library or sample pack, or sublicensing "
            "them on their own."
        ),
    ),
    SAMPLE: License(
        SAMPLE,
        "Sample",
        "Chop and transform the results inside a new work of your own.",
        allows=(
            "Chopping and transforming the results inside a new work; Content ID only on that "
            "new work. Deliver the finished work to clients."
        ),
        forbids="Reselling the raw sounds, loops or kits; delivering anything but finished work.",
    ),
    DISTRIBUTION: License(
        DISTRIBUTION,
        "Distribution",
        "Release on Spotify, Apple Music, YouTube, TikTok… and earn from it.",
        allows=(
            "Releasing to streaming services and social platforms (Spotify, Apple Music, "
            "YouTube, TikTok…) and monetising it; non-exclusive, worldwide, forever for results "
            "made while the plan is active."
        ),
        forbids="Standalone sublicences (project deliverables are fine); reselling raw exports.",
    ),
    SYNC: License(
        SYNC,
        "Sync",
        "Put it to picture: film, TV, ads, games, apps, podcasts — per project.",
        allows=(
            "Pairing with picture (film, TV, ads, games, apps, podcasts, user videos) for one "
            "project or campaign, forever or for the agreed time; sublicensing within that "
            "project."
        ),
        forbids="Use outside the licensed project or campaign; reselling raw exports.",
    ),
    FULL_OWNERSHIP: License(
        FULL_OWNERSHIP,
        "Full Ownership",
        "Buy the track outright: exclusive, no ongoing royalty.",
        allows=(
            "Exclusive ownership of the track's master (and of the composition made on "
            "Soundverse where applicable); Content ID, sublicensing and reselling the master "
            "or stems freely."
        ),
        forbids="Any claim to Soundverse's models or their weights.",
        exclusive=True,
    ),
    AGREEMENT: License(
        AGREEMENT,
        "As in my agreement",
        "Whatever your agreement with the provider says.",
        allows="What your agreement with the provider allows; check it before delivering.",
        forbids="What your agreement with the provider forbids.",
    ),
}

SOUNDVERSE_LICENSES = (ROYALTY_FREE, SAMPLE, DISTRIBUTION, SYNC, FULL_OWNERSHIP)
# Soundpiece publishes no license terms: the member records what their agreement grants.
SOUNDPIECE_LICENSES = (*SOUNDVERSE_LICENSES, AGREEMENT)
SOUNDPIECE_LICENSE_NOTE = (
    "Soundpiece publishes no license terms. This is the license the key's owner recorded; "
    "check the Soundpiece agreement for what it allows."
)


def get_license(license_id: str) -> License | None:
    return LICENSES.get(license_id)


# --- Plans ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    id: str
    label: str
    default_license: str
    pay_as_you_go: bool = False

    @property
    def pricing(self) -> str:
        return "payg" if self.pay_as_you_go else "contracted"


PAY_AS_YOU_GO = "payg"

SOUNDVERSE_PLANS: dict[str, Plan] = {
    plan.id: plan
    for plan in (
        Plan("starter", "Starter", ROYALTY_FREE),
        Plan("starter_x5", "Starter ×5", ROYALTY_FREE),
        Plan("growth", "Growth", SAMPLE),
        Plan("growth_x5", "Growth ×5", SAMPLE),
        Plan("scale_1", "Scale 1", DISTRIBUTION),
        Plan("scale_2", "Scale 2", DISTRIBUTION),
        Plan("scale_3", "Scale 3", DISTRIBUTION),
        Plan("scale_4", "Scale 4", DISTRIBUTION),
        Plan("scale_5", "Scale 5", DISTRIBUTION),
        Plan(PAY_AS_YOU_GO, "Pay as you go", ROYALTY_FREE, pay_as_you_go=True),
    )
}


def get_plan(provider: str, plan_id: str) -> Plan | None:
    """The Soundverse plan with this id; Soundpiece plans are free text and return None."""
    if provider != SOUNDVERSE:
        return None
    return SOUNDVERSE_PLANS.get(plan_id)


def plan_label(provider: str, plan_id: str) -> str:
    plan = get_plan(provider, plan_id)
    if plan is not None:
        return plan.label
    return plan_id or "Plan not given"


def granted_licenses(provider: str, plan_id: str, upgraded: bool = False) -> tuple[str, ...]:
    """The licenses a key on this plan may carry.

    A Soundverse contracted plan grants its own license, or a higher one when the member says
    their contract includes an upgrade (the reference: "upgrades via dashboard or support").
    Pay as you go grants every license (chosen per job); the key's license is the default.
    Soundpiece publishes no terms, so any recorded license is accepted.
    """
    if provider == SOUNDPIECE:
        return SOUNDPIECE_LICENSES
    plan = SOUNDVERSE_PLANS.get(plan_id)
    if plan is None:
        return ()
    if plan.pay_as_you_go:
        return SOUNDVERSE_LICENSES
    if upgraded:
        start = SOUNDVERSE_LICENSES.index(plan.default_license)
        return SOUNDVERSE_LICENSES[start:]
    return (plan.default_license,)


def job_licenses(key) -> tuple[str, ...]:
    """The licenses a job made with ``key`` may be made under (a choice only on Pay as you go)."""
    plan = get_plan(key.provider, key.plan)
    if plan is not None and plan.pay_as_you_go:
        return SOUNDVERSE_LICENSES
    return (key.license,)


def license_snapshot(key, license_id: str | None = None) -> dict[str, Any]:
    """What a job and its tracks record about their license, frozen at the time of making."""
    license_id = license_id or key.license
    found = LICENSES.get(license_id)
    snapshot = {
        "provider": key.provider,
        "plan": key.plan,
        "plan_label": plan_label(key.provider, key.plan),
        "license": license_id,
        "license_label": found.label if found else license_id,
        "summary": found.summary if found else "",
        "allows": found.allows if found else "",
        "forbids": found.forbids if found else "",
        "sandbox": key.is_sandbox,
    }
    if key.provider == SOUNDPIECE:
        snapshot["note"] = SOUNDPIECE_LICENSE_NOTE
    else:
        snapshot["note"] = COMMON_PROHIBITIONS
    return snapshot


# --- Soundverse prices (§6, USD per output) -------------------------------------------------
def _row(*values: str) -> tuple[Decimal, ...]:
    return tuple(Decimal(v) for v in values)


# Per version: {"contracted": (RF, Sample, Distribution, Sync, Full), "payg": (…)}.
SONG_PRICES: dict[str, dict[str, tuple[Decimal, ...]]] = {
    "v6": {
        "contracted": _row("0.105", "0.158", "0.21", "0.42", "1.05"),
        "payg": _row("0.158", "0.2363", "0.315", "0.63", "1.575"),
    },
    "v5": {
        "contracted": _row("0.07", "0.105", "0.14", "0.28", "0.70"),
        "payg": _row("0.105", "0.1575", "0.21", "0.42", "1.05"),
    },
    "v4": {
        "contracted": _row("0.065", "0.195", "0.26", "0.52", "1.30"),
        "payg": _row("0.14", "0.21", "0.28", "0.56", "1.40"),
    },
    "v1": {
        "contracted": _row("0.05", "0.075", "0.10", "0.20", "0.50"),
        "payg": _row("0.06", "0.09", "0.12", "0.24", "0.60"),
    },
}
# One published version of the FAQ (@2809adb) prices Music Gen with the Song Gen table; the
# other (@f6129de) prices the Sansaar models by duration. SOUNDVERSE_MUSIC_PRICES picks one.
MUSIC_PRICES = SONG_PRICES

# Sansaar (FAQ @f6129de): Royalty-Free price by duration; the other licenses are multiples of
# it; contracted = pay as you go; Sansaar 1 costs double Sansaar 1 Lite.
SANSAAR_LITE_ROYALTY_FREE: dict[int, Decimal] = {
    15: Decimal("0.005"),
    30: Decimal("0.01"),
    60: Decimal("0.02"),
    180: Decimal("0.06"),
    300: Decimal("0.10"),
}
SANSAAR_LICENSE_FACTORS = _row("1", "1.5", "2", "4", "10")
SANSAAR_MODEL_FACTORS = {"sansaar_1_lite": Decimal("1"), "sansaar_1": Decimal("2")}
SANSAAR_MODEL_LABELS = {"sansaar_1_lite": "Sansaar 1 Lite", "sansaar_1": "Sansaar 1"}

SINGING_PRICES = {
    "contracted": _row("0.06", "0.09", "0.12", "0.24", "0.60"),
    "payg": _row("0.09", "0.135", "0.18", "0.36", "0.90"),
}
EXTEND_V1_PRICES = _row("0.04", "0.06", "0.08", "0.16", "0.40")  # contracted = PAYG
LYRICS_PRICES = _row("0.02", "0.03", "0.04", "0.08", "0.20")  # contracted = PAYG
STEMS_PRICE = Decimal("0.05")  # flat across licenses
# Loop & Trim, flat across licenses, by length in seconds. "Upload" is looping audio that
# comes from outside Soundverse (the upload variants take an audio URL); "Generate and
# Existing" is the generate-and-loop family.
LOOP_UPLOAD_PRICES = {
    15: Decimal("0.06"),
    60: Decimal("0.12"),
    180: Decimal("0.24"),
    300: Decimal("0.45"),
}
LOOP_GENERATE_PRICES = {
    5: Decimal("0.04"),
    15: Decimal("0.06"),
    60: Decimal("0.12"),
    180: Decimal("0.24"),
    300: Decimal("0.45"),
}


# --- Soundverse rate limits (§5, requests per hour / per 24 hours) --------------------------
BUCKET_LABELS = {
    "song": "Song generation (songs and song extensions)",
    "music": "Music generation (instrumentals and music extensions)",
    "singing": "Singing",
    "extend_music": "Extend music",
    "extend_song": "Extend song",
    "stems": "Stem separation",
    "copyright_check": "Copyright check",
    "section_timestamping": "Section timestamping",
}
UNLIMITED = None


def _tier(main: tuple[int, int], side: tuple[int, int]) -> dict[str, tuple[int, int] | None]:
    """One row of the table: the five generation buckets share ``main``; stems and copyright
    check share ``side``; section timestamping is unlimited on every tier."""
    return {
        "song": main,
        "music": main,
        "singing": main,
        "extend_music": main,
        "extend_song": main,
        "stems": side,
        "copyright_check": side,
        "section_timestamping": UNLIMITED,
    }


RATE_LIMITS: dict[str, dict[str, tuple[int, int] | None]] = {
    "starter": _tier((15, 150), (15, 150)),
    "starter_x5": _tier((75, 750), (20, 50)),
    "growth": _tier((25, 60), (50, 125)),
    "growth_x5": _tier((40, 100), (80, 200)),
    "scale_1": _tier((80, 200), (160, 400)),
    "scale_2": _tier((120, 300), (240, 600)),
    "scale_3": _tier((160, 400), (320, 800)),
    "scale_4": _tier((200, 500), (400, 1000)),
    "scale_5": _tier((400, 1000), (800, 2000)),
    # Pay as you go has no row in the published table.
}


# --- Operation → price row and limit buckets ------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """How one Soundverse operation is priced and counted.

    ``family`` names a price table (None: no published price); ``version`` picks the row of
    the per-version tables; ``buckets`` are the rate-limit buckets one request counts against
    (the FAQ counts Extend Song both in "AI Song Gen" and in its own column, so it is in both);
    ``outputs`` is how many results one request makes (prices are per output).
    """

    family: str | None
    version: str = ""
    buckets: tuple[str, ...] = ()
    outputs: int = 1


# THE table to align with the Soundverse client's catalog keys (providers/soundverse.py). A key
# that is not here is also tried as "<operation>_<version>" (so "song" + "v5" finds "song_v5").
SOUNDVERSE_RULES: dict[str, Rule] = {
    "song_v7": Rule("song", "v7", ("song",), outputs=2),
    "song_v6": Rule("song", "v6", ("song",), outputs=2),
    "song_v5": Rule("song", "v5", ("song",), outputs=2),
    "song_v4": Rule("song", "v4", ("song",), outputs=2),
    "song_v1": Rule("song", "v1", ("song",), outputs=1),
    "music_v6": Rule("music", "v6", ("music",), outputs=2),
    "music_v5": Rule("music", "v5", ("music",), outputs=2),
    "music_v4": Rule("music", "v4", ("music",), outputs=2),
    "music_v1": Rule("music", "v1", ("music",), outputs=1),
    "text_to_music": Rule("sansaar", "", ("music",), outputs=1),
    "extend_song_v6": Rule(None, "v6", ("song", "extend_song"), outputs=2),
    "extend_song_v5": Rule(None, "v5", ("song", "extend_song"), outputs=2),
    "extend_music_v6": Rule(None, "v6", ("music", "extend_music"), outputs=1),
    "extend_music_v5": Rule(None, "v5", ("music", "extend_music"), outputs=1),
    "extend_music_v1": Rule("extend_v1", "v1", ("music", "extend_music"), outputs=1),
    "remix_v7": Rule(None, "v7", (), outputs=1),
    "lyrics": Rule("lyrics", "v1"),
    "singing_v2": Rule("singing", "v2", ("singing",)),
    "stems_vocals": Rule("stems", "", ("stems",)),
    "stems_instruments": Rule("stems", "", ("stems",)),
    "stems_all": Rule("stems", "", ("stems",)),
    "loop_auto": Rule("loop_upload"),
    "loop_beat_count": Rule("loop_upload"),
    "loop_time_range": Rule("loop_upload"),
    "gen_loop_music": Rule("loop_generate"),
    "gen_loop_song_prompt": Rule("loop_generate"),
    "gen_loop_song_lyrics": Rule("loop_generate"),
    "recognize": Rule(None),
    "chat": Rule(None),
    "voice": Rule(None),
}


def _version(version: str) -> str:
    version = (version or "").strip().lower()
    if version and not version.startswith("v"):
        version = f"v{version}"
    return version


# Catalog operations priced and counted like another row: the blocking (``_sync``) twin of a
# streaming endpoint costs the same, and a few catalog keys carry their version.
CATALOG_ALIASES = {
    "lyrics_v1": "lyrics",
    "recognize_v5": "recognize",
    "cut_time_range": "loop_time_range",
    **{
        f"{name}_sync": name
        for name in (
            "song_v7",
            "song_v6",
            "song_v5",
            "music_v6",
            "music_v5",
            "extend_song_v6",
            "extend_song_v5",
        )
    },
}


def soundverse_rule(operation: str, version: str = "") -> Rule | None:
    rule = SOUNDVERSE_RULES.get(CATALOG_ALIASES.get(operation, operation))
    if rule is None and version:
        rule = SOUNDVERSE_RULES.get(f"{operation}_{_version(version)}")
    return rule


def operations_in_bucket(bucket: str) -> list[str]:
    names = [name for name, rule in SOUNDVERSE_RULES.items() if bucket in rule.buckets]
    return names + [alias for alias, name in CATALOG_ALIASES.items() if name in names]


VERSIONED = re.compile(r"^(?P<base>.+)_(?P<version>v\d+)$")


def bucket_filter(bucket: str) -> Q:
    """Jobs counted in ``bucket``: by the table's keys, or by a versionless key + version
    (so "song" with version "v5" or "5" counts like "song_v5")."""
    condition = Q(operation__in=operations_in_bucket(bucket))
    for name in operations_in_bucket(bucket):
        match = VERSIONED.match(name)
        if match:
            version = match.group("version")
            condition |= Q(operation=match.group("base"), version__in=(version, version[1:]))
    return condition


# --- Estimates ------------------------------------------------------------------------------
class LicenseNotGranted(ValueError):
    """The job asked for a license the key's plan does not give."""


@dataclass(frozen=True)
class Limit:
    bucket: str
    label: str
    hour_limit: int | None
    hour_used: int
    day_limit: int | None
    day_used: int

    @property
    def hour_left(self) -> int | None:
        return None if self.hour_limit is None else max(0, self.hour_limit - self.hour_used)

    @property
    def day_left(self) -> int | None:
        return None if self.day_limit is None else max(0, self.day_limit - self.day_used)


@dataclass(frozen=True)
class Estimate:
    """What one job with a key is expected to cost, and how many requests the key has left.

    ``cost_usd`` is None when the provider publishes no price for it. The limits count only
    this workspace's own jobs with this key: other uses of the same key elsewhere are not seen,
    so the real number left can be lower.
    """

    cost_usd: Decimal | None
    cost_label: str
    license: str
    license_label: str
    unit_price: Decimal | None = None
    outputs: int = 1
    hour_left: int | None = None
    hour_limit: int | None = None
    day_left: int | None = None
    day_limit: int | None = None
    limits_label: str = ""
    limits: tuple[Limit, ...] = field(default_factory=tuple)

    @property
    def limit_reached(self) -> bool:
        return self.hour_left == 0 or self.day_left == 0


def format_usd(amount: Decimal | None) -> str:
    """``$0.14``, ``$0.2363``, ``$2.10``: at least two decimals, no trailing zeros beyond."""
    if amount is None:
        return NOT_PUBLISHED
    text = f"{amount.quantize(Decimal('0.0001')):f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def _seconds(params: dict[str, Any]) -> float | None:
    for name in ("duration", "seconds", "target_seconds", "source_seconds"):
        value = params.get(name)
        if value in (None, ""):
            continue
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    return None


def _by_length(table: dict[int, Decimal], seconds: float | None) -> tuple[Decimal | None, str]:
    """The price of the shortest published length that covers ``seconds``."""
    lengths = sorted(table)
    if seconds is None:
        low, high = table[lengths[0]], table[lengths[-1]]
        return None, f"{format_usd(low)}–{format_usd(high)}, depending on length"
    for length in lengths:
        if seconds <= length:
            return table[length], f"{length} s"
    return None, f"Soundverse publishes no price above {lengths[-1]} s"


def _unit_price(
    rule: Rule, pricing: str, license_id: str, params: dict[str, Any]
) -> tuple[Decimal | None, str]:
    """The price of one output, and a few words on what it was based on."""
    column = SOUNDVERSE_LICENSES.index(license_id)
    family = rule.family
    if family == "music" and getattr(settings, "SOUNDVERSE_MUSIC_PRICES", "") == "sansaar":
        family = "sansaar"
    if family in ("song", "music"):
        row = (SONG_PRICES if family == "song" else MUSIC_PRICES).get(rule.version)
        if row is None:
            return None, f"Soundverse publishes no price for version {rule.version[1:]}"
        return row[pricing][column], ""
    if family == "sansaar":
        model = params.get("model") or "sansaar_1"
        if model not in SANSAAR_MODEL_FACTORS:
            model = "sansaar_1"
        table = {
            length: price * SANSAAR_LICENSE_FACTORS[column] * SANSAAR_MODEL_FACTORS[model]
            for length, price in SANSAAR_LITE_ROYALTY_FREE.items()
        }
        price, basis = _by_length(table, _seconds(params))
        if price is None:
            return None, basis
        return price, f"{SANSAAR_MODEL_LABELS[model]}, {basis}"
    if family == "singing":
        return SINGING_PRICES[pricing][column], ""
    if family == "extend_v1":
        return EXTEND_V1_PRICES[column], ""
    if family == "lyrics":
        return LYRICS_PRICES[column], ""
    if family == "stems":
        return STEMS_PRICE, ""
    if family == "loop_upload":
        return _by_length(LOOP_UPLOAD_PRICES, _seconds(params))
    if family == "loop_generate":
        return _by_length(LOOP_GENERATE_PRICES, _seconds(params))
    return None, "Soundverse publishes no price for this"


def _windows(now):
    """The start of the current hour and day: rolling by default (the reference does not say
    whether the provider's windows are rolling or fixed; rolling never undercounts)."""
    if getattr(settings, "KEY_LIMIT_WINDOW", "rolling") == "fixed":
        hour = now.replace(minute=0, second=0, microsecond=0)
        return hour, hour.replace(hour=0)
    return now - timedelta(hours=1), now - timedelta(days=1)


def counted_jobs(key):
    """This workspace's jobs with ``key`` that reached (or will reach) the provider.

    A job that failed or was canceled before any request left never touched the limits.
    """
    from django.apps import apps

    job_model = apps.get_model("studio", "Job")
    never_sent = Q(state__in=("failed", "canceled"), submit_attempts=0)
    return job_model.objects.filter(key=key, workspace_id=key.workspace_id).exclude(never_sent)


def soundverse_limits(key, buckets: tuple[str, ...], now=None) -> tuple[Limit, ...]:
    """The limits of each bucket for ``key``'s plan, with this workspace's use counted.

    One query counts every bucket for both windows at once.
    """
    tier = RATE_LIMITS.get(key.plan)
    if tier is None or not buckets:
        return ()
    now = now or timezone.now()
    hour_start, day_start = _windows(now)
    counted = [b for b in buckets if tier.get(b) is not UNLIMITED]
    counts: dict[str, int] = {}
    if counted:
        aggregates = {}
        for bucket in counted:
            operations = bucket_filter(bucket)
            aggregates[f"{bucket}__hour"] = Count(
                "id", filter=operations & Q(created_at__gte=hour_start)
            )
            aggregates[f"{bucket}__day"] = Count("id", filter=operations)
        counts = counted_jobs(key).filter(created_at__gte=day_start).aggregate(**aggregates)
    limits = []
    for bucket in buckets:
        pair = tier.get(bucket)
        hour_limit, day_limit = pair if pair is not None else (None, None)
        limits.append(
            Limit(
                bucket=bucket,
                label=BUCKET_LABELS[bucket],
                hour_limit=hour_limit,
                hour_used=counts.get(f"{bucket}__hour", 0),
                day_limit=day_limit,
                day_used=counts.get(f"{bucket}__day", 0),
            )
        )
    return tuple(limits)


def _tightest(limits: tuple[Limit, ...], attribute: str) -> Limit | None:
    bounded = [limit for limit in limits if getattr(limit, f"{attribute}_limit") is not None]
    if not bounded:
        return None
    return min(bounded, key=lambda limit: getattr(limit, f"{attribute}_left"))


def _limits_label(hour: Limit | None, day: Limit | None) -> str:
    parts = []
    if hour is not None:
        parts.append(f"{hour.hour_left} of {hour.hour_limit} left this hour")
    if day is not None:
        parts.append(f"{day.day_left} of {day.day_limit} left today")
    return " · ".join(parts)


def estimate(
    key, operation: str, version: str = "", license: str = "", params=None, *, now=None
) -> Estimate:
    """The estimated cost of one job with ``key`` and the requests it has left.

    ``license`` defaults to the key's; a license the key's plan does not give raises
    ``LicenseNotGranted``. Counting the limits costs one query; Soundpiece keys cost none.
    """
    params = params or {}
    license = license or key.license
    if license not in job_licenses(key):
        found = LICENSES.get(license)
        raise LicenseNotGranted(
            f"The plan of the key “{key.label}” does not give the "
            f"{found.label if found else license} license."
        )
    found = LICENSES.get(license)
    license_label = found.label if found else license

    if key.provider != SOUNDVERSE:
        return Estimate(
            cost_usd=None,
            cost_label="Soundpiece does not publish prices",
            license=license,
            license_label=license_label,
            limits_label="Soundpiece does not publish its rate limit",
        )

    plan = get_plan(key.provider, key.plan)
    rule = soundverse_rule(operation, version)
    if rule is None:
        return Estimate(
            cost_usd=None,
            cost_label="Price not known for this operation",
            license=license,
            license_label=license_label,
            limits_label="Limits not known for this operation",
        )

    if plan is None:
        unit, basis = None, "Price not known: choose this key's Soundverse plan"
    else:
        unit, basis = _unit_price(rule, plan.pricing, license, params)
    cost = None
    if unit is None:
        # Without a price, ``basis`` says why (or gives the range when the length is unknown).
        cost_label = basis
    else:
        cost = (unit * rule.outputs).quantize(Decimal("0.0001"))
        cost_label = format_usd(cost)
        if rule.outputs > 1:
            cost_label += f" ({rule.outputs} results × {format_usd(unit)})"
        if basis:
            cost_label += f" · {basis}"

    limits = soundverse_limits(key, rule.buckets, now=now)
    hour, day = _tightest(limits, "hour"), _tightest(limits, "day")
    if hour is None and day is None:
        if plan is not None and plan.pay_as_you_go and rule.buckets:
            limits_label = "Soundverse publishes no limits for Pay as you go"
        elif limits and all(limit.hour_limit is None for limit in limits):
            limits_label = "No limit"
        else:
            limits_label = "Soundverse publishes no limit for this"
    else:
        limits_label = _limits_label(hour, day)

    return Estimate(
        cost_usd=cost,
        cost_label=cost_label,
        license=license,
        license_label=license_label,
        unit_price=unit,
        outputs=rule.outputs,
        hour_left=hour.hour_left if hour else None,
        hour_limit=hour.hour_limit if hour else None,
        day_left=day.day_left if day else None,
        day_limit=day.day_limit if day else None,
        limits_label=limits_label,
        limits=limits,
    )
