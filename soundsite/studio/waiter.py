"""Hold every in-flight provider wait at once, in one asyncio loop.

Waiting is not work: one waiter holds hundreds of Soundpiece long-polls and Soundverse event
streams concurrently on ``httpx.AsyncClient``. It claims due jobs with leases, submits them,
follows them to a result, and hands finished jobs to the archive task (ordinary CPU work).
Each job's handling is a sequence of guarded steps from ``pipeline``; if the waiter dies, the
leases lapse and the next waiter carries on from the last committed state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.utils import timezone

from soundsite.providers import base as providers
from soundsite.studio import pipeline
from soundsite.studio.clients import make_client
from soundsite.studio.inputs import submit_parameters
from soundsite.studio.models import Job, JobState
from soundsite.studio.results import outputs_to_json

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 1.0  # seconds between progress writes for one job
STATUS_POLL_INTERVAL = 3.0  # Soundverse /status has no long-poll
CLAIM_INTERVAL = 0.25
RENEW_INTERVAL = 15.0
CLIENT_SHARDS = 16
# With nothing in hand, a waiter stays for a job due within this many seconds (one waiting
# out a rate limit or a backoff); with nothing due that soon it ends at once and frees its
# worker for archiving (the task that ran it wakes a new waiter when the job is due).
LINGER_SECONDS = 30.0


def db(fn):
    return sync_to_async(fn, thread_sensitive=True)


class Waiter:
    def __init__(
        self,
        *,
        owner: str | None = None,
        max_seconds: float = 240,
        linger_seconds: float = LINGER_SECONDS,
    ):
        self.owner = owner or pipeline.new_lease_owner()
        self.max_seconds = max_seconds
        self.linger_seconds = linger_seconds
        self.handlers: dict[int, asyncio.Task] = {}
        self.clients: dict[tuple[int, int], providers.Client] = {}
        self.draining = False

    async def run(self) -> int:
        """Work until there is nothing to wait for, or the time is up; return jobs handled."""
        started = time.monotonic()
        last_renew = started
        handled = 0
        try:
            while True:
                now = time.monotonic()
                if now - started > self.max_seconds:
                    self.draining = True
                if not self.draining:
                    for job in await db(pipeline.claim_due)(self.owner):
                        if job.pk in self.handlers:
                            continue
                        self.handlers[job.pk] = asyncio.create_task(self.handle(job))
                        handled += 1
                for job_id, task in list(self.handlers.items()):
                    if task.done():
                        del self.handlers[job_id]
                        if not task.cancelled() and task.exception() is not None:
                            log.error("Job handler crashed", exc_info=task.exception())
                if not self.handlers and (self.draining or not await db(self.something_due)()):
                    break
                if now - last_renew > RENEW_INTERVAL:
                    await db(pipeline.renew)(self.owner)
                    last_renew = now
                await asyncio.sleep(CLAIM_INTERVAL)
        finally:
            for task in self.handlers.values():
                task.cancel()
            await asyncio.gather(*self.handlers.values(), return_exceptions=True)
            for client in self.clients.values():
                await client.aclose()
            await db(self._release_all)()
        return handled

    def something_due(self) -> bool:
        """Whether a job needing a waiter is due within ``linger_seconds``."""
        due = pipeline.next_wait_due()
        return due is not None and due <= timezone.now() + timedelta(seconds=self.linger_seconds)

    def _release_all(self):
        """Hand back whatever we still hold, due at once, so another waiter takes over."""
        Job.objects.filter(lease_owner=self.owner).update(
            lease_owner="", lease_expires_at=None, next_check_at=timezone.now()
        )

    def client(self, job: Job) -> providers.Client:
        """A client of the job's key; a key's jobs are spread over ``CLIENT_SHARDS`` clients.

        httpcore's pool does work proportional to the square of its connections whenever a
        request starts or ends: one pool holding 300 long-polls spent a quarter of the
        waiter's CPU there. Pools of a few dozen connections each keep that negligible.
        """
        slot = (job.key_id, job.pk % CLIENT_SHARDS)
        if slot not in self.clients:
            self.clients[slot] = make_client(job.key)
        return self.clients[slot]

    # --- One job ---------------------------------------------------------------------------
    async def handle(self, job: Job) -> None:
        if job.key is None or job.key.deleted_at is not None:
            await db(pipeline.fail)(
                job,
                self.owner,
                providers.KeyRejected(
                    "The API key for this job was deleted. Add a key under Settings → API "
                    "keys and run the job again."
                ),
            )
            return
        try:
            if not job.remote_id:
                # Not named by the provider yet: queued, or sent and cut off before its id came
                # (also a job an older version marked running on a stream's first event).
                await self.submit(job)
            else:
                await self.follow(job)
        except providers.RateLimited as error:
            state = JobState.RUNNING if job.remote_id else JobState.QUEUED
            await db(pipeline.wait_for_rate_limit)(job, self.owner, error, state=state)
        except providers.StreamInterrupted:
            await db(pipeline.fail)(job, self.owner, self.lost_submission())
        except providers.ProviderUnavailable as error:
            if not error.retryable:
                # The provider client knows a resend could bill twice (Soundverse).
                await db(pipeline.fail)(job, self.owner, error)
            else:
                await self.transient(job, error)
        except providers.ProviderError as error:
            await db(pipeline.fail)(job, self.owner, error)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("Unexpected error while following job %s", job.code)
            await db(pipeline.release)(
                job, self.owner, next_check_at=timezone.now() + timedelta(seconds=30)
            )

    async def transient(self, job: Job, error: providers.ProviderUnavailable) -> None:
        may_have_arrived = job.state == JobState.SUBMITTING and not job.remote_id
        if may_have_arrived and not self.resend_is_safe(job, error):
            # A Soundverse request that may have reached the server is never sent again:
            # it could bill twice.
            await db(pipeline.fail)(job, self.owner, self.lost_submission())
            return
        state = JobState.RUNNING if job.remote_id else JobState.QUEUED
        await db(pipeline.retry_later)(job, self.owner, error, state=state)

    @staticmethod
    def resend_is_safe(job: Job, error: providers.ProviderUnavailable) -> bool:
        """Soundpiece dedupes on the idempotency key; Soundverse only when nothing was sent."""
        if job.provider == providers.Provider.SOUNDPIECE:
            return True
        return bool(getattr(error, "not_sent", False)) or error.status_code is not None

    @staticmethod
    def lost_submission() -> providers.ProviderError:
        return providers.ProviderUnavailable(
            "The connection to Soundverse broke before it confirmed this job. It may still "
            "make (and bill) it, so Soundsite did not send it again. Check your Soundverse "
            "account before running it again."
        )

    async def submit(self, job: Job) -> None:
        if job.state != JobState.QUEUED and job.provider == providers.Provider.SOUNDVERSE:
            # A previous attempt may have reached the server and we never heard back.
            await db(pipeline.fail)(job, self.owner, self.lost_submission())
            return
        # Everything the request needs is read before the job is marked as sending: a worker
        # that dies in between leaves a queued job, not one that may have reached Soundverse.
        # Stored-file inputs get fresh signed links at the moment of sending.
        parameters = await db(submit_parameters)(job)
        callback_url = await db(self.callback_url)(job)
        moved = await db(pipeline.update)(
            job,
            owner=self.owner,
            state=JobState.SUBMITTING,
            stage="Sending to the provider",
            submit_attempts=job.submit_attempts + 1,
            started_at=job.started_at or timezone.now(),
        )
        if not moved:
            return
        client = self.client(job)
        last_write = 0.0

        async def on_remote_id(remote_id: str) -> None:
            await db(pipeline.update)(
                job,
                owner=self.owner,
                remote_id=remote_id,
                state=JobState.RUNNING,
                stage="The provider is working on it",
            )

        async def on_progress(result: providers.Result) -> None:
            nonlocal last_write
            if time.monotonic() - last_write < PROGRESS_INTERVAL:
                return
            last_write = time.monotonic()
            await self.record_progress(job, result)

        try:
            result = await client.submit(
                job.operation,
                parameters,
                idempotency_key=str(job.idempotency_key),
                callback_url=callback_url,
                on_remote_id=on_remote_id,
                on_progress=on_progress,
            )
        except providers.StreamInterrupted as error:
            # The stream broke after the provider named the job: continue by polling.
            remote_id = job.remote_id or error.remote_id
            if not remote_id:
                raise
            await db(pipeline.update)(
                job,
                owner=self.owner,
                state=JobState.RUNNING,
                remote_id=remote_id,
                stage="Reconnecting to the provider",
            )
            await self.follow(job)
            return
        if result.finished:
            if result.remote_id and result.remote_id != job.remote_id:
                await db(pipeline.update)(job, owner=self.owner, remote_id=result.remote_id)
            await self.settle(job, result, client)
            return
        # Accepted and still working: record the id, then wait for it in the same handler.
        moved = await db(pipeline.update)(
            job,
            owner=self.owner,
            state=JobState.RUNNING,
            remote_id=result.remote_id or job.remote_id,
            stage=result.stage or "The provider is working on it",
            attempts=0,
        )
        if moved:
            await self.follow(job)

    @staticmethod
    def callback_url(job: Job) -> str | None:
        from soundsite.studio.webhooks import callback_url_for

        return callback_url_for(job)

    async def follow(self, job: Job) -> None:
        """Wait for a submitted job: long-poll where the provider supports it."""
        client = self.client(job)
        long_poll = job.provider == providers.Provider.SOUNDPIECE
        while True:
            result = await client.poll(job.operation, job.remote_id, wait=long_poll)
            if result.finished:
                await self.settle(job, result, client)
                return
            await self.record_progress(job, result)
            fresh = await db(Job.objects.filter(pk=job.pk).values("state", "lease_owner").first)()
            if (
                not fresh
                or fresh["state"] != JobState.RUNNING
                or fresh["lease_owner"] != self.owner
            ):
                return  # canceled, or taken over
            if self.draining:
                await db(pipeline.release)(job, self.owner, next_check_at=timezone.now())
                return
            if not long_poll:
                await asyncio.sleep(STATUS_POLL_INTERVAL)

    async def record_progress(self, job: Job, result: providers.Result) -> None:
        # Running means the provider named the job. A stream's first event may come before its
        # id (Soundverse's "initializing"); until the id is known the job stays submitting,
        # so a worker dying now leaves a job known to be in the air, never one that cannot
        # be followed.
        named = bool(job.remote_id or result.remote_id)
        fields = {"state": JobState.RUNNING} if named else {}
        if result.stage:
            fields["stage"] = result.stage[:200]
        elif named and (job.state != JobState.RUNNING or not job.stage):
            fields["stage"] = "The provider is working on it"
        if result.progress is not None:
            fields["progress"] = max(0.0, min(100.0, float(result.progress)))
        previews = [o.preview_url for o in result.outputs if o.preview_url]
        if previews:
            fields["result"] = {**job.result, "previews": previews}
        if result.remote_id and not job.remote_id:
            fields["remote_id"] = result.remote_id
        if any(getattr(job, name) != value for name, value in fields.items()):
            await db(pipeline.update)(job, owner=self.owner, **fields)

    async def settle(self, job: Job, result: providers.Result, client) -> None:
        """Record a finished (or first) result and move the job on."""
        if result.status == providers.Status.FAILED:
            error = result.error or providers.OperationFailed()
            await db(pipeline.fail)(job, self.owner, error)
            return
        if result.status != providers.Status.READY:
            await db(pipeline.release)(
                job,
                self.owner,
                state=JobState.RUNNING,
                remote_id=result.remote_id or job.remote_id,
                stage=result.stage or "The provider is working on it",
                progress=result.progress,
                next_check_at=timezone.now(),
            )
            return
        if not result.outputs:
            await db(pipeline.release)(
                job,
                self.owner,
                state=JobState.READY,
                result_text=result.text,
                result={**job.result, "raw_keys": sorted(result.raw)[:20]},
                stage="",
                progress=100.0,
                finished_at=timezone.now(),
            )
            return
        moved = await db(pipeline.release)(
            job,
            self.owner,
            state=JobState.ARCHIVING,
            result={**job.result, "outputs": outputs_to_json(result.outputs)},
            result_text=result.text,
            result_count=len(result.outputs),
            stage="Saving to the library",
            progress=100.0,
            next_check_at=pipeline.archive_check_at(),
        )
        if moved:
            from soundsite.studio.tasks import enqueue_archive

            await db(enqueue_archive)(job.pk)


def run_waiter(**options) -> int:
    """Run one waiter to completion in a fresh event loop (called from a django-q2 task)."""
    return asyncio.run(Waiter(**options).run())
