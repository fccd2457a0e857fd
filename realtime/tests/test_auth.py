"""Socket authentication, origins and close codes, through the real ASGI application."""

import pytest
from django.test import override_settings

from realtime.tests.conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_query_token_authenticates(sockets, user):
    ws = await sockets(f"/ws/{user.pk}?token={token_for(user)}")
    assert ws.connected
    assert await ws.recv() == {"type": "ready", "user_id": str(user.pk), "seq": 0}
    await ws.send({"type": "ping"})
    assert (await ws.recv())["type"] == "pong"


async def test_subprotocol_pair_authenticates_and_bearer_is_echoed(sockets, user):
    ws = await sockets(f"/ws/{user.pk}", subprotocols=["bearer", token_for(user)])
    assert ws.subprotocol == "bearer"
    assert (await ws.recv())["type"] == "ready"


async def test_first_frame_auth(sockets, user):
    ws = await sockets(f"/ws/{user.pk}")
    await ws.send({"type": "auth", "token": token_for(user)})
    assert (await ws.recv())["type"] == "ready"
    await ws.send({"type": "auth", "token": token_for(user)})
    assert (await ws.recv())["code"] == "already_authenticated"


async def test_first_frame_other_than_auth_closes_4401(sockets, user):
    ws = await sockets(f"/ws/{user.pk}")
    await ws.send({"type": "ping"})
    assert (await ws.recv())["code"] == "not_authenticated"
    assert await ws.closed_with() == 4401


async def test_bad_first_frame_token_closes_4401(sockets, user):
    ws = await sockets(f"/ws/{user.pk}")
    await ws.send({"type": "auth", "token": "nope"})
    assert (await ws.recv())["code"] == "invalid_token"
    assert await ws.closed_with() == 4401


@override_settings(REALTIME_AUTH_TIMEOUT_SECONDS=0.2)
async def test_no_credentials_in_time_closes_4401(sockets, user):
    ws = await sockets(f"/ws/{user.pk}")
    assert ws.connected
    assert (await ws.recv())["code"] == "auth_timeout"
    assert await ws.closed_with() == 4401


async def test_invalid_query_token_closes_4401(sockets, user):
    ws = await sockets(f"/ws/{user.pk}?token=not-a-jwt")
    assert await ws.closed_with() == 4401


@pytest.fixture
def refresh_token(user):
    from accounts import services

    return services.tokens_issue(user=user)["refresh_token"]


async def test_refresh_token_is_not_an_access_token(sockets, user, refresh_token):
    refresh = refresh_token
    ws = await sockets(f"/ws/{user.pk}?token={refresh}")
    assert await ws.closed_with() == 4401


@pytest.fixture
def deactivated(make_user):
    gone = make_user("gone")
    token = token_for(gone)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    return gone, token


async def test_deactivated_user_closes_4401(sockets, deactivated):
    gone, token = deactivated
    ws = await sockets(f"/ws/{gone.pk}?token={token}")
    assert await ws.closed_with() == 4401


async def test_path_of_another_user_closes_4403(sockets, user, other_user):
    ws = await sockets(f"/ws/{other_user.pk}?token={token_for(user)}")
    assert await ws.closed_with() == 4403


async def test_first_frame_auth_for_another_users_path_closes_4403(sockets, user, other_user):
    ws = await sockets(f"/ws/{other_user.pk}")
    await ws.send({"type": "auth", "token": token_for(user)})
    assert await ws.closed_with() == 4403


async def test_foreign_origin_closes_4403_even_with_a_token(sockets, user):
    ws = await sockets(f"/ws/{user.pk}?token={token_for(user)}", headers=[(b"origin", b"https://evil.example")])
    assert await ws.closed_with() == 4403


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"])
async def test_cors_allowed_origin_is_accepted(sockets, user):
    ws = await sockets(f"/ws/{user.pk}?token={token_for(user)}", headers=[(b"origin", b"https://app.example.com")])
    assert (await ws.recv())["type"] == "ready"


async def test_own_host_origin_is_accepted(sockets, user):
    ws = await sockets(f"/ws/{user.pk}?token={token_for(user)}", headers=[(b"origin", b"http://localhost:8000")])
    assert (await ws.recv())["type"] == "ready"


@pytest.fixture
def session_cookie(user, client):
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def test_session_authenticates_same_origin_page(sockets, user, session_cookie):
    cookie = session_cookie
    ws = await sockets(f"/ws/{user.pk}", headers=[(b"origin", b"http://localhost:8000"), (b"cookie", cookie)])
    assert (await ws.recv())["type"] == "ready"


@override_settings(REALTIME_AUTH_TIMEOUT_SECONDS=0.2)
async def test_session_without_origin_is_not_enough(sockets, user, session_cookie):
    cookie = session_cookie
    ws = await sockets(f"/ws/{user.pk}", headers=[(b"cookie", cookie)])
    assert (await ws.recv())["code"] == "auth_timeout"
    assert await ws.closed_with() == 4401


async def test_unknown_socket_path_closes_4404(sockets, user):
    ws = await sockets(f"/ws/nowhere/at/all?token={token_for(user)}")
    assert await ws.closed_with() == 4404


async def test_token_is_removed_from_the_scope(user):
    from channels.testing import WebsocketCommunicator

    from realtime.middleware import SocketAuthMiddleware

    seen = {}

    async def app(scope, receive, send):
        seen.update(scope)

    comm = WebsocketCommunicator(
        SocketAuthMiddleware(app), f"/ws/{user.pk}?token={token_for(user)}&last_seq=3", subprotocols=["bearer", "x"]
    )
    await comm.send_input({"type": "websocket.connect"})
    await comm.wait(1)
    assert seen["query_string"] == b"last_seq=3"
    assert seen["subprotocols"] == ["bearer"]
