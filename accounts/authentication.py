from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken


class BearerAuthentication(JWTAuthentication):
    """simplejwt's bearer auth with one plain message for every bad token."""

    def get_validated_token(self, raw_token):
        try:
            return super().get_validated_token(raw_token)
        except InvalidToken:
            raise AuthenticationFailed(_("The access token is invalid or expired."), code="token_not_valid") from None
