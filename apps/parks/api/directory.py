"""The collaboration directory API (firm host, /api/v1/park/directory/): search the park's
directory, the firm's own profile, collaboration requests and blocked firms.

The acting firm is always the host's firm (``request.tenant``), never an id from the input. A
profile, request or block the firm may not see is not found (404). API tokens need the CRM
scopes: collaboration requests end as CRM leads, and the directory is where they start.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user
from core.errors import NotFound

from .. import collaboration, directory
from ..industries import INDUSTRY_CODES
from ..models import CollaborationRequest

READ = {"GET": "crm:read"}
WRITE = {"POST": "crm:write"}


def _firm(request: Request) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _page(request: Request, view: APIView, rows: Any, serializer: Any, **context: Any) -> Response:
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view) or []
    return paginator.get_paginated_response(serializer(page, many=True, context=context).data)


# --- serializers -----------------------------------------------------------------------------


class DirectoryProfileOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    industry = serializers.CharField(help_text="GB/T 4754 section letter")
    industry_label = serializers.CharField(source="get_industry_display")
    summary = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.CharField())
    products = serializers.CharField()
    certifications = serializers.CharField()
    contact_person = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    updated_at = serializers.DateTimeField()


class OwnDirectoryProfileOutputSerializer(DirectoryProfileOutputSerializer):
    is_published = serializers.BooleanField(help_text="Shown to the other firms of the park")


class DirectoryProfileInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=200)
    industry = serializers.CharField(max_length=2, help_text="GB/T 4754 section letter, A to T")
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    capabilities = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text="At most 20 tags of at most 40 characters",
    )
    products = serializers.CharField(required=False, allow_blank=True, default="")
    certifications = serializers.CharField(required=False, allow_blank=True, default="")
    contact_person = serializers.CharField(max_length=150)
    contact_email = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")


class CollaborationRequestInputSerializer(serializers.Serializer):
    profile = serializers.IntegerField(help_text="The directory profile of the firm to write to")
    subject = serializers.CharField(max_length=collaboration.MAX_SUBJECT)
    message = serializers.CharField(max_length=collaboration.MAX_MESSAGE)
    contact_person = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Defaults to your directory profile or to you"
    )
    contact_email = serializers.CharField(required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, default="")


class CollaborationRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.SerializerMethodField(help_text="sent or received (seen from your firm)")
    sender_name = serializers.CharField()
    recipient_name = serializers.CharField(source="recipient.name")
    subject = serializers.CharField()
    message = serializers.CharField()
    contact_person = serializers.CharField()
    contact_email = serializers.CharField()
    contact_phone = serializers.CharField()
    status = serializers.CharField(help_text="pending, accepted, declined or ignored")
    status_label = serializers.CharField(source="get_status_display")
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    lead_id = serializers.SerializerMethodField(help_text="The lead in your CRM (received requests only)")

    def get_direction(self, obj: CollaborationRequest) -> str:
        return "sent" if obj.sender_id == self.context["firm_id"] else "received"

    def get_lead_id(self, obj: CollaborationRequest) -> int | None:
        # The sender learns nothing of the recipient's CRM, not even an id.
        return obj.lead_id if obj.recipient_id == self.context["firm_id"] else None


class CollaborationAnswerInputSerializer(serializers.Serializer):
    decision = serializers.CharField(help_text="accept, decline or ignore")
    answer = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="A message to the sender (not sent when ignoring)"
    )


class FirmBlockInputSerializer(serializers.Serializer):
    profile = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="A directory profile")
    request = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A collaboration request your firm received"
    )


class FirmBlockOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    firm_name = serializers.CharField(source="blocked.name")
    created_at = serializers.DateTimeField()


# --- the directory ---------------------------------------------------------------------------

SEARCH_PARAMS = [
    OpenApiParameter("q", str, description="Words to find (Chinese and English); best matches first"),
    OpenApiParameter("industry", str, enum=sorted(INDUSTRY_CODES)),
    OpenApiParameter("capability", str, description="One capability tag, exactly"),
]


class DirectorySearchApi(APIView):
    """The published profiles of the other firms of your park, searched and filtered."""

    pagination_class = Pagination
    required_scopes = READ

    @extend_schema(parameters=SEARCH_PARAMS, responses={200: DirectoryProfileOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        acting_user(request)
        firm = _firm(request)
        if directory.firm_park_id(firm) is None:
            # Like the notices: no park, no directory to find (a read answers 404, not 409).
            raise NotFound(
                _("Your firm is not in an industrial park: there is no directory to search."), code="no_park"
            )
        params = request.query_params
        profiles = directory.directory_profile_list(
            firm=firm,
            q=params.get("q", "")[:100],
            industry=params.get("industry", "")[:2],
            capability=params.get("capability", "")[:40],
        )
        return _page(request, self, profiles, DirectoryProfileOutputSerializer)


class DirectoryProfileDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: DirectoryProfileOutputSerializer})
    def get(self, request: Request, profile_id: int) -> Response:
        acting_user(request)
        profile = directory.directory_profile_get(firm=_firm(request), profile_id=profile_id)
        return Response(DirectoryProfileOutputSerializer(profile).data)


class OwnDirectoryProfileApi(APIView):
    """Your firm's profile: read it (404 before the first save), or save it (owner, administrator)."""

    required_scopes = {"GET": "crm:read", "PUT": "crm:write"}

    @extend_schema(responses={200: OwnDirectoryProfileOutputSerializer})
    def get(self, request: Request) -> Response:
        acting_user(request)
        profile = directory.directory_profile_own(firm=_firm(request))
        if profile is None:
            raise NotFound(_("Your firm has no directory profile yet."))
        return Response(OwnDirectoryProfileOutputSerializer(profile).data)

    @extend_schema(request=DirectoryProfileInputSerializer, responses={200: OwnDirectoryProfileOutputSerializer})
    def put(self, request: Request) -> Response:
        data = _valid(DirectoryProfileInputSerializer, request)
        profile = directory.directory_profile_save(firm=_firm(request), actor=acting_user(request), **data)
        return Response(OwnDirectoryProfileOutputSerializer(profile).data)


class DirectoryProfilePublishApi(APIView):
    """Show your firm's profile to the other firms of its park (a firm in a park only)."""

    required_scopes = WRITE

    @extend_schema(request=None, responses={200: OwnDirectoryProfileOutputSerializer})
    def post(self, request: Request) -> Response:
        profile = directory.directory_profile_publish(firm=_firm(request), actor=acting_user(request))
        return Response(OwnDirectoryProfileOutputSerializer(profile).data)


class DirectoryProfileUnpublishApi(APIView):
    """Take your firm's profile out of the directory."""

    required_scopes = WRITE

    @extend_schema(request=None, responses={200: OwnDirectoryProfileOutputSerializer})
    def post(self, request: Request) -> Response:
        profile = directory.directory_profile_unpublish(firm=_firm(request), actor=acting_user(request))
        return Response(OwnDirectoryProfileOutputSerializer(profile).data)


# --- collaboration requests ------------------------------------------------------------------


class CollaborationRequestCreateApi(APIView):
    """Send a collaboration request to the firm of a profile; it reaches that firm's CRM as a
    lead. 429 past the daily limit of requests per firm."""

    required_scopes = WRITE

    @extend_schema(request=CollaborationRequestInputSerializer, responses={201: CollaborationRequestOutputSerializer})
    def post(self, request: Request) -> Response:
        user = acting_user(request)
        data = _valid(CollaborationRequestInputSerializer, request)
        firm = _firm(request)
        defaults = collaboration.collaboration_defaults(firm=firm, user=user)
        for field in ("contact_person", "contact_email", "contact_phone"):
            data[field] = data[field] or defaults[field]
        try:
            created = collaboration.collaboration_request_send(
                sender=firm, actor=user, profile_id=data.pop("profile"), **data
            )
        except collaboration.RateLimited as exc:
            body = {"code": exc.code, "detail": exc.detail, "fields": {}}
            return Response(body, status=exc.status, headers={"Retry-After": str(exc.retry_after)})
        body = CollaborationRequestOutputSerializer(created, context={"firm_id": firm.pk}).data
        return Response(body, status=status.HTTP_201_CREATED)


STATUS_PARAM = OpenApiParameter("status", str, enum=list(CollaborationRequest.Status.values))


class CollaborationReceivedListApi(APIView):
    """Requests your firm received, newest first."""

    pagination_class = Pagination
    required_scopes = READ

    @extend_schema(parameters=[STATUS_PARAM], responses={200: CollaborationRequestOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        acting_user(request)
        firm = _firm(request)
        rows = collaboration.collaboration_request_list(
            firm=firm, box="received", status=request.query_params.get("status", "")
        )
        return _page(request, self, rows, CollaborationRequestOutputSerializer, firm_id=firm.pk)


class CollaborationSentListApi(APIView):
    """Requests your firm sent, newest first, with the answers."""

    pagination_class = Pagination
    required_scopes = READ

    @extend_schema(parameters=[STATUS_PARAM], responses={200: CollaborationRequestOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        acting_user(request)
        firm = _firm(request)
        rows = collaboration.collaboration_request_list(
            firm=firm, box="sent", status=request.query_params.get("status", "")
        )
        return _page(request, self, rows, CollaborationRequestOutputSerializer, firm_id=firm.pk)


class CollaborationRequestDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: CollaborationRequestOutputSerializer})
    def get(self, request: Request, collab_request_id: int) -> Response:
        acting_user(request)
        firm = _firm(request)
        found = collaboration.collaboration_request_get(firm=firm, request_id=collab_request_id)
        return Response(CollaborationRequestOutputSerializer(found, context={"firm_id": firm.pk}).data)


class CollaborationRequestAnswerApi(APIView):
    """Accept, decline or ignore a request your firm received (once; 409 when answered)."""

    required_scopes = WRITE

    @extend_schema(request=CollaborationAnswerInputSerializer, responses={200: CollaborationRequestOutputSerializer})
    def post(self, request: Request, collab_request_id: int) -> Response:
        user = acting_user(request)
        data = _valid(CollaborationAnswerInputSerializer, request)
        firm = _firm(request)
        answered = collaboration.collaboration_request_answer(
            firm=firm, actor=user, request_id=collab_request_id, **data
        )
        return Response(CollaborationRequestOutputSerializer(answered, context={"firm_id": firm.pk}).data)


# --- blocks ----------------------------------------------------------------------------------


class FirmBlockListCreateApi(APIView):
    """Firms your firm blocked; block one more, named by its profile or by a request it sent."""

    pagination_class = Pagination
    required_scopes = {"GET": "crm:read", "POST": "crm:write"}

    @extend_schema(responses={200: FirmBlockOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        acting_user(request)
        return _page(request, self, collaboration.firm_block_list(firm=_firm(request)), FirmBlockOutputSerializer)

    @extend_schema(request=FirmBlockInputSerializer, responses={201: FirmBlockOutputSerializer})
    def post(self, request: Request) -> Response:
        user = acting_user(request)
        data = _valid(FirmBlockInputSerializer, request)
        block = collaboration.firm_block_create(
            firm=_firm(request), actor=user, profile_id=data["profile"], request_id=data["request"]
        )
        return Response(FirmBlockOutputSerializer(block).data, status=status.HTTP_201_CREATED)


class FirmBlockDeleteApi(APIView):
    """Unblock a firm."""

    required_scopes = {"DELETE": "crm:write"}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, firm_block_id: int) -> Response:
        collaboration.firm_block_delete(firm=_firm(request), actor=acting_user(request), block_id=firm_block_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
