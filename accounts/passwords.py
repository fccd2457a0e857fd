import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_CHARACTER_CLASSES = (
    (re.compile(r"[a-z]"), "a lowercase letter"),
    (re.compile(r"[A-Z]"), "an uppercase letter"),
    (re.compile(r"\d"), "a digit"),
    (re.compile(r"[^A-Za-z0-9]"), "a symbol"),
)


class CharacterClassValidator:
    """Requires a lowercase and an uppercase letter, a digit and a symbol."""

    def validate(self, password: str, user=None) -> None:
        missing = [_(name) for pattern, name in _CHARACTER_CLASSES if not pattern.search(password)]
        if missing:
            raise ValidationError(
                _("The password must contain %(missing)s.") % {"missing": ", ".join(missing)},
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain a lowercase and an uppercase letter, a digit and a symbol.")
