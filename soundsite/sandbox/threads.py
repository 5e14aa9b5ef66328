"""One database thread per stand-in, for the sandbox's async views.

SQLite (the embedded default) has one writer anyway, and one thread keeps hundreds of
concurrent requests and streams from contending for its lock; each call is short, so nothing
waits long behind another. The thread keeps its connection between calls, like a request
thread does: ``close_old_connections`` around each call is what request_started and
request_finished do.
"""

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

_EXECUTORS: list[ThreadPoolExecutor] = []


def database_thread(name: str):
    """A decorator that turns a function into a coroutine run on the thread called ``name``."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
    _EXECUTORS.append(executor)

    def on_thread(function):
        def with_fresh_connection(*args, **kwargs):
            close_old_connections()
            try:
                return function(*args, **kwargs)
            finally:
                close_old_connections()

        return sync_to_async(with_fresh_connection, thread_sensitive=False, executor=executor)

    return on_thread


def close_connections(timeout: float = 30) -> None:
    """Close every database thread's connection (a test does this before its database goes)."""
    for executor in _EXECUTORS:
        executor.submit(connections.close_all).result(timeout=timeout)
