"""Soundverse's paths under /sandbox/soundverse/ (every documented variant, reference §3)."""

from django.urls import path, re_path

from soundsite.sandbox import soundverse as views


def _post(route: str, action: str):
    # A trailing slash is optional everywhere: the reference writes one path with it.
    return re_path(rf"^{route}/?$", views.generate, {"action": action})


urlpatterns = [
    _post("v7/generate/song", "song_v7"),
    _post("v7/generate/song/sync", "song_v7_sync"),
    _post("v6/generate/song", "song_v6"),
    _post("v6/generate/song/sync", "song_v6_sync"),
    _post("v5/generate/song", "song_v5"),
    _post("v5/generate/song/streaming", "song_v5"),
    _post("v5/generate/song/sync", "song_v5_sync"),
    _post("v4/generate/song-from-lyrics", "song_v4"),
    _post("v1/generate/song-from-lyrics", "song_v1"),
    _post("v6/generate/music", "music_v6"),
    _post("v6/generate/music/sync", "music_v6_sync"),
    _post("v5/generate/music", "music_v5"),
    _post("v5/generate/music/streaming", "music_v5"),
    _post("v5/generate/music/sync", "music_v5_sync"),
    _post("v4/generate/song-from-prompt", "music_v4"),
    _post("v1/generate/song-from-prompt", "music_v1"),
    _post("v1/generate/text-to-music", "text_to_music"),
    _post("v6/extend/song", "extend_song_v6"),
    _post("v6/extend/song/sync", "extend_song_v6_sync"),
    _post("v5/extend/song", "extend_song_v5"),
    _post("v5/extend/song/sync", "extend_song_v5_sync"),
    # Extend music answers synchronously on both the listed bare path and ``/sync``.
    _post("v6/extend/music", "extend_music_v6"),
    _post("v6/extend/music/sync", "extend_music_v6"),
    _post("v5/extend/music", "extend_music_v5"),
    _post("v5/extend/music/sync", "extend_music_v5"),
    _post("v1/generate/extend", "extend_music_v1"),
    _post("v7/generate/remix", "remix_v7"),
    _post("v1/generate/lyrics", "lyrics_v1"),
    _post("v2/generate/ai-singing-gen", "singing_v2"),
    _post("v1/generate/stem-separation/vocals", "stems_vocals"),
    _post("v1/generate/stem-separation/instruments", "stems_instruments"),
    _post("v1/generate/stem-separation/all-stems", "stems_all"),
    _post("v1/generate/trim-and-loop/auto", "loop_auto"),
    _post("v1/generate/trim-and-loop/beat-count", "loop_beat_count"),
    _post("v1/generate/trim-and-loop/time-range", "loop_time_range"),
    _post("v1/trim-and-loop/gen-and-loop/music/auto", "gen_loop_music"),
    _post("v1/trim-and-loop/gen-and-loop/song/prompt/auto", "gen_loop_song_prompt"),
    _post("v1/trim-and-loop/gen-and-loop/song/lyrics/auto", "gen_loop_song_lyrics"),
    # The chat path differs between samples; all three are served.
    _post("assistant/chat", "chat"),
    _post("v1/assistant/chat", "chat"),
    _post("api/assistant/chat", "chat"),
    _post("v1/assistant/voice", "voice"),
    re_path(r"^v5/status/?$", views.status, name="sandbox_soundverse_status"),
    re_path(r"^v7/status/?$", views.status_v7),
    re_path(r"^v5/recognize/?$", views.recognize),
    path("stream/<str:message_id>/<str:key>", views.preview, name="sandbox_soundverse_preview"),
    path("album-art/<str:message_id>.png", views.album_art, name="sandbox_soundverse_album_art"),
]
