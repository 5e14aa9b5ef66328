"""Waveform thumbnails: inline SVG from stored peaks, small and safe."""

import re

from soundsite.lib.waveform import HEIGHT, bars_path, resample, waveform_svg


def test_resample_keeps_the_loudest_peak_of_each_slice():
    peaks = [0.1, 0.9, 0.2, 0.3, 0.8, 0.1]
    assert resample(peaks, 3) == [0.9, 0.3, 0.8]


def test_resample_returns_short_peaks_unchanged_and_clamps_and_skips_junk():
    assert resample([0.5, 2.0, -1, float("nan"), "x", True, 0.25], 10) == [0.5, 1.0, 0.0, 0.25]
    assert resample([], 10) == []


def test_svg_has_one_bar_per_bucket_within_the_view_box():
    svg = waveform_svg([0.1 * (i % 10) for i in range(600)], bars=100)
    path = re.search(r'd="([^"]+)"', svg).group(1)
    assert path.count("M") == 100
    assert 'aria-hidden="true"' in svg
    assert 'preserveAspectRatio="none"' in svg
    heights = [int(h) for h in re.findall(r"v(\d+)", path)]
    assert max(heights) == HEIGHT and min(heights) >= 1


def test_silence_still_draws_a_line_and_empty_peaks_do_not_fail():
    path, width = bars_path([0, 0, 0], 3)
    assert path.count("v1h") == 3
    assert "<path" in waveform_svg([], bars=20)


def test_thumbnail_stays_small():
    # Fifty rows of a library page must stay light: about a kilobyte and a half each.
    assert len(waveform_svg([0.5] * 600, bars=100)) < 2000


def test_class_name_is_escaped():
    assert '"><script' not in waveform_svg([0.5], css_class='"><script>')
