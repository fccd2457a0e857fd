"""Completion metrics on /metrics: counts, tokens, cost, latency and time to first chunk."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from chat.tests.conftest import read_stream

pytestmark = pytest.mark.django_db(transaction=True)


def scrape() -> str:
    return Client().get("/metrics").content.decode()


def value(text: str, name: str, labels: str) -> float:
    match = re.search(rf"^{name}{{{labels}}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_a_streamed_completion_is_counted_with_tokens_cost_and_timings(async_api, fake_openai):
    before = await sync_to_async(scrape)()

    r = await async_api.post(
        "/api/chat", {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi there"}]}
    )
    await read_stream(r)
    after = await sync_to_async(scrape)()

    def delta(name: str, labels: str) -> float:
        return value(after, name, labels) - value(before, name, labels)

    assert delta("chatstudio_completions_total", 'model="gpt-4o",outcome="completed",provider="openai"') == 1
    assert delta("chatstudio_tokens_total", 'direction="input",model="gpt-4o",provider="openai"') == 2
    assert delta("chatstudio_tokens_total", 'direction="output",model="gpt-4o",provider="openai"') == 5
    assert delta("chatstudio_cost_usd_total", 'model="gpt-4o",provider="openai"') == pytest.approx(0.000055)
    assert delta("chatstudio_completion_seconds_count", 'model="gpt-4o",provider="openai"') == 1
    assert delta("chatstudio_first_chunk_seconds_count", 'model="gpt-4o",provider="openai"') == 1
