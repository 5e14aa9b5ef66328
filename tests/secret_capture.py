"""A capture that fails any test in which a provider secret leaks (docs/security.md).

Whenever a test stores a provider key, its secret and webhook secret are remembered (the
moment ``ProviderKey.set_secret`` / ``set_webhook_secret`` sees the plaintext). From then on
the capture looks for them in:

* every response the Django test client returns: headers, body, and streaming bodies chunk by
  chunk as the test reads them;
* every log record, from every logger, at DEBUG and above (message and traceback);
* every technical error report Django would build for a request that raised;
* every e-mail in the outbox.

Requests to the sandbox are skipped: it stands in for the providers' servers, which are sent
the key on every call and may echo their own account data. Log records of the sandbox's own
loggers are skipped for the same reason.

A leak fails the test that made it, at teardown, with where the secret was seen.
"""

from __future__ import annotations

import logging
import sys
import traceback
from urllib.parse import quote

SANDBOX_PREFIX = "/sandbox/"
SANDBOX_LOGGERS = ("soundsite.sandbox",)
# Secrets shorter than this are test placeholders ("abc"); looking for them would find noise.
MIN_LENGTH = 12
# A tail this long is still telling (half a key printed by mistake).
FRAGMENT = 12


class SecretCapture:
    def __init__(self):
        self.secrets: set[str] = set()
        self.leaks: list[str] = []

    # --- what to look for ---------------------------------------------------------------------
    def remember(self, value: str) -> None:
        for part in (value or "").split():
            if len(part) >= MIN_LENGTH:
                self.secrets.add(part)

    def needles(self) -> list[str]:
        found = set()
        for secret in self.secrets:
            found.add(secret)
            found.add(quote(secret, safe=""))
            if len(secret) >= 2 * FRAGMENT:
                found.add(secret[-FRAGMENT:])
        return sorted(found)

    def scan(self, text, where: str) -> None:
        if not self.secrets or not text:
            return
        if isinstance(text, bytes | bytearray | memoryview):
            data = bytes(text)
            hits = [n for n in self.needles() if n.encode() in data]
        else:
            hits = [n for n in self.needles() if n in text]
        if hits:
            self.leaks.append(f"a provider secret ({_masked(hits[0])}) appears in {where}")

    # --- responses ---------------------------------------------------------------------------
    def check_response(self, request_path: str, response) -> None:
        if request_path.startswith(SANDBOX_PREFIX) or not self.secrets:
            return
        where = f"the response to {request_path}"
        self.scan("\n".join(f"{k}: {v}" for k, v in response.items()), f"the headers of {where}")
        for cookie in response.cookies.values():
            self.scan(cookie.OutputString(), f"a cookie set by {where}")
        if getattr(response, "streaming", False):
            if not getattr(response, "is_async", False):  # async bodies are left to their tests
                response.streaming_content = self._watch(response.streaming_content, where)
        else:
            self.scan(response.content, f"the body of {where}")

    def _watch(self, chunks, where):
        # Chunks are checked as the test reads them, with an overlap so that a secret split
        # across two chunks is still found.
        tail = b""
        longest = max((len(n) for n in self.needles()), default=0)
        for chunk in chunks:
            data = chunk if isinstance(chunk, bytes) else str(chunk).encode()
            self.scan(tail + data, f"the streamed body of {where}")
            tail = (tail + data)[-longest:] if longest else b""
            yield chunk

    # --- logs and error reports ---------------------------------------------------------------
    def check_record(self, record: logging.LogRecord) -> None:
        if not self.secrets or record.name.startswith(SANDBOX_LOGGERS):
            return
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not a leak
            message = str(record.msg)
        parts = [message]
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(*record.exc_info)))
        if record.stack_info:
            parts.append(record.stack_info)
        self.scan("\n".join(parts), f"a log record of {record.name!r} ({record.levelname})")

    def check_exception_report(self, request) -> None:
        if not self.secrets or request.path.startswith(SANDBOX_PREFIX):
            return
        from django.views.debug import ExceptionReporter

        exc_info = sys.exc_info()
        if exc_info[1] is None:
            return
        reporter = ExceptionReporter(request, *exc_info)
        self.scan(reporter.get_traceback_text(), f"the error report for {request.path}")

    def check_outbox(self) -> None:
        from django.core import mail

        for index, message in enumerate(getattr(mail, "outbox", []) or []):
            parts = [message.subject, message.body, *map(str, message.to)]
            parts += [content for content, _type in getattr(message, "alternatives", [])]
            self.scan("\n".join(str(p) for p in parts), f"e-mail #{index + 1} in the outbox")


def _masked(secret: str) -> str:
    return secret[:3] + "…" if len(secret) > 6 else "…"


class _Handler(logging.Handler):
    def __init__(self, capture: SecretCapture):
        super().__init__(logging.DEBUG)
        self.capture = capture

    def emit(self, record):
        self.capture.check_record(record)
