from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    MessageSerializer,
    RefreshTokenSerializer,
    TokenPairSerializer,
    UserLoginSerializer,
    UserRegisterSerializer,
    UserSerializer,
)
from chatstudio.schema import ERROR_RESPONSES, error_response


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

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


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

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
    @extend_schema(tags=["auth"], responses={200: UserSerializer, 401: error_response("Not authenticated.")})
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class RefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, 401: error_response("Invalid, expired or used refresh token.")},
    )
    def post(self, request):
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.tokens_refresh(**serializer.validated_data))


class LogoutView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        request=RefreshTokenSerializer,
        responses={200: MessageSerializer, 401: error_response("Invalid, expired or used refresh token.")},
    )
    def post(self, request):
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.tokens_revoke(**serializer.validated_data)
        return Response({"message": _("Logged out.")})
