"""Notices API, both sides.

Console (public host, /api/v1/park/notices/): a park admin lists the current park's notices
with their read figures, writes drafts, publishes and withdraws them. Firm host
(/api/v1/park/notices/): a member firm's users list and open their park's published notices;
opening one counts it as read. Another park's notice is 404; a firm in no park gets 404
``not_in_park``.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.tokens import HasScope
from core.api import Pagination, acting_user

from .. import notices
from ..access import IsParkAdmin
from ..models import Notice

KIND_HELP = "One of: " + ", ".join(Notice.Kind.values)
STATE_HELP = "draft, published or withdrawn"
Q_PARAM = OpenApiParameter("q", str, description="Search in the title and the text")
KIND_PARAM = OpenApiParameter("kind", str, description=KIND_HELP)


def paginated(request: Request, view: APIView, rows: Any, serializer: Any) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


class ConsoleApi(APIView):
    """A park admin of the current park (``?park=`` or the remembered one); closed to tokens."""

    permission_classes = [IsParkAdmin, HasScope]


class ConsoleNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=KIND_HELP)
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    body = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    attachment_name = serializers.CharField(help_text="Empty when the notice has no attachment")
    state = serializers.SerializerMethodField(help_text=STATE_HELP)
    published_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    firms_read = serializers.IntegerField(help_text="Member firms where at least one person read it")
    people_read = serializers.IntegerField(help_text="People who read it, each counted once")

    class Meta:
        ref_name = "ParkNotice"

    def get_state(self, notice: Notice) -> str:
        return notices.notice_state(notice)


class NoticeListApi(ConsoleApi):
    """The park's notices, drafts first, with read figures."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=

    @extend_schema(
        operation_id="park_notice_list",
        parameters=[Q_PARAM, KIND_PARAM, OpenApiParameter("state", str, description=STATE_HELP)],
        responses={200: ConsoleNoticeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rows = notices.notice_list_for_park(
            park=request.park,  # type: ignore[attr-defined]
            q=params.get("q", ""),
            state=params.get("state", ""),
            kind=params.get("kind", ""),
        )
        return paginated(request, self, rows, ConsoleNoticeSerializer)


class NoticeDetailApi(ConsoleApi):
    """One of the park's notices; ``member_firms`` is what ``firms_read`` is out of."""

    class OutputSerializer(ConsoleNoticeSerializer):
        member_firms = serializers.IntegerField()

        class Meta:
            ref_name = "ParkNoticeDetail"

    @extend_schema(operation_id="park_notice_detail", responses={200: OutputSerializer})
    def get(self, request: Request, notice_id: int) -> Response:
        park = request.park  # type: ignore[attr-defined]
        notice = notices.notice_get_for_park(park=park, notice_id=notice_id)
        notice.member_firms = notices.member_firm_count(park=park)  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(notice).data)


class NoticeCreateApi(ConsoleApi):
    """Write a draft (JSON, or multipart with an ``attachment`` file: PDF, Office, image or ZIP,
    at most 10 MB). Member firms see it once it is published."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        kind = serializers.CharField(required=False, default=Notice.Kind.OTHER, help_text=KIND_HELP)
        title = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="At most 200 characters")
        body = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="At most 20,000 characters")
        deadline = serializers.DateField(required=False, allow_null=True)
        attachment = serializers.FileField(required=False, allow_null=True)

        class Meta:
            ref_name = "ParkNoticeCreateInput"

    @extend_schema(operation_id="park_notice_create", request=InputSerializer, responses={201: ConsoleNoticeSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        park = request.park  # type: ignore[attr-defined]
        notice = notices.notice_create(
            park=park,
            actor=acting_user(request),
            kind=data.get("kind") or Notice.Kind.OTHER,
            title=data["title"],
            body=data["body"],
            deadline=data.get("deadline"),
            attachment=notices.attachment_from_file(data.get("attachment")),
            request=request._request,
        )
        notice = notices.notice_get_for_park(park=park, notice_id=notice.pk)
        return Response(ConsoleNoticeSerializer(notice).data, status=status.HTTP_201_CREATED)


class NoticePublishApi(ConsoleApi):
    """Publish a draft to the member firms; a deadline already past is refused (400)."""

    @extend_schema(operation_id="park_notice_publish", request=None, responses={200: ConsoleNoticeSerializer})
    def post(self, request: Request, notice_id: int) -> Response:
        park = request.park  # type: ignore[attr-defined]
        notices.notice_publish(park=park, actor=acting_user(request), notice_id=notice_id, request=request._request)
        return Response(ConsoleNoticeSerializer(notices.notice_get_for_park(park=park, notice_id=notice_id)).data)


class NoticeWithdrawApi(ConsoleApi):
    """Withdraw a published notice: firms no longer see it; its read figures stay."""

    @extend_schema(operation_id="park_notice_withdraw", request=None, responses={200: ConsoleNoticeSerializer})
    def post(self, request: Request, notice_id: int) -> Response:
        park = request.park  # type: ignore[attr-defined]
        notices.notice_withdraw(park=park, actor=acting_user(request), notice_id=notice_id, request=request._request)
        return Response(ConsoleNoticeSerializer(notices.notice_get_for_park(park=park, notice_id=notice_id)).data)


class NoticeAttachmentApi(ConsoleApi):
    """Download the notice's attachment."""

    @extend_schema(operation_id="park_notice_attachment", responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request: Request, notice_id: int) -> FileResponse:
        notice = notices.notice_get_for_park(park=request.park, notice_id=notice_id)  # type: ignore[attr-defined]
        return _download(notice)


def _download(notice: Notice) -> FileResponse:
    return FileResponse(
        notices.attachment_open(notice),
        as_attachment=True,
        filename=notice.attachment_name or "attachment",
        content_type=notices.attachment_content_type(notice),
    )


# --- firm host ---------------------------------------------------------------------------------


class FirmNoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text=KIND_HELP)
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    published_at = serializers.DateTimeField()
    attachment_name = serializers.CharField(help_text="Empty when the notice has no attachment")
    is_read = serializers.BooleanField(help_text="Whether the signed-in person has opened it")

    class Meta:
        ref_name = "FirmParkNotice"


class FirmNoticeListApi(APIView):
    """The published notices of the firm's park, newest first (404 ``not_in_park`` without one)."""

    pagination_class = Pagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = {"GET": "any"}

    @extend_schema(
        operation_id="firm_park_notice_list",
        parameters=[Q_PARAM, KIND_PARAM],
        responses={200: FirmNoticeSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rows = notices.notice_list_for_firm(
            firm=request.tenant,  # type: ignore[attr-defined]
            user_id=acting_user(request).pk,
            q=params.get("q", ""),
            kind=params.get("kind", ""),
        )
        return paginated(request, self, rows, FirmNoticeSerializer)


class FirmNoticeDetailApi(APIView):
    """Open a notice: its text, and it counts as read by the signed-in person (once)."""

    required_scopes = {"GET": "any"}

    class OutputSerializer(FirmNoticeSerializer):
        body = serializers.CharField()

        class Meta:
            ref_name = "FirmParkNoticeDetail"

    @extend_schema(operation_id="firm_park_notice_detail", responses={200: OutputSerializer})
    def get(self, request: Request, notice_id: int) -> Response:
        notice = notices.notice_open_for_firm(
            firm=request.tenant,  # type: ignore[attr-defined]
            user_id=acting_user(request).pk,
            notice_id=notice_id,
        )
        notice.is_read = True  # type: ignore[attr-defined]
        return Response(self.OutputSerializer(notice).data)


class FirmNoticeAttachmentApi(APIView):
    """Download a notice's attachment (it counts as read)."""

    required_scopes = {"GET": "any"}

    @extend_schema(operation_id="firm_park_notice_attachment", responses={(200, "*/*"): OpenApiTypes.BINARY})
    def get(self, request: Request, notice_id: int) -> FileResponse:
        notice = notices.notice_open_for_firm(
            firm=request.tenant,  # type: ignore[attr-defined]
            user_id=acting_user(request).pk,
            notice_id=notice_id,
        )
        return _download(notice)
