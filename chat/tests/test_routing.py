"""Routing by model name, ?provider=, the local default, the unknown-model error, validation."""

import pytest

from chat.providers import provider_name_for_model

pytestmark = pytest.mark.django_db

LOCAL_REPLY = (
    "This is local-echo, the local development model of Chat Studio. No AI service was called, so this reply "
    "is not intelligent. You wrote: hi there"
)
LOCAL_MODELS = [{"id": "local-echo", "provider": "local"}]
OPENAI_MODELS = [
    {"id": m, "provider": "openai"}
    for m in ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-3.5-turbo", "o3-mini", "o4-mini"]
]


def chat(api, path="/api/chat", **body):
    return api.post(path, {"messages": [{"role": "user", "content": "hi there"}], **body}, format="json")


@pytest.mark.parametrize(
    ("model", "provider"),
    [("gpt-4o", "openai"), ("o1-mini", "openai"), ("o3-mini", "openai"), ("o4-mini", "openai"),
     ("claude-sonnet-4-6", "anthropic"), ("local-echo", "local"), ("llama3", None)],
)  # fmt: skip
def test_model_names_pick_the_provider(model, provider):
    assert provider_name_for_model(model) == provider


def test_without_keys_the_local_model_answers_any_known_model(user_api):
    r = chat(user_api, model="gpt-4o")
    assert r.status_code == 200
    assert r.json() == {"content": LOCAL_REPLY, "tokens": 25, "model": "local-echo"}


def test_unknown_model_answers_400_listing_available_ones(user_api):
    r = chat(user_api, model="llama3")
    message = "Unknown model llama3. Available models: local-echo."
    assert r.status_code == 400
    assert r.json() == {
        "error": {"code": "unknown_model", "message": message, "request_id": r["X-Request-ID"], "details": {}},
        "detail": message,
    }


def test_model_of_unconfigured_provider_answers_400_when_another_is_configured(user_api, fake_openai):
    r = chat(user_api, model="claude-sonnet-4-6")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "model_unavailable"
    assert r.json()["error"]["message"].startswith(
        "Model claude-sonnet-4-6 is not available: its provider is not configured. Available models: gpt-4o, "
    )


def test_models_lists_what_can_be_served(user_api, fake_openai, django_assert_num_queries):
    with django_assert_num_queries(2):  # the token's user, the user's stored keys
        r = user_api.get("/api/chat/models")
    assert r.status_code == 200
    assert r.json() == {"default": "local-echo", "models": OPENAI_MODELS + LOCAL_MODELS}


def test_models_without_keys_is_the_local_model(user_api):
    assert user_api.get("/api/v1/chat/models").json() == {"default": "local-echo", "models": LOCAL_MODELS}


def test_provider_query_picks_the_provider(user_api, fake_openai):
    r = chat(user_api, path="/api/chat/ai?provider=local", model="gpt-4o")
    assert r.json() == {"content": LOCAL_REPLY, "tokens": 25, "model": "local-echo"}
    r = chat(user_api, path="/api/v1/chat/ai?provider=openai")
    assert r.json() == {"content": "Hello from the fake provider.", "tokens": 5, "model": "gpt-4o"}
    assert fake_openai.state.requests[0]["body"]["model"] == "gpt-4o"


def test_provider_query_for_unconfigured_provider_is_400(user_api):
    r = chat(user_api, path="/api/chat/ai?provider=anthropic")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "provider_not_configured"


def test_bad_provider_query_is_422(user_api):
    r = chat(user_api, path="/api/chat/ai?provider=mistral")
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"provider": ['"mistral" is not a valid choice.']}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"temperature": 2.5}, "temperature", "Ensure this value is less than or equal to 2."),
        ({"temperature": -0.1}, "temperature", "Ensure this value is greater than or equal to 0."),
        ({"max_tokens": 0}, "max_tokens", "Ensure this value is greater than or equal to 1."),
        ({"max_tokens": 4097}, "max_tokens", "Ensure this value is less than or equal to 4096."),
    ],
)
def test_validation_answers_422_with_the_envelope(user_api, body, field, message):
    r = user_api.post("/api/chat", {"messages": [{"role": "user", "content": "hi"}], **body}, format="json")
    assert r.status_code == 422
    assert r.json() == {
        "error": {
            "code": "validation_error",
            "message": f"{field}: {message}",
            "request_id": r["X-Request-ID"],
            "details": {field: [message]},
        },
        "detail": f"{field}: {message}",
    }


def test_empty_messages_is_422(user_api):
    r = user_api.post("/api/chat", {"messages": []}, format="json")
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"messages": {"non_field_errors": ["This list may not be empty."]}}


def test_invalid_role_is_422(user_api):
    r = user_api.post("/api/chat", {"messages": [{"role": "robot", "content": "hi"}]}, format="json")
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"messages": {"0": {"role": ['"robot" is not a valid choice.']}}}


def test_chat_needs_authentication(api):
    r = api.post("/api/chat", {"messages": [{"role": "user", "content": "hi"}]}, format="json")
    assert r.status_code == 401
