"""Onboarding and membership API.

Console (public host, /api/v1/park/onboarding/): invitations (list, create, bulk CSV, resend,
withdraw) and the approval queue (list, approve, reject). Park administrators only, signed-in
sessions; an invitation or request of another park is not found (404) and nothing changes.

Firm host (/api/v1/park/): the firm's membership, asking to join a park, withdrawing the request,
leaving, and what the firm shares. The firm is always the caller's own.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.tokens import HasScope
from core.api import Pagination, acting_user
from core.errors import NotAllowed

from .. import onboarding
from ..access import IsParkAdmin
from ..industries import INDUSTRY_CHOICES
from ..models import ParkJoinRequest

PARK_PARAM = OpenApiParameter(
    "park", int, description="The park to act for (one you administer); remembered for the next requests"
)


def _base_url(request: Request) -> str:
    return request.build_absolute_uri("/")


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class _ConsoleApi(APIView):
    # Session only: API tokens carry a firm's module scopes, none of which opens the console
    # (HasScope closes a view that declares no scope to every token).
    permission_classes = [IsAuthenticated, IsParkAdmin, HasScope]
    required_scopes: dict[str, str] = {}


# ---------------------------------------------------------------------------------------------
# Console: invitations
# ---------------------------------------------------------------------------------------------


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    firm_name = serializers.CharField()
    contact_name = serializers.CharField()
    state = serializers.ChoiceField(
        choices=list(onboarding.INVITATION_STATES), help_text="pending, expired, accepted (signed up) or revoked"
    )
    invited_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    firm_id = serializers.IntegerField(allow_null=True, help_text="The firm that signed up through the link")


class InvitationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=list(onboarding.INVITATION_STATES), required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


def _invitation_row(invitation: Any) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "firm_name": invitation.firm_name,
        "contact_name": invitation.contact_name,
        "state": getattr(invitation, "state", None) or onboarding.invitation_state(invitation),
        "invited_by": invitation.invited_by,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
        "accepted_at": invitation.accepted_at,
        "firm_id": invitation.firm_id,
    }


class InvitationListCreateApi(_ConsoleApi):
    """The park's invitations; POST invites one firm (the link is in the answer, once)."""

    pagination_class = Pagination

    class InvitationInputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=300)
        firm_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        contact_name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    class InvitationCreatedSerializer(InvitationOutputSerializer):
        link = serializers.CharField(help_text="The sign-up link; shown only in this answer (and mailed)")

    @extend_schema(
        operation_id="park_onboarding_invitations_list",
        parameters=[
            PARK_PARAM,
            OpenApiParameter("state", str, enum=list(onboarding.INVITATION_STATES)),
            OpenApiParameter("q", str, description="Search in email, firm name or contact"),
        ],
        responses={200: InvitationOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = InvitationFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        invitations = onboarding.invitation_list(
            park=request.park,  # type: ignore[attr-defined]
            state=params.validated_data.get("state", ""),
            q=params.validated_data.get("q", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(invitations, request, view=self) or []
        return paginator.get_paginated_response(
            InvitationOutputSerializer([_invitation_row(item) for item in page], many=True).data
        )

    @extend_schema(
        operation_id="park_onboarding_invitations_create",
        parameters=[PARK_PARAM],
        request=InvitationInputSerializer,
        responses={201: InvitationCreatedSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(self.InvitationInputSerializer, request)
        invitation, token = onboarding.park_invitation_create(
            request=request,  # type: ignore[arg-type]
            park=request.park,  # type: ignore[attr-defined]
            base_url=_base_url(request),
            **data,
        )
        row = {**_invitation_row(invitation), "link": onboarding.join_link(base_url=_base_url(request), token=token)}
        return Response(self.InvitationCreatedSerializer(row).data, status=status.HTTP_201_CREATED)


class ImportInvitedSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line in the file (the header is line 1)")
    id = serializers.IntegerField(source="invitation.pk")
    email = serializers.EmailField(source="invitation.email")
    link = serializers.CharField(help_text="The sign-up link; shown only in this answer (and mailed)")


class ImportRefusedSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line in the file (the header is line 1)")
    email = serializers.CharField()
    reason = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="Data rows read")
    invited = ImportInvitedSerializer(many=True)
    refused = ImportRefusedSerializer(many=True)


class InvitationImportApi(_ConsoleApi):
    """Invite from a CSV file (email, firm_name, contact_name; header row; UTF-8 or GBK): good rows
    are invited, bad rows come back with their line and reason. An unreadable file changes nothing."""

    parser_classes = [MultiPartParser]

    class InvitationImportInputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="CSV, at most 512 KB and 500 rows")

    @extend_schema(
        operation_id="park_onboarding_invitations_import",
        parameters=[PARK_PARAM],
        request={"multipart/form-data": InvitationImportInputSerializer},
        responses={200: ImportReportSerializer},
    )
    def post(self, request: Request) -> Response:
        data = _valid(self.InvitationImportInputSerializer, request)
        report = onboarding.park_invitations_import(
            request=request,  # type: ignore[arg-type]
            park=request.park,  # type: ignore[attr-defined]
            content=data["file"].read(onboarding.CSV_MAX_BYTES + 1),
            base_url=_base_url(request),
        )
        return Response(ImportReportSerializer(report).data)


class InvitationRevokeApi(_ConsoleApi):
    """Withdraw an invitation that was not used yet: its link stops working."""

    @extend_schema(
        operation_id="park_onboarding_invitation_revoke",
        parameters=[PARK_PARAM],
        request=None,
        responses={200: InvitationOutputSerializer},
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        invitation = onboarding.park_invitation_revoke(
            request=request,  # type: ignore[arg-type]
            park=request.park,  # type: ignore[attr-defined]
            invitation_id=invitation_id,
        )
        return Response(InvitationOutputSerializer(_invitation_row(invitation)).data)


class InvitationResendApi(_ConsoleApi):
    """Send an open (or expired) invitation again with a new link; the old link stops working."""

    @extend_schema(
        operation_id="park_onboarding_invitation_resend",
        parameters=[PARK_PARAM],
        request=None,
        responses={200: InvitationListCreateApi.InvitationCreatedSerializer},
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        invitation, token = onboarding.park_invitation_resend(
            request=request,  # type: ignore[arg-type]
            park=request.park,  # type: ignore[attr-defined]
            invitation_id=invitation_id,
            base_url=_base_url(request),
        )
        row = {**_invitation_row(invitation), "link": onboarding.join_link(base_url=_base_url(request), token=token)}
        return Response(InvitationListCreateApi.InvitationCreatedSerializer(row).data)


# ---------------------------------------------------------------------------------------------
# Console: approval queue
# ---------------------------------------------------------------------------------------------


class JoinRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    firm_id = serializers.IntegerField()
    firm_name = serializers.CharField(source="firm.name")
    firm_slug = serializers.CharField(source="firm.slug")
    status = serializers.ChoiceField(choices=ParkJoinRequest.Status.choices)
    message = serializers.CharField()
    reason = serializers.CharField()
    decided_by = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class JoinRequestFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[*onboarding.JOIN_REQUEST_STATES, "all"], required=False, allow_blank=True, default="pending"
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)


class JoinRequestListApi(_ConsoleApi):
    """Requests to join the park (pending by default, oldest first)."""

    pagination_class = Pagination

    @extend_schema(
        operation_id="park_onboarding_join_requests_list",
        parameters=[
            PARK_PARAM,
            OpenApiParameter("status", str, enum=[*onboarding.JOIN_REQUEST_STATES, "all"]),
            OpenApiParameter("q", str, description="Search in the firm's name or address"),
        ],
        responses={200: JoinRequestOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = JoinRequestFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        requests = onboarding.join_request_list(
            park=request.park,  # type: ignore[attr-defined]
            status=params.validated_data.get("status") or "pending",
            q=params.validated_data.get("q", ""),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(requests, request, view=self) or []
        return paginator.get_paginated_response(JoinRequestOutputSerializer(page, many=True).data)


class JoinRequestApproveApi(_ConsoleApi):
    """Approve a request: the firm joins the park now. 409 when it was decided already or the firm
    joined another park meanwhile."""

    @extend_schema(
        operation_id="park_onboarding_join_request_approve",
        parameters=[PARK_PARAM],
        request=None,
        responses={200: JoinRequestOutputSerializer},
    )
    def post(self, request: Request, request_id: int) -> Response:
        join_request = onboarding.join_request_approve(
            request=request,  # type: ignore[arg-type]
            park=request.park,  # type: ignore[attr-defined]
            request_id=request_id,
        )
        return Response(JoinRequestOutputSerializer(join_request).data)


class JoinRequestRejectApi(_ConsoleApi):
    """Reject a request with a reason (required, shown to the firm); the firm stays without the park."""

    class JoinRequestRejectInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=onboarding.MESSAGE_MAX, allow_blank=True)

    @extend_schema(
        operation_id="park_onboarding_join_request_reject",
        parameters=[PARK_PARAM],
        request=JoinRequestRejectInputSerializer,
        responses={200: JoinRequestOutputSerializer},
    )
    def post(self, request: Request, request_id: int) -> Response:
        data = _valid(self.JoinRequestRejectInputSerializer, request)
        join_request = onboarding.join_request_reject(
            request=request,  # type: ignore[arg-type]
            park=request.park,  # type: ignore[attr-defined]
            request_id=request_id,
            reason=data["reason"],
        )
        return Response(JoinRequestOutputSerializer(join_request).data)


# ---------------------------------------------------------------------------------------------
# Firm host: membership
# ---------------------------------------------------------------------------------------------


class MembershipOutputSerializer(serializers.Serializer):
    class MembershipParkSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        city = serializers.CharField()

    class MembershipPendingSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        park = serializers.CharField(source="park.name")
        park_id = serializers.IntegerField()
        message = serializers.CharField()
        created_at = serializers.DateTimeField()

    class MembershipDecisionSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        park = serializers.CharField(source="park.name")
        status = serializers.CharField()
        reason = serializers.CharField()
        decided_at = serializers.DateTimeField(allow_null=True)

    park = MembershipParkSerializer(allow_null=True)
    joined_at = serializers.DateTimeField(allow_null=True)
    pending_request = MembershipPendingSerializer(source="pending", allow_null=True)
    last_decision = MembershipDecisionSerializer(allow_null=True)
    industry = serializers.CharField(source="firm.industry", help_text="GB/T 4754 section letter; empty when not set")
    share_activity = serializers.BooleanField(
        source="firm.share_activity", help_text="Off: the park sees only the firm's status and plan"
    )


class _FirmMembershipApi(APIView):
    # Membership is a firm-level setting: read with accounts:read, changed with accounts:write.
    permission_classes = [IsAuthenticated, HasScope]


def _require_manager(request: Request) -> Any:
    user = acting_user(request)
    if not getattr(user, "can_manage_users", False):
        raise NotAllowed(_("Only owners and administrators can change the firm's park membership."))
    return user


class MembershipApi(_FirmMembershipApi):
    """The firm's park (or none), its pending request and the park's last answer; PATCH sets the
    industry and whether the park sees activity figures (owners and administrators)."""

    required_scopes = {"GET": "accounts:read", "PATCH": "accounts:write"}

    class MembershipSettingsInputSerializer(serializers.Serializer):
        industry = serializers.ChoiceField(choices=[("", "-"), *INDUSTRY_CHOICES], required=False, allow_blank=True)
        share_activity = serializers.BooleanField(required=False)

    @extend_schema(operation_id="park_membership_get", responses={200: MembershipOutputSerializer})
    def get(self, request: Request) -> Response:
        membership = onboarding.firm_membership(firm_id=request.tenant.pk)  # type: ignore[attr-defined]
        return Response(MembershipOutputSerializer(membership).data)

    @extend_schema(
        operation_id="park_membership_update",
        request=MembershipSettingsInputSerializer,
        responses={200: MembershipOutputSerializer},
    )
    def patch(self, request: Request) -> Response:
        user = acting_user(request)
        data = _valid(self.MembershipSettingsInputSerializer, request)
        firm = onboarding.firm_membership(firm_id=request.tenant.pk).firm  # type: ignore[attr-defined]
        onboarding.firm_park_settings_update(
            firm=firm,
            actor=user,
            industry=data.get("industry", firm.industry),
            share_activity=data.get("share_activity", firm.share_activity),
            request=request,  # type: ignore[arg-type]
        )
        membership = onboarding.firm_membership(firm_id=firm.pk)
        return Response(MembershipOutputSerializer(membership).data)


class JoinRequestCreateApi(_FirmMembershipApi):
    """Ask a park to take the firm in (owners and administrators); the park approves or rejects."""

    required_scopes = {"POST": "accounts:write"}

    class JoinRequestCreateInputSerializer(serializers.Serializer):
        park = serializers.IntegerField(min_value=1)
        message = serializers.CharField(max_length=onboarding.MESSAGE_MAX, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="park_join_request_create",
        request=JoinRequestCreateInputSerializer,
        responses={201: MembershipOutputSerializer},
    )
    def post(self, request: Request) -> Response:
        user = _require_manager(request)
        data = _valid(self.JoinRequestCreateInputSerializer, request)
        onboarding.join_request_create(
            firm=request.tenant,  # type: ignore[attr-defined]
            actor=user,
            park_id=data["park"],
            message=data["message"],
            request=request,  # type: ignore[arg-type]
        )
        membership = onboarding.firm_membership(firm_id=request.tenant.pk)  # type: ignore[attr-defined]
        return Response(MembershipOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class JoinRequestWithdrawApi(_FirmMembershipApi):
    """Withdraw the firm's pending request before the park decides."""

    required_scopes = {"POST": "accounts:write"}

    @extend_schema(operation_id="park_join_request_withdraw", request=None, responses={200: MembershipOutputSerializer})
    def post(self, request: Request) -> Response:
        user = _require_manager(request)
        onboarding.join_request_withdraw(firm=request.tenant, actor=user, request=request)  # type: ignore[attr-defined,arg-type]
        membership = onboarding.firm_membership(firm_id=request.tenant.pk)  # type: ignore[attr-defined]
        return Response(MembershipOutputSerializer(membership).data)


class LeaveApi(_FirmMembershipApi):
    """Leave the park (owners and administrators): the directory profile is unpublished."""

    required_scopes = {"POST": "accounts:write"}

    @extend_schema(operation_id="park_leave", request=None, responses={200: MembershipOutputSerializer})
    def post(self, request: Request) -> Response:
        user = _require_manager(request)
        onboarding.firm_park_leave(firm=request.tenant, actor=user, request=request)  # type: ignore[attr-defined,arg-type]
        membership = onboarding.firm_membership(firm_id=request.tenant.pk)  # type: ignore[attr-defined]
        return Response(MembershipOutputSerializer(membership).data)
