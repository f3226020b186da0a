"""The CRM API: accounts, contacts, leads (claim, release, convert), opportunities (move, win,
lose), stages and activities. Everyone sees only what permissions.scope lets them see."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, acting_user
from core.errors import NotFound, ValidationFailed

from .. import configuration, documents, selectors, services
from .serializers import (
    ActivityInputSerializer,
    ActivityOutputSerializer,
    AttachmentSerializer,
    ContactInputSerializer,
    ContactOutputSerializer,
    ConversionOutputSerializer,
    ConvertInputSerializer,
    CrmAccountInputSerializer,
    CrmAccountOutputSerializer,
    LeadInputSerializer,
    LeadOutputSerializer,
    LoseInputSerializer,
    MoveInputSerializer,
    OpportunityInputSerializer,
    OpportunityOutputSerializer,
    PoolRulesSerializer,
    SalesRoleSerializer,
    SavedFilterSerializer,
    StageSerializer,
    TagsSerializer,
    ids,
)

UPLOAD_SCHEMA = {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
READ = {"GET": "crm:read"}
WRITE = {"POST": "crm:write"}
BOTH = {"GET": "crm:read", "POST": "crm:write"}

Q_PARAM = OpenApiParameter("q", str, description="Search (Chinese names too)")
SORT_PARAM = OpenApiParameter("sort", str, description="A field, '-' first for descending")


class _KeysFirstPaginator(DjangoPaginator):
    """Finds a page's ids first (an index-only scan, however deep the page), then loads just
    those rows with their joins: a deep OFFSET no longer joins every row it skips."""

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        queryset: QuerySet[Any] = self.object_list  # type: ignore[assignment]  # always a queryset here
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = list(queryset.filter(pk__in=keys)) if keys else []
        return Page(rows, number, self)


class _CrmPagination(Pagination):
    django_paginator_class = _KeysFirstPaginator


def _page(request: Request, view: APIView, queryset: Any, serializer: Any) -> Response:
    paginator = _CrmPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class AccountListCreateApi(APIView):
    pagination_class = _CrmPagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = BOTH

    @extend_schema(
        parameters=[Q_PARAM, SORT_PARAM, OpenApiParameter("industry", str), OpenApiParameter("tag", str)],
        responses={200: CrmAccountOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        accounts = selectors.account_list(
            actor=acting_user(request),
            q=params.get("q", ""),
            industry=params.get("industry", ""),
            tag=params.get("tag", ""),
            sort=params.get("sort", ""),
        )
        return _page(request, self, accounts, CrmAccountOutputSerializer)

    @extend_schema(request=CrmAccountInputSerializer, responses={201: CrmAccountOutputSerializer})
    def post(self, request: Request) -> Response:
        account = services.account_create(actor=acting_user(request), **_valid(CrmAccountInputSerializer, request))
        return Response(CrmAccountOutputSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: CrmAccountOutputSerializer})
    def get(self, request: Request, account_id: int) -> Response:
        account = selectors.account_get(actor=acting_user(request), account_id=account_id)
        return Response(CrmAccountOutputSerializer(account).data)


class ContactListCreateApi(APIView):
    pagination_class = _CrmPagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = BOTH

    @extend_schema(
        parameters=[Q_PARAM, SORT_PARAM, OpenApiParameter("account", int)],
        responses={200: ContactOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        contacts = selectors.contact_list(
            actor=acting_user(request),
            q=params.get("q", ""),
            account_id=ids(params.get("account")),
            sort=params.get("sort", ""),
        )
        return _page(request, self, contacts, ContactOutputSerializer)

    @extend_schema(request=ContactInputSerializer, responses={201: ContactOutputSerializer})
    def post(self, request: Request) -> Response:
        actor = acting_user(request)
        data = _valid(ContactInputSerializer, request)
        account_id = data.pop("account")
        account = None
        if account_id is not None:
            try:
                account = selectors.account_get(actor=actor, account_id=account_id)
            except NotFound:
                raise ValidationFailed(
                    _("Choose one of your accounts."), fields={"account": [_("No such account.")]}
                ) from None
        contact = services.contact_create(actor=actor, account=account, **data)
        return Response(ContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: ContactOutputSerializer})
    def get(self, request: Request, contact_id: int) -> Response:
        contact = selectors.contact_get(actor=acting_user(request), contact_id=contact_id)
        return Response(ContactOutputSerializer(contact).data)


class LeadListCreateApi(APIView):
    pagination_class = _CrmPagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = BOTH

    @extend_schema(
        parameters=[
            Q_PARAM,
            SORT_PARAM,
            OpenApiParameter("status", str, enum=["open", "converted", "disqualified", "all"]),
            OpenApiParameter("pool", str, enum=["only", "mine"], description="The public pool only, or yours only"),
        ],
        responses={200: LeadOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        leads = selectors.lead_list(
            actor=acting_user(request),
            q=params.get("q", ""),
            status=params.get("status", "open"),
            pool=params.get("pool", ""),
            sort=params.get("sort", ""),
        )
        return _page(request, self, leads, LeadOutputSerializer)

    @extend_schema(request=LeadInputSerializer, responses={201: LeadOutputSerializer})
    def post(self, request: Request) -> Response:
        lead = services.lead_create(actor=acting_user(request), **_valid(LeadInputSerializer, request))
        return Response(LeadOutputSerializer(lead).data, status=status.HTTP_201_CREATED)


class LeadDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: LeadOutputSerializer})
    def get(self, request: Request, lead_id: int) -> Response:
        return Response(LeadOutputSerializer(selectors.lead_get(actor=acting_user(request), lead_id=lead_id)).data)


class LeadActionApi(APIView):
    """claim: take it from the pool (409 ``lead_taken`` if someone was first); release: back to
    the pool."""

    required_scopes = WRITE

    @extend_schema(request=None, responses={200: LeadOutputSerializer})
    def post(self, request: Request, lead_id: int, action: str) -> Response:
        change = services.lead_claim if action == "claim" else services.lead_release
        return Response(LeadOutputSerializer(change(actor=acting_user(request), lead_id=lead_id)).data)


class LeadConvertApi(APIView):
    """Lead → account + contact (+ opportunity). When an account matches (credit code or name) the
    answer is 409 ``merge_confirmation_needed`` with the match's id in ``fields.merge_into``:
    send it back as ``merge_into`` to confirm."""

    required_scopes = WRITE

    @extend_schema(request=ConvertInputSerializer, responses={200: ConversionOutputSerializer})
    def post(self, request: Request, lead_id: int) -> Response:
        result = services.lead_convert(
            actor=acting_user(request), lead_id=lead_id, **_valid(ConvertInputSerializer, request)
        )
        return Response(ConversionOutputSerializer(result).data)


class StageListApi(APIView):
    """The pipeline's stages; POST adds one (owners and administrators)."""

    required_scopes = BOTH

    @extend_schema(responses={200: StageSerializer(many=True)})
    def get(self, request: Request) -> Response:
        acting_user(request)
        return Response(StageSerializer(selectors.stage_list(), many=True).data)

    @extend_schema(request=StageSerializer, responses={201: StageSerializer})
    def post(self, request: Request) -> Response:
        stage = configuration.stage_save(actor=acting_user(request), **_valid(StageSerializer, request))
        return Response(StageSerializer(stage).data, status=status.HTTP_201_CREATED)


class StageDetailApi(APIView):
    """PUT changes a stage; DELETE removes one no opportunity was ever in."""

    required_scopes = {"PUT": "crm:write", "DELETE": "crm:write"}

    @extend_schema(request=StageSerializer, responses={200: StageSerializer})
    def put(self, request: Request, stage_id: int) -> Response:
        data = _valid(StageSerializer, request)
        stage = configuration.stage_save(actor=acting_user(request), stage_id=stage_id, **data)
        return Response(StageSerializer(stage).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, stage_id: int) -> Response:
        configuration.stage_delete(actor=acting_user(request), stage_id=stage_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PoolRulesApi(APIView):
    """The lead pool's rules: days without activity before a lead returns, open leads per person."""

    required_scopes = {"GET": "crm:read", "PUT": "crm:write"}

    @extend_schema(responses={200: PoolRulesSerializer})
    def get(self, request: Request) -> Response:
        acting_user(request)
        return Response(PoolRulesSerializer(services.crm_settings()).data)

    @extend_schema(request=PoolRulesSerializer, responses={200: PoolRulesSerializer})
    def put(self, request: Request) -> Response:
        data = _valid(PoolRulesSerializer, request)
        return Response(PoolRulesSerializer(configuration.pool_rules_update(actor=acting_user(request), **data)).data)


class SalesTeamApi(APIView):
    """Who is a sales rep or manager, and in whose team (owners and administrators). POST sets
    one person's role (an empty role takes it away)."""

    required_scopes = BOTH

    @extend_schema(responses={200: SalesRoleSerializer(many=True)})
    def get(self, request: Request) -> Response:
        people = configuration.sales_team(actor=acting_user(request))
        rows = [
            {
                "user": p.pk,
                "email": p.email,
                "role": getattr(getattr(p, "sales_role", None), "role", ""),
                "manager": getattr(getattr(p, "sales_role", None), "manager_id", None),
            }
            for p in people
        ]
        return Response(SalesRoleSerializer(rows, many=True).data)

    @extend_schema(request=SalesRoleSerializer, responses={200: SalesRoleSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(SalesRoleSerializer, request)
        configuration.sales_role_set(
            actor=acting_user(request), user_id=data["user"], role=data["role"], manager_id=data.get("manager")
        )
        return Response(data)


class OpportunityListCreateApi(APIView):
    pagination_class = _CrmPagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = BOTH

    @extend_schema(
        parameters=[Q_PARAM, SORT_PARAM, OpenApiParameter("stage", int), OpenApiParameter("open", bool)],
        responses={200: OpportunityOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        opportunities = selectors.opportunity_list(
            actor=acting_user(request),
            q=params.get("q", ""),
            stage_id=ids(params.get("stage")),
            open_only=params.get("open") in ("1", "true"),
            sort=params.get("sort", ""),
        )
        return _page(request, self, opportunities, OpportunityOutputSerializer)

    @extend_schema(request=OpportunityInputSerializer, responses={201: OpportunityOutputSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(OpportunityInputSerializer, request)
        opportunity = services.opportunity_create(
            actor=acting_user(request),
            name=data["name"],
            account_id=data["account"],
            contact_id=data["contact"],
            amount=data["amount"],
            stage_id=data["stage"],
            expected_close=data["expected_close"],
        )
        return Response(OpportunityOutputSerializer(opportunity).data, status=status.HTTP_201_CREATED)


class OpportunityDetailApi(APIView):
    required_scopes = READ

    @extend_schema(responses={200: OpportunityOutputSerializer})
    def get(self, request: Request, opportunity_id: int) -> Response:
        found = selectors.opportunity_get(actor=acting_user(request), opportunity_id=opportunity_id)
        return Response(OpportunityOutputSerializer(found).data)


class OpportunityMoveApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=MoveInputSerializer, responses={200: OpportunityOutputSerializer})
    def post(self, request: Request, opportunity_id: int) -> Response:
        data = _valid(MoveInputSerializer, request)
        moved = services.opportunity_move(
            actor=acting_user(request),
            opportunity_id=opportunity_id,
            stage_id=data["stage"],
            lost_reason=data["lost_reason"],
        )
        return Response(OpportunityOutputSerializer(moved).data)


class OpportunityWinApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=None, responses={200: OpportunityOutputSerializer})
    def post(self, request: Request, opportunity_id: int) -> Response:
        won = services.opportunity_win(actor=acting_user(request), opportunity_id=opportunity_id)
        return Response(OpportunityOutputSerializer(won).data)


class OpportunityLoseApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=LoseInputSerializer, responses={200: OpportunityOutputSerializer})
    def post(self, request: Request, opportunity_id: int) -> Response:
        data = _valid(LoseInputSerializer, request)
        lost = services.opportunity_lose(
            actor=acting_user(request), opportunity_id=opportunity_id, reason=data["reason"]
        )
        return Response(OpportunityOutputSerializer(lost).data)


class ActivityListCreateApi(APIView):
    pagination_class = _CrmPagination  # the schema shows the page envelope and ?page=, ?page_size=
    required_scopes = BOTH

    @extend_schema(
        parameters=[
            OpenApiParameter("about", str, enum=["account", "contact", "lead", "opportunity"]),
            OpenApiParameter("about_id", int),
            OpenApiParameter("due", bool, description="Open activities with a due time, soonest first"),
        ],
        responses={200: ActivityOutputSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        activities = selectors.activity_list(
            actor=acting_user(request),
            about=params.get("about", ""),
            about_id=ids(params.get("about_id")),
            due=params.get("due") in ("1", "true"),
        )
        return _page(request, self, activities, ActivityOutputSerializer)

    @extend_schema(request=ActivityInputSerializer, responses={201: ActivityOutputSerializer})
    def post(self, request: Request) -> Response:
        activity = services.activity_create(actor=acting_user(request), **_valid(ActivityInputSerializer, request))
        return Response(ActivityOutputSerializer(activity).data, status=status.HTTP_201_CREATED)


class ActivityCompleteApi(APIView):
    required_scopes = WRITE

    @extend_schema(request=None, responses={200: ActivityOutputSerializer})
    def post(self, request: Request, activity_id: int) -> Response:
        done = services.activity_complete(actor=acting_user(request), activity_id=activity_id)
        return Response(ActivityOutputSerializer(done).data)


class TagsApi(APIView):
    """Replace the tags of an account, contact or lead (created on first use)."""

    required_scopes = WRITE

    @extend_schema(request=TagsSerializer, responses={200: TagsSerializer})
    def post(self, request: Request, about: str, about_id: int) -> Response:
        names = services.tags_set(
            actor=acting_user(request), about=about, about_id=about_id, names=_valid(TagsSerializer, request)["tags"]
        )
        return Response({"tags": names})


class AttachmentListCreateApi(APIView):
    """Documents kept with an account, contact, lead or opportunity (PDF, OFD, XML, XLSX, DOCX,
    PNG, JPEG; at most 10 MB, content checked against the type)."""

    required_scopes = BOTH
    parser_classes = [MultiPartParser]

    @extend_schema(responses={200: AttachmentSerializer(many=True)})
    def get(self, request: Request, about: str, about_id: int) -> Response:
        found = documents.attachment_list(actor=acting_user(request), about=about, about_id=about_id)
        return Response(AttachmentSerializer(found, many=True).data)

    @extend_schema(
        request={"multipart/form-data": UPLOAD_SCHEMA},
        responses={201: AttachmentSerializer},
    )
    def post(self, request: Request, about: str, about_id: int) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("Choose a file to upload."), fields={"file": [_("Required.")]})
        attachment = documents.attachment_add(
            actor=acting_user(request), about=about, about_id=about_id, name=upload.name or "", content=upload.read()
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDetailApi(APIView):
    """GET downloads the document; DELETE removes it."""

    required_scopes = {"GET": "crm:read", "DELETE": "crm:write"}

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY})  # the uploaded file's own type
    def get(self, request: Request, attachment_id: int) -> FileResponse:
        attachment = documents.attachment_get(actor=acting_user(request), attachment_id=attachment_id)
        path = documents.attachment_path(attachment)
        return FileResponse(
            path.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, attachment_id: int) -> Response:
        documents.attachment_delete(actor=acting_user(request), attachment_id=attachment_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedFilterListCreateApi(APIView):
    """A person's saved filters on the CRM lists; POST saves one (the same name replaces it)."""

    required_scopes = BOTH

    @extend_schema(
        parameters=[OpenApiParameter("list", str, enum=list(documents.FILTER_KEYS))],
        responses={200: SavedFilterSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        found = documents.saved_filter_list(actor=acting_user(request), list_name=request.query_params.get("list", ""))
        return Response(SavedFilterSerializer(found, many=True).data)

    @extend_schema(request=SavedFilterSerializer, responses={201: SavedFilterSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(SavedFilterSerializer, request)
        saved = documents.saved_filter_save(actor=acting_user(request), **data)
        return Response(SavedFilterSerializer(saved).data, status=status.HTTP_201_CREATED)


class SavedFilterDetailApi(APIView):
    required_scopes = {"DELETE": "crm:write"}

    @extend_schema(responses={204: None})
    def delete(self, request: Request, filter_id: int) -> Response:
        documents.saved_filter_delete(actor=acting_user(request), filter_id=filter_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
