"""CRM configuration, for the firm's owner and administrators: the lead pool's rules, the
pipeline's stages, and who is a sales rep or manager (and whose team they are in)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotFound, ValidationFailed

from . import permissions
from .models import CrmSettings, Opportunity, SalesRole, Stage, StageChange
from .services import crm_settings


def _int(value: Any, field: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = low - 1
    if not low <= number <= high:
        message = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        raise ValidationFailed(message, fields={field: [message]})
    return number


@transaction.atomic
def pool_rules_update(*, actor: Any, pool_return_days: Any, claim_limit: Any) -> CrmSettings:
    permissions.manages_settings(actor)
    settings = crm_settings()
    settings.pool_return_days = _int(pool_return_days, "pool_return_days", low=1, high=365)
    settings.claim_limit = _int(claim_limit, "claim_limit", low=1, high=10_000)
    settings.save()
    audit_record(
        action="crm.pool_rules_changed",
        actor=actor,
        obj=settings,
        pool_return_days=settings.pool_return_days,
        claim_limit=settings.claim_limit,
    )
    return settings


@transaction.atomic
def stage_save(
    *,
    actor: Any,
    stage_id: Any = None,
    name: str,
    name_en: str = "",
    probability: Any,
    position: Any,
    kind: str = Stage.Kind.OPEN,
) -> Stage:
    """Add a stage or change one. Its opportunities keep their own probability; new moves take
    the stage's."""
    permissions.manages_settings(actor)
    name, name_en = (name or "").strip(), (name_en or "").strip()
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 60:
        errors["name"] = [_("Name the stage (at most 60 characters).")]
    if len(name_en) > 60:
        errors["name_en"] = [_("At most %(limit)s characters.") % {"limit": 60}]
    if kind not in Stage.Kind.values:
        errors["kind"] = [_("Choose open, won or lost.")]
    if errors:
        raise ValidationFailed(_("The stage could not be saved."), fields=errors)
    probability_value = _int(probability, "probability", low=0, high=100)
    position_value = _int(position, "position", low=0, high=1000)
    stage = Stage() if stage_id in (None, "") else Stage.objects.select_for_update().filter(pk=stage_id).first()
    if stage is None:
        raise NotFound(_("No such stage."))
    if Stage.objects.filter(name=name).exclude(pk=stage.pk).exists():
        message = _("Another stage has this name.")
        raise ValidationFailed(message, code="duplicate", fields={"name": [message]})
    if stage.pk and stage.kind != kind and Opportunity.objects.filter(stage=stage).exists():
        raise Conflict(_("A stage with opportunities in it keeps its kind."), code="stage_in_use")
    stage.name, stage.name_en, stage.kind = name, name_en, kind
    stage.probability, stage.position = probability_value, position_value
    stage.save()
    if not Stage.objects.filter(kind=Stage.Kind.OPEN).exists():
        raise Conflict(_("The pipeline needs at least one open stage."), code="no_open_stage")
    audit_record(action="crm.stage_saved", actor=actor, obj=stage, name=name, probability=probability_value)
    return stage


@transaction.atomic
def stage_delete(*, actor: Any, stage_id: Any) -> None:
    permissions.manages_settings(actor)
    stage = Stage.objects.select_for_update().filter(pk=stage_id).first()
    if stage is None:
        raise NotFound(_("No such stage."))
    if Opportunity.objects.filter(stage=stage).exists() or StageChange.objects.filter(to_stage=stage).exists():
        raise Conflict(_("Opportunities have been in this stage; it stays (rename it instead)."), code="stage_in_use")
    stage.delete()
    for kind in Stage.Kind.values:
        if not Stage.objects.filter(kind=kind).exists():
            raise Conflict(_("The pipeline needs an open, a won and a lost stage."), code="stage_needed")
    audit_record(action="crm.stage_deleted", actor=actor, obj=None, name=stage.name)


def sales_team(*, actor: Any) -> QuerySet[Any]:
    """Everyone active in the firm with their sales role and manager (owners and administrators
    see everything anyway)."""
    permissions.manages_settings(actor)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("sales_role", "sales_role__manager")
        .order_by("full_name", "email")
    )


@transaction.atomic
def sales_role_set(*, actor: Any, user_id: Any, role: str, manager_id: Any = None) -> SalesRole | None:
    """Make someone a sales rep or manager (with the manager whose team they are in), or take the
    role away (``role`` empty)."""
    permissions.manages_settings(actor)
    users = get_user_model().objects.filter(is_active=True)
    person = users.filter(pk=user_id).first() if str(user_id).isdigit() else None
    if person is None:
        raise NotFound(_("No such person."))
    if not role:
        SalesRole.objects.filter(user=person).delete()
        audit_record(action="crm.sales_role_removed", actor=actor, obj=person)
        return None
    if role not in SalesRole.Role.values:
        raise ValidationFailed(_("Choose sales rep or sales manager."), fields={"role": [_("Unknown role.")]})
    manager = None
    if manager_id not in (None, ""):
        manager = users.filter(pk=manager_id, sales_role__role=SalesRole.Role.MANAGER).first()
        if manager is None or manager.pk == person.pk:
            message = _("Choose a sales manager other than the person.")
            raise ValidationFailed(message, fields={"manager": [message]})
    saved, _created = SalesRole.objects.update_or_create(user=person, defaults={"role": role, "manager": manager})
    if role != SalesRole.Role.MANAGER:
        SalesRole.objects.filter(manager=person).update(manager=None)  # a rep leads no team
    audit_record(action="crm.sales_role_set", actor=actor, obj=person, role=role, manager=manager_id or None)
    return saved
