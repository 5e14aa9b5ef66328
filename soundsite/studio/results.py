"""Provider outputs as stored on a job between "ready at the provider" and "archived"."""

from __future__ import annotations

import base64
from datetime import datetime

from soundsite.providers.base import Output


def outputs_to_json(outputs: list[Output]) -> list[dict]:
    return [
        {
            "url": o.url,
            "kind": o.kind,
            "duration": o.duration,
            "format": o.format,
            "expires_at": o.expires_at.isoformat() if o.expires_at else None,
            "index": o.index,
            "title": o.title,
            "album_art_url": o.album_art_url,
            "license": o.license,
            "lyrics": o.lyrics,
            # Audio that came as bytes (the voice assistant's short replies) travels inline.
            "data_b64": base64.b64encode(o.data).decode() if o.data and not o.url else "",
        }
        for o in outputs
    ]


def outputs_from_json(data: list[dict]) -> list[Output]:
    outputs = []
    for item in data:
        expires = item.get("expires_at")
        outputs.append(
            Output(
                url=item["url"],
                kind=item.get("kind") or "mix",
                duration=item.get("duration"),
                format=item.get("format") or "",
                expires_at=datetime.fromisoformat(expires) if expires else None,
                index=item.get("index") or 0,
                title=item.get("title") or "",
                album_art_url=item.get("album_art_url") or "",
                license=item.get("license") or "",
                lyrics=item.get("lyrics") or "",
                data=base64.b64decode(item["data_b64"]) if item.get("data_b64") else None,
            )
        )
    return outputs
