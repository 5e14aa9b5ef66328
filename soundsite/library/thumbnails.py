"""Waveform pictures of tracks, drawn once per track and kept in memory.

A track's peaks never change once it is archived, so the SVG drawn from them is remembered by
the track's code. List pages load rows without their peaks and ask ``attach`` for pictures:
remembered ones cost nothing, and the peaks of the others come in one query.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.utils.safestring import SafeString

from soundsite.lib.waveform import waveform_svg

MAX_ENTRIES = 4000

_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _remembered(key) -> SafeString | None:
    with _lock:
        svg = _cache.get(key)
        if svg is not None:
            _cache.move_to_end(key)
        return svg


def _remember(key, svg: SafeString) -> None:
    with _lock:
        _cache[key] = svg
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)


def draw(peaks, code, *, bars: int = 100, css_class: str = "wave") -> SafeString:
    """The picture of one track whose peaks are at hand."""
    key = (str(code), bars, css_class)
    svg = _remembered(key)
    if svg is None:
        svg = waveform_svg(peaks or [], bars=bars, css_class=css_class)
        _remember(key, svg)
    return svg


def attach(tracks, *, bars: int = 100, css_class: str = "wave", attribute: str = "thumbnail"):
    """Set ``track.<attribute>`` on every track, loading missing peaks in one query."""
    from soundsite.library.models import Track

    tracks = list(tracks)
    pictures = {}
    missing = []
    for track in tracks:
        key = (str(track.code), bars, css_class)
        svg = _remembered(key)
        if svg is not None:
            pictures[track.pk] = svg
        elif "peaks" in track.__dict__:
            pictures[track.pk] = draw(track.peaks, track.code, bars=bars, css_class=css_class)
        else:
            missing.append(track)
    if missing:
        loaded = dict(
            Track.objects.filter(pk__in=[track.pk for track in missing]).values_list("pk", "peaks")
        )
        for track in missing:
            pictures[track.pk] = draw(
                loaded.get(track.pk), track.code, bars=bars, css_class=css_class
            )
    for track in tracks:
        setattr(track, attribute, pictures[track.pk])
    return tracks


def forget_all() -> None:
    with _lock:
        _cache.clear()
