"""Users' own provider keys: encrypted at rest with MultiFernet, rotation, lookup."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from chat.models import ProviderKey


def _fernet() -> MultiFernet:
    keys = list(settings.PROVIDER_KEY_ENCRYPTION_KEYS)
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured("PROVIDER_KEY_ENCRYPTION_KEYS must be set when DEBUG=0.")
        # Development only: a key derived from SECRET_KEY, stable across restarts.
        digest = hashlib.sha256(f"provider-keys:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


@transaction.atomic
def provider_key_set(*, user, provider: str, key: str) -> ProviderKey:
    """Stores (or replaces) the user's key for this provider, encrypted with the current key."""
    stored, _created = ProviderKey.objects.update_or_create(
        user=user, provider=provider, defaults={"encrypted_key": encrypt_secret(key), "last_four": key[-4:]}
    )
    return stored


def provider_key_delete(*, user, provider: str) -> bool:
    """Deletes the user's key for this provider; False when there was none."""
    deleted, _details = ProviderKey.objects.filter(user=user, provider=provider).delete()
    return bool(deleted)


def provider_key_for(*, user, provider: str) -> str | None:
    """The user's decrypted key for this provider, or None."""
    if user is None or not getattr(user, "pk", None):
        return None
    stored = ProviderKey.objects.filter(user=user, provider=provider).only("encrypted_key").first()
    if stored is None:
        return None
    try:
        return decrypt_secret(stored.encrypted_key)
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored provider key cannot be decrypted; is its encryption key missing from "
            "PROVIDER_KEY_ENCRYPTION_KEYS?"
        ) from None


def provider_keys_for(*, user) -> dict[str, str]:
    """All the user's decrypted keys by provider, in one query."""
    if user is None or not getattr(user, "pk", None):
        return {}
    stored = ProviderKey.objects.filter(user=user).values_list("provider", "encrypted_key")
    try:
        return {provider: decrypt_secret(token) for provider, token in stored}
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored provider key cannot be decrypted; is its encryption key missing from "
            "PROVIDER_KEY_ENCRYPTION_KEYS?"
        ) from None


def provider_keys_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypts every stored key with the first encryption key; returns how many were rewritten.

    Run after putting a new key first in PROVIDER_KEY_ENCRYPTION_KEYS; afterwards the old key
    can be removed. Safe to rerun.
    """
    fernet = _fernet()
    rotated = 0
    ids = list(ProviderKey.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            for stored in ProviderKey.objects.select_for_update().filter(pk__in=ids[start : start + batch_size]):
                stored.encrypted_key = fernet.rotate(stored.encrypted_key.encode()).decode()
                stored.save(update_fields=["encrypted_key"])
                rotated += 1
    return rotated
