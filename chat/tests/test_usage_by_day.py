"""`GET /api/stats/usage`: tokens, cost and completions per day and model (the console's chart)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from chat.models import Usage

pytestmark = pytest.mark.django_db


def usage(user, *, days_ago: int, model: str, input_tokens: int, output_tokens: int, cost: str) -> None:
    row = Usage.objects.create(
        user=user,
        provider="local" if model.startswith("local-") else "openai",
        model=model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost=Decimal(cost),
        latency_ms=5,
    )
    Usage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_usage_by_day_and_model_with_empty_days(user_api, user, other_user, django_assert_num_queries):
    usage(user, days_ago=0, model="local-echo", input_tokens=3, output_tokens=20, cost="0")
    usage(user, days_ago=0, model="local-echo", input_tokens=2, output_tokens=10, cost="0")
    usage(user, days_ago=0, model="gpt-4o", input_tokens=1000, output_tokens=2000, cost="0.0225")
    usage(user, days_ago=2, model="gpt-4o", input_tokens=100, output_tokens=200, cost="0.00225")
    usage(user, days_ago=3, model="gpt-4o", input_tokens=1, output_tokens=1, cost="0.1")  # outside the range
    usage(other_user, days_ago=0, model="claude-sonnet-4-6", input_tokens=5, output_tokens=5, cost="1")
    today = timezone.now().date()
    day = [(today - timedelta(days=n)).isoformat() for n in range(3)]

    with django_assert_num_queries(2):  # the user, the aggregate
        r = user_api.get("/api/stats/usage?days=3")

    assert r.status_code == 200
    assert r.json() == {
        "start": day[2],
        "end": day[0],
        "models": ["gpt-4o", "local-echo"],
        "days": [
            {
                "date": day[2],
                "by_model": {
                    "gpt-4o": {
                        "completions": 1,
                        "input_tokens": 100,
                        "output_tokens": 200,
                        "tokens": 300,
                        "cost": 0.00225,
                    }
                },
                "tokens": 300,
                "cost": 0.00225,
                "completions": 1,
            },
            {"date": day[1], "by_model": {}, "tokens": 0, "cost": 0.0, "completions": 0},
            {
                "date": day[0],
                "by_model": {
                    "gpt-4o": {
                        "completions": 1,
                        "input_tokens": 1000,
                        "output_tokens": 2000,
                        "tokens": 3000,
                        "cost": 0.0225,
                    },
                    "local-echo": {"completions": 2, "input_tokens": 5, "output_tokens": 30, "tokens": 35, "cost": 0.0},
                },
                "tokens": 3035,
                "cost": 0.0225,
                "completions": 3,
            },
        ],
    }


def test_usage_by_day_defaults_to_fourteen_days_and_validates(user_api):
    body = user_api.get("/api/stats/usage").json()
    assert len(body["days"]) == 14 and body["models"] == []
    r = user_api.get("/api/stats/usage?days=0")
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    assert list(r.json()["error"]["details"]) == ["days"]


def test_usage_by_day_needs_a_token(api):
    assert api.get("/api/stats/usage").status_code == 401
