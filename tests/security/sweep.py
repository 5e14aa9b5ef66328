"""The access sweep's machinery: every URL pattern of the project, filled with real objects
of a workspace, requested by six personas with every HTTP method.

The patterns come from walking the URL resolver, so a new route is swept the day it is added;
a route whose parameters this file does not know how to fill fails the sweep with a message
naming it (add a line to ``FILLERS``). What is checked (docs/security.md):

* nothing ever answers 500;
* a stranger (signed in, member of another workspace) gets 404 for anything that names an
  object of this workspace, exactly as for an object that does not exist, and sees nothing of
  this workspace anywhere;
* a viewer changes nothing: every table is compared row by row before and after each request;
* an anonymous visitor sees no workspace data (names, titles, labels, e-mail addresses)
  except what a public address exists to show (``PUBLIC``, each with its reason);
* members, admins and owners get no 500 either, and the payloads in ``PAYLOADS`` really
  change something for the owner, so a viewer's refusal is a refusal and not a bad form.

Each request runs in a transaction that is rolled back afterwards, so every request sees the
same world and a deleting owner does not starve the requests after it.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass

import pytest  # noqa: F401  (fixtures below)
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from soundsite.accounts.models import Invitation, Membership
from soundsite.keys import checks
from soundsite.library.models import Track
from soundsite.studio import inputs
from tests.factories import (
    make_collection,
    make_job,
    make_key,
    make_member,
    make_share,
    make_stems,
    make_track,
    make_workspace,
)
from tests.keys.conftest import FakeProvider

PERSONAS = ("anonymous", "stranger", "viewer", "member", "admin", "owner")
METHODS = ("get", "head", "post", "put", "patch", "delete", "options")

# Words that appear nowhere in the product's own text, so finding one in a response means the
# response shows this workspace's data.
WORKSPACE_NAME = "Quillfeather Audio"
SHARED_TITLE = "Zephyr Lantern Theme"
PRIVATE_TITLE = "Obsidian Marrow Draft"
DELETED_TITLE = "Vellum Tarn Outtake"
COLLECTION_NAME = "Brightwater Campaign"
COLLECTION_NOTE = "Cue sheet for Brightwater"
PRIVATE_COLLECTION = "Tamarind Pitch Reel"
KEY_LABELS = ("Cobalt Heron Key", "Saffron Ledger Key", "Juniper Private Key")
EMAILS = (
    "ottoline.owner@example.com",
    "ambrose.admin@example.com",
    "mirabel.member@example.com",
    "vesper.viewer@example.com",
    "invitee.quentin@example.com",
)
JOB_TITLE = "Halcyon Brief Job"
PROMPT = "glassy marimba over distant foghorns"
SENSITIVE = (
    WORKSPACE_NAME,
    SHARED_TITLE,
    PRIVATE_TITLE,
    DELETED_TITLE,
    COLLECTION_NAME,
    COLLECTION_NOTE,
    PRIVATE_COLLECTION,
    *KEY_LABELS,
    *EMAILS,
    JOB_TITLE,
    PROMPT,
)


@dataclass
class World:
    workspace: object
    users: dict
    memberships: dict
    keys: dict
    tracks: dict
    collection: object
    private_collection: object
    share: object
    track_share: object
    jobs: dict
    invitations: dict


def build_world() -> World:
    workspace = make_workspace(WORKSPACE_NAME)
    users, memberships = {}, {}
    for role, email in zip(("owner", "admin", "member", "viewer"), EMAILS, strict=False):
        users[role] = make_member(workspace, email, role)
        memberships[role] = Membership.objects.get(user=users[role])
    other = make_workspace("Elsewhere Ltd")
    users["stranger"] = make_member(other, "stranger@example.com", "owner")
    owner = users["owner"]
    keys = {
        "shared": make_key(
            workspace,
            owner,
            provider="soundpiece",
            label=KEY_LABELS[0],
            shared=True,
            webhook_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        ),
        "shared_sv": make_key(workspace, owner, label=KEY_LABELS[1], shared=True),
        "private": make_key(workspace, users["member"], label=KEY_LABELS[2]),
    }
    running = make_job(
        workspace,
        users["member"],
        keys["shared_sv"],
        state="running",
        title=JOB_TITLE,
        parameters={"prompt": PROMPT},
        remote_id="op-123",
    )
    ready = make_job(workspace, owner, keys["shared_sv"], title=JOB_TITLE)
    shared = make_track(workspace, SHARED_TITLE, user=owner, job=ready, prompt=PROMPT)
    private = make_track(workspace, PRIVATE_TITLE, user=owner, frequency=330.0, prompt=PROMPT)
    make_stems(private, kinds=("vocals", "drums"))
    deleted = make_track(
        workspace, DELETED_TITLE, user=owner, frequency=550.0, deleted_at=timezone.now()
    )
    collection = make_collection(workspace, COLLECTION_NAME, [shared], user=owner)
    collection.description = COLLECTION_NOTE
    collection.save()
    private_collection = make_collection(workspace, PRIVATE_COLLECTION, [private], user=owner)
    share = make_share(collection=collection, user=owner)
    track_share = make_share(track=private, user=owner, note="for the client")
    invitations = {
        "email": Invitation.objects.create(
            workspace=workspace, email=EMAILS[4], role="member", created_by=owner
        ),
        "link": Invitation.objects.create(workspace=workspace, role="viewer", created_by=owner),
    }
    return World(
        workspace=workspace,
        users=users,
        memberships=memberships,
        keys=keys,
        tracks={"shared": shared, "private": private, "deleted": deleted},
        collection=collection,
        private_collection=private_collection,
        share=share,
        track_share=track_share,
        jobs={"running": running, "ready": ready},
        invitations=invitations,
    )


# --- How to fill each URL parameter -----------------------------------------------------------
#
# FILLERS[parameter][url name] gives the value for that parameter in that route ("*" for any
# route). Values that name an object of the workspace are marked OBJECT: a stranger must get 404
# for them, as for an unknown one (made by ``unknown``).


class Unfillable(Exception):
    pass


def _object(getter):
    getter.names_object = True
    return getter


def _admin_object_id(world, template):
    match = re.match(r"/admin/(\w+)/(\w+)/", template)
    model = match and apps.get_model(match.group(1), match.group(2))
    if model not in admin.site._registry:
        raise Unfillable(f"no admin model for {template}")
    first = model._default_manager.order_by("pk").first()
    return str(first.pk if first is not None else 1)


def _reset_uid(world, name):
    return urlsafe_base64_encode(force_bytes(world.users["viewer"].pk))


def _reset_token(world, name):
    return default_token_generator.make_token(world.users["viewer"])


FILLERS = {
    "code": {
        # Members and invitations of the workspace.
        "member_role": _object(lambda w, n: w.memberships["member"].code),
        "member_remove": _object(lambda w, n: w.memberships["member"].code),
        "invitation_revoke": _object(lambda w, n: w.invitations["email"].code),
        "invitation_resend": _object(lambda w, n: w.invitations["email"].code),
        "workspace_switch": _object(lambda w, n: w.workspace.code),
        "workspace_leave": _object(lambda w, n: w.workspace.code),
        # Keys: the shared Soundpiece key, which every member sees.
        "key_edit": _object(lambda w, n: w.keys["shared"].code),
        "key_replace_secret": _object(lambda w, n: w.keys["shared"].code),
        "key_delete": _object(lambda w, n: w.keys["shared"].code),
        "key_check": _object(lambda w, n: w.keys["shared"].code),
        # Jobs: a running one (cancel) and a finished one (card, rerun, edit).
        "job_card": _object(lambda w, n: w.jobs["ready"].code),
        "job_cancel": _object(lambda w, n: w.jobs["running"].code),
        "job_rerun": _object(lambda w, n: w.jobs["ready"].code),
        "job_edit": _object(lambda w, n: w.jobs["ready"].code),
        # Tracks: the private track, or the deleted one for purge.
        **{
            name: _object(lambda w, n: w.tracks["private"].code)
            for name in (
                "track",
                "track_audio",
                "track_peaks",
                "track_download",
                "track_export",
                "track_certificate",
                "track_rename",
                "track_tags",
                "track_favourite",
                "track_collections",
                "track_delete",
                "track_share",
            )
        },
        "track_purge": _object(lambda w, n: w.tracks["deleted"].code),
        **{
            name: _object(lambda w, n: w.private_collection.code)
            for name in (
                "collection",
                "collection_edit",
                "collection_delete",
                "collection_add",
                "collection_remove",
                "collection_move",
                "collection_export",
                "collection_share",
            )
        },
        "share_revoke": _object(lambda w, n: w.track_share.code),
        "share_downloads": _object(lambda w, n: w.track_share.code),
        # Public: the shared collection's track, under the share link's token.
        "share_audio": lambda w, n: w.tracks["shared"].code,
        "share_peaks": lambda w, n: w.tracks["shared"].code,
        "share_download": lambda w, n: w.tracks["shared"].code,
        # Public: the key's webhook address, authenticated by the delivery's signature.
        "soundpiece_webhook": lambda w, n: w.keys["shared"].code,
    },
    "token": {
        **{
            name: lambda w, n: w.share.token
            for name in (
                "share_page",
                "share_audio",
                "share_peaks",
                "share_download",
                "share_download_all",
            )
        },
        "invitation": lambda w, n: w.invitations["link"].token,
        "studio_input_file": lambda w, n: inputs.track_url(w.tracks["private"]).split("/")[-2],
        "password_reset_confirm": _reset_token,
    },
    "name": {
        "studio_input_file": lambda w, n: inputs.url_file_name(w.tracks["private"]),
        "sandbox_file": lambda w, n: "song.flac",
    },
    "uidb64": {"password_reset_confirm": _reset_uid},
    "provider": {"*": lambda w, n: "soundpiece"},
    "task": {"*": lambda w, n: "song"},
    "sha256": {"verify": lambda w, n: w.tracks["shared"].sha256},
    # The sandbox's own parameters (it authenticates by API key, never by session).
    "signature": {"sandbox_file": lambda w, n: "not-a-signature"},
    "action": {"sandbox_soundpiece_action": lambda w, n: "create.new_song"},
    "rest": {"sandbox_soundpiece_not_found": lambda w, n: "v9/nothing"},
    "message_id": {"*": lambda w, n: "msg_unknown"},
    "key": {"sandbox_soundverse_preview": lambda w, n: "stream.mp3"},
    # Django's admin: each model's first row.
    "object_id": {
        "admin:view_on_site": lambda w, n: w.tracks["private"].pk,
        "*": _admin_object_id,
    },
    "id": {"admin:auth_user_password_change": lambda w, n: w.users["viewer"].pk},
    "url": {"admin:<catch-all>": lambda w, n: "no/such/page/"},
    "content_type_id": {
        "admin:view_on_site": lambda w, n: ContentType.objects.get_for_model(Track).pk
    },
    "app_label": {"*": lambda w, n: "library"},
}

# Tokens that look real but name nothing, for the "as if it did not exist" comparison.
UNKNOWN = {"code": lambda: uuid.uuid4()}


# --- Public addresses and what each may show to someone outside the workspace ----------------
#
# url name (or prefix of the path for the sandbox and the admin) -> (reason, strings it may
# show). Everything not listed here is private: anonymous visitors are sent to sign in, and
# strangers get 404 for this workspace's objects and nothing of it elsewhere.
PUBLIC = {
    "healthz": ("The load balancer's health check; it names nothing.", ()),
    "login": ("Signing in.", ()),
    "logout": ("Signing out ends whatever session the browser has.", ()),
    "signup": ("Creating an account.", ()),
    "password_reset": ("Asking for a reset e-mail; the answer is the same for any address.", ()),
    "password_reset_done": ("The 'check your inbox' page.", ()),
    "password_reset_complete": ("The 'password changed' page.", ()),
    "password_reset_confirm": (
        "The link from the reset e-mail: whoever holds it may set the password.",
        (),
    ),
    "invitation": (
        "An invitation link names the workspace and who invited, so the invitee knows what "
        "they join; the 43-character token is the secret.",
        (WORKSPACE_NAME, EMAILS[0], "ottoline.owner"),
    ),
    "share_page": (
        "A share link shows its collection (name, description, tracks) and the workspace that "
        "shared it, to anyone holding the 32-character token.",
        (WORKSPACE_NAME, COLLECTION_NAME, COLLECTION_NOTE, SHARED_TITLE),
    ),
    "share_audio": ("Audio of a track the link shares.", (SHARED_TITLE,)),
    "share_peaks": ("Waveform of a track the link shares.", ()),
    "share_download": ("Download of a track the link shares.", (SHARED_TITLE,)),
    "share_download_all": (
        "Zip of the tracks the link shares, with their license notes.",
        (WORKSPACE_NAME, COLLECTION_NAME, SHARED_TITLE),
    ),
    "<s/ catch-all>": ("Any other address under /s/: the same page as an unknown token.", ()),
    "verify": (
        "Certificate check by the file's SHA-256: only someone holding the file can ask, and "
        "it confirms which workspace licensed it.",
        (WORKSPACE_NAME,),
    ),
    "studio_input_file": (
        "A signed, expiring link that lets the provider fetch an input file without signing "
        "in (docs/studio.md); the signature is the secret.",
        (),
    ),
    "soundpiece_webhook": (
        "Soundpiece calls it; a delivery is trusted only with a valid signature "
        "(Standard Webhooks), everything else is refused.",
        (),
    ),
    "sandbox/": (
        "The stand-ins for the providers' servers: they authenticate by API key, never by "
        "session, so every persona is the same caller to them.",
        (),
    ),
    "admin/": (
        "Django's admin answers every non-staff user with its own sign-in page, whatever the "
        "object; no persona here is staff.",
        (),
    ),
}

# Tables a request by someone who may not change the workspace may still write, and why.
ALLOWED_CHANGES = {
    # Personal state of the viewer, documented in docs/accounts.md and docs/library.md.
    "workspace_leave": ("accounts.membership",),
    # Anyone signed in may start a workspace of their own; it leaves this one untouched.
    "workspace_create": ("accounts.workspace", "accounts.membership"),
    "track_favourite": ("library.favourite",),
    # A listen or a download is recorded in the activity log (docs/library.md).
    "track_download": ("library.activity",),
    "track_export": ("library.activity",),
    "collection_export": ("library.activity",),
    "library_export": ("library.activity",),
    "share_download": ("library.activity",),
    "share_download_all": ("library.activity",),
    # Opening a share link counts the visit.
    "share_page": ("library.sharelink",),
}
# Sessions (the product's, and Django's own table if a test uses its engine) may be written.
IGNORED_TABLES = {"accounts.usersession", "sessions.session"}

# What a change request sends: for the owner these change the workspace (checked below), so a
# viewer's refusal is proven to be a refusal and not a form error.
PAYLOADS = {
    "track_rename": {"title": "Renamed by the sweep"},
    "track_tags": {"tags": "swept, tagged"},
    "track_collections": {"collection": "new", "name": "Sweep collection"},
    "track_share": {"expires_in": "7"},
    "track_favourite": {"favourite": "on"},
    "track_delete": {},
    "track_purge": {},
    "library_restore": {"tracks": "<deleted>"},
    "library_bulk": {"tracks": "<private>", "action": "delete"},
    "collection_create": {"name": "Sweep new collection"},
    "collection_edit": {"name": "Renamed collection"},
    "collection_delete": {},
    "collection_add": {"tracks": "<shared>"},
    "collection_remove": {"track": "<private>"},
    "collection_share": {"expires_in": "0"},
    "share_revoke": {},
    "share_downloads": {"allow_download": ""},
    "key_edit": {
        "label": "Renamed key",
        "plan": "Studio",
        "license": "royalty_free",
        "shared": "on",
    },
    "key_delete": {},
    "key_check": {},
    "key_add_sandbox": {},
    "job_cancel": {},
    "workspace_create": {"name": "Sweep workspace"},
    "settings": {"name": "Renamed workspace", "default_share_days": "30"},
    "member_role": {"role": "viewer"},
    "member_remove": {},
    "invitation_revoke": {},
    "invite_email": {"email-email": "new.person@example.com", "email-role": "member"},
    "invite_link": {"link-role": "member"},
    "profile": {"display_name": "Renamed person", "email": "renamed.person@example.com"},
}
# Change routes whose payload must change something for the owner (proves PAYLOADS are live).
MUST_CHANGE_FOR_OWNER = {
    "track_rename",
    "track_tags",
    "track_delete",
    "track_purge",
    "library_restore",
    "library_bulk",
    "collection_create",
    "collection_edit",
    "collection_delete",
    "collection_add",
    "collection_remove",
    "collection_share",
    "track_share",
    "share_revoke",
    "share_downloads",
    "key_edit",
    "key_delete",
    "job_cancel",
    "settings",
    "member_role",
    "member_remove",
    "invitation_revoke",
}


@dataclass
class Route:
    name: str
    template: str  # "/path/<kwarg>/…", kwargs in angle brackets
    kwargs: tuple[str, ...]
    callback: object

    @property
    def public_key(self) -> str | None:
        if self.name in PUBLIC:
            return self.name
        for prefix in ("sandbox/", "admin/"):
            if self.template.startswith("/" + prefix):
                return prefix
        return None


def walk(patterns, prefix="", namespace=""):
    """Every URL pattern under ``patterns`` as a Route, included urlconfs recursively."""
    for entry in patterns:
        text, names = _pattern_text(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + text, inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            if not name and text == "s/" and not names:
                name = "<s/ catch-all>"
            elif not name and names == ["url"] and namespace == "admin:":
                name = "<catch-all>"
            if not name:
                name = f"<unnamed {prefix + text}>"
            name = namespace + name
            yield Route(name, "/" + prefix + text, tuple(names), entry.callback)


def _pattern_text(pattern):
    """The pattern as a path with ``<kwarg>`` holes, and the names of the holes."""
    if isinstance(pattern, RoutePattern):
        text = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", str(pattern))
        return text, re.findall(r"<(\w+)>", text)
    if isinstance(pattern, RegexPattern):
        regex = pattern._regex
        names = list(re.compile(regex).groupindex)
        text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", regex)
        text = text.lstrip("^").rstrip("$").replace("/?", "/").replace("\\", "")
        if re.search(r"[()|*+?\[\]]", text):
            raise Unfillable(f"cannot read the regex {regex!r}")
        return text, names
    raise Unfillable(f"unknown pattern type {pattern!r}")


def fill(route: Route, world, *, unknown=False) -> tuple[str, bool]:
    """The route's concrete URL, and whether it names an object of the workspace."""
    url, names_object = route.template, False
    for kwarg in route.kwargs:
        table = FILLERS.get(kwarg)
        getter = table and (table.get(route.name) or table.get("*"))
        if getter is None:
            raise Unfillable(
                f"The access sweep does not know how to fill <{kwarg}> in {route.template} "
                f"(url name {route.name!r}). Add it to FILLERS in {__file__}."
            )
        is_object = getattr(getter, "names_object", False)
        names_object |= is_object
        argument = route.template if kwarg == "object_id" else route.name
        value = UNKNOWN[kwarg]() if unknown and is_object else getter(world, argument)
        url = url.replace(f"<{kwarg}>", str(value), 1)
    return url, names_object


def routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


# --- Looking at the database and the answers ---------------------------------------------------


WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


class WriteRecorder:
    """Which tables a request wrote rows to (statements that touched at least one row).

    Reading every table before and after each of thousands of requests is too slow on a busy
    machine; watching the statements sent is exact for the rows this process writes, which is
    every write a view makes.
    """

    def __init__(self):
        self.tables = {m._meta.db_table: m._meta.label_lower for m in apps.get_models()}
        self.written: set[str] = set()

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        # An INSERT always counts: with RETURNING, SQLite reports its row count only once the
        # rows are read, which happens after this wrapper returns.
        if match and (sql.lstrip()[:6].upper() == "INSERT" or context["cursor"].rowcount != 0):
            label = self.tables.get(match.group(1), match.group(1))
            if label not in IGNORED_TABLES:
                self.written.add(label)
        return result


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers + "\n" + content.decode(errors="replace")


def payload_for(route: Route, world) -> dict:
    data = dict(PAYLOADS.get(route.name, {}))
    for field, value in data.items():
        if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
            data[field] = str(world.tracks[value[1:-1]].code)
    return data


@pytest.fixture
def fake_provider(monkeypatch):
    controller = FakeProvider()
    monkeypatch.setattr(checks, "client_factory", controller.client)
    return controller


@pytest.fixture
def world(db, settings, fake_provider):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


class Sweep:
    def __init__(self, world):
        self.world = world
        self.clients = {}
        self.failures: list[str] = []
        self.owner_changed: set[str] = set()
        self.statuses: Counter = Counter()

    def client_for(self, persona) -> Client:
        # A fresh client per request: a session made inside a rolled-back request is gone
        # from the database but not from the cookie or the cache.
        client = Client(raise_request_exception=False)
        if persona != "anonymous":
            client.force_login(self.world.users[persona])
        return client

    def request(self, persona, route, url, method, data):
        """One request in a transaction rolled back afterwards: (status, text, changed)."""
        client = self.client_for(persona)
        recorder = WriteRecorder()
        with transaction.atomic(), connection.execute_wrapper(recorder):
            call = getattr(client, method)
            safe = method in ("get", "head", "options")
            response = call(url) if safe else call(url, data)
            text = body_of(response)
            transaction.set_rollback(True)
        return response, text, recorder.written

    def fail(self, message):
        self.failures.append(message)

    def check(self, persona, route: Route):
        world = self.world
        url, names_object = fill(route, world)
        public = route.public_key
        data = payload_for(route, world)
        # The admin's staff check and the sandbox's key check come before anything that
        # depends on the method, so GET and POST stand for all methods there.
        methods = ("get", "post") if public in ("admin/", "sandbox/") else METHODS
        for method in methods:
            response, text, changed = self.request(persona, route, url, method, data)
            status = response.status_code
            where = f"{persona} {method.upper()} {url} ({route.name})"
            self.statuses[status] += 1
            if status >= 500:
                self.fail(f"{where}: answered {status}")
                continue
            if persona in ("anonymous", "stranger", "viewer"):
                allowed = set(ALLOWED_CHANGES.get(route.name, ()))
                if persona == "stranger" and not names_object:
                    # Without an object of this workspace in the address, a stranger acts in
                    # their own workspace; what they may not do is reach this one.
                    allowed = changed
                elif persona == "stranger" and public is None:
                    allowed = set()
                if persona != "viewer" and route.name == "workspace_leave":
                    allowed = set()
                unexpected = changed - allowed
                if unexpected:
                    self.fail(f"{where}: changed {sorted(unexpected)}")
            if persona == "owner" and changed - {"library.activity"}:
                self.owner_changed.add(route.name)
            if persona in ("anonymous", "stranger"):
                shown = set(PUBLIC[public][1]) if public else set()
                leaked = [word for word in SENSITIVE if word in text and word not in shown]
                if leaked:
                    self.fail(f"{where}: shows {leaked}")
            # 405 comes from the method decorator, before any lookup: an unknown object gets
            # the very same answer, so it tells the stranger nothing.
            if persona == "stranger" and names_object and public is None:  # noqa: SIM102
                if status not in (404, 405):
                    self.fail(f"{where}: answered {status} to a stranger (must be 404)")
            if persona == "anonymous" and public is None and status == 200:
                self.fail(f"{where}: a private address answered 200 to an anonymous visitor")


def run_sweep(world, persona):
    sweep = Sweep(world)
    swept = 0
    for route in routes():
        # The sandbox is the providers' stand-in, not a product page: it never looks at the
        # session and writes its request log from its own database thread, which would wait
        # on this test's transaction (tests/sandbox cover it). Django's admin answers
        # every non-staff user alike, so it is swept anonymously and as the viewer.
        if route.public_key == "sandbox/":
            continue
        if route.public_key == "admin/" and persona not in ("anonymous", "viewer"):
            continue
        sweep.check(persona, route)
        swept += 1
    assert not sweep.failures, f"{len(sweep.failures)} problems:\n" + "\n".join(sweep.failures)
    assert swept > 60
    if persona == "owner":
        missing = MUST_CHANGE_FOR_OWNER - sweep.owner_changed
        assert not missing, f"these payloads changed nothing for the owner: {sorted(missing)}"
