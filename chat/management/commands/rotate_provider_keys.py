from django.core.management.base import BaseCommand

from chat.keys import provider_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypts every stored user provider key with the first key in PROVIDER_KEY_ENCRYPTION_KEYS. "
        "Put the new key first (keep the old ones after it), run this, then drop the old keys. Safe to rerun."
    )

    def handle(self, *args, **options):
        rotated = provider_keys_rotate()
        self.stdout.write(f"Re-encrypted {rotated} provider keys.")
