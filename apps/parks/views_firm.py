"""A firm's park membership (firm host, /park/): which park, asking to join, leaving, and what the
firm shares with its park. Everyone signed in sees it; owners and administrators act."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, ValidationFailed
from core.forms import add_service_errors

from . import onboarding
from .industries import INDUSTRY_CHOICES


class JoinRequestForm(forms.Form):
    park = forms.ModelChoiceField(
        label=gettext_lazy("Park"), queryset=onboarding.park_choices(), empty_label=gettext_lazy("Choose a park")
    )
    message = forms.CharField(
        label=gettext_lazy("Message to the park (optional)"),
        required=False,
        max_length=onboarding.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("For example where your firm is located in the park, or who to contact."),
    )


class ParkSettingsForm(forms.Form):
    industry = forms.ChoiceField(
        label=gettext_lazy("Industry"), choices=[("", gettext_lazy("Not set")), *INDUSTRY_CHOICES], required=False
    )
    share_activity = forms.BooleanField(
        label=gettext_lazy("Share activity figures with the park"),
        required=False,
        help_text=gettext_lazy(
            "Numbers of users and records per module, and when the firm was last active; never the records "
            "themselves. The park always sees your firm's status and plan."
        ),
    )


def _firm(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def _forbidden() -> HttpResponse:
    return HttpResponseForbidden(_("Only owners and administrators can change the firm's park membership."))


def _page(request: HttpRequest, *, join_form: JoinRequestForm | None = None, status: int = 200) -> HttpResponse:
    membership = onboarding.firm_membership(firm_id=_firm(request).pk)
    firm = membership.firm
    settings_form = ParkSettingsForm(initial={"industry": firm.industry, "share_activity": firm.share_activity})
    context = {
        "membership": membership,
        "join_form": join_form or JoinRequestForm(),
        "settings_form": settings_form,
        "can_manage": getattr(request.user, "can_manage_users", False),
    }
    return render(request, "parks/firm/membership.html", context, status=status)


@login_required
@require_GET
def membership(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def join(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "can_manage_users", False):
        return _forbidden()
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            join_request = onboarding.join_request_create(
                firm=_firm(request),
                actor=request.user,
                park_id=form.cleaned_data["park"].pk,
                message=form.cleaned_data["message"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect("firm_park:home")
        else:
            messages.success(
                request,
                _("Your request to join %(park)s is sent. The park will approve or reject it; you will get an email.")
                % {"park": join_request.park.name},
            )
            return redirect("firm_park:home")
    return _page(request, join_form=form, status=400)


@login_required
@require_POST
def withdraw(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "can_manage_users", False):
        return _forbidden()
    try:
        join_request = onboarding.join_request_withdraw(firm=_firm(request), actor=request.user, request=request)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Your request to join %(park)s is withdrawn.") % {"park": join_request.park.name})
    return redirect("firm_park:home")


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "can_manage_users", False):
        return _forbidden()
    current = onboarding.firm_membership(firm_id=_firm(request).pk)
    if current.park is None:
        messages.error(request, _("Your firm is not in a park."))
        return redirect("firm_park:home")
    if request.method == "POST":
        try:
            park = onboarding.firm_park_leave(firm=_firm(request), actor=request.user, request=request)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Your firm has left %(park)s.") % {"park": park.name})
        return redirect("firm_park:home")
    return render(request, "parks/firm/leave_confirm.html", {"membership": current})


@login_required
@require_POST
def park_settings(request: HttpRequest) -> HttpResponse:
    if not getattr(request.user, "can_manage_users", False):
        return HttpResponseForbidden(_("Only owners and administrators can change what the firm shares with its park."))
    form = ParkSettingsForm(request.POST)
    if form.is_valid():
        try:
            onboarding.firm_park_settings_update(
                firm=_firm(request),
                actor=request.user,
                industry=form.cleaned_data["industry"],
                share_activity=form.cleaned_data["share_activity"],
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Your park settings are saved."))
    else:
        messages.error(request, _("Choose an industry from the list."))
    return redirect("firm_park:home")
