from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.audit.services import client_ip
from core.api import EmailRateThrottle, Pagination, acting_user

from .. import selectors, services
from ..lockout import attempt_begin, attempt_succeeded
from ..tokens import api_token_create, role_scopes
from .serializers import (
    InvitationInputSerializer,
    InvitationOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    UserOutputSerializer,
)


class TokenThrottle(AnonRateThrottle):
    rate = "20/minute"


class TokenCreateApi(APIView):
    """Exchange this firm's email and password for an API token (scoped tokens come later)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [TokenThrottle, EmailRateThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        return "Bearer"  # so wrong credentials answer 401, not 403

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email, address = serializer.validated_data["email"], client_ip(request._request)
        if attempt_begin(email=email, address=address).locked:
            raise exceptions.AuthenticationFailed(
                _("Too many failed sign-ins. Wait 15 minutes, or reset your password."), code="locked"
            )
        user = authenticate(
            request._request,
            username=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("The email or password is not correct for this firm."))
        attempt_succeeded(email=email, address=address)
        token, secret = api_token_create(
            user=user,
            name=_("Signed in with a password"),
            scopes=sorted(role_scopes(user)),
            days=90,
            request=request._request,
        )
        body = {"token": secret, "expires_at": token.expires_at, "scopes": token.scopes}
        return Response(TokenOutputSerializer(body).data)


class MeApi(APIView):
    required_scopes = {"GET": "any"}  # who the token belongs to: every token may ask

    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(acting_user(request)).data)


class UserListApi(APIView):
    """The firm's users, searchable by name or email, paginated."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    required_scopes = {"GET": "accounts:read"}

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Search in name and email")],
        responses={200: UserOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        users = selectors.user_list(search=selectors.clean_search(request.query_params.get("q")))
        paginator = Pagination()
        page = paginator.paginate_queryset(users, request, view=self)
        return paginator.get_paginated_response(UserOutputSerializer(page, many=True).data)


class InvitationListCreateApi(APIView):
    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = {"GET": "accounts:read", "POST": "accounts:write"}

    @extend_schema(responses={200: InvitationOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.invitation_list(), request, view=self)
        return paginator.get_paginated_response(InvitationOutputSerializer(page, many=True).data)

    @extend_schema(request=InvitationInputSerializer, responses={201: InvitationOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, _token = services.invitation_create(
            actor=acting_user(request),
            email=serializer.validated_data["email"],
            role=serializer.validated_data["role"],
            accept_url_base=f"{request.scheme}://{request.get_host()}",
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)
