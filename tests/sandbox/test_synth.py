"""The sandbox synthesiser, measured: tempo, stems, seams, lengths, keys, files and speed.

Each property is measured on the audio itself (onset autocorrelation for tempo, sample
jumps for seams, RMS ratios for stem sums), never read back from the recipe alone.
"""

import io
import json
import math
import time

import numpy as np
import pytest
import soundfile as sf

from soundsite.sandbox import synth, synth_fx, synth_style
from soundsite.sandbox.synth import SAMPLE_RATE, LoopError, Recipe, SynthError
from soundsite.sandbox.synth_dsp import CEILING

SR = SAMPLE_RATE


# --- Helpers -----------------------------------------------------------------------------


def db(ratio: float) -> float:
    return 20 * math.log10(max(ratio, 1e-12))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def residual_db(parts: list[np.ndarray], mix: np.ndarray) -> float:
    """RMS of (sum of parts - mix) relative to the RMS of the mix, in dB."""
    total = np.sum(parts, axis=0)
    return db(rms(total - mix) / rms(mix))


def seam_ratio(audio: np.ndarray) -> float:
    """The end-to-start jump of a loop relative to the jumps inside it (99th percentile).

    A seamless loop steps from its last frame to its first like from any frame to the
    next, so the ratio stays around 1 or below; a click makes it many times larger.
    """
    worst = 0.0
    for channel in range(audio.shape[1]):
        x = audio[:, channel].astype(np.float64)
        inside = np.percentile(np.abs(np.diff(x)), 99)
        worst = max(worst, abs(x[0] - x[-1]) / max(inside, 1e-9))
    return worst


def chroma_profile(audio: np.ndarray) -> np.ndarray:
    profile = synth.dsp.chroma(audio, SR)
    return profile / profile.sum()


@pytest.fixture(scope="module")
def pop_song():
    """A 60-second song with lyrics, shared by the tests that only read it."""
    recipe = synth.plan(
        "song", "upbeat dance pop, female vocals", seconds=60, lyrics="hold on to the night"
    )
    return synth.render(recipe)


@pytest.fixture(scope="module")
def slow_song():
    # 75 BPM has 3.2-second bars: whole bars alone cannot land within 1 s of most targets.
    return synth.render(synth.plan("song", "chill lofi beat", seconds=60, tempo=75))


# --- Tempo -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prompt",
    [
        "chill lofi beat to study to",  # slow
        "ambient meditation",  # slow, no real drum kit
        "funky pop song with male vocals",  # medium
        "jazz trio, swing",  # medium, swung eighths
        "epic cinematic trailer",  # medium, toms and strings
        "upbeat dance track",  # fast-ish, four on the floor
        "drum and bass",  # fast
        "heavy metal",  # fast
    ],
)
def test_detected_tempo_is_within_2_bpm_of_the_recipe(prompt):
    piece = synth.song(prompt, seconds=30)
    detected = synth.estimate_tempo(piece.mix, SR)
    assert abs(detected - piece.recipe.tempo) <= 2.0, (prompt, piece.recipe.tempo, detected)


@pytest.mark.parametrize("bpm", [62, 90, 128, 174])
def test_estimate_tempo_finds_a_click_track(bpm):
    x = np.zeros(20 * SR, dtype=np.float32)
    click = (np.hanning(200) * np.sin(np.arange(200) * 0.5)).astype(np.float32)
    for t in np.arange(0, 19.9, 60 / bpm):
        start = int(t * SR)
        x[start : start + 200] += click
    assert abs(synth.estimate_tempo(x, SR) - bpm) <= 1.0


def test_estimate_tempo_of_silence_is_zero():
    assert synth.estimate_tempo(np.zeros((5 * SR, 2), dtype=np.float32), SR) == 0.0


# --- Prompts shape the music ---------------------------------------------------------------


def test_prompt_words_choose_tempo_mode_and_style():
    lofi = synth.plan("song", "chill lofi, sad", seconds=30)
    dance = synth.plan("song", "upbeat dance track", seconds=30)
    cinematic = synth.plan("instrumental", "epic cinematic orchestral", seconds=30)
    jazz = synth.plan("song", "late night jazz", seconds=30)
    assert lofi.extra["style"] == "lofi" and lofi.tempo < 90 and lofi.mode == "minor"
    assert dance.extra["style"] == "dance" and 120 <= dance.tempo <= 128
    assert cinematic.extra["style"] == "cinematic"
    assert synth_style.STYLES["cinematic"].pad == "strings"
    assert synth_style.STYLES["dance"].drums == "four_floor"
    assert jazz.extra["style"] == "jazz" and synth_style.STYLES["jazz"].swing > 0


def test_explicit_tempo_and_key_in_the_prompt_win():
    recipe = synth.plan("song", "house groove at 124 bpm in F# minor", seconds=20)
    assert (recipe.tempo, recipe.key, recipe.mode) == (124.0, "F#", "minor")
    flat = synth.plan("song", "ballad in the key of Bb major", seconds=20)
    assert (flat.key, flat.mode) == ("A#", "major")
    # "a minor issue" is English, not a key: nothing is forced.
    assert synth_style.parse_key("a minor issue with a major label") == (None, None)


def test_four_on_the_floor_puts_a_kick_on_every_beat():
    piece = synth.render(synth.plan("instrumental", "upbeat dance track", seconds=20, seed=3))
    drums = piece.stems["drums"].mean(axis=1)
    low = synth.dsp.band(drums, 30, 120)
    beat = SR * 60 / piece.recipe.tempo
    # Low energy in the 60 ms after each beat vs. after each off-beat, over the main
    # section but its last bar (which ends in a fill): the kick makes the first far louder.
    body = next(s for s in piece.sections if s["name"] in ("chorus", "main"))
    onbeat, offbeat = [], []
    for k in range(body["start_bar"] * 4, (body["start_bar"] + body["bars"] - 1) * 4):
        a = int(k * beat)
        b = int((k + 0.5) * beat)
        onbeat.append(rms(low[a : a + 2646]))
        offbeat.append(rms(low[b : b + 2646]))
    assert min(onbeat) > 3 * np.median(offbeat)


def test_different_prompts_give_different_tempo_or_key():
    recipes = [
        synth.plan("song", p, seconds=20)
        for p in ("chill lofi", "upbeat dance", "drum and bass", "jazz", "reggae")
    ]
    choices = {(r.tempo, r.key, r.mode) for r in recipes}
    assert len(choices) == len(recipes)


def test_seed_defaults_to_the_prompt_hash():
    a = synth.plan("song", "Sunny Pop", seconds=10)
    b = synth.plan("song", "sunny   pop", seconds=10)
    assert a.seed == b.seed == synth_style.prompt_seed("sunny pop")
    assert synth.plan("song", "sunny pop", seconds=10, seed=7).seed == 7


# --- Stems --------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["upbeat dance pop", "rock anthem", "bossa nova", "lofi"])
def test_stems_sum_to_the_mix_within_minus_40_db_even_through_flac(prompt):
    piece = synth.song(prompt, seconds=20)
    stems = synth.separate(piece)
    assert set(stems) == {"vocals", "drums", "bass", "other"}
    assert residual_db(list(stems.values()), piece.mix) < -40
    # The files a client downloads: each stem and the mix as 16-bit FLAC.
    decoded = [synth.decode(synth.encode(s, SR, "flac"))[0] for s in stems.values()]
    mix = synth.decode(piece.encode("flac"))[0]
    assert residual_db(decoded, mix) < -40


def test_six_stem_layout_splits_other_and_still_sums_to_the_mix(pop_song):
    six = synth.separate(pop_song, layout="six")
    assert list(six) == ["vocals", "drums", "bass", "piano", "guitar", "other"]
    assert residual_db(list(six.values()), pop_song.mix) < -40
    four_other = pop_song.stems["other"]
    assert residual_db([six["piano"], six["guitar"], six["other"]], four_other) < -40
    assert rms(six["piano"]) > 0.01  # the dance pop style has keyboard stabs


def test_every_stem_of_a_song_carries_its_layer(pop_song):
    for name in ("vocals", "drums", "bass", "other"):
        assert rms(pop_song.stems[name]) > 0.01, name


def test_nothing_clips_neither_mix_nor_stems():
    for prompt in ("heavy metal", "dubstep", "epic cinematic trailer", "trap 808"):
        piece = synth.song(prompt, seconds=20)
        assert np.max(np.abs(piece.mix)) <= CEILING + 1e-6, prompt
        for name, stem in piece.stems.items():
            assert np.max(np.abs(stem)) <= CEILING + 1e-6, (prompt, name)


def test_vocals_sound_like_a_voice_and_disappear_without_vocals():
    sung = synth.song("soulful pop ballad", seconds=20, seed=5)
    plain = synth.song("soulful pop ballad", seconds=20, seed=5, vocals=False)
    inst = synth.instrumental("soulful pop ballad", seconds=20, seed=5)
    voice = sung.stems["vocals"].mean(axis=1)
    power = np.abs(np.fft.rfft(voice)) ** 2
    freqs = np.fft.rfftfreq(voice.size, 1 / SR)
    speech_band = power[(freqs > 150) & (freqs < 4000)].sum() / power.sum()
    # Formants put a sung vowel's energy in the speech band, unlike a bass or a cymbal.
    assert speech_band > 0.9
    assert rms(sung.stems["vocals"]) > 0.02
    assert not plain.stems["vocals"].any() and not inst.stems["vocals"].any()
    # Without a singer the melody moves to a lead instrument in "other".
    assert rms(plain.stems["other"]) > 0.01


def test_lyrics_change_the_sung_syllables_not_the_tune():
    a = synth.song("pop", seconds=15, seed=2, lyrics="sun sea sky")
    b = synth.song("pop", seconds=15, seed=2, lyrics="moon and stars")
    assert not np.array_equal(a.stems["vocals"], b.stems["vocals"])
    # The drums are the same part (the master gain may differ a little with the vocals).
    assert np.corrcoef(a.stems["drums"][:, 0], b.stems["drums"][:, 0])[0, 1] > 0.999


def test_long_songs_have_sections_and_short_ones_do_not(pop_song):
    names = [s["name"] for s in pop_song.sections]
    assert names[0] == "intro" and names[-2:] == ["outro", "end"]
    assert "verse" in names and "chorus" in names
    short = synth.song("pop", seconds=12)
    assert "intro" not in [s["name"] for s in short.sections]


def test_songs_are_whole_bars_and_end_in_silence(pop_song):
    bars = pop_song.seconds / pop_song.bar_seconds
    assert abs(bars - round(bars)) * pop_song.bar_seconds * SR <= 1
    assert pop_song.recipe.extra["requested_seconds"] == 60
    assert abs(pop_song.seconds - 60) <= pop_song.bar_seconds / 2
    assert rms(pop_song.mix[-441:]) < 1e-3


# --- Samples and effects ---------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [0.37, 2.5, 7.3, 13.01])
@pytest.mark.parametrize("loopable", [False, True])
def test_sample_is_exactly_the_requested_length(seconds, loopable):
    piece = synth.sample("funky drum loop", seconds=seconds, loopable=loopable)
    assert piece.frames == round(seconds * SR)


@pytest.mark.parametrize("prompt", ["funky drum loop", "lofi piano chords", "synth arp", "pad"])
def test_loopable_samples_have_no_seam(prompt):
    piece = synth.sample(prompt, seconds=6.1, loopable=True)
    assert rms(piece.mix) > 0.01
    assert seam_ratio(piece.mix) < 1.5
    # Tempo was nudged so the sample holds whole beats: the loop keeps time when repeated.
    beats = piece.seconds / (60 / piece.recipe.tempo)
    assert abs(beats - round(beats)) < 1e-6


def test_the_seam_measure_catches_a_click():
    t = np.arange(int(0.4 * SR)) / SR
    cut_mid_cycle = np.stack([0.5 * np.sin(2 * np.pi * 441.7 * t)] * 2, axis=1)
    assert seam_ratio(cut_mid_cycle) > 5


def test_sample_layers_follow_the_words():
    drums = synth.sample("tight drum groove", seconds=4)
    bass = synth.sample("deep bassline", seconds=4)
    assert rms(drums.stems["drums"]) > 0.01 and not drums.stems["bass"].any()
    assert rms(bass.stems["bass"]) > 0.01 and not bass.stems["drums"].any()
    hit = synth.sample("snare one shot", seconds=1.0)
    # One hit at the start, then its decay: the first 200 ms hold most of the energy.
    energy = np.square(hit.mix).sum(axis=1)
    assert energy[: int(0.2 * SR)].sum() > 0.8 * energy.sum()


@pytest.mark.parametrize(
    "prompt, name",
    [
        ("riser for a drop", "riser"),
        ("cinematic impact", "impact"),
        ("whoosh transition", "whoosh"),
        ("footsteps on gravel", "footsteps"),
        ("rain on a window", "rain"),
        ("laser zap", "zap"),
        ("something odd", "whoosh"),
    ],
)
def test_effects_follow_the_words_and_the_length(prompt, name):
    assert synth_fx.effect_name(prompt) == name
    piece = synth.effect(prompt, seconds=2.25)
    assert piece.frames == round(2.25 * SR)
    assert rms(piece.mix) > 0.01
    assert np.max(np.abs(piece.mix)) <= CEILING + 1e-6
    assert not piece.stems["drums"].any()


def test_a_riser_rises():
    mix = synth.effect("riser", seconds=4).mix.mean(axis=1)
    quarter = len(mix) // 4
    assert rms(mix[-quarter:]) > 3 * rms(mix[:quarter])


# --- Remix and extend ------------------------------------------------------------------------


def test_remix_keeps_tempo_and_key_and_changes_the_instruments(pop_song):
    remixed = synth.remix(pop_song.recipe, "chill lofi jazz")
    source = pop_song.recipe
    assert (remixed.recipe.tempo, remixed.recipe.key, remixed.recipe.mode) == (
        source.tempo,
        source.key,
        source.mode,
    )
    assert remixed.recipe.extra["style"] != source.extra["style"]
    assert abs(synth.estimate_tempo(remixed.mix, SR) - source.tempo) <= 2
    assert not np.allclose(remixed.stems["drums"], pop_song.stems["drums"])
    # Same chords and tune: the pitch-class profiles of the two mixes agree closely.
    a, b = chroma_profile(remixed.mix), chroma_profile(pop_song.mix)
    assert np.corrcoef(a, b)[0, 1] > 0.8


def test_remix_of_a_loop_keeps_tempo_and_key(pop_song):
    looped = synth.loop(pop_song.recipe, bars=4, count=4)
    remixed = synth.remix(looped.recipe, "hard techno")
    assert remixed.recipe.tempo == pop_song.recipe.tempo
    assert remixed.recipe.key == pop_song.recipe.key
    assert abs(synth.estimate_tempo(remixed.mix, SR) - pop_song.recipe.tempo) <= 2


def test_extend_keeps_the_start_the_tempo_and_the_key(pop_song):
    extended = synth.extend(pop_song.recipe, at_seconds=40, extra_seconds=30)
    source = pop_song.recipe
    assert (extended.recipe.tempo, extended.recipe.key) == (source.tempo, source.key)
    assert abs(synth.estimate_tempo(extended.mix, SR) - source.tempo) <= 2
    keep = int((40 - 0.1) * SR)
    assert np.array_equal(extended.mix[:keep], pop_song.mix[:keep])
    assert abs(extended.seconds - 70) <= extended.bar_seconds / 2
    bars = extended.seconds / extended.bar_seconds
    assert abs(bars - round(bars)) * extended.bar_seconds * SR <= 1
    # The continuation is new music, not silence.
    assert rms(extended.mix[int(45 * SR) : int(60 * SR)]) > 0.05


def test_extend_with_a_prompt_changes_style_but_not_tempo(pop_song):
    extended = synth.extend(pop_song.recipe, at_seconds=30, extra_seconds=20, prompt="rock")
    assert extended.recipe.extra["style"] == "rock"
    assert abs(synth.estimate_tempo(extended.mix, SR) - pop_song.recipe.tempo) <= 2


def test_extend_to_the_left_adds_whole_bars_before_the_source(pop_song):
    extended = synth.extend(pop_song.recipe, at_seconds=0, extra_seconds=8, side="left")
    added = extended.frames - pop_song.frames
    bars = added / (pop_song.bar_seconds * SR)
    assert abs(bars - round(bars)) < 1e-3 and round(bars) >= 1
    tail = int(0.2 * SR)
    assert np.array_equal(extended.mix[added + tail :], pop_song.mix[tail:])


def test_extend_rejects_a_point_outside_the_audio(pop_song):
    with pytest.raises(SynthError, match="inside the audio"):
        synth.extend(pop_song.recipe, at_seconds=500, extra_seconds=10)
    with pytest.raises(SynthError):
        synth.extend(pop_song.recipe, at_seconds=10, extra_seconds=-1)


# --- Cut-down and loops ------------------------------------------------------------------------


@pytest.mark.parametrize("target", [15, 22, 31.5, 45])
@pytest.mark.parametrize("which", ["pop_song", "slow_song"])
def test_cut_down_is_within_1_s_of_the_target_and_ends_on_a_bar_line(request, target, which):
    source = request.getfixturevalue(which)
    cut = synth.cut_down(source.recipe, target)
    assert abs(cut.seconds - target) <= 1.0
    # Length = pickup beats + whole bars, to within two frames; the end is the source's
    # final bar line, so the cut ends on a bar line.
    beats = cut.recipe.extra["bars"] * 4 + cut.recipe.extra["pickup_beats"]
    assert abs(cut.frames - beats * 60 / cut.recipe.tempo * SR) <= 2
    if which == "pop_song":
        assert cut.recipe.extra["pickup_beats"] == 0  # 1.9 s bars: whole bars suffice
    # Its last bar is the source's last bar (the ending is kept), faded to silence.
    bar = int(round(source.bar_seconds * SR))
    ending = source.mix[-bar : -int(0.1 * SR)]
    assert np.allclose(cut.mix[-bar : -int(0.1 * SR)], ending, atol=1e-6)
    assert rms(cut.mix[-64:]) < 1e-3


def test_cut_down_at_a_slow_tempo_uses_a_pickup(slow_song):
    cut = synth.cut_down(slow_song.recipe, 30)
    # 30 s at 75 BPM is 9.375 bars: nine bars (28.8 s) or ten (32 s) are both > 1 s away.
    assert cut.recipe.extra["pickup_beats"] > 0
    assert abs(cut.seconds - 30) <= 1


def test_cut_down_to_more_than_the_source_returns_it_whole(pop_song):
    cut = synth.cut_down(pop_song.recipe, 500)
    assert cut.frames == pop_song.frames
    with pytest.raises(SynthError):
        synth.cut_down(pop_song.recipe, 0)


@pytest.mark.parametrize(
    "kwargs, beats",
    [({"bars": 2}, 8), ({"bars": 4}, 16), ({"beats": 6}, 6), ({}, 16)],
)
def test_loops_are_whole_bars_or_beats_and_seamless(pop_song, kwargs, beats):
    looped = synth.loop(pop_song.recipe, **kwargs)
    expected = beats * 60 / pop_song.recipe.tempo * SR
    assert abs(looped.frames - expected) <= 1
    assert seam_ratio(looped.mix) < 1.5
    assert residual_db(list(looped.stems.values()), looped.mix) < -40


def test_a_time_range_loop_snaps_to_beats(pop_song):
    looped = synth.loop(pop_song.recipe, start=10.2, end=17.9)
    beat = 60 / pop_song.recipe.tempo
    beats = looped.seconds / beat
    assert abs(beats - round(beats)) < 1e-3
    assert abs(looped.seconds - 7.7) <= beat
    assert seam_ratio(looped.mix) < 1.5


def test_a_repeated_loop_keeps_time(pop_song):
    looped = synth.loop(pop_song.recipe, bars=2, count=6)
    assert abs(synth.estimate_tempo(looped.mix, SR) - pop_song.recipe.tempo) <= 2
    one = looped.frames // 6
    assert np.array_equal(looped.mix[:one], looped.mix[one : 2 * one])


def test_loops_of_derived_pieces_are_crossfaded_seamlessly(pop_song):
    cut = synth.cut_recipe(pop_song.recipe, 30)
    looped = synth.loop(cut, bars=2)
    assert seam_ratio(looped.mix) < 1.5


def test_loop_errors_use_the_documented_words(pop_song):
    with pytest.raises(LoopError, match="^Not enough beats to create loop.$"):
        synth.loop(pop_song.recipe, bars=100)
    with pytest.raises(LoopError, match="start >= end at index 0"):
        synth.loop(pop_song.recipe, start=20, end=10)
    with pytest.raises(LoopError, match="Time range 0 is out of bounds"):
        synth.loop(pop_song.recipe, start=10, end=900)
    with pytest.raises(LoopError, match="960 seconds"):
        synth.loop(pop_song.recipe, bars=8, count=100)


# --- Determinism and recipes --------------------------------------------------------------------


def test_same_inputs_give_identical_bytes():
    first = synth.song("jazzy hip hop", seconds=15, seed=11).encode("flac")
    second = synth.song("jazzy hip hop", seconds=15, seed=11).encode("flac")
    other_seed = synth.song("jazzy hip hop", seconds=15, seed=12).encode("flac")
    assert first == second
    assert first != other_seed


@pytest.mark.parametrize("kind", ["song", "remix", "extend", "cut", "loop", "sample", "effect"])
def test_a_recipe_survives_json_and_renders_the_same(pop_song, kind):
    source = pop_song.recipe
    recipe = {
        "song": source,
        "remix": synth.remix_recipe(source, "reggae"),
        "extend": synth.extend_recipe(source, at_seconds=20, extra_seconds=10),
        "cut": synth.cut_recipe(source, 20),
        "loop": synth.loop_recipe(source, bars=2, count=2),
        "sample": synth.plan("sample", "piano loop", seconds=3.3, loopable=True),
        "effect": synth.plan("effect", "whoosh", seconds=1.5),
    }[kind]
    again = Recipe.from_json(json.loads(json.dumps(recipe.to_json())))
    assert again == recipe
    assert np.array_equal(synth.render(again).mix, synth.render(recipe).mix)


def test_a_broken_recipe_is_rejected_in_plain_words():
    with pytest.raises(SynthError, match="Not a synthesiser recipe"):
        Recipe.from_json({"kind": "song", "prompt": "x"})
    with pytest.raises(SynthError, match="Not a synthesiser recipe"):
        Recipe.from_json({**synth.plan("song", "x", seconds=5).to_json(), "tempo": "fast"})


def test_plan_rejects_what_it_cannot_make():
    with pytest.raises(SynthError, match="Unknown kind"):
        synth.plan("symphony", "x", seconds=10)
    with pytest.raises(SynthError, match="positive"):
        synth.plan("song", "x", seconds=0)
    with pytest.raises(SynthError, match="at most"):
        synth.plan("song", "x", seconds=5000)
    with pytest.raises(SynthError, match="tempo"):
        synth.plan("song", "x", seconds=10, tempo=5)
    with pytest.raises(SynthError, match="not made from a recipe"):
        synth.render(Recipe("upload", "", 10, 1, 120, "C", "major", False))


# --- Files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt, subtype", [("flac", "PCM_16"), ("wav", "PCM_16"), ("mp3", None)])
def test_encode_decode_round_trip(fmt, subtype):
    piece = synth.song("pop", seconds=6, seed=1)
    data = synth.encode(piece.mix, SR, fmt)
    info = sf.info(io.BytesIO(data))
    assert info.samplerate == 44100 and info.channels == 2
    if subtype:
        assert info.subtype == subtype
    audio, rate = synth.decode(data)
    assert rate == 44100 and audio.shape == piece.mix.shape
    tolerance = -60 if fmt != "mp3" else -15
    assert db(rms(audio - piece.mix) / rms(piece.mix)) < tolerance


def test_encoding_clips_instead_of_wrapping():
    loud = np.full((1000, 2), 1.7, dtype=np.float32)
    audio, _ = synth.decode(synth.encode(loud, SR, "flac"))
    assert np.all(audio > 0.99)


def test_flac_and_mp3_carry_their_recipe(pop_song):
    for fmt in ("flac", "mp3"):
        data = synth.encode(pop_song.mix[: 2 * SR], SR, fmt, recipe=pop_song.recipe)
        assert synth.recipe_from_audio(data) == pop_song.recipe
    assert synth.recipe_from_audio(synth.encode(pop_song.mix[:SR], SR, "flac")) is None
    assert synth.recipe_from_audio(b"not audio") is None


def test_bad_formats_and_bytes_are_rejected():
    with pytest.raises(SynthError, match="Unknown format"):
        synth.encode(np.zeros((10, 2)), SR, "aac")
    with pytest.raises(SynthError, match="could not be read"):
        synth.decode(b"definitely not a sound file")


# --- Uploads: audio the sandbox did not make -------------------------------------------------


@pytest.fixture(scope="module")
def upload():
    """A sandbox song as if uploaded: decoded from MP3, with no recipe to lean on."""
    piece = synth.song("funky disco with female vocals", seconds=40, seed=4)
    audio, rate = synth.decode(synth.encode(piece.mix, SR, "mp3"))
    return audio, rate, piece.recipe


def test_separate_audio_sums_to_the_input_and_sorts_by_band(upload):
    audio, rate, _ = upload
    for layout, count in (("four", 4), ("six", 6)):
        stems = synth.separate_audio(audio, rate, layout=layout)
        assert len(stems) == count
        assert residual_db(list(stems.values()), audio) < -40
    t = np.arange(2 * SR) / SR
    hum = np.stack([0.3 * np.sin(2 * np.pi * 60 * t)] * 2, axis=1).astype(np.float32)
    split = synth.separate_audio(hum, SR)
    assert rms(split["bass"]) > 0.9 * rms(hum)


def test_analyse_estimates_tempo_and_key_of_an_upload(upload):
    audio, rate, recipe = upload
    found = synth.analyse(audio, rate)
    assert abs(found["tempo"] - recipe.tempo) <= 2
    assert (found["key"], found["mode"]) == (recipe.key, recipe.mode)


def test_process_audio_cut_loop_extend_remix(upload):
    audio, rate, recipe = upload
    beat = 60 / recipe.tempo
    cut = synth.process_audio(audio, rate, kind="cut", target_seconds=20)
    assert abs(len(cut) / rate - 20) <= 1 and rms(cut[-32:]) < 1e-3
    looped = synth.process_audio(audio, rate, kind="loop", beats=8, count=3)
    assert abs(len(looped) / rate / 3 - 8 * beat) < 0.05
    assert seam_ratio(looped[: len(looped) // 3]) < 1.5
    extended = synth.process_audio(audio, rate, kind="extend", at_seconds=30, extra_seconds=15)
    assert len(extended) == 45 * rate
    assert abs(synth.estimate_tempo(extended, rate) - recipe.tempo) <= 2
    remixed = synth.process_audio(audio, rate, kind="remix", prompt="hard techno")
    assert len(remixed) == len(audio)
    assert abs(synth.estimate_tempo(remixed, rate) - recipe.tempo) <= 2
    assert np.max(np.abs(remixed)) <= CEILING + 1e-6


def test_process_audio_errors(upload):
    audio, rate, _ = upload
    with pytest.raises(LoopError, match="Not enough beats"):
        synth.process_audio(audio[: rate // 2], rate, kind="loop", beats=8, tempo=120)
    with pytest.raises(LoopError, match="No valid segments found"):
        synth.process_audio(audio, rate, kind="loop", ranges=[])
    with pytest.raises(LoopError, match="Invalid range: start >= end at index 1"):
        synth.process_audio(audio, rate, kind="loop", ranges=[(1, 3), (5, 4)])
    with pytest.raises(SynthError, match="Unknown processing kind"):
        synth.process_audio(audio, rate, kind="reverse")
    with pytest.raises(SynthError, match="empty"):
        synth.process_audio(np.zeros((0, 2)), rate, kind="cut", target_seconds=3)


# --- Speed ---------------------------------------------------------------------------------------


def test_a_three_minute_song_renders_and_encodes_to_flac_in_under_2_seconds():
    # The machine is shared by many processes, so wall time says more about the neighbours than
    # about the synthesiser. CPU time of this process (every thread: the vocals render on a
    # second one) is the work the render itself costs; the best of three is judged.
    # docs/benchmarks.md records the figure and the command that measures it.
    timings = []
    for _ in range(3):
        start = time.process_time()
        piece = synth.song("upbeat dance pop with female vocals", seconds=180)
        data = piece.encode("flac")
        timings.append(time.process_time() - start)
        del piece
    assert len(data) > 1_000_000
    assert min(timings) < 2.0, timings
