"""The job card fragment, cached for the poll view.

Polling is the hottest path in the product: every open card asks every two seconds. A card is
rendered when someone asks for it and kept in the cache, so a poll is an access check and a
cache read (``studio.polling``). The pipeline only *forgets* a card when its job changes: a
busy worker then spends nothing on cards nobody is looking at, and a watched card is rendered
once per change by its next poll.

A stored card never outlives a change of its job, without an expiry to paper over races:

- a change is forgotten at once and again when its transaction commits, so a poll that renders
  between the two cannot keep the state from before the commit;
- a poll that read an unfinished job just before a change and stores the card just after the
  pipeline forgot it checks, once stored, that the job's ``updated_at`` is still the one it
  rendered, and forgets the card itself if not. Either the pipeline's commit comes before that
  check (which then sees it) or after the card was stored (and the pipeline's forget removes
  it). So every change to what a card shows moves the job's ``updated_at``
  (``pipeline.update``, the model's ``auto_now``, ``touch_jobs`` for changes to its tracks).

A finished job no longer changes; only its tracks can (renamed, deleted, restored). Its card is
not polled, so it is stored without that extra query and kept for an hour: a rename that
races the very render of the same card shows on it an hour later at worst.

**Who may read it.** A running card carries the ids of its workspace's members, so a poll
checks access on the card it has just read: the session and the card are its only two cache
reads. Adding or removing a member forgets the cards of the workspace's unfinished jobs
(``forget_workspace``), and the check after storing a running card also compares the members
it was rendered for with the members now, so a card rendered while a member was removed is not
kept. A finished card carries no member list; the rare poll of one asks the cached membership
(``accounts.access.cached_role``) instead.
"""

from typing import NamedTuple

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists
from django.template.loader import render_to_string
from django.utils import timezone

CARD_SECONDS = 60 * 60 * 24
FINISHED_CARD_SECONDS = 60 * 60


def cache_key(code) -> str:
    return f"jobcard:{code}"


def render(job) -> str:
    return render_to_string("studio/_job_card.html", {"job": job})


class Card(NamedTuple):
    """A stored card: its workspace, who may read it (running cards only) and its HTML."""

    workspace_id: int
    members: str  # ",3,7," for a running card, "" for a finished one
    html: str

    def admits(self, user_id) -> bool:
        """Whether ``user_id`` is one of the members the card was rendered for."""
        return f",{user_id}," in self.members


def member_list(user_ids) -> str:
    """The member ids as a card stores them: ",3,7," (a lone "," for none)."""
    return "," + "".join(f"{user_id}," for user_id in sorted(user_ids))


def members_of(workspace_id) -> str:
    from soundsite.accounts.models import Membership

    return member_list(
        Membership.objects.filter(workspace_id=workspace_id).values_list("user_id", flat=True)
    )


def read(code) -> Card | None:
    """The stored card of job ``code``, or None."""
    # One string, "<workspace id>:<members>:<html>": a string is read back without unpickling.
    stored = cache.get(cache_key(code))
    if not isinstance(stored, str):  # missing, or stored by an older version in another form
        return None
    workspace_id, _, rest = stored.partition(":")
    members, _, html = rest.partition(":")
    if not workspace_id.isdigit() or (members and members[0] + members[-1] != ",,"):
        return None  # an entry of an older layout
    return Card(int(workspace_id), members, html)


def publish(job, members: str | None = None) -> Card:
    """Render ``job``'s card and store it for the poll view.

    ``members`` (as ``members_of`` gives them) saves a query when the caller already has them.
    """
    from soundsite.accounts.models import Membership
    from soundsite.studio.models import Job

    key = cache_key(job.code)
    html = render(job)
    if job.finished:
        card = Card(job.workspace_id, "", html)
        cache.set(key, f"{card.workspace_id}::{html}", FINISHED_CARD_SECONDS)
        return card
    if members is None:
        members = members_of(job.workspace_id)
    card = Card(job.workspace_id, members, html)
    cache.set(key, f"{card.workspace_id}:{members}:{html}", CARD_SECONDS)
    # One query checks both: the job is unchanged (else no rows) and so are its members.
    unchanged = Job.objects.filter(pk=job.pk, updated_at=job.updated_at)
    now = Membership.objects.filter(workspace_id=job.workspace_id).filter(Exists(unchanged))
    if member_list(now.values_list("user_id", flat=True)) != members:
        cache.delete(key)  # the job or its workspace's members changed while it was rendered
    return card


def forget(job) -> None:
    """The job changed: the next poll renders its card afresh."""
    forget_codes([job.code])


def forget_codes(codes) -> None:
    keys = [cache_key(code) for code in codes]
    if not keys:
        return
    cache.delete_many(keys)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))


def touch_jobs(job_ids) -> None:
    """Something a finished card shows (its tracks) changed: mark the jobs changed."""
    from soundsite.studio.models import Job

    jobs = Job.objects.filter(pk__in={pk for pk in job_ids if pk is not None})
    codes = list(jobs.values_list("code", flat=True))
    jobs.update(updated_at=timezone.now())
    forget_codes(codes)


def forget_workspace(workspace_id) -> None:
    """A member joined or left: the running cards of the workspace list the wrong members."""
    from soundsite.studio.models import Job
    from soundsite.studio.pipeline import ACTIVE_STATES

    running = Job.objects.filter(workspace_id=workspace_id, state__in=ACTIVE_STATES)
    forget_codes(list(running.values_list("code", flat=True)))
