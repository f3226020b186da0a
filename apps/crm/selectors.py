"""CRM reads, narrowed by who asks (permissions.scope); the API and pages use only these."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
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


def _search(queryset: QuerySet[Any], q: str, *fields: str) -> QuerySet[Any]:
    q = (q or "").strip()[:100]
    if not q:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": q})
    return queryset.filter(condition)


def account_list(*, actor: Any, q: str = "", industry: str = "", tag: str = "", sort: str = "") -> QuerySet[Account]:
    accounts = permissions.scope(Account.objects.select_related("owner"), actor)
    accounts = _search(accounts, q, "name", "credit_code", "address")
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
    contacts = _search(contacts, q, "name", "mobile", "email", "account__name")
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
    leads = _search(leads, q, "name", "company", "mobile", "email")
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
    opportunities = _search(opportunities, q, "name", "account__name")
    return _sorted(opportunities, "opportunity", sort)


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
