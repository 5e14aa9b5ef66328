"""Stock audio for load tests: an account option that renders each shape of output once.

A provider renders on its own machines. When the product, the stand-ins and a load test share
one machine, the stand-ins' synthesiser would use more of it than the product does: a 10 s
Soundverse version costs about 0.75 s of CPU (0.24 s to render, 0.5 s to encode its MP3), and
a Soundverse job makes two. With the account option ``stock_audio`` a stand-in renders the
first output of each shape (operation, length, format, number of versions …, not the prompt)
and gives the same audio to every later operation of that shape. Each operation still gets
files of its own behind links of its own, so whoever downloads them does all the work a real
provider's files would ask for. Off by default; the pipeline benchmark turns it on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

_made: dict[Hashable, object] = {}
_locks: dict[Hashable, threading.Lock] = {}
_guard = threading.Lock()


def once(key: Hashable, make: Callable[[], T]) -> T:
    """``make()`` the first time ``key`` is asked for (one caller renders), its result after."""
    with _guard:
        if key in _made:
            return _made[key]
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        with _guard:
            if key in _made:
                return _made[key]
        made = make()  # an error is not kept: the next caller tries again
        with _guard:
            _made[key] = made
            _locks.pop(key, None)
        return made


def forget() -> None:
    """Drop every stock render (tests)."""
    with _guard:
        _made.clear()
