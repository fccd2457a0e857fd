"""A reply waiting on its provider must not hold up anyone else's requests."""

import asyncio
import time

import pytest
from django.urls import get_resolver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("stream", [False, True])
async def test_a_stalled_provider_does_not_block_other_requests(async_api, fake_openai, stream):
    get_resolver().url_patterns  # noqa: B018  (imports every view and SDK now, as the servers do at start)
    fake_openai.state.mode = "stall"
    chat = asyncio.create_task(
        async_api.post(
            "/api/chat", {"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
        )
    )
    await asyncio.sleep(0.3)  # the chat request is now waiting on the provider

    import faulthandler

    log = open("/tmp/stacks.txt", "w")
    faulthandler.dump_traceback_later(1.0, exit=False, file=log)
    started = time.monotonic()
    listing = await asyncio.wait_for(async_api.get("/"), 3)
    waited = time.monotonic() - started

    assert listing.status_code == 200
    assert waited < 1.5
    assert not chat.done()
    fake_openai.state.release.set()
    assert (await chat).status_code in (502, 504)
