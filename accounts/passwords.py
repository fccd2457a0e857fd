import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

_CHARACTER_CLASSES = (
    (re.compile(r"[a-z]"), gettext_lazy("a lowercase letter")),
    (re.compile(r"[A-Z]"), gettext_lazy("an uppercase letter")),
    (re.compile(r"\d"), gettext_lazy("a digit")),
    (re.compile(r"[^A-Za-z0-9]"), gettext_lazy("a symbol")),
)


class CharacterClassValidator:
    """Requires a lowercase and an uppercase letter, a digit and a symbol."""

    def validate(self, password: str, user=None) -> None:
        missing = [str(name) for pattern, name in _CHARACTER_CLASSES if not pattern.search(password)]
        if missing:
            raise ValidationError(
                _("The password must contain %(missing)s.")
                % {"missing": pgettext("list separator", ", ").join(missing)},
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _("Your password must contain a lowercase and an uppercase letter, a digit and a symbol.")
