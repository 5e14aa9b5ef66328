"""The embedded cache keeps every running job's card, so polls never fall to the database."""

import pytest
from django.conf import settings
from django.core.cache import cache

from soundsite.studio import cards


def test_hundreds_of_cards_all_stay_in_the_embedded_cache():
    if not settings.CACHES["default"]["BACKEND"].endswith("DiskCache"):
        pytest.skip("the embedded cache only")
    codes = [f"00000000-0000-0000-0000-{index:012d}" for index in range(2000)]
    for code in codes:
        cache.set(cards.cache_key(code), "1:,1,:" + f"<article>{code}</article>" * 50, 600)
    missing = [code for code in codes if cards.read(code) is None]
    assert missing == []
