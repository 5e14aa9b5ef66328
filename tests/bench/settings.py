"""Production settings plus one bare view for the poll benchmark (never used by the product).

Everything else is ``soundsite.settings`` unchanged, so the bare view and the job-card poll are
served by the same server with the same middleware, database and cache.
"""

from soundsite.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
