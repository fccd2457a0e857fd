import json

import pytest
from cryptography.fernet import Fernet
from django.test import AsyncClient

from accounts import services as account_services
from chat.tests.fake_providers import FakeProviderServer

TEST_FERNET_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def chat_settings(settings):
    """No provider configured unless a test says so; fast local model; no SDK retries."""
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    settings.ANTHROPIC_API_KEY = ""
    settings.ANTHROPIC_BASE_URL = ""
    settings.CHAT_PROVIDER_MAX_RETRIES = 0
    settings.CHAT_PROVIDER_TIMEOUT = 5
    settings.LOCAL_MODEL_WORD_DELAY = 0
    settings.CHAT_DAILY_TOKEN_BUDGET = 0
    settings.PROVIDER_KEY_ENCRYPTION_KEYS = [TEST_FERNET_KEY]
    return settings


@pytest.fixture
def fake_openai(settings):
    with FakeProviderServer("openai") as fake:
        settings.OPENAI_BASE_URL = f"{fake.url}/v1"
        settings.OPENAI_API_KEY = "sk-server-key-0000"
        yield fake


@pytest.fixture
def fake_anthropic(settings):
    with FakeProviderServer("anthropic") as fake:
        settings.ANTHROPIC_BASE_URL = fake.url
        settings.ANTHROPIC_API_KEY = "sk-ant-server-key-0000"
        yield fake


class AsyncAPI:
    """Django's AsyncClient with a bearer token and JSON bodies (its `headers=` default is dropped)."""

    def __init__(self, user):
        self.client = AsyncClient()
        self.headers = {"Authorization": f"Bearer {account_services.tokens_issue(user=user)['access_token']}"}

    async def post(self, path: str, data: dict):
        return await self.client.post(path, data, content_type="application/json", headers=self.headers)

    async def get(self, path: str):
        return await self.client.get(path, headers=self.headers)


@pytest.fixture
def async_api(user):
    return AsyncAPI(user)


def parse_sse(raw: bytes) -> list[tuple[str, dict]]:
    """[(event, data)] from a text/event-stream body."""
    events = []
    for block in raw.decode().split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def read_stream(response) -> bytes:
    return b"".join([part async for part in response.streaming_content])
