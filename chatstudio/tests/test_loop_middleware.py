"""The middleware stack served over ASGI, whose hooks run on the event loop (loop_middleware)."""

import pytest
from asgiref.sync import sync_to_async
from django.test import AsyncClient
from rest_framework_simplejwt.tokens import AccessToken

from conftest import STRONG_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


async def test_an_api_answer_over_asgi_carries_every_middlewares_headers(user):
    token = await sync_to_async(lambda: str(AccessToken.for_user(user)))()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"}

    response = await AsyncClient().get("/api/conversations/missing", headers=headers)

    assert response.status_code == 404
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Language"] == "zh-hans"
    assert any("\u4e00" <= character <= "\u9fff" for character in response.json()["detail"])  # translated in the view
    assert "Accept-Language" in response["Vary"]
    assert response["X-Request-ID"]


async def test_a_session_login_over_asgi_is_saved_and_recognised(make_user):
    await sync_to_async(make_user)("operator", is_staff=True, is_superuser=True)
    client = AsyncClient()

    login = await client.post("/admin/login/", {"username": "operator", "password": STRONG_PASSWORD})
    admin = await client.get("/admin/")

    assert login.status_code == 302
    assert admin.status_code == 200
    assert b"operator" in admin.content


async def test_a_request_that_leaves_the_session_alone_sets_no_cookie():
    response = await AsyncClient().get("/health")

    assert "sessionid" not in response.cookies
