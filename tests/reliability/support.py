"""Jobs, keys and checks for the reliability suites."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from soundsite.lib.audio import analyse
from soundsite.library.models import Track
from soundsite.sandbox.accounts import create_account
from soundsite.sandbox.models import SandboxOperation, SandboxRequest
from soundsite.studio import pipeline
from soundsite.studio.models import Job, JobState
from tests.factories import make_member, make_sandbox_pipeline_key, make_workspace
from tests.reliability.conftest import sha256_of, stored_track_files

# Short runs: about a second of provider time and two-second songs.
OPTIONS = {
    "soundpiece": {
        "processing_seconds": 1,
        "song_seconds": 2,
        "variations": 1,
        "wait_cap": 1,
    },
    "soundverse": {"processing_seconds": 1.0, "output_seconds": 2},
}
OPERATIONS = {"soundpiece": "create.new_song", "soundverse": "song_v5"}


def _no_plan_limits() -> dict:
    # The Growth plan's hourly song quota (reference §5) would otherwise stop a long run.
    from soundsite.sandbox.soundverse_spec import ENDPOINTS

    return {e.bucket: (10**6, 10**6) for e in ENDPOINTS.values() if e.bucket}


def team():
    workspace = make_workspace("Reliability Studio")
    return workspace, make_member(workspace, "owner@example.com", "owner")


def sandbox_key(workspace, owner, provider: str, base_url: str):
    options = dict(OPTIONS[provider])
    if provider == "soundverse":
        options["rate_limits"] = _no_plan_limits()
    account = create_account(provider, plan="growth", **options)
    key = make_sandbox_pipeline_key(workspace, owner, provider, account, base_url)
    return key, account


def tag(number: int) -> str:
    return f"take {number:03d}"


def make_jobs(workspace, owner, keys: dict, count: int, *, first: int = 0) -> list[Job]:
    """``count`` song jobs alternating between the providers, each prompt tagged with its number.

    The tag travels to the provider in the prompt, so the sandbox's operations can be matched
    to the jobs that asked for them (Soundverse requests carry no key of ours).
    """
    providers = list(keys)
    jobs = []
    for number in range(first, first + count):
        key = keys[providers[number % len(providers)]]
        jobs.append(
            pipeline.create_job(
                workspace=workspace,
                created_by=owner,
                key=key,
                provider=key.provider,
                operation=OPERATIONS[key.provider],
                task="song",
                title=f"Reliability {tag(number)}",
                parameters={
                    "prompt": f"warm acoustic folk, {tag(number)}",
                    "lyrics": "Morning light on the window",
                },
                license_snapshot={"license": key.license},
            )
        )
    return jobs


def describe_unfinished() -> str:
    rows = Job.objects.filter(state__in=pipeline.ACTIVE_STATES).values(
        "pk",
        "provider",
        "state",
        "stage",
        "remote_id",
        "attempts",
        "submit_attempts",
        "next_check_at",
        "lease_owner",
        "lease_expires_at",
    )
    return "\n".join(str(row) for row in rows[:20])


STEPS = {
    JobState.QUEUED: 0,
    JobState.SUBMITTING: 1,
    JobState.RUNNING: 2,
    JobState.ARCHIVING: 3,
    JobState.READY: 4,
    JobState.FAILED: 4,
    JobState.CANCELED: 4,
}


def progressed() -> int:
    """Steps taken by all jobs together (queued 0 … submitting, running, archiving … done 4)."""
    return sum(STEPS[state] * count for state, count in states().items())


def states() -> Counter:
    return Counter(Job.objects.values_list("state", flat=True))


def unfinished() -> int:
    return Job.objects.filter(state__in=pipeline.ACTIVE_STATES).count()


def operations_per_job(account) -> Counter:
    """How many provider operations each tagged job caused on ``account``."""
    found = Counter()
    for request in SandboxOperation.objects.filter(account=account).values_list(
        "request", flat=True
    ):
        prompt = str(request.get("prompt", ""))
        found[prompt.rsplit(", ", 1)[-1]] += 1
    return found


def job_tag(job: Job) -> str:
    return job.parameters["prompt"].rsplit(", ", 1)[-1]


def requests(account, method: str) -> int:
    return SandboxRequest.objects.filter(account=account, method=method).count()


def check_tracks(media: Path, *, decode: bool = False) -> list[str]:
    """Problems with the library's files: missing, changed, undecodable or orphaned."""
    problems = []
    known = set()
    for track in Track.objects.all():
        known.add(track.file.name)
        path = media / track.file.name
        if not path.exists():
            problems.append(f"track {track.pk} of job {track.job_id}: file missing")
            continue
        if sha256_of(path) != track.sha256:
            problems.append(f"track {track.pk} of job {track.job_id}: sha256 differs")
            continue
        if decode:
            info, _ = analyse(path)
            if abs(info.duration - track.duration) > 0.05:
                problems.append(f"track {track.pk}: decodes to {info.duration:.2f} s")
    orphans = stored_track_files(media) - known
    problems.extend(f"orphan file {name}" for name in sorted(orphans))
    return problems


def tracks_per_ready_job() -> list[str]:
    """Each ready job has exactly its outputs as tracks, one per output position."""
    problems = []
    for job in Job.objects.filter(state=JobState.READY):
        positions = sorted(Track.objects.filter(job=job).values_list("output_position", flat=True))
        if positions != list(range(job.result_count)) or not positions:
            problems.append(f"job {job.pk} ({job_tag(job)}): tracks at {positions}")
    return problems


def stray_files(media: Path) -> set[str]:
    known = set(Track.objects.values_list("file", flat=True))
    return stored_track_files(media) - known


def clean_up_an_hour_later() -> str:
    """The library's periodic cleanup as it runs an hour from now.

    A worker killed between storing a track's file and committing its row leaves a stray file;
    by design the cleanup removes files with no row once they are an hour old (younger ones may
    belong to an archive being written right now).
    """
    from datetime import timedelta

    from django.utils import timezone

    from soundsite.library.tasks import ORPHAN_MIN_AGE, cleanup

    return cleanup(now=timezone.now() + ORPHAN_MIN_AGE + timedelta(minutes=1))
