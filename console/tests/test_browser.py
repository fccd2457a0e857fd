"""The console in a real browser (Chromium headless), against a real daphne process."""

import time
import uuid

import pytest

from conversations.models import Message

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Corr3ct-Horse!"
XSS = '<script>alert("xss")</script><img src=x onerror="alert(1)"> & <b>bold</b>'
LONG_PROMPT = " ".join(f"word{i}" for i in range(50))


def sign_up(page, username: str | None = None) -> str:
    username = username or f"u{uuid.uuid4().hex[:8]}"
    page.goto("/console/")
    page.get_by_role("link", name="Create an account").click()
    page.fill("#auth-username", username)
    page.fill("#auth-email", f"{username}@example.com")
    page.fill("#auth-password", PASSWORD)
    page.click("#signup-form button[type=submit]")
    expect(page.locator("#who")).to_have_text(username)
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return username


def send(page, text: str) -> None:
    page.fill("#composer-input", text)
    page.press("#composer-input", "Enter")


def record_reply_growth(page) -> None:
    """Records, in the page, the streaming reply's text at every DOM change."""
    page.evaluate(
        """() => {
          window.__samples = [];
          const box = document.getElementById("messages");
          new MutationObserver(() => {
            const bubble = box.querySelector(".message.assistant.streaming .bubble");
            if (bubble) window.__samples.push(bubble.textContent);
          }).observe(box, { childList: true, subtree: true, characterData: true });
        }"""
    )


def test_sign_up_chat_streams_word_by_word(new_page, screens):
    page = new_page()
    page.goto("/console/")
    expect(page.locator("#signin-form")).to_be_visible()
    screens.save(page, "sign-in")
    page.get_by_role("link", name="Create an account").click()
    page.fill("#auth-username", "a")
    page.fill("#auth-email", "not-an-email")
    page.fill("#auth-password", "weak")
    page.click("#signup-form button[type=submit]")
    expect(page.locator("#auth-email-error")).to_have_text("Enter a valid email address.")
    screens.save(page, "sign-up-errors")

    username = sign_up(page)
    expect(page.locator("#model option")).not_to_have_count(0)
    screens.save(page, "new-chat")

    record_reply_growth(page)
    send(page, f"Tell me about streams {LONG_PROMPT}")
    streaming = page.locator(".message.assistant.streaming .bubble")
    expect(streaming).not_to_be_empty()
    first = streaming.text_content()
    expect(page.locator("#stop")).to_be_visible()
    screens.save(page, "reply-streaming")
    done = page.locator(".message.assistant:not(.streaming) .bubble")
    expect(done).to_contain_text("word49", timeout=20_000)
    final = done.text_content()
    screens.save(page, "reply-complete")

    samples = page.evaluate("window.__samples")
    distinct = list(dict.fromkeys(s for s in samples if s))
    assert first and len(first) < len(final) and final.startswith(first)
    assert len(distinct) >= 10, distinct  # the reply grew in many steps, not in one
    assert all(b.startswith(a) and len(b) > len(a) for a, b in zip(distinct, distinct[1:], strict=False))
    assert distinct[-1] == final
    expect(page.locator("#stop")).to_be_hidden()
    expect(page.locator("#send")).to_be_enabled()

    # The conversation was created, titled from the first message, and both messages stored.
    link = page.locator(".conversation-link").first
    expect(link).to_contain_text("Tell me about streams")
    conversation_id = page.evaluate("location.hash").split("/")[-1]
    stored = list(
        Message.objects.filter(conversation__public_id=conversation_id, conversation__owner__username=username)
        .order_by("position")
        .values_list("role", "content")
    )
    assert stored == [("user", f"Tell me about streams {LONG_PROMPT}"), ("assistant", final)]

    # Reloading the page keeps the session (sessionStorage) and shows the stored conversation.
    page.reload()
    expect(page.locator(".message.assistant .bubble")).to_have_text(final)
    assert page.errors == [] and page.dialogs == []


def test_stop_ends_the_reply_and_keeps_the_partial_text(new_page, screens):
    page = new_page()
    username = sign_up(page)
    send(page, LONG_PROMPT)
    streaming = page.locator(".message.assistant.streaming .bubble")
    expect(streaming).to_contain_text("word3")
    page.click("#stop")
    badge = page.locator(".message.assistant .badge")
    expect(badge).to_have_text("stopped")
    expect(page.locator("#stop")).to_be_hidden()
    partial = page.locator(".message.assistant .bubble").text_content()
    assert "word3" in partial and "word49" not in partial
    screens.save(page, "reply-stopped")

    deadline = time.time() + 5
    while time.time() < deadline:
        reply = Message.objects.filter(conversation__owner__username=username, role="assistant").first()
        if reply:
            break
        time.sleep(0.1)
    # What the browser showed is what was stored, or a prefix of it: a chunk produced just as
    # the stop arrived may be stored without having been sent.
    assert reply.stopped is True and reply.content.startswith(partial)
    assert len(reply.content.split()) - len(partial.split()) <= 1

    # Stored as stopped: after a reload the badge is still there, with the stored text.
    page.reload()
    expect(page.locator(".message.assistant .badge")).to_have_text("stopped")
    expect(page.locator(".message.assistant .bubble")).to_have_text(reply.content)

    # The console can send again after a stop.
    send(page, "again")
    expect(page.locator(".message.assistant:not(.streaming) .bubble").last).to_contain_text("again", timeout=20_000)
    assert page.errors == []


def test_search_finds_titles_and_messages(new_page, screens):
    page = new_page()
    sign_up(page)
    for text in ["Plan a hike in the Alps", "Recipe for 周末 dumplings", "Notes on kayaks"]:
        page.click("#new-chat")
        send(page, text)
        expect(page.locator(".message.assistant:not(.streaming) .bubble")).to_contain_text(text, timeout=20_000)
    expect(page.locator(".conversation-link")).to_have_count(3)

    page.fill("#search", "HIKE")
    expect(page.locator(".list-title")).to_have_text("1 result for “HIKE”")
    expect(page.locator(".conversation-link")).to_have_count(1)
    expect(page.locator(".conversation-link mark").first).to_have_text("hike")
    screens.save(page, "search")

    page.fill("#search", "周末")
    expect(page.locator(".conversation-link")).to_have_count(1)
    expect(page.locator(".conversation-link .title")).to_contain_text("dumplings")

    page.fill("#search", "local development model")  # only in the replies: a message match
    expect(page.locator(".conversation-link")).to_have_count(3)
    expect(page.locator(".conversation-link .preview mark").first).to_have_text("local development model")

    page.fill("#search", "")
    expect(page.locator(".list-title")).to_have_text("Recent")
    page.locator(".conversation-link", has_text="kayaks").click()
    expect(page.locator("#conversation-title")).to_have_text("Notes on kayaks")
    assert page.errors == []


def test_two_people_in_a_room_see_messages_and_typing(new_page, screens):
    alice_page, bob_page = new_page(), new_page()
    alice, bob = sign_up(alice_page, "alice_room"), sign_up(bob_page, "bob_room")
    room = f"lobby-{uuid.uuid4().hex[:6]}"
    for page in (alice_page, bob_page):
        page.click("nav >> text=Rooms")
        page.fill("#room-name", room)
        page.click("#join-room button")
        expect(page.locator("#room-title")).to_have_text(f"# {room}")
    for page in (alice_page, bob_page):
        expect(page.locator("#members li.online")).to_have_count(2)
        expect(page.locator("#members")).to_contain_text(alice)
        expect(page.locator("#members")).to_contain_text(bob)

    alice_page.type("#composer-input", "Hello Bob")
    expect(bob_page.locator("#typing")).to_have_text(f"{alice} is typing…")
    screens.save(bob_page, "room-typing")
    alice_page.press("#composer-input", "Enter")
    expect(bob_page.locator("#room-messages .message.other .bubble")).to_have_text("Hello Bob")
    expect(bob_page.locator("#room-messages .message.other .author")).to_have_text(alice)
    expect(bob_page.locator("#typing")).to_have_text("")
    expect(alice_page.locator("#room-messages .message.user .bubble")).to_have_text("Hello Bob")

    bob_page.type("#composer-input", "Hi Alice")
    expect(alice_page.locator("#typing")).to_have_text(f"{bob} is typing…")
    bob_page.press("#composer-input", "Enter")
    expect(alice_page.locator("#room-messages .message.other .bubble")).to_have_text("Hi Alice")

    # An AI reply asked for in the room streams to both.
    send(alice_page, "@assistant say hi to everyone")
    for page in (alice_page, bob_page):
        expect(page.locator("#room-messages .message.assistant .bubble")).to_contain_text(
            "say hi to everyone", timeout=20_000
        )
    screens.save(alice_page, "room")
    screens.save(bob_page, "room-other-member")

    bob_page.click("nav >> text=Chat")
    expect(alice_page.locator("#members li.offline")).to_have_count(1, timeout=15_000)
    assert alice_page.errors == [] and bob_page.errors == []


def test_script_in_a_message_is_shown_as_text(new_page, screens):
    page = new_page()
    sign_up(page)
    send(page, XSS)
    expect(page.locator(".message.user .bubble")).to_have_text(XSS)
    expect(page.locator(".message.assistant:not(.streaming) .bubble")).to_contain_text("<script>", timeout=20_000)
    expect(page.locator(".conversation-link .title")).to_contain_text("<script>")
    page.reload()  # stored and rendered again from the API
    expect(page.locator(".message.user .bubble")).to_have_text(XSS)
    assert page.locator(".messages script, .messages img, .messages b, .sidebar script").count() == 0
    screens.save(page, "script-as-text")

    page.click("nav >> text=Rooms")
    page.fill("#room-name", "xss-room")
    page.click("#join-room button")
    expect(page.locator("#members li.online")).to_have_count(1)
    send(page, XSS)
    expect(page.locator("#room-messages .message.user .bubble")).to_have_text(XSS)
    assert page.locator("#room-messages script, #room-messages img").count() == 0
    time.sleep(0.3)
    assert page.dialogs == [] and page.errors == []
    assert page.evaluate("document.querySelectorAll('script').length") == 1  # the console's own module


def test_usage_shows_totals_by_model_and_a_daily_chart(new_page, screens):
    page = new_page()
    sign_up(page)
    send(page, "count my tokens")
    expect(page.locator(".message.assistant:not(.streaming) .bubble")).to_contain_text(
        "count my tokens", timeout=20_000
    )
    page.click("nav >> text=Usage")
    expect(page.locator("#total-conversations strong")).to_have_text("1")
    expect(page.locator("#total-messages strong")).to_have_text("2")
    expect(page.locator("#usage-by-model tbody")).to_contain_text("local-echo")
    # Today's bar in the daily chart, one segment per model, with its tooltip.
    bar = page.locator(f"#usage-chart g.bar[data-date='{time.strftime('%Y-%m-%d', time.gmtime())}'] rect")
    expect(bar).to_have_count(1)
    assert "local-echo" in bar.locator("title").text_content()
    expect(page.locator("#usage-chart .legend")).to_have_text("local-echo")
    screens.save(page, "usage")
    page.click("button[data-metric=cost]")
    expect(page.locator("#usage-chart")).to_contain_text("Nothing to pay")  # the local model is free
    page.click("button[data-metric=tokens]")
    page.select_option("#usage-range", "30")
    expect(page.locator("#usage-chart g.bar")).to_have_count(30)
    assert page.errors == []


def test_narrow_screen_shows_one_pane_at_a_time(new_page, screens):
    page = new_page(width=390, height=780)
    sign_up(page)
    page.click("#new-chat")
    send(page, "hello from a phone")
    expect(page.locator(".message.assistant:not(.streaming) .bubble")).to_contain_text("phone", timeout=20_000)
    expect(page.locator(".sidebar")).to_be_hidden()
    screens.save(page, "phone-conversation")
    page.click(".back")
    expect(page.locator(".sidebar")).to_be_visible()
    expect(page.locator(".conversation")).to_be_hidden()
    expect(page.locator(".conversation-link .preview")).to_have_text("2 messages · local-echo")
    screens.save(page, "phone-list")
    assert page.errors == []
