"""Re-encrypt every stored secret under a new encryption key, with no downtime.

The steps are in docs/keys.md. In short: every process must be able to read both the old and
the new key before the new key becomes the one that encrypts, and the old key may go only
after every stored secret has been re-encrypted.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from soundsite.keys.models import ProviderKey
from soundsite.lib import crypto

BATCH = 200
SECRET_FIELDS = ("secret_encrypted", "webhook_secret_encrypted")


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored provider secret and webhook secret with the current "
        "encryption key (the first of FIELD_ENCRYPTION_KEYS, or of the key file)."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--generate",
            action="store_true",
            help="Make a new key. With the key file it becomes the current key at once; with "
            "FIELD_ENCRYPTION_KEYS it is only printed, for you to add to the environment.",
        )
        source.add_argument(
            "--new-key",
            metavar="KEY",
            help="Use this key (made with --generate) as the new current key (key file only). "
            "Write it as --new-key=KEY: a key may begin with '-'.",
        )
        source.add_argument(
            "--retire-old-keys",
            action="store_true",
            help="Key file only: after checking that every secret is readable with the current "
            "key, remove the older keys from the file.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only report how many secrets still need the older keys; change nothing.",
        )

    @sensitive_variables()
    def handle(self, *, generate, new_key, retire_old_keys, check, **options):
        if check:
            stale = self.count_stale()
            self.stdout.write(
                f"{stale} stored secret(s) still need an older key."
                if stale
                else "Every stored secret is encrypted with the current key."
            )
            return
        if retire_old_keys:
            self.retire()
            return
        if generate or new_key:
            key = new_key or crypto.generate_key()
            if new_key:
                self.validate(key)
            if not crypto.uses_key_file():
                if new_key:
                    raise CommandError(
                        "FIELD_ENCRYPTION_KEYS is set, so the keys come from the environment. "
                        "Put the new key first in FIELD_ENCRYPTION_KEYS (keeping the old one "
                        "after it), restart, then run this command without --new-key."
                    )
                self.stdout.write(key)
                self.stderr.write(
                    "This is a new encryption key; nothing was changed. Add it to "
                    "FIELD_ENCRYPTION_KEYS as described in docs/keys.md."
                )
                return
            self.install(key)
        rotated = self.rotate_all()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {rotated} stored secret(s)."))

    @sensitive_variables()
    def validate(self, key):
        from cryptography.fernet import Fernet

        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise CommandError(
                "That is not a valid encryption key. Make one with --generate."
            ) from None

    @sensitive_variables()
    def install(self, key):
        keys = crypto.read_key_file()
        if key in keys:
            keys.remove(key)
        # The old keys stay readable: processes still running with them keep working.
        crypto.write_key_file([key, *keys])
        crypto.reset()
        self.stdout.write(f"The new key is now the current one in {crypto.key_file()}.")

    def rotate_all(self) -> int:
        rotated = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = list(
                    ProviderKey.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")[:BATCH]
                )
                if not batch:
                    return rotated
                for key in batch:
                    changed = []
                    for name in SECRET_FIELDS:
                        token = getattr(key, name)
                        if token and not crypto.is_current(token):
                            try:
                                setattr(key, name, crypto.rotate(token))
                            except crypto.DecryptionError:
                                raise CommandError(
                                    f"The {name.replace('_encrypted', '').replace('_', ' ')} "
                                    f"of key {key.code} cannot be read with any configured "
                                    "encryption key. Nothing after it was changed; add the "
                                    "missing key and run this again."
                                ) from None
                            changed.append(name)
                            rotated += 1
                    if changed:
                        key.save(update_fields=changed)
                last_pk = batch[-1].pk

    def count_stale(self) -> int:
        stale = 0
        for values in ProviderKey.objects.values_list(*SECRET_FIELDS).iterator():
            stale += sum(1 for token in values if token and not crypto.is_current(token))
        return stale

    def retire(self):
        if not crypto.uses_key_file():
            raise CommandError(
                "FIELD_ENCRYPTION_KEYS is set: remove the old key from the environment instead, "
                "after `rotate_key_encryption --check` reports nothing left."
            )
        stale = self.count_stale()
        if stale:
            raise CommandError(
                f"{stale} stored secret(s) still need an older key. Run this command without "
                "options first."
            )
        keys = crypto.read_key_file()
        crypto.write_key_file(keys[:1])
        crypto.reset()
        self.stdout.write(self.style.SUCCESS(f"Removed {len(keys) - 1} old key(s)."))
