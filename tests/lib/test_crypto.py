import os
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from soundsite.lib import crypto

SECRET = "sksoundverse_live_abcdef0123456789"


@pytest.fixture
def key_file_mode(settings, tmp_path):
    """The embedded default: no environment keys, a key file under a private VAR_DIR."""
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.VAR_DIR = tmp_path / "var"
    crypto.reset()
    return tmp_path / "var" / crypto.KEY_FILE_NAME


def test_it_round_trips_text():
    token = crypto.encrypt(SECRET)
    assert token != SECRET
    assert SECRET not in token
    assert crypto.decrypt(token) == SECRET


def test_it_round_trips_unicode():
    assert crypto.decrypt(crypto.encrypt("clé-🎵")) == "clé-🎵"


def test_each_encryption_differs():
    # Fernet uses a random IV, so equal secrets do not give equal tokens.
    assert crypto.encrypt(SECRET) != crypto.encrypt(SECRET)


def test_a_wrong_key_fails_clearly(settings):
    token = crypto.encrypt(SECRET)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    crypto.reset()
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token)
    message = str(caught.value)
    assert "FIELD_ENCRYPTION_KEYS" in message
    assert "docs/keys.md" in message
    assert token not in message
    assert SECRET not in message


def test_a_damaged_token_fails_clearly():
    token = crypto.encrypt(SECRET)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token[:-6] + "AAAAAA")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not a token at all é")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("")


def test_a_malformed_configured_key_is_refused_without_echoing_it(settings):
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key(), "too-short-secret-value"]
    crypto.reset()
    with pytest.raises(ImproperlyConfigured) as caught:
        crypto.encrypt(SECRET)
    assert "number 2" in str(caught.value)
    assert "too-short-secret-value" not in str(caught.value)


def test_old_and_new_keys_both_read_during_rotation(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    token = crypto.encrypt(SECRET)
    new = crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    crypto.reset()
    assert crypto.decrypt(token) == SECRET
    assert not crypto.is_current(token)
    rotated = crypto.rotate(token)
    assert crypto.is_current(rotated)
    assert Fernet(new.encode()).decrypt(rotated.encode()).decode() == SECRET
    # After the old key is gone, only the rotated value is readable.
    settings.FIELD_ENCRYPTION_KEYS = [new]
    crypto.reset()
    assert crypto.decrypt(rotated) == SECRET
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_rotate_refuses_a_token_from_an_unknown_key():
    foreign = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    with pytest.raises(crypto.DecryptionError):
        crypto.rotate(foreign)


def test_the_key_file_is_created_privately_on_first_use(key_file_mode):
    assert not key_file_mode.exists()
    token = crypto.encrypt(SECRET)
    assert key_file_mode.exists()
    assert stat.S_IMODE(os.stat(key_file_mode).st_mode) == 0o600
    keys = crypto.read_key_file()
    assert len(keys) == 1
    Fernet(keys[0].encode())  # a valid Fernet key
    crypto.reset()
    assert crypto.decrypt(token) == SECRET  # the same key is read back after a restart


def test_a_changed_key_file_is_picked_up_without_a_restart(key_file_mode):
    token = crypto.encrypt(SECRET)
    new = crypto.generate_key()
    crypto.write_key_file([new, *crypto.read_key_file()])
    # No reset(): a running process notices the file changed.
    rotated = crypto.rotate(token)
    assert Fernet(new.encode()).decrypt(rotated.encode()).decode() == SECRET
    assert crypto.decrypt(token) == SECRET


def test_environment_keys_win_over_the_key_file(key_file_mode, settings):
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key()]
    crypto.reset()
    crypto.encrypt(SECRET)
    assert not crypto.uses_key_file()
    assert not key_file_mode.exists()
