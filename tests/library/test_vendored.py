"""The player's library is wavesurfer.js exactly as published on npm, with its license."""

import hashlib
from pathlib import Path

from django.conf import settings

VENDOR = Path(settings.BASE_DIR) / "static" / "vendor"
# sha256 of dist/wavesurfer.min.js in `npm pack wavesurfer.js@8.0.1` (docs/library.md, "Player").
WAVESURFER_8_0_1 = "d916e98ceb53ebf0403f907e8f81425ce100b937021fcfa5cac66f728ec2ec1c"


def test_wavesurfer_is_the_npm_release_unchanged():
    data = (VENDOR / "wavesurfer.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == WAVESURFER_8_0_1


def test_wavesurfer_license_ships_beside_it():
    text = (VENDOR / "wavesurfer.LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
