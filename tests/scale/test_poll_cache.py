"""The embedded file cache keeps every running job's card, so polls never fall to the database."""

import pytest
from django.conf import settings
from django.core.cache import cache

from soundsite.studio import cards


def test_hundreds_of_cards_all_stay_in_the_file_cache():
    if not settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache"):
        pytest.skip("the embedded file cache only")
    # Django's default of 300 entries would cull a third of them on every write past 300.
    codes = [f"00000000-0000-0000-0000-{index:012d}" for index in range(400)]
    for code in codes:
        cache.set(cards.cache_key(code), (1, f"<article>{code}</article>"), 600)
    missing = [code for code in codes if cache.get(cards.cache_key(code)) is None]
    assert missing == []
