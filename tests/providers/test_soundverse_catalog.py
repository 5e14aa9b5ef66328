"""The Soundverse catalog: complete, exact, and usable to build every form."""

import pytest

from soundsite.providers import catalog
from soundsite.providers.base import FieldType, Provider, Task
from soundsite.providers.soundverse import OPERATIONS, build_body, validate_params
from soundsite.providers.soundverse_catalog import (
    OPERATIONS_BY_KEY,
    SINGING_STYLES,
    V1_STYLES,
    WIRE,
)

# Every endpoint of reference §3 (except Trace, a separate product) with its documented path.
DOCUMENTED_PATHS = {
    "/v7/generate/song",
    "/v7/generate/song/sync",
    "/v6/generate/song",
    "/v6/generate/song/sync",
    "/v5/generate/song",
    "/v5/generate/song/sync",
    "/v4/generate/song-from-lyrics",
    "/v1/generate/song-from-lyrics",
    "/v6/generate/music",
    "/v6/generate/music/sync",
    "/v5/generate/music",
    "/v5/generate/music/sync",
    "/v4/generate/song-from-prompt",
    "/v1/generate/song-from-prompt",
    "/v1/generate/text-to-music",
    "/v6/extend/song",
    "/v6/extend/song/sync",
    "/v5/extend/song",
    "/v5/extend/song/sync",
    "/v6/extend/music/sync",
    "/v5/extend/music/sync",
    "/v1/generate/extend",
    "/v7/generate/remix",
    "/v1/generate/lyrics",
    "/v2/generate/ai-singing-gen",
    "/v1/generate/stem-separation/vocals",
    "/v1/generate/stem-separation/instruments",
    "/v1/generate/stem-separation/all-stems",
    "/v1/generate/trim-and-loop/auto",
    "/v1/generate/trim-and-loop/beat-count",
    "/v1/generate/trim-and-loop/time-range",
    "/v1/trim-and-loop/gen-and-loop/music/auto/",
    "/v1/trim-and-loop/gen-and-loop/song/prompt/auto",
    "/v1/trim-and-loop/gen-and-loop/song/lyrics/auto",
    "/assistant/chat",
    "/v1/assistant/voice",
    "/v5/recognize",
}


def test_every_documented_endpoint_has_a_catalog_entry():
    assert {WIRE[op.key].path for op in OPERATIONS} == DOCUMENTED_PATHS
    assert set(WIRE) == set(OPERATIONS_BY_KEY)


def test_keys_are_unique_and_every_entry_is_soundverse():
    keys = [op.key for op in OPERATIONS]
    assert len(keys) == len(set(keys))
    assert all(op.provider is Provider.SOUNDVERSE for op in OPERATIONS)


def test_the_shared_catalog_finds_soundverse_operations():
    # The studio reaches operations through providers.catalog; it must see all of ours.
    catalog.all_operations.cache_clear()
    try:
        found = catalog.get_operation("soundverse", "song_v7")
    except ImportError:
        pytest.skip("the Soundpiece module is not on this branch yet")
    assert found.key == "song_v7"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.key)
def test_every_entry_is_complete_for_a_form(op):
    assert op.label and op.description and op.version and op.version_label
    assert op.version_label.startswith(("version", "text to music", "beta"))
    assert op.results >= 1
    assert op.fields
    names = {f.name for f in op.fields}
    for field in op.fields:
        assert field.label and field.help, f"{op.key}.{field.name} needs a label and help"
        if field.type is FieldType.CHOICE:
            assert field.choices
    for group in op.requires_one_of:
        assert set(group) <= names
    # Stream entries are exactly those with an SSE endpoint.
    assert op.streams == (WIRE[op.key].mode == "stream")


def test_every_task_is_reachable_and_ranked_most_capable_first():
    tasks = {op.task for op in OPERATIONS}
    assert tasks == {
        Task.SONG,
        Task.INSTRUMENTAL,
        Task.EXTEND,
        Task.REMIX,
        Task.LYRICS,
        Task.SINGING,
        Task.STEMS,
        Task.LOOP,
        Task.CUT,
        Task.SAMPLE,
        Task.ASSISTANT,
        Task.IDENTIFY,
    }
    for task in tasks:
        ranked = sorted(
            [op for op in OPERATIONS if op.task == task], key=lambda op: (-op.rank, op.deprecated)
        )
        assert not ranked[0].deprecated, task
    songs = sorted([op for op in OPERATIONS if op.task == Task.SONG], key=lambda op: -op.rank)
    assert [op.key for op in songs] == [
        "song_v7",
        "song_v7_sync",
        "song_v6",
        "song_v6_sync",
        "song_v5",
        "song_v5_sync",
        "song_v4",
        "song_v1",
    ]


def test_deprecated_versions_are_flagged():
    deprecated = {op.key for op in OPERATIONS if op.deprecated}
    assert deprecated == {
        "song_v4",
        "song_v1",
        "music_v4",
        "music_v1",
        "text_to_music",
        "extend_music_v1",
    }


def test_two_results_where_documented():
    two = {op.key for op in OPERATIONS if op.results == 2}
    assert two == {
        "song_v7",
        "song_v7_sync",
        "song_v6",
        "song_v6_sync",
        "song_v5",
        "song_v5_sync",
        "song_v4",
        "music_v6",
        "music_v6_sync",
        "music_v5",
        "music_v5_sync",
        "music_v4",
        "extend_song_v6",
        "extend_song_v6_sync",
        "extend_song_v5",
        "extend_song_v5_sync",
        # generate-and-loop returns the generated music and its loop
        "gen_loop_music",
        "gen_loop_song_prompt",
        "gen_loop_song_lyrics",
    }
    assert OPERATIONS_BY_KEY["stems_all"].results == 6
    assert OPERATIONS_BY_KEY["stems_instruments"].results == 5
    assert OPERATIONS_BY_KEY["stems_vocals"].results == 1


def test_documented_limits():
    v7 = OPERATIONS_BY_KEY["song_v7"]
    assert (v7.field("prompt").min_length, v7.field("prompt").max_length) == (1, 1024)
    assert not v7.field("prompt").required
    assert v7.requires_one_of == (
        ("prompt", "reference_url", "instrumental_url", "vocal_url", "melody_url"),
    )
    for name in ("reference_url", "instrumental_url", "vocal_url", "melody_url"):
        assert v7.field(name).max_bytes == 10 * 1024 * 1024
        assert v7.field(name).takes_audio
    assert OPERATIONS_BY_KEY["remix_v7"].field("song_reference_url").max_bytes == 10485760
    for op in OPERATIONS:
        for field in op.fields:
            if field.name == "lyrics":
                assert (field.min_length, field.max_length) == (1, 3000), op.key
    for key in ("extend_song_v6", "extend_song_v5", "extend_song_v6_sync", "extend_song_v5_sync"):
        extend_at = OPERATIONS_BY_KEY[key].field("extend_at")
        assert (extend_at.min_value, extend_at.max_value, extend_at.unit) == (8000, 420000, "ms")
        assert extend_at.required and extend_at.type is FieldType.INTEGER
    guidance = OPERATIONS_BY_KEY["extend_music_v6"].field("guidanceScale")
    assert (guidance.min_value, guidance.max_value, guidance.expert) == (1.0, 15.0, True)
    strength = OPERATIONS_BY_KEY["extend_music_v5"].field("refAudioStrength")
    assert (strength.min_value, strength.max_value) == (0.0, 1.0)
    assert OPERATIONS_BY_KEY["extend_music_v5"].field("side").default == "right"


def test_the_64_v1_styles_and_24_singing_styles_are_exact():
    assert len(V1_STYLES) == 64 and len(set(V1_STYLES)) == 64
    assert len(SINGING_STYLES) == 24 and len(set(SINGING_STYLES)) == 24
    assert {"Hip Hop", "K-Pop", "Progressive-Metal", "Indian Electronic", "80s"} <= set(V1_STYLES)
    assert {"Pop(Female)", "Hyperpop (Female)", "Voicemail (Male)", "Cute Kkey"} <= set(
        SINGING_STYLES
    )
    music_v1 = OPERATIONS_BY_KEY["music_v1"].field("styleOfMusic")
    assert music_v1.required and tuple(c.value for c in music_v1.choices) == V1_STYLES
    assert not OPERATIONS_BY_KEY["song_v1"].field("styleOfMusic").required
    singing = OPERATIONS_BY_KEY["singing_v2"].field("styleOfMusic")
    assert tuple(c.value for c in singing.choices) == SINGING_STYLES


def test_text_to_music_choices():
    op = OPERATIONS_BY_KEY["text_to_music"]
    assert [c.value for c in op.field("duration").choices] == ["15", "30", "60", "180"]
    assert [c.value for c in op.field("model").choices] == ["sansaar_1", "sansaar_1_lite"]
    assert op.field("loop").type is FieldType.BOOLEAN


def test_chat_actions():
    actions = [c.value for c in OPERATIONS_BY_KEY["chat"].field("action").choices]
    assert actions == [
        "generate_music",
        "extend_music",
        "auto_complete_music",
        "loop_audio",
        "separate_stems",
        "edit_music",
        "lyric_writing",
        "other",
    ]


def test_loop_fields():
    assert {f.name for f in OPERATIONS_BY_KEY["loop_auto"].fields} == {"audioUrl", "count"}
    assert {f.name for f in OPERATIONS_BY_KEY["loop_beat_count"].fields} == {
        "audioUrl",
        "count",
        "beatsToInclude",
    }
    assert {f.name for f in OPERATIONS_BY_KEY["loop_time_range"].fields} == {
        "audioUrl",
        "count",
        "timeRanges",
    }
    for key in ("gen_loop_music", "gen_loop_song_prompt", "gen_loop_song_lyrics"):
        assert OPERATIONS_BY_KEY[key].field("loopCount").required
    assert OPERATIONS_BY_KEY["gen_loop_song_prompt"].field("styleOfMusic").required
    assert OPERATIONS_BY_KEY["cut_time_range"].task is Task.CUT


class TestBodies:
    def test_it_drops_empty_values_and_coerces_types(self):
        op = OPERATIONS_BY_KEY["text_to_music"]
        body = build_body(op, {"prompt": "calm", "duration": "60", "model": "", "loop": "yes"})
        assert body == {"prompt": "calm", "duration": 60, "loop": True}

    def test_it_keeps_undocumented_extras(self):
        body = build_body(OPERATIONS_BY_KEY["song_v7"], {"prompt": "x", "parameters": {"a": 1}})
        assert body["parameters"] == {"a": 1}

    def test_time_ranges_and_seeds_become_lists(self):
        body = build_body(
            OPERATIONS_BY_KEY["loop_time_range"],
            {"audioUrl": "u", "timeRanges": "0-8, 16.5 – 24", "count": "2"},
        )
        assert body["timeRanges"] == [{"start": 0.0, "end": 8.0}, {"start": 16.5, "end": 24.0}]
        assert body["count"] == 2
        seeds = build_body(
            OPERATIONS_BY_KEY["extend_music_v6"], {"audio_url": "u", "manualSeeds": "1, 2,3"}
        )
        assert seeds["manualSeeds"] == [1, 2, 3]

    def test_cut_is_one_range_played_once(self):
        body = build_body(
            OPERATIONS_BY_KEY["cut_time_range"], {"audioUrl": "u", "start": "1", "end": 31}
        )
        assert body == {"audioUrl": "u", "timeRanges": [{"start": 1.0, "end": 31.0}], "count": 1}

    def test_extend_music_v1_sends_both_documented_spellings(self):
        body = build_body(OPERATIONS_BY_KEY["extend_music_v1"], {"audioUrl": "u"})
        assert body == {"audioUrl": "u", "audio_url": "u"}


class TestLocalValidation:
    def test_required_and_one_of(self):
        assert validate_params(OPERATIONS_BY_KEY["song_v7"], {}) == {
            "prompt": "Fill in at least one of “What it should sound like”, “Reference track”, "
            "“Instrumental to sing over”, “Vocal to build on”, “Melody to follow”."
        }
        assert validate_params(OPERATIONS_BY_KEY["song_v4"], {"lyrics": "la"}) == {
            "styleOfMusic": "Fill in “Style” or “Reference track”."
        }
        assert validate_params(OPERATIONS_BY_KEY["song_v7"], {"melody_url": "u"}) == {}
        assert "lyrics" in validate_params(OPERATIONS_BY_KEY["singing_v2"], {})

    def test_limits(self):
        op = OPERATIONS_BY_KEY["extend_song_v6"]
        errors = validate_params(op, {"audio_url": "u", "lyrics": "x" * 3001, "extend_at": 7999})
        assert errors == {
            "lyrics": "Use at most 3000 characters.",
            "extend_at": "Use 8000 or more.",
        }
        errors = validate_params(OPERATIONS_BY_KEY["song_v7"], {"prompt": "p" * 1025})
        assert errors == {"prompt": "Use at most 1024 characters."}

    def test_choices_and_types(self):
        errors = validate_params(
            OPERATIONS_BY_KEY["music_v1"], {"prompt": "x", "styleOfMusic": "Polka"}
        )
        assert errors == {"styleOfMusic": "Choose one of the listed options."}
        errors = validate_params(OPERATIONS_BY_KEY["loop_auto"], {"audioUrl": "u", "count": "many"})
        assert errors == {"count": "Enter a whole number."}
        errors = validate_params(
            OPERATIONS_BY_KEY["loop_time_range"], {"audioUrl": "u", "count": 1, "timeRanges": "a-b"}
        )
        assert "timeRanges" in errors

    def test_cut_end_after_start(self):
        op = OPERATIONS_BY_KEY["cut_time_range"]
        assert validate_params(op, {"audioUrl": "u", "start": 5, "end": 5}) == {
            "end": "Must be after the start."
        }
        assert validate_params(op, {"audioUrl": "u", "start": 0, "end": 30}) == {}
