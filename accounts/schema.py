"""Tells drf-spectacular that our bearer authentication is simplejwt's."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class BearerAuthenticationScheme(SimpleJWTScheme):
    target_class = "accounts.authentication.BearerAuthentication"
    name = "bearerAuth"
