"""Every Soundverse operation of the catalog has its price and limit row."""

from soundsite.keys import plans
from soundsite.providers.catalog import all_operations


def test_every_soundverse_operation_has_a_rule():
    missing = [
        op.key
        for op in all_operations()
        if op.provider == "soundverse" and plans.soundverse_rule(op.key, op.version) is None
    ]
    assert missing == []


def test_a_sync_twin_counts_in_the_same_bucket_as_its_stream():
    rule = plans.soundverse_rule("song_v5")
    for bucket in rule.buckets:
        assert "song_v5_sync" in plans.operations_in_bucket(bucket)
