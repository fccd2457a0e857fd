"""Per-user provider keys: API, encryption at rest, use in requests, rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from chat import keys
from chat.models import ProviderKey
from conversations import timestamps

pytestmark = pytest.mark.django_db

SECRET = "sk-user-secret-abcd1234"


def test_create_list_delete(user_api, other_api, django_assert_num_queries):
    r = user_api.post("/api/auth/keys", {"provider": "openai", "key": SECRET}, format="json")
    assert r.status_code == 201
    stored = ProviderKey.objects.get()
    assert r.json() == {"provider": "openai", "lastFour": "1234", "createdAt": timestamps.to_ms(stored.created_at)}
    user_api.post("/api/auth/keys", {"provider": "anthropic", "key": "sk-ant-zzzz9876"}, format="json")
    with django_assert_num_queries(2):
        r = user_api.get("/api/auth/keys")
    assert [(k["provider"], k["lastFour"]) for k in r.json()] == [("anthropic", "9876"), ("openai", "1234")]
    assert SECRET not in r.content.decode()
    assert other_api.get("/api/auth/keys").json() == []
    assert other_api.delete("/api/auth/keys/openai").status_code == 404
    assert user_api.delete("/api/auth/keys/openai").json() == {"message": "Key deleted."}
    assert list(ProviderKey.objects.values_list("provider", flat=True)) == ["anthropic"]


def test_database_holds_no_plaintext_key(user_api):
    user_api.post("/api/auth/keys", {"provider": "openai", "key": SECRET}, format="json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM chat_providerkey")
        row = " ".join(str(value) for value in cursor.fetchone())
    assert SECRET not in row
    assert SECRET[:-4] not in row
    assert keys.decrypt_secret(ProviderKey.objects.get().encrypted_key) == SECRET


def test_invalid_provider_is_422(user_api):
    r = user_api.post("/api/auth/keys", {"provider": "mistral", "key": SECRET}, format="json")
    assert r.status_code == 422


@pytest.mark.django_db(transaction=True)
def test_the_users_key_is_sent_instead_of_the_servers(user_api, other_api, fake_openai):
    user_api.post("/api/auth/keys", {"provider": "openai", "key": SECRET}, format="json")
    user_api.post("/api/chat", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, format="json")
    other_api.post("/api/chat", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, format="json")
    sent = [request["headers"]["authorization"] for request in fake_openai.state.requests]
    assert sent == [f"Bearer {SECRET}", "Bearer sk-server-key-0000"]


def test_a_user_key_makes_the_provider_available(user_api, settings):
    user_api.post("/api/auth/keys", {"provider": "anthropic", "key": SECRET}, format="json")
    models = user_api.get("/api/chat/models").json()["models"]
    assert {"id": "claude-sonnet-4-6", "provider": "anthropic"} in models


def test_rotation_reencrypts_with_the_new_key(user, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PROVIDER_KEY_ENCRYPTION_KEYS = [old]
    keys.provider_key_set(user=user, provider="openai", key=SECRET)
    before = ProviderKey.objects.get().encrypted_key
    settings.PROVIDER_KEY_ENCRYPTION_KEYS = [new, old]
    assert keys.provider_key_for(user=user, provider="openai") == SECRET  # old key still decrypts
    call_command("rotate_provider_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = ProviderKey.objects.get().encrypted_key
    assert after != before
    settings.PROVIDER_KEY_ENCRYPTION_KEYS = [new]  # old key retired
    assert keys.provider_key_for(user=user, provider="openai") == SECRET
    assert Fernet(new.encode()).decrypt(after.encode()).decode() == SECRET


def test_check_providers_reports_each(settings, fake_openai, capsys):
    call_command("check_providers")
    out = capsys.readouterr().out
    assert "openai: ok with gpt-4o: 'Hello from the fake provider.'" in out
    assert "anthropic: not configured" in out
    assert "local: ok with local-echo" in out


def test_the_data_export_lists_usage_but_never_a_key(user_api, fake_openai):
    chat = user_api.post(
        "/api/chat", {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}, format="json"
    )
    assert chat.status_code == 200
    user_api.post("/api/auth/keys", {"provider": "openai", "key": SECRET}, format="json")

    export = user_api.get("/api/auth/me/export").json()

    assert [(u["model"], u["input_tokens"], u["output_tokens"]) for u in export["chat_usage"]] == [("gpt-4o", 1, 5)]
    assert SECRET not in str(export)
