from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    RefreshTokenSerializer,
    TokenPairSerializer,
    UserLoginSerializer,
    UserRegisterSerializer,
    UserSerializer,
)
from chatstudio.schema import ERROR_RESPONSES, MessageResponse, error_response
from chatstudio.throttling import AuthIPThrottle, DefaultThrottle, LoginUsernameThrottle


class PublicView(APIView):
    """Needs no access token (a stale one in the header is ignored); failures still answer 401."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [DefaultThrottle, AuthIPThrottle]

    def get_authenticate_header(self, request):
        return "Bearer"


class RegisterView(PublicView):
    @extend_schema(
        tags=["auth"],
        request=UserRegisterSerializer,
        responses={200: TokenPairSerializer, 400: error_response("Username or email taken."), **ERROR_RESPONSES},
    )
    def post(self, request):
        serializer = UserRegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        return Response(services.tokens_issue(user=user))


class LoginView(PublicView):
    throttle_classes = [DefaultThrottle, AuthIPThrottle, LoginUsernameThrottle]

    @extend_schema(
        tags=["auth"],
        request=UserLoginSerializer,
        responses={200: TokenPairSerializer, 401: error_response("Wrong credentials."), **ERROR_RESPONSES},
    )
    def post(self, request):
        serializer = UserLoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_authenticate(request=request, **serializer.validated_data)
        return Response(services.tokens_issue(user=user))


class MeView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(tags=["auth"], responses={200: UserSerializer, 401: error_response("Not authenticated.")})
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class RefreshView(PublicView):
    @extend_schema(
        tags=["auth"],
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, 401: error_response("Invalid, expired or used refresh token.")},
    )
    def post(self, request):
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.tokens_refresh(**serializer.validated_data))


class LogoutView(PublicView):
    @extend_schema(
        tags=["auth"],
        request=RefreshTokenSerializer,
        responses={200: MessageResponse, 401: error_response("Invalid, expired or used refresh token.")},
    )
    def post(self, request):
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.tokens_revoke(**serializer.validated_data)
        return Response({"message": _("Logged out.")})
