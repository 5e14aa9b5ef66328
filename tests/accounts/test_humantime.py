from datetime import timedelta

import pytest
from django.utils import timezone

from soundsite.accounts.templatetags.humantime import from_now


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(days=30), "in 30 days"),
        (timedelta(days=6, hours=23, minutes=59), "in 7 days"),
        (timedelta(days=1), "in 24 hours"),
        (timedelta(hours=5, minutes=10), "in 5 hours"),
        (timedelta(minutes=80), "in 80 minutes"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(seconds=10), "in less than a minute"),
        (timedelta(seconds=-5), "now"),
    ],
)
def test_from_now(delta, words):
    assert from_now(timezone.now() + delta) == words


def test_from_now_of_nothing_is_empty():
    assert from_now(None) == ""
