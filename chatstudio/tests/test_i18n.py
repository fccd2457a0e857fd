import pytest

pytestmark = pytest.mark.django_db


def test_errors_are_english_by_default(api):
    response = api.post("/api/auth/login", {"username": "nobody", "password": "x"}, format="json")

    assert response.json()["detail"] == "Incorrect username or password."
    assert response["Content-Language"] == "en"


def test_errors_are_simplified_chinese_for_zh_cn(api, user_api):
    login = api.post(
        "/api/auth/login", {"username": "nobody", "password": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    )
    missing = user_api.get("/api/conversations/nope", HTTP_ACCEPT_LANGUAGE="zh-CN")
    invalid = api.post("/api/auth/register", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-CN")
    weak = api.post(
        "/api/auth/register",
        {"username": "u1", "email": "u1@example.com", "password": "abcdefgh1"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-CN",
    )

    assert login.json()["detail"] == "用户名或密码错误。"
    assert login["Content-Language"] == "zh-hans"
    assert missing.json()["detail"] == "未找到。"
    assert invalid.json()["error"]["details"]["username"] == ["该字段是必填项。"]
    assert "密码必须包含大写字母、符号。" in weak.json()["error"]["details"]["password"]
