"""What a user owns, gathered from every app for `GET /api/auth/me/export`.

Apps sit above accounts, so each registers its part in its `AppConfig.ready()`:
`register_user_data("conversations", lambda user: [...])`. Deleting the account removes all of
it through the foreign keys' cascades.
"""

from collections.abc import Callable
from typing import Any

_sections: dict[str, Callable[[Any], Any]] = {}


def register_user_data(name: str, collect: Callable[[Any], Any]) -> None:
    _sections[name] = collect


def user_data_export(*, user) -> dict:
    return {
        "user": {
            "id": str(user.pk),
            "username": user.username,
            "email": user.email,
            "created_at": user.date_joined.isoformat(),
        },
        **{name: collect(user) for name, collect in sorted(_sections.items())},
    }
