"""Park console, service catalogue and request queue (public host, /park/services/).

Park admins only; another park's service or request is a 404 and nothing changes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotFound
from core.forms import add_service_errors

from . import catalogue
from .models import ParkService, ServiceRequest
from .notices import clean_search
from .views_notices import console_page, paged


class ServiceForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=ParkService.Category.choices)
    name = forms.CharField(label=gettext_lazy("Name of the service"), max_length=catalogue.NAME_MAX)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=catalogue.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("What firms get, who provides it, what it costs and how long it takes."),
    )


# --- the catalogue ---------------------------------------------------------------------------


@console_page
def service_list(request: HttpRequest) -> HttpResponse:
    q = clean_search(request.GET.get("q"))
    active = request.GET.get("active", "")
    rows = catalogue.park_service_list_for_park(park=request.park, q=q, active=active)  # type: ignore[attr-defined]
    context = {"nav": "services", "q": q, "active": active, **paged(request, rows)}
    return render(request, "parks/services/list.html", context)


@console_page
@require_http_methods(["GET", "POST"])
def service_new(request: HttpRequest) -> HttpResponseBase:
    form = ServiceForm(request.POST or None, initial={"category": ParkService.Category.OTHER})
    if request.method == "POST" and form.is_valid():
        try:
            service = catalogue.park_service_create(
                park=request.park,  # type: ignore[attr-defined]
                actor=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The service %(name)s is offered to member firms.") % {"name": service.name})
            return redirect("park_services:list")
    return render(request, "parks/services/form.html", {"nav": "services", "form": form, "title": _("New service")})


@console_page
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: int) -> HttpResponseBase:
    park = request.park  # type: ignore[attr-defined]
    service = catalogue.park_service_get_for_park(park=park, service_id=service_id)
    initial = {"category": service.category, "name": service.name, "description": service.description}
    form = ServiceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.park_service_update(
                park=park, actor=request.user, request=request, service_id=service.pk, **form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The service is saved."))
            return redirect("park_services:list")
    context = {"nav": "services", "form": form, "service": service, "title": _("Edit the service")}
    return render(request, "parks/services/form.html", context)


@console_page
@require_http_methods(["GET", "POST"])
def service_deactivate(request: HttpRequest, service_id: int) -> HttpResponseBase:
    park = request.park  # type: ignore[attr-defined]
    service = catalogue.park_service_get_for_park(park=park, service_id=service_id)
    if request.method == "POST":
        try:
            catalogue.park_service_set_active(
                park=park, actor=request.user, service_id=service.pk, active=False, request=request
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("The service is no longer offered. Requests already made go on."))
        return redirect("park_services:list")
    return render(request, "parks/services/deactivate.html", {"nav": "services", "service": service})


@console_page
@require_POST
def service_activate(request: HttpRequest, service_id: int) -> HttpResponse:
    try:
        catalogue.park_service_set_active(
            park=request.park,  # type: ignore[attr-defined]
            actor=request.user,
            service_id=service_id,
            active=True,
            request=request,
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The service is offered again."))
    return redirect("park_services:list")


# --- the request queue -----------------------------------------------------------------------


@console_page
def request_list(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    q = clean_search(request.GET.get("q"))
    status = request.GET.get("status", "open")
    service = request.GET.get("service", "")
    rows = catalogue.service_request_list_for_park(park=park, status=status, service_id=service, q=q)
    context = {
        "nav": "requests",
        "q": q,
        "status": status,
        "service": service,
        "statuses": ServiceRequest.Status.choices,
        "services": catalogue.park_service_list_for_park(park=park).values_list("pk", "name"),
        **paged(request, rows),
    }
    return render(request, "parks/services/requests.html", context)


@console_page
def request_detail(request: HttpRequest, service_request_id: int) -> HttpResponse:
    found = catalogue.service_request_get_for_park(park=request.park, service_request_id=service_request_id)  # type: ignore[attr-defined]
    nexts = catalogue.next_statuses(found)
    context = {
        "nav": "requests",
        "item": found,
        "history": catalogue.history(found),
        "can_accept": ServiceRequest.Status.ACCEPTED in nexts,
        "can_finish": ServiceRequest.Status.DONE in nexts,
        "can_decline": ServiceRequest.Status.DECLINED in nexts,
        "closed": catalogue.is_final(found),
    }
    return render(request, "parks/services/request_detail.html", context)


@console_page
@require_POST
def request_status(request: HttpRequest, service_request_id: int) -> HttpResponse:
    status = request.POST.get("status", "")
    try:
        found = catalogue.service_request_transition(
            park=request.park,  # type: ignore[attr-defined]
            actor=request.user,
            service_request_id=service_request_id,
            status=status,
            message=request.POST.get("message", ""),
            request=request,
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request, _("The request is now %(status)s; the firm sees it.") % {"status": found.get_status_display()}
        )
    return redirect("park_services:request_detail", service_request_id)


@console_page
@require_POST
def request_message(request: HttpRequest, service_request_id: int) -> HttpResponse:
    try:
        catalogue.service_request_reply(
            park=request.park,  # type: ignore[attr-defined]
            actor=request.user,
            service_request_id=service_request_id,
            body=request.POST.get("body", ""),
            request=request,
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Your message is sent to the firm."))
    return redirect("park_services:request_detail", service_request_id)
