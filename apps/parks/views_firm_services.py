"""The park's services seen from a member firm (firm host, /park/services/): the catalogue,
requesting a service, and the firm's own requests with their history.

The acting firm is ``request.tenant``; another firm's request is a 404."""

from __future__ import annotations

from typing import Any

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
from core.inputs import parse_id

from . import catalogue, notices
from .models import ParkService, ServiceRequest
from .views_firm_notices import firm_park_page
from .views_notices import paged


class ServiceRequestForm(forms.Form):
    service = forms.TypedChoiceField(label=gettext_lazy("Service"), coerce=int, choices=())
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=catalogue.SUBJECT_MAX,
        help_text=gettext_lazy("In a few words, e.g. “Meeting room for 12 people on 18 March”."),
    )
    details = forms.CharField(
        label=gettext_lazy("What you need"),
        max_length=catalogue.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Dates, number of people, documents you have: whatever helps the park."),
    )

    def __init__(self, *args: Any, services: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("Choose a service")), *services]  # type: ignore[attr-defined]


def _service_choices(services: Any) -> list[tuple[int, str]]:
    labels = dict(ParkService.Category.choices)
    return [(service.pk, f"{service.name} · {labels.get(service.category, '')}") for service in services]


@firm_park_page
def service_list(request: HttpRequest) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    q = notices.clean_search(request.GET.get("q"))
    category = request.GET.get("category", "")
    rows = catalogue.service_list_for_firm(firm=firm, category=category, q=q)
    context = {
        "nav": "services",
        "park": notices.firm_park(firm=firm),
        "q": q,
        "category": category,
        "categories": ParkService.Category.choices,
        **paged(request, rows),
    }
    return render(request, "parks/firm_services/list.html", context)


@firm_park_page
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponseBase:
    firm = request.tenant  # type: ignore[attr-defined]
    services = _service_choices(catalogue.service_list_for_firm(firm=firm)[:500])
    chosen = parse_id(request.GET.get("service"))
    form = ServiceRequestForm(request.POST or None, services=services, initial={"service": chosen if chosen else ""})
    if request.method == "POST" and form.is_valid():
        try:
            found = catalogue.service_request_create(
                firm=firm,
                actor=request.user,
                service_id=form.cleaned_data["service"],
                subject=form.cleaned_data["subject"],
                details=form.cleaned_data["details"],
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your request is sent to the park. You will see its answer here."))
            return redirect("firm_services:request_detail", found.pk)
    context = {"nav": "services", "form": form, "park": notices.firm_park(firm=firm), "has_services": bool(services)}
    return render(request, "parks/firm_services/form.html", context)


@firm_park_page
def request_list(request: HttpRequest) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    q = notices.clean_search(request.GET.get("q"))
    status = request.GET.get("status", "")
    rows = catalogue.service_request_list_for_firm(firm=firm, status=status, q=q)
    context = {
        "nav": "requests",
        "park": notices.firm_park(firm=firm),
        "q": q,
        "status": status,
        "statuses": ServiceRequest.Status.choices,
        **paged(request, rows),
    }
    return render(request, "parks/firm_services/requests.html", context)


@firm_park_page
def request_detail(request: HttpRequest, service_request_id: int) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    found = catalogue.service_request_get_for_firm(firm=firm, service_request_id=service_request_id)
    context = {
        "nav": "requests",
        "item": found,
        "history": catalogue.history(found),
        "closed": catalogue.is_final(found),
    }
    return render(request, "parks/firm_services/request_detail.html", context)


@firm_park_page
@require_POST
def request_message(request: HttpRequest, service_request_id: int) -> HttpResponse:
    try:
        catalogue.service_request_message_add(
            firm=request.tenant,  # type: ignore[attr-defined]
            actor=request.user,
            service_request_id=service_request_id,
            body=request.POST.get("body", ""),
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Your message is sent to the park."))
    return redirect("firm_services:request_detail", service_request_id)
