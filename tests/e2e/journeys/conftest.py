"""The journeys' fixtures: the background cluster, patient pages, quick password hashing."""

from tests.e2e._journeys import (  # noqa: F401
    _fast_password_hashing,
    cluster,
    patient_pages,
)
