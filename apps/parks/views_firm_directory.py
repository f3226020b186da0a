"""The collaboration directory pages (firm host, /park/directory/): search the park's firms, a
firm's profile with the request form, the firm's own profile, the requests inbox, blocked firms.

The acting firm is ``request.tenant``; pages read through the selectors of directory.py and
collaboration.py and write through their services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.forms import add_service_errors
from core.pages import module_page, query_without_page, reported

from . import collaboration, directory
from .industries import INDUSTRY_CHOICES
from .models import CollaborationRequest

PER_PAGE = 20


def _signed_in(user: Any) -> None:
    """Every signed-in person of the firm may use the directory (``module_page`` checks sign-in)."""


directory_page = module_page(check=_signed_in, forbidden_template="parks/directory/forbidden.html")


# --- forms -----------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=gettext_lazy("Name shown in the directory"), max_length=200)
    industry = forms.ChoiceField(label=gettext_lazy("Industry"), choices=[("", "—"), *INDUSTRY_CHOICES])
    summary = forms.CharField(
        label=gettext_lazy("About the firm"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    capabilities = forms.CharField(
        label=gettext_lazy("Capabilities"),
        required=False,
        help_text=gettext_lazy("Separate them with commas or 、 — at most 20, each at most 40 characters."),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("CNC machining、mould design、ISO 9001")}),
    )
    products = forms.CharField(
        label=gettext_lazy("Products and services"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    certifications = forms.CharField(
        label=gettext_lazy("Certifications"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    contact_person = forms.CharField(label=gettext_lazy("Contact person"), max_length=150)
    contact_email = forms.EmailField(label=gettext_lazy("Contact email"), required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), required=False, max_length=30)


class CollaborationForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=collaboration.MAX_SUBJECT)
    message = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=collaboration.MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("What you offer or look for; the firm receives it as a lead in its CRM."),
    )
    contact_person = forms.CharField(label=gettext_lazy("Contact person"), max_length=collaboration.MAX_CONTACT_PERSON)
    contact_email = forms.EmailField(label=gettext_lazy("Contact email"), required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), required=False, max_length=30)


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(choices=[(key, key) for key in collaboration.DECISIONS])
    answer = forms.CharField(required=False, max_length=collaboration.MAX_ANSWER)


# --- helpers ---------------------------------------------------------------------------------


def _paged(request: HttpRequest, queryset: Any) -> dict[str, Any]:
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return {"page": page, "query": query_without_page(request)}


def _render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    base = {
        "pending_received": collaboration.pending_received_count(firm=firm),
        "can_answer": collaboration.can_answer(request.user),
        "manages_profile": directory.manages_profile(request.user),
    }
    return render(request, template, {**base, **context}, status=status)


def _no_park(request: HttpRequest, nav: str) -> HttpResponse:
    return _render(request, "parks/directory/no_park.html", {"nav": nav})


# --- the directory ---------------------------------------------------------------------------


@directory_page
def directory_home(request: HttpRequest) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    if directory.firm_park_id(firm) is None:
        return _no_park(request, "directory")
    filters = {
        "q": (request.GET.get("q") or "").strip()[:100],
        "industry": (request.GET.get("industry") or "").strip()[:2],
        "capability": (request.GET.get("capability") or "").strip()[:40],
    }
    profiles = directory.directory_profile_list(firm=firm, **filters)
    capabilities = directory.directory_capabilities(firm=firm)
    if filters["capability"] and filters["capability"] not in capabilities:
        capabilities = [filters["capability"], *capabilities]
    context = {
        "nav": "directory",
        **filters,
        "filtered": any(filters.values()),
        "industries": INDUSTRY_CHOICES,
        "capabilities": capabilities,
        **_paged(request, profiles),
    }
    return _render(request, "parks/directory/home.html", context)


def _profile_page(
    request: HttpRequest, profile_id: int, form: CollaborationForm | None = None, *, status: int = 200
) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    profile = directory.directory_profile_get(firm=firm, profile_id=profile_id)
    if form is None:
        form = CollaborationForm(initial=collaboration.collaboration_defaults(firm=firm, user=request.user))
    pending = (
        collaboration.collaboration_request_list(firm=firm, box="sent", status=CollaborationRequest.Status.PENDING)
        .filter(recipient_id=profile.firm_id)
        .first()
    )
    context = {
        "nav": "directory",
        "profile": profile,
        "form": form,
        "pending": pending,
        "firm_block": collaboration.firm_block_of(firm=firm, other_id=profile.firm_id),
    }
    return _render(request, "parks/directory/profile_detail.html", context, status=status)


@directory_page
def profile_detail(request: HttpRequest, profile_id: int) -> HttpResponse:
    return _profile_page(request, profile_id)


@directory_page
@require_POST
def request_send(request: HttpRequest, profile_id: int) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    form = CollaborationForm(request.POST)
    if form.is_valid():
        with reported(request, message=False) as outcome:
            sent = collaboration.collaboration_request_send(
                sender=firm, actor=request.user, profile_id=profile_id, **form.cleaned_data
            )
        if outcome.ok:
            messages.success(
                request,
                _("Your request is on its way to %(firm)s. You will see the answer under Requests → Sent.")
                % {"firm": sent.recipient.name},
            )
            return redirect("firm_directory:request_detail", sent.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    return _profile_page(request, profile_id, form, status=400)


# --- the firm's own profile ------------------------------------------------------------------


def _profile_initial(profile: Any) -> dict[str, Any]:
    fields = ProfileForm.base_fields
    initial = {name: getattr(profile, name) for name in fields if name != "capabilities"}
    initial["capabilities"] = "、".join(profile.capabilities or [])
    return initial


@directory_page
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponseBase:
    firm = request.tenant  # type: ignore[attr-defined]
    profile = directory.directory_profile_own(firm=firm)
    initial = (
        _profile_initial(profile) if profile else directory.directory_profile_initial(firm=firm, user=request.user)
    )
    can_edit = directory.manages_profile(request.user)
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_edit:
            messages.error(request, _("Only the firm's owner or an administrator edits the directory profile."))
            return redirect("firm_directory:profile")
        if form.is_valid():
            with reported(request, message=False) as outcome:
                directory.directory_profile_save(firm=firm, actor=request.user, **form.cleaned_data)
            if outcome.ok:
                messages.success(request, _("The directory profile is saved."))
                return redirect("firm_directory:profile")
            add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    context = {
        "nav": "profile",
        "form": form,
        "profile": profile,
        "can_edit": can_edit,
        "in_park": directory.firm_park_id(firm) is not None,
    }
    return _render(request, "parks/directory/profile_form.html", context, status=400 if form.errors else 200)


@directory_page
@require_POST
def profile_publish(request: HttpRequest, action: str) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    change = directory.directory_profile_publish if action == "publish" else directory.directory_profile_unpublish
    with reported(request) as outcome:
        change(firm=firm, actor=request.user)
    if outcome.ok:
        if action == "publish":
            messages.success(request, _("The profile is published: the firms of your park can find it."))
        else:
            messages.success(request, _("The profile is no longer shown in the directory."))
    return redirect("firm_directory:profile")


# --- requests --------------------------------------------------------------------------------


@directory_page
def request_list(request: HttpRequest) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    box = "sent" if request.GET.get("box") == "sent" else "received"
    status = request.GET.get("status", "")
    status = status if status in CollaborationRequest.Status.values else ""
    requests = collaboration.collaboration_request_list(firm=firm, box=box, status=status)
    context = {
        "nav": "requests",
        "box": box,
        "status": status,
        "statuses": CollaborationRequest.Status.choices,
        **_paged(request, requests),
    }
    return _render(request, "parks/directory/requests.html", context)


def _request_page(
    request: HttpRequest, request_id: int, form: AnswerForm | None = None, *, status: int = 200
) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    collab = collaboration.collaboration_request_get(firm=firm, request_id=request_id)
    received = collab.recipient_id == firm.pk
    context = {
        "nav": "requests",
        "collab": collab,
        "received": received,
        "form": form or AnswerForm(),
        "firm_block": collaboration.firm_block_of(firm=firm, other_id=collab.sender_id) if received else None,
    }
    return _render(request, "parks/directory/request_detail.html", context, status=status)


@directory_page
def request_detail(request: HttpRequest, collab_request_id: int) -> HttpResponse:
    return _request_page(request, collab_request_id)


@directory_page
@require_POST
def request_answer(request: HttpRequest, collab_request_id: int) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    form = AnswerForm(request.POST)
    if form.is_valid():
        with reported(request, message=False) as outcome:
            answered = collaboration.collaboration_request_answer(
                firm=firm, actor=request.user, request_id=collab_request_id, **form.cleaned_data
            )
        if outcome.ok:
            done = {
                CollaborationRequest.Status.ACCEPTED: _("You accepted the request. The sender sees your answer."),
                CollaborationRequest.Status.DECLINED: _("You declined the request. The sender sees your answer."),
                CollaborationRequest.Status.IGNORED: _("The request is ignored. The sender gets no answer."),
            }
            messages.success(request, done[answered.status])  # type: ignore[index]
            return redirect("firm_directory:request_detail", collab_request_id)
        error = outcome.error
        if error is not None and error.code == "already_answered":
            messages.error(request, error.detail)
            return redirect("firm_directory:request_detail", collab_request_id)
        add_service_errors(form, error)  # type: ignore[arg-type]
    return _request_page(request, collab_request_id, form, status=400)


# --- blocking --------------------------------------------------------------------------------


@directory_page
@require_http_methods(["GET", "POST"])
def block_from_profile(request: HttpRequest, profile_id: int) -> HttpResponseBase:
    firm = request.tenant  # type: ignore[attr-defined]
    profile = directory.directory_profile_get(firm=firm, profile_id=profile_id)
    return _block(request, name=profile.display_name, profile_id=profile.pk)


@directory_page
@require_http_methods(["GET", "POST"])
def block_from_request(request: HttpRequest, collab_request_id: int) -> HttpResponseBase:
    firm = request.tenant  # type: ignore[attr-defined]
    collab = collaboration.collaboration_request_get(firm=firm, request_id=collab_request_id)
    if collab.recipient_id != firm.pk:
        # Only the recipient blocks from a request: for the sender it is "not found" here.
        raise Http404(_("No such collaboration request."))
    return _block(request, name=collab.sender_name, request_id=collab.pk)


def _block(
    request: HttpRequest, *, name: str, profile_id: int | None = None, request_id: int | None = None
) -> HttpResponseBase:
    """GET: the confirmation step; POST: block."""
    if request.method == "POST":
        with reported(request) as outcome:
            collaboration.firm_block_create(
                firm=request.tenant,  # type: ignore[attr-defined]
                actor=request.user,
                profile_id=profile_id,
                request_id=request_id,
            )
        if outcome.ok:
            messages.success(request, _("%(firm)s is blocked: it cannot send your firm requests.") % {"firm": name})
            return redirect("firm_directory:blocked")
        if request_id is not None:
            return redirect("firm_directory:request_detail", request_id)
        return redirect("firm_directory:profile_detail", profile_id)
    if request_id is not None:
        back = reverse("firm_directory:request_detail", args=[request_id])
    else:
        back = reverse("firm_directory:profile_detail", args=[profile_id])
    return _render(request, "parks/directory/block_confirm.html", {"nav": "blocked", "name": name, "back": back})


@directory_page
def blocked_list(request: HttpRequest) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    context = {"nav": "blocked", **_paged(request, collaboration.firm_block_list(firm=firm))}
    return _render(request, "parks/directory/blocked.html", context)


@directory_page
@require_POST
def unblock(request: HttpRequest, firm_block_id: int) -> HttpResponse:
    with reported(request) as outcome:
        collaboration.firm_block_delete(
            firm=request.tenant,  # type: ignore[attr-defined]
            actor=request.user,
            block_id=firm_block_id,
        )
    if outcome.ok:
        messages.success(request, _("The firm is unblocked: it can send your firm requests again."))
    return redirect("firm_directory:blocked")
