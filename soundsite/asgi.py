"""ASGI entry point, for servers that speak ASGI.

The sandbox's stand-ins for the provider APIs (``/sandbox/``, async views, no sessions, no
users, no forms) are served by a handler without the site's middleware. Under ASGI each of
Django's middleware classes runs its request and response hooks on a thread of its own, so the
site's stack costs about a dozen thread switches per request: most of a stand-in's work when
hundreds of jobs' requests arrive at once. Everything else goes through the whole stack.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundsite.settings")

site = get_asgi_application()

from django.core.handlers.asgi import ASGIHandler  # noqa: E402 - after Django is set up
from django.core.handlers.exception import convert_exception_to_response  # noqa: E402

SANDBOX_PREFIX = "/sandbox/"


class BareASGIHandler(ASGIHandler):
    """Django's ASGI handler with no middleware: URL resolution, the view, error pages."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response_async)


sandbox = BareASGIHandler()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith(SANDBOX_PREFIX):
        return await sandbox(scope, receive, send)
    return await site(scope, receive, send)
