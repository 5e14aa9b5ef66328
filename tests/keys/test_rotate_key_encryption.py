import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from soundsite.keys.models import ProviderKey
from soundsite.lib import crypto
from tests.factories import make_key
from tests.keys.conftest import SOUNDPIECE_SECRET, SOUNDVERSE_SECRET, WEBHOOK_SECRET


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("rotate_key_encryption", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def keys(workspace, owner):
    return [
        make_key(workspace, owner, secret=SOUNDVERSE_SECRET),
        make_key(
            workspace,
            owner,
            provider="soundpiece",
            secret=SOUNDPIECE_SECRET,
            webhook_secret=WEBHOOK_SECRET,
        ),
    ]


@pytest.fixture
def key_file_mode(settings, tmp_path):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.VAR_DIR = tmp_path / "var"
    crypto.reset()


def readable_with(key, token):
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except Exception:
        return False
    return True


def test_key_file_rotation_without_downtime(key_file_mode, keys):
    old = crypto.read_key_file()[0]
    out, _ = run("--generate")
    assert "Re-encrypted 3 stored secret(s)." in out
    new, kept = crypto.read_key_file()
    assert kept == old  # the old key stays readable until it is retired
    for key in ProviderKey.objects.all():
        assert readable_with(new, key.secret_encrypted)
        assert not readable_with(old, key.secret_encrypted)
    first, second = ProviderKey.objects.order_by("pk")
    assert first.reveal_secret() == SOUNDVERSE_SECRET
    assert second.reveal_secret() == SOUNDPIECE_SECRET
    assert second.reveal_webhook_secret() == WEBHOOK_SECRET
    assert "Every stored secret" in run("--check")[0]
    out, _ = run("--retire-old-keys")
    assert "Removed 1 old key(s)." in out
    assert crypto.read_key_file() == [new]
    assert ProviderKey.objects.order_by("pk").first().reveal_secret() == SOUNDVERSE_SECRET


@pytest.mark.parametrize("leading", ["", "-"])
def test_a_given_key_is_installed(key_file_mode, keys, leading):
    # A generated key is URL-safe base64: one in 64 begins with "-", which the documented
    # --new-key=KEY form takes as the key, not as an option.
    chosen = crypto.generate_key()
    while not chosen.startswith(leading):
        chosen = crypto.generate_key()
    run(f"--new-key={chosen}")
    assert crypto.read_key_file()[0] == chosen
    assert readable_with(chosen, ProviderKey.objects.first().secret_encrypted)


def test_old_keys_are_not_retired_while_secrets_need_them(key_file_mode, keys):
    crypto.write_key_file([crypto.generate_key(), *crypto.read_key_file()])
    crypto.reset()
    assert "3 stored secret(s) still need an older key." in run("--check")[0]
    with pytest.raises(CommandError, match="still need an older key"):
        run("--retire-old-keys")
    assert len(crypto.read_key_file()) == 2


def test_environment_rotation(settings, keys):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    out, err = run("--generate")
    new = out.strip()
    Fernet(new.encode())
    assert "nothing was changed" in err
    assert readable_with(old, ProviderKey.objects.first().secret_encrypted)
    # Step 2 of docs/keys.md: the new key goes first, the old one stays after it.
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    crypto.reset()
    assert "Re-encrypted 3" in run()[0]
    assert "Re-encrypted 0" in run()[0]  # running it again changes nothing
    settings.FIELD_ENCRYPTION_KEYS = [new]
    crypto.reset()
    assert ProviderKey.objects.order_by("pk").last().reveal_webhook_secret() == WEBHOOK_SECRET


def test_environment_mode_refuses_a_given_key(keys):
    with pytest.raises(CommandError, match="Put the new key first in FIELD_ENCRYPTION_KEYS"):
        run(f"--new-key={crypto.generate_key()}")
    with pytest.raises(CommandError, match="remove the old key from the environment"):
        run("--retire-old-keys")


def test_a_malformed_new_key_is_refused(key_file_mode, keys):
    with pytest.raises(CommandError, match="not a valid encryption key") as caught:
        run("--new-key", "not-a-key")
    assert "not-a-key" not in str(caught.value)


def test_a_secret_from_an_unknown_key_stops_the_rotation_clearly(settings, keys):
    foreign = Fernet(Fernet.generate_key()).encrypt(b"x").decode()
    ProviderKey.objects.filter(pk=keys[0].pk).update(secret_encrypted=foreign)
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key(), settings.FIELD_ENCRYPTION_KEYS[0]]
    crypto.reset()
    with pytest.raises(CommandError, match=f"secret of key {keys[0].code} cannot be read"):
        run()


def test_deleted_keys_without_secrets_are_skipped(settings, keys):
    from soundsite.keys.services import delete_key

    delete_key(keys[0])
    settings.FIELD_ENCRYPTION_KEYS = [crypto.generate_key(), settings.FIELD_ENCRYPTION_KEYS[0]]
    crypto.reset()
    assert "Re-encrypted 2" in run()[0]
