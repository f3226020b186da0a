"""API building blocks: one error body everywhere, and pagination."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError


def acting_user(request: Request) -> Any:
    """The signed-in user of an authenticated API request (the permission layer guarantees one)."""
    user = request.user
    if not user.is_authenticated:
        raise exceptions.NotAuthenticated()
    return user


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{key}: {' '.join(_flatten(value))}" for key, value in detail.items()]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn every error into ``{"code", "detail", "fields"}``."""
    if isinstance(exc, ApplicationError):
        return Response({"code": exc.code, "detail": exc.detail, "fields": exc.fields}, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields: dict[str, list[str]] = {}
        if isinstance(exc.detail, dict):
            fields = {key: _flatten(value) for key, value in exc.detail.items()}
        else:
            fields = {"non_field_errors": _flatten(exc.detail)}
        response.data = {
            "code": "validation_error",
            "detail": _("Some fields are not valid."),
            "fields": fields,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    if isinstance(exc, exceptions.ParseError):
        response.data = {
            "code": "parse_error",
            "detail": _("The request body could not be read. Send valid JSON."),
            "fields": {},
        }
        return response
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else code
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    response.data = {"code": code, "detail": str(detail), "fields": {}}
    return response


class EmailRateThrottle(SimpleRateThrottle):
    """Limits attempts per email address in this schema, whatever address they come from."""

    scope = "email"
    rate = "10/minute"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        # Hashed: an address may hold characters a cache key must not (spaces, control characters).
        ident = hashlib.sha256(email.strip().lower()[:254].encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
