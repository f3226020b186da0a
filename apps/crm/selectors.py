"""CRM reads, narrowed by who asks (permissions.scope); the API and pages use only these."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, BooleanField, Expression, F, Func, Q, QuerySet, Value
from django.utils.translation import gettext as _

from core.errors import NotFound

from . import permissions
from .models import Account, Activity, Contact, Lead, Opportunity, Stage

SORTS = {
    "account": {"name", "-name", "created_at", "-created_at"},
    "contact": {"name", "-name", "created_at", "-created_at"},
    "lead": {"name", "-name", "created_at", "-created_at", "last_activity_at", "-last_activity_at"},
    "opportunity": {
        "name",
        "-name",
        "amount",
        "-amount",
        "expected_close",
        "-expected_close",
        "created_at",
        "-created_at",
    },
}


def _sorted(queryset: QuerySet[Any], kind: str, sort: str) -> QuerySet[Any]:
    if sort in SORTS[kind]:
        return queryset.order_by(sort, "-id" if sort.startswith("-") else "id")
    return queryset


class _Bigrams(Func):
    """The two-character pieces of the lowercased text of ``expressions`` joined by spaces:
    the expression the ``crm_*_search`` GIN indexes hold (migration 0004, written the same)."""

    function = "crm_bigrams"
    arg_joiner = "::text || ' ' || "
    template = "%(function)s(lower(%(expressions)s::text))"


class _HasAll(Func):
    """``left @> right``: every piece of the query is in the row's text (an index prefilter)."""

    arg_joiner = " @> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _Like(Func):
    """``field LIKE pattern`` (or ILIKE): the exact test behind the prefilter."""

    template = "(%(expressions)s)"
    output_field = BooleanField()

    def __init__(self, field: str, pattern: str, *, caseless: bool) -> None:
        super().__init__(F(field), Value(pattern))
        self.arg_joiner = " LIKE " if caseless else " ILIKE "


class _AnyOf(Func):
    """``column = ANY(ARRAY(subquery))``: indexable, unlike ``IN (subquery)`` inside an OR."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


ACCOUNT_IDS_INLINE = 10_000

# The columns each search looks in; each tuple is also what its bigram index holds.
SEARCHED = {
    "account": ("name", "credit_code", "address"),
    "contact": ("name", "mobile", "email"),
    "lead": ("name", "company", "mobile", "email"),
    "opportunity": ("name",),
}


def _text_match(q: str, kind: str, fields: tuple[str, ...] | None = None) -> Q:
    """Rows where one of ``fields`` (default: all searched ones) contains ``q``, ignoring case.

    Text without upper/lower case (Chinese, digits) is compared as it is (LIKE): the same rows,
    far cheaper than case folding every row. From two characters on, the bigram GIN index
    finds the candidates first; the LIKE then confirms them."""
    pattern = f"%{connection.ops.prep_for_like_query(q)}%"
    caseless = q.lower() == q.upper()
    match = Q()
    for field in fields or SEARCHED[kind]:
        match |= Q(_Like(field, pattern, caseless=caseless))
    if len(q) >= 2:
        keys = Func(Value(q), function="crm_bigrams", template="%(function)s(lower(%(expressions)s))")
        prefilter: Expression = _HasAll(_Bigrams(*SEARCHED[kind]), keys)
        # LIKE first: rows the index did not bring (another arm of an OR) skip the bigrams.
        match &= Q(prefilter)
    return match


def _search(queryset: QuerySet[Any], q: str, kind: str, *, account_name: bool = False) -> QuerySet[Any]:
    """``queryset`` narrowed to rows whose searched text (and, with ``account_name``, whose
    account's name) contains ``q``, ignoring case."""
    q = (q or "").strip()[:100]
    if not q:
        return queryset
    condition = _text_match(q, kind)
    if account_name:
        accounts = Account.objects.filter(_text_match(q, "account", ("name",))).order_by().values_list("pk", flat=True)
        # The matching accounts' ids, fetched first: as constants they are hashed when rows are
        # rechecked and still use the account_id index (a subquery's ids are scanned row by row).
        # Only a fragment found in most accounts' names leaves that to the database.
        ids = list(accounts[: ACCOUNT_IDS_INLINE + 1])
        if len(ids) <= ACCOUNT_IDS_INLINE:
            # One array parameter, not thousands of placeholders to build and parse.
            condition |= Q(_AnyOf(F("account_id"), Value(ids, output_field=ArrayField(BigIntegerField()))))
        else:
            condition |= Q(_AnyOf(F("account_id"), ArraySubquery(accounts)))
    return queryset.filter(condition)


def account_list(*, actor: Any, q: str = "", industry: str = "", tag: str = "", sort: str = "") -> QuerySet[Account]:
    accounts = permissions.scope(Account.objects.select_related("owner"), actor)
    accounts = _search(accounts, q, "account")
    if industry:
        accounts = accounts.filter(industry=industry)
    if tag:
        accounts = accounts.filter(tags__name=tag)
    return _sorted(accounts, "account", sort)


def account_get(*, actor: Any, account_id: int) -> Account:
    account = permissions.scope(Account.objects.select_related("owner"), actor).filter(pk=account_id).first()
    if account is None:
        raise NotFound(_("No such account."))
    return account


def contact_list(*, actor: Any, q: str = "", account_id: int | None = None, sort: str = "") -> QuerySet[Contact]:
    contacts = permissions.scope(Contact.objects.select_related("account", "owner"), actor)
    contacts = _search(contacts, q, "contact", account_name=True)
    if account_id:
        contacts = contacts.filter(account_id=account_id)
    return _sorted(contacts, "contact", sort)


def contact_get(*, actor: Any, contact_id: int) -> Contact:
    contact = permissions.scope(Contact.objects.select_related("account"), actor).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No such contact."))
    return contact


def lead_list(*, actor: Any, q: str = "", status: str = "open", pool: str = "", sort: str = "") -> QuerySet[Lead]:
    """``pool``: "only" the public pool, "mine" the actor's own, anything else both (as seen)."""
    leads = permissions.scope(Lead.objects.select_related("owner"), actor, pool=True)
    if pool == "only":
        leads = leads.filter(owner__isnull=True)
    elif pool == "mine":
        leads = leads.filter(owner_id=actor.pk)
    if status in Lead.Status.values:
        leads = leads.filter(status=status)
    leads = _search(leads, q, "lead")
    return _sorted(leads, "lead", sort)


def lead_get(*, actor: Any, lead_id: int) -> Lead:
    lead = permissions.scope(Lead.objects.select_related("owner"), actor, pool=True).filter(pk=lead_id).first()
    if lead is None:
        raise NotFound(_("No such lead."))
    return lead


def opportunity_list(
    *, actor: Any, q: str = "", stage_id: int | None = None, open_only: bool = False, sort: str = ""
) -> QuerySet[Opportunity]:
    opportunities = permissions.scope(Opportunity.objects.select_related("account", "stage", "owner"), actor)
    if stage_id:
        opportunities = opportunities.filter(stage_id=stage_id)
    if open_only:
        opportunities = opportunities.filter(stage__kind=Stage.Kind.OPEN)
    opportunities = _search(opportunities, q, "opportunity", account_name=True)
    return _sorted(opportunities, "opportunity", sort)


def opportunity_cards(*, actor: Any) -> QuerySet[Opportunity, Any]:
    """The open opportunities ``actor`` sees as the pipeline board shows them: by stage, biggest
    first, as dicts of pk, name, amount, stage_id and account_name."""
    return (
        opportunity_list(actor=actor, open_only=True)
        .select_related(None)
        .order_by("stage_id", "-amount", "pk")
        .values("pk", "name", "amount", "stage_id", account_name=F("account__name"))
    )


def opportunity_get(*, actor: Any, opportunity_id: int) -> Opportunity:
    found = (
        permissions.scope(Opportunity.objects.select_related("account", "stage", "contact"), actor)
        .filter(pk=opportunity_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such opportunity."))
    return found


def activity_list(*, actor: Any, about: str = "", about_id: int | None = None, due: bool = False) -> QuerySet[Activity]:
    activities = permissions.scope(Activity.objects.all(), actor)
    if about in {"account", "contact", "lead", "opportunity"} and about_id:
        activities = activities.filter(**{f"{about}_id": about_id})
    if due:
        activities = activities.filter(done=False, due_at__isnull=False).order_by("due_at", "id")
    return activities


def stage_list() -> QuerySet[Stage]:
    return Stage.objects.all()
