"""Account actions: registration, sign-in and the token lifecycle."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User
from chatstudio.exceptions import BadRequest


def tokens_issue(*, user: User) -> dict:
    """A fresh access and refresh token pair for `user`; records the refresh token as outstanding."""
    refresh = RefreshToken.for_user(user)
    return {
        "access_token": str(refresh.access_token),
        "token_type": "bearer",
        "refresh_token": str(refresh),
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    }


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    """Creates an active account with an Argon2-hashed password."""
    if User.objects.filter(username__iexact=username).exists():
        raise BadRequest(_("This username is already taken."), code="username_taken")
    if User.objects.filter(email__iexact=email).exists():
        raise BadRequest(_("This email is already registered."), code="email_taken")
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError:
        # Lost a race with a concurrent registration of the same name or email.
        raise BadRequest(_("This username or email is already taken."), code="username_taken") from None


def user_authenticate(*, request, username: str, password: str) -> User:
    """The active user with these credentials; one message whether the user exists or not."""
    known = User.objects.filter(username__iexact=username).only("username").first()
    user = authenticate(request, username=known.username if known else username, password=password)
    if user is None:
        raise AuthenticationFailed(_("Incorrect username or password."), code="invalid_credentials")
    return user


def _refresh_token_from(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError:
        raise AuthenticationFailed(
            _("The refresh token is invalid, expired or already used."), code="token_not_valid"
        ) from None


def _revoke(token: RefreshToken) -> bool:
    """Blacklists `token`; False when another request already did (the unique row decides)."""
    outstanding, _created = OutstandingToken.objects.get_or_create(
        jti=token["jti"],
        defaults={
            "token": str(token),
            "expires_at": datetime_from_epoch(token["exp"]),
            "user_id": token.get("user_id"),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def tokens_refresh(*, refresh_token: str) -> dict:
    """Swaps a refresh token for a new pair; the old one stops working (it works exactly once)."""
    token = _refresh_token_from(refresh_token)
    user = User.objects.filter(pk=token.get("user_id"), is_active=True).first()
    if user is None or not _revoke(token):
        raise AuthenticationFailed(_("The refresh token is invalid, expired or already used."), code="token_not_valid")
    return tokens_issue(user=user)


@transaction.atomic
def tokens_revoke(*, refresh_token: str) -> None:
    """Logs out: the refresh token can no longer be used."""
    _revoke(_refresh_token_from(refresh_token))


@transaction.atomic
def user_delete(*, user: User, password: str) -> None:
    """Deletes the account and everything it owns (conversations, messages, usage, socket
    messages) after confirming the password; its tokens stop working at once."""
    if not user.check_password(password):
        raise BadRequest(_("The password is incorrect."), code="invalid_password")
    for token in OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True):
        BlacklistedToken.objects.get_or_create(token=token)
    user.delete()
