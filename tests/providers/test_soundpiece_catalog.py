"""The Soundpiece catalog: the studio builds its forms from it, so every limit is checked."""

import pytest

from soundsite.providers.base import FieldType, Provider, Task
from soundsite.providers.soundpiece import OPERATIONS, expected_results, get_operation

ACTIONS = {
    "create.new_song": Task.SONG,
    "create.new_instrumental": Task.INSTRUMENTAL,
    "create.new_sample": Task.SAMPLE,
    "create.new_fx": Task.SOUND_EFFECT,
    "create.remix_song": Task.REMIX,
    "create.remix_instrumental": Task.REMIX,
    "adapt.separate_stems": Task.STEMS,
    "adapt.auto_cut_down": Task.CUT,
}


def test_it_lists_the_eight_v1_actions_once_each():
    assert [op.key for op in OPERATIONS] == list(ACTIONS)
    for op in OPERATIONS:
        assert op.provider is Provider.SOUNDPIECE
        assert op.task is ACTIONS[op.key]
        assert op.version == "v1"
        assert not op.streams


def test_labels_are_plain_words_not_action_names():
    labels = {op.key: op.label for op in OPERATIONS}
    assert labels["create.new_song"] == "Make a song"
    assert labels["adapt.separate_stems"] == "Split into stems"
    assert labels["adapt.auto_cut_down"] == "Cut to length"
    for op in OPERATIONS:
        assert "." not in op.label and "_" not in op.label
        assert op.description.endswith(".")
        for field in op.fields:
            assert field.help, f"{op.key}.{field.name} needs help text"
            assert "_" not in field.label


def _field(key, name):
    return get_operation(key).field(name)


@pytest.mark.parametrize(
    "key",
    ["create.new_song", "create.new_instrumental", "create.new_sample", "create.new_fx"],
)
def test_prompts_take_1_to_1024_characters(key):
    prompt = _field(key, "prompt")
    assert prompt.type is FieldType.LONG_TEXT
    assert (prompt.min_length, prompt.max_length) == (1, 1024)


def test_song_needs_lyrics_and_a_prompt_or_a_reference():
    song = get_operation("create.new_song")
    lyrics = song.field("lyrics")
    assert lyrics.required and (lyrics.min_length, lyrics.max_length) == (1, 3000)
    assert "[Chorus]" in lyrics.help
    assert not song.field("prompt").required and not song.field("reference").required
    assert song.requires_one_of == (("prompt", "reference"),)
    assert [f.name for f in song.audio_fields] == ["reference"]


def test_instrumental_has_no_lyrics():
    instrumental = get_operation("create.new_instrumental")
    assert [f.name for f in instrumental.fields] == ["prompt", "reference"]
    assert instrumental.requires_one_of == (("prompt", "reference"),)


def test_sample_has_duration_and_loopable_and_fx_has_no_loopable():
    duration = _field("create.new_sample", "duration")
    assert duration.type is FieldType.NUMBER and duration.required and duration.unit == "s"
    # The v1 limits are unknown, so none are invented.
    assert duration.min_value is None and duration.max_value is None
    loopable = _field("create.new_sample", "loopable")
    assert loopable.type is FieldType.BOOLEAN and loopable.default is False
    assert not loopable.required
    fx = get_operation("create.new_fx")
    assert [f.name for f in fx.fields] == ["prompt", "duration"]
    assert fx.field("duration").max_value is None


def test_remixes_take_a_source_and_1_to_3_variations():
    song = get_operation("create.remix_song")
    assert [f.name for f in song.fields] == ["source", "prompt", "lyrics", "n_variations"]
    assert all(f.required for f in song.fields[:3])
    variations = song.field("n_variations")
    assert variations.type is FieldType.INTEGER and not variations.required
    assert (variations.min_value, variations.max_value, variations.default) == (1, 3, 1)
    instrumental = get_operation("create.remix_instrumental")
    assert [f.name for f in instrumental.fields] == ["source", "n_variations"]
    assert instrumental.field("source").required


def test_stems_and_cut_down():
    stems = get_operation("adapt.separate_stems")
    assert stems.output_kind == "stems" and stems.results == 4
    assert [f.name for f in stems.audio_fields] == ["source"]
    cut = get_operation("adapt.auto_cut_down")
    target = cut.field("target_duration")
    assert target.required and target.type is FieldType.NUMBER and target.unit == "s"
    assert target.min_value is None and target.max_value is None
    assert cut.output_kind == "audio" and cut.results == 1


def test_expected_results():
    assert expected_results("create.new_song") is None  # "several"; the count is unknown
    assert expected_results("create.remix_song", {"n_variations": 3}) == 3
    assert expected_results("create.remix_instrumental", {}) == 1
    assert expected_results("adapt.separate_stems") == 4
    assert expected_results("create.new_sample", {"duration": 4}) == 1


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError, match="no action"):
        get_operation("create.new_podcast")
