"""Waveform pictures as inline SVG, drawn on the server from a track's stored peaks.

No audio is read to draw them: the peaks (0–1, a few hundred buckets) were computed once when
the track was archived. Bars are mirrored around the middle line and kept on a small integer
grid so a thumbnail stays around a kilobyte and a page of fifty rows stays light.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.utils.html import format_html
from django.utils.safestring import SafeString

BAR_WIDTH = 2
BAR_STEP = 3
HEIGHT = 32
MIN_BAR = 1


def resample(peaks: Sequence[float], bars: int) -> list[float]:
    """``bars`` values, each the largest peak of its slice (or the peaks themselves if fewer)."""
    values = np.asarray(
        [value for value in peaks if _is_number(value)] if not _all_floats(peaks) else peaks,
        dtype=np.float64,
    )
    values = np.clip(values[np.isfinite(values)], 0.0, 1.0)
    if not len(values) or bars <= 0:
        return []
    if len(values) <= bars:
        return values.tolist()
    edges = (np.arange(bars + 1) * len(values)) // bars
    return np.maximum.reduceat(values, edges[:-1]).tolist()


def _all_floats(peaks) -> bool:
    return isinstance(peaks, list) and all(type(value) is float for value in peaks)


def bars_path(peaks: Sequence[float], bars: int) -> tuple[str, int]:
    """An SVG path drawing ``bars`` mirrored bars, and the view box width it needs."""
    values = resample(peaks, bars)
    if not values:
        values = [0.0] * bars
    loudest = max(values) or 1.0
    parts = []
    for index, value in enumerate(values):
        # Normalise to the loudest bar so quiet tracks are still readable.
        height = max(MIN_BAR, round(value / loudest * HEIGHT))
        top = (HEIGHT - height) // 2
        parts.append(f"M{index * BAR_STEP} {top}h{BAR_WIDTH}v{height}h-{BAR_WIDTH}z")
    return "".join(parts), len(values) * BAR_STEP - (BAR_STEP - BAR_WIDTH)


def waveform_svg(peaks: Sequence[float], *, bars: int = 100, css_class: str = "wave") -> SafeString:
    """An inline ``<svg>`` that stretches to its box; decorative, so hidden from screen readers."""
    path, width = bars_path(peaks or [], bars)
    return format_html(
        '<svg class="{}" viewBox="0 0 {} {}" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false"><path d="{}"/></svg>',
        css_class,
        width,
        HEIGHT,
        path,
    )


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value
