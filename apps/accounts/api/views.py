from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user

from .. import selectors, services
from .serializers import InvitationInputSerializer, InvitationOutputSerializer, UserOutputSerializer


class MeApi(APIView):
    @extend_schema(responses={200: UserOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(acting_user(request)).data)


class UserListApi(APIView):
    """The firm's users, searchable by name or email, paginated."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Search in name and email")],
        responses={200: UserOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        users = selectors.user_list(search=request.query_params.get("q", "")[:100])
        paginator = Pagination()
        page = paginator.paginate_queryset(users, request, view=self)
        return paginator.get_paginated_response(UserOutputSerializer(page, many=True).data)


class InvitationListCreateApi(APIView):
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
