"""The park's public services (园区公共服务) and the requests firms make for them.

Console side: the park lists its services and moves requests through their statuses
(submitted → accepted → done, or declined from submitted or accepted; done and declined are
final), with messages both ways. Firm side: ``request.tenant`` asks for one of its park's active
services and follows its own requests. Every entry of the history (a message, a status change)
is a ``ServiceRequestMessage``; both sides read the same history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, ValidationFailed
from core.inputs import clean_search, clean_text, parse_id
from tenants.models import Firm

from .access import park_audit
from .models import Park, ParkService, ServiceRequest, ServiceRequestMessage
from .notices import actor_label, firm_park_required

NAME_MAX = 200
DESCRIPTION_MAX = 5_000
SUBJECT_MAX = 200
MESSAGE_MAX = 5_000
# A firm may have this many requests waiting for the park at once (a guard against floods).
OPEN_REQUESTS_MAX = 30

Status = ServiceRequest.Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.SUBMITTED: (Status.ACCEPTED, Status.DECLINED),
    Status.ACCEPTED: (Status.DONE, Status.DECLINED),
    Status.DONE: (),
    Status.DECLINED: (),
}
FINAL = (Status.DONE, Status.DECLINED)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a request's history as both sides read it."""

    from_park: bool
    author: str
    body: str
    status: str
    status_label: str
    created_at: datetime.datetime


def history(service_request: ServiceRequest) -> list[HistoryEntry]:
    """Messages and status changes, oldest first (uses the prefetched messages)."""
    labels = dict(Status.choices)
    return [
        HistoryEntry(
            from_park=entry.from_park,
            author=entry.author,
            body=entry.body,
            status=entry.status,
            status_label=str(labels.get(entry.status, "")) if entry.status else "",
            created_at=entry.created_at,
        )
        for entry in service_request.messages.all()
    ]


def is_final(service_request: ServiceRequest) -> bool:
    return service_request.status in FINAL


def next_statuses(service_request: ServiceRequest) -> tuple[str, ...]:
    return TRANSITIONS.get(service_request.status, ())


def _message_body(body: Any, *, field: str = "body", required: bool = True) -> str:
    text = clean_text(body)
    if required and not text:
        message = _("Write a message.")
        raise ValidationFailed(message, fields={field: [message]})
    if len(text) > MESSAGE_MAX:
        message = _("A message is at most 5,000 characters.")
        raise ValidationFailed(message, fields={field: [message]})
    return text


# --- console: the catalogue ------------------------------------------------------------------


def _service_fields(*, category: str, name: str, description: str) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    name = clean_text(name)
    description = clean_text(description)
    if category not in ParkService.Category.values:
        errors["category"] = [_("Choose a category from the list.")]
    if not name:
        errors["name"] = [_("Name the service.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("The service's name is at most 200 characters.")]
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("The description is at most 5,000 characters.")]
    if errors:
        raise ValidationFailed(_("The service could not be saved: check the fields marked."), fields=errors)
    return {"category": category, "name": name, "description": description}


def _name_taken(park: Park, name: str, *, exclude_id: int | None = None) -> bool:
    same = ParkService.objects.filter(park=park, name__iexact=name)
    if exclude_id is not None:
        same = same.exclude(pk=exclude_id)
    return same.exists()


def _name_taken_error() -> ValidationFailed:
    message = _("The park already offers a service of this name.")
    return ValidationFailed(message, code="duplicate_name", fields={"name": [message]})


def _service_for_update(park: Park, service_id: Any) -> ParkService:
    pk = parse_id(service_id)
    service = ParkService.objects.select_for_update().filter(pk=pk, park=park).first() if pk else None
    if service is None:
        raise NotFound(_("No such service in this park."))
    return service


@transaction.atomic
def park_service_create(
    *,
    park: Park,
    actor: Any,
    category: str,
    name: str,
    description: str = "",
    request: HttpRequest | None = None,
) -> ParkService:
    """A new service the park offers; names are unique in the park (whatever the case)."""
    fields = _service_fields(category=category, name=name, description=description)
    if _name_taken(park, fields["name"]):
        raise _name_taken_error()
    try:
        with transaction.atomic():
            service = ParkService.objects.create(park=park, **fields)
    except IntegrityError:  # the same name saved at the same moment
        raise _name_taken_error() from None
    park_audit(request=request, actor=actor, park=park, action="service_created", obj=service, name=service.name)
    return service


@transaction.atomic
def park_service_update(
    *,
    park: Park,
    actor: Any,
    service_id: Any,
    category: str,
    name: str,
    description: str = "",
    request: HttpRequest | None = None,
) -> ParkService:
    """Change a service's category, name or description (requests already made keep theirs)."""
    service = _service_for_update(park, service_id)
    fields = _service_fields(category=category, name=name, description=description)
    if _name_taken(park, fields["name"], exclude_id=service.pk):
        raise _name_taken_error()
    for key, value in fields.items():
        setattr(service, key, value)
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError:
        raise _name_taken_error() from None
    park_audit(request=request, actor=actor, park=park, action="service_updated", obj=service, name=service.name)
    return service


@transaction.atomic
def park_service_set_active(
    *, park: Park, actor: Any, service_id: Any, active: bool, request: HttpRequest | None = None
) -> ParkService:
    """Stop (or start again) offering a service; requests already made go on as before."""
    service = _service_for_update(park, service_id)
    if service.is_active == active:
        message = _("The service is already offered.") if active else _("The service is already withdrawn.")
        raise Conflict(message, code="unchanged")
    service.is_active = active
    service.save(update_fields=["is_active"])
    park_audit(
        request=request,
        actor=actor,
        park=park,
        action="service_activated" if active else "service_deactivated",
        obj=service,
        name=service.name,
    )
    return service


def park_service_list_for_park(*, park: Park, q: str = "", active: str = "") -> QuerySet[ParkService]:
    """The park's services with how many requests each has and how many are open."""
    services = ParkService.objects.filter(park=park).annotate(
        requests_total=Count("requests", distinct=True),
        requests_open=Count("requests", filter=Q(requests__status__in=[Status.SUBMITTED, Status.ACCEPTED])),
    )
    if active == "yes":
        services = services.filter(is_active=True)
    elif active == "no":
        services = services.filter(is_active=False)
    q = clean_search(q)
    if q:
        services = services.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return services.order_by("-is_active", "category", "name")


def park_service_get_for_park(*, park: Park, service_id: Any) -> ParkService:
    pk = parse_id(service_id)
    service = ParkService.objects.filter(pk=pk, park=park).first() if pk else None
    if service is None:
        raise NotFound(_("No such service in this park."))
    return service


# --- console: the request queue --------------------------------------------------------------


def service_request_list_for_park(
    *, park: Park, status: str = "", service_id: Any = None, q: str = ""
) -> QuerySet[ServiceRequest]:
    """The park's request queue; ``status`` "open" means submitted or accepted."""
    requests = ServiceRequest.objects.filter(park=park).select_related("service", "firm")
    if status == "open":
        requests = requests.filter(status__in=[Status.SUBMITTED, Status.ACCEPTED])
    elif status in Status.values:
        requests = requests.filter(status=status)
    service_pk = parse_id(service_id) if service_id not in (None, "") else None
    if service_pk is not None:
        requests = requests.filter(service_id=service_pk)
    q = clean_search(q)
    if q:
        requests = requests.filter(Q(subject__icontains=q) | Q(firm__name__icontains=q) | Q(requested_by__icontains=q))
    return requests.order_by("-updated_at", "-id")


def service_request_get_for_park(*, park: Park, service_request_id: Any) -> ServiceRequest:
    """One request of the park's queue with its history; another park's is not found."""
    pk = parse_id(service_request_id)
    found = (
        ServiceRequest.objects.filter(pk=pk, park=park)
        .select_related("service", "firm")
        .prefetch_related("messages")
        .first()
        if pk
        else None
    )
    if found is None:
        raise NotFound(_("No such request in this park."))
    return found


def _request_for_update(park: Park, service_request_id: Any) -> ServiceRequest:
    pk = parse_id(service_request_id)
    found = ServiceRequest.objects.select_for_update().filter(pk=pk, park=park).first() if pk else None
    if found is None:
        raise NotFound(_("No such request in this park."))
    return found


@transaction.atomic
def service_request_transition(
    *,
    park: Park,
    actor: Any,
    service_request_id: Any,
    status: str,
    message: str = "",
    request: HttpRequest | None = None,
) -> ServiceRequest:
    """The park moves a request on: submitted → accepted | declined, accepted → done | declined.
    Declining needs a reason; done and declined are final."""
    found = _request_for_update(park, service_request_id)
    if status not in Status.values:
        problem = _("Choose accepted, done or declined.")
        raise ValidationFailed(problem, fields={"status": [problem]})
    if status not in TRANSITIONS.get(found.status, ()):
        raise Conflict(
            _("A request that is %(current)s cannot become %(new)s.")
            % {"current": found.get_status_display(), "new": Status(status).label},
            code="illegal_transition",
        )
    body = _message_body(message, field="message", required=False)
    if status == Status.DECLINED and not body:
        problem = _("Say why the request is declined: the firm sees the reason.")
        raise ValidationFailed(problem, code="reason_required", fields={"message": [problem]})
    previous = found.status
    found.status = status
    found.save(update_fields=["status", "updated_at"])
    ServiceRequestMessage.objects.create(
        request=found, from_park=True, author=actor_label(actor), body=body, status=status
    )
    park_audit(
        request=request,
        actor=actor,
        park=park,
        action="service_request_status",
        obj=found,
        firm_id=found.firm_id,
        old=previous,
        new=status,
    )
    return found


@transaction.atomic
def service_request_reply(
    *, park: Park, actor: Any, service_request_id: Any, body: str, request: HttpRequest | None = None
) -> ServiceRequestMessage:
    """The park writes to the firm about an open request."""
    found = _request_for_update(park, service_request_id)
    text = _message_body(body)
    if is_final(found):
        raise Conflict(_("This request is closed: no more messages can be added."), code="request_closed")
    entry = ServiceRequestMessage.objects.create(request=found, from_park=True, author=actor_label(actor), body=text)
    found.save(update_fields=["updated_at"])
    park_audit(
        request=request, actor=actor, park=park, action="service_request_message", obj=found, firm_id=found.firm_id
    )
    return entry


# --- firm side -------------------------------------------------------------------------------


def service_list_for_firm(*, firm: Any, category: str = "", q: str = "") -> QuerySet[ParkService]:
    """The active services of the firm's park; NotInPark when it belongs to none."""
    park = firm_park_required(firm=firm)
    services = ParkService.objects.filter(park=park, is_active=True)
    if category in ParkService.Category.values:
        services = services.filter(category=category)
    q = clean_search(q)
    if q:
        services = services.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return services.order_by("category", "name")


@transaction.atomic
def service_request_create(*, firm: Any, actor: Any, service_id: Any, subject: str, details: str) -> ServiceRequest:
    """A firm asks for one of its park's active services; the details are the first message."""
    park = firm_park_required(firm=firm)
    errors: dict[str, list[str]] = {}
    pk = parse_id(service_id)
    service = ParkService.objects.filter(pk=pk, park=park, is_active=True).first() if pk else None
    if service is None:
        errors["service"] = [_("Choose one of the services your park offers.")]
    subject = clean_text(subject)
    if not subject:
        errors["subject"] = [_("Say in a few words what you need.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [_("The subject is at most 200 characters.")]
    details_text = clean_text(details)
    if not details_text:
        errors["details"] = [_("Describe what you need, so the park can help.")]
    elif len(details_text) > MESSAGE_MAX:
        errors["details"] = [_("A message is at most 5,000 characters.")]
    if errors or service is None:
        raise ValidationFailed(_("The request could not be sent: check the fields marked."), fields=errors)
    # One request at a time per firm (the firm's row locked): the count cannot be raced past.
    Firm.objects.select_for_update().filter(pk=firm.pk).first()
    open_now = ServiceRequest.objects.filter(
        firm_id=firm.pk, park=park, status__in=[Status.SUBMITTED, Status.ACCEPTED]
    ).count()
    if open_now >= OPEN_REQUESTS_MAX:
        raise Conflict(
            _("Your firm has %(n)d requests open with the park; wait for some to be handled first.") % {"n": open_now},
            code="too_many_open_requests",
        )
    found = ServiceRequest.objects.create(
        park=park, service=service, firm_id=firm.pk, subject=subject, requested_by=actor_label(actor)
    )
    ServiceRequestMessage.objects.create(
        request=found, from_park=False, author=actor_label(actor), body=details_text, status=Status.SUBMITTED
    )
    return found


def service_request_list_for_firm(*, firm: Any, status: str = "", q: str = "") -> QuerySet[ServiceRequest]:
    """The firm's own requests (also those made before it changed parks)."""
    requests = ServiceRequest.objects.filter(firm_id=firm.pk).select_related("service", "park")
    if status == "open":
        requests = requests.filter(status__in=[Status.SUBMITTED, Status.ACCEPTED])
    elif status in Status.values:
        requests = requests.filter(status=status)
    q = clean_search(q)
    if q:
        requests = requests.filter(Q(subject__icontains=q) | Q(service__name__icontains=q))
    return requests.order_by("-updated_at", "-id")


def service_request_get_for_firm(*, firm: Any, service_request_id: Any) -> ServiceRequest:
    """One of the firm's requests with its history; another firm's is not found."""
    pk = parse_id(service_request_id)
    found = (
        ServiceRequest.objects.filter(pk=pk, firm_id=firm.pk)
        .select_related("service", "park")
        .prefetch_related("messages")
        .first()
        if pk
        else None
    )
    if found is None:
        raise NotFound(_("No such request."))
    return found


@transaction.atomic
def service_request_message_add(*, firm: Any, actor: Any, service_request_id: Any, body: str) -> ServiceRequestMessage:
    """The firm writes to the park about one of its open requests."""
    pk = parse_id(service_request_id)
    found = ServiceRequest.objects.select_for_update().filter(pk=pk, firm_id=firm.pk).first() if pk else None
    if found is None:
        raise NotFound(_("No such request."))
    text = _message_body(body)
    if is_final(found):
        raise Conflict(_("This request is closed: no more messages can be added."), code="request_closed")
    entry = ServiceRequestMessage.objects.create(request=found, from_park=False, author=actor_label(actor), body=text)
    ServiceRequest.objects.filter(pk=found.pk).update(updated_at=timezone.now())
    return entry
