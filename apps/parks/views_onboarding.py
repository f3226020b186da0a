"""Park console, onboarding (public host): invitations, bulk CSV invitations and the approval
queue; and the invitation link's sign-up page (/join/<token>/)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotFound, ValidationFailed
from core.forms import add_service_errors
from tenants.forms import InvitedSignupForm
from tenants.services import SignupInput, signup_create

from . import onboarding
from .access import on_public_host, park_admin_required
from .models import ParkJoinRequest

PAGE_SIZE = 25
LINK_SESSION_KEY = "park_invitation_link"


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email of the firm's contact"), max_length=254)
    firm_name = forms.CharField(label=gettext_lazy("Firm name (optional)"), max_length=200, required=False)
    contact_name = forms.CharField(label=gettext_lazy("Contact person (optional)"), max_length=150, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["firm_name"].widget.attrs.update(autocomplete="off")
        self.fields["contact_name"].widget.attrs.update(autocomplete="off")


class BulkInvitationForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "Columns email, firm_name, contact_name with a header row; UTF-8 or GBK (as Excel saves it); "
            "at most 500 rows."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs.update(accept=".csv,text/csv")


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason, shown to the firm"),
        max_length=onboarding.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(**params: str) -> str:
    return urlencode({key: value for key, value in params.items() if value})


def _show_link_once(request: HttpRequest, *, email: str, token: str) -> None:
    """The next page shows the link (to copy and share another way); after that only its hash exists."""
    request.session[LINK_SESSION_KEY] = {
        "email": email,
        "link": onboarding.join_link(base_url=_base_url(request), token=token),
    }


def _tabs_context(request: HttpRequest) -> dict[str, Any]:
    return {"pending_requests": onboarding.join_request_pending_count(park=request.park)}  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


@park_admin_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = onboarding.park_invitation_create(
                request=request,
                park=park,
                email=form.cleaned_data["email"],
                firm_name=form.cleaned_data["firm_name"],
                contact_name=form.cleaned_data["contact_name"],
                base_url=_base_url(request),
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            _show_link_once(request, email=invitation.email, token=token)
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("park_onboarding:invitations")
    state = request.GET.get("state", "")
    state = state if state in onboarding.INVITATION_STATES else ""
    q = onboarding.clean_search(request.GET.get("q"))
    context = {
        "form": form,
        "new_link": request.session.pop(LINK_SESSION_KEY, None),
        "page": _page(request, onboarding.invitation_list(park=park, state=state, q=q)),
        "state": state,
        "q": q,
        "query": _query(state=state, q=q),
        "states": [
            ("pending", _("Waiting for sign-up")),
            ("expired", _("Expired")),
            ("accepted", _("Signed up")),
            ("revoked", _("Withdrawn")),
        ],
        **_tabs_context(request),
    }
    return render(request, "parks/onboarding/invitations.html", context, status=400 if form.errors else 200)


@park_admin_required
@require_http_methods(["GET", "POST"])
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    invitation = onboarding.invitation_list(park=park).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404(_("No such invitation in this park."))
    if request.method == "POST":
        try:
            onboarding.park_invitation_revoke(request=request, park=park, invitation_id=invitation_id)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(
                request,
                _("The invitation to %(email)s is withdrawn; its link no longer works.") % {"email": invitation.email},
            )
        return redirect("park_onboarding:invitations")
    return render(request, "parks/onboarding/revoke_confirm.html", {"invitation": invitation, **_tabs_context(request)})


@park_admin_required
@require_POST
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    try:
        invitation, token = onboarding.park_invitation_resend(
            request=request, park=park, invitation_id=invitation_id, base_url=_base_url(request)
        )
    except NotFound:
        raise Http404(_("No such invitation in this park.")) from None
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        _show_link_once(request, email=invitation.email, token=token)
        messages.success(
            request,
            _("A new invitation was sent to %(email)s; the previous link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("park_onboarding:invitations")


@park_admin_required
@require_http_methods(["GET", "POST"])
def invitations_bulk(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    form = BulkInvitationForm(request.POST, request.FILES) if request.method == "POST" else BulkInvitationForm()
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(onboarding.CSV_MAX_BYTES + 1)
        try:
            report = onboarding.park_invitations_import(
                request=request, park=park, content=content, base_url=_base_url(request)
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
    context = {"form": form, "report": report, "max_rows": onboarding.CSV_MAX_ROWS, **_tabs_context(request)}
    return render(request, "parks/onboarding/bulk.html", context, status=400 if form.errors else 200)


@park_admin_required
@require_GET
def invitations_template(request: HttpRequest) -> HttpResponse:
    # With a BOM, so Excel opens the Chinese sample row correctly.
    response = HttpResponse("\ufeff" + onboarding.csv_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="park-invitations.csv"'
    return response


# ---------------------------------------------------------------------------------------------
# Approval queue
# ---------------------------------------------------------------------------------------------


@park_admin_required
@require_GET
def join_requests(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    status = request.GET.get("status", "pending")
    status = status if status in (*onboarding.JOIN_REQUEST_STATES, "all") else "pending"
    q = onboarding.clean_search(request.GET.get("q"))
    context = {
        "page": _page(request, onboarding.join_request_list(park=park, status=status, q=q)),
        "status": status,
        "q": q,
        "query": _query(status=status, q=q),
        "statuses": [*ParkJoinRequest.Status.choices, ("all", _("All"))],
        **_tabs_context(request),
    }
    return render(request, "parks/onboarding/requests.html", context)


@park_admin_required
@require_POST
def join_request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    try:
        join_request = onboarding.join_request_approve(request=request, park=park, request_id=request_id)
    except NotFound:
        raise Http404(_("No such request to join this park.")) from None
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("%(firm)s has joined the park.") % {"firm": join_request.firm.name})
    return redirect("park_onboarding:requests")


@park_admin_required
@require_http_methods(["GET", "POST"])
def join_request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    join_request = onboarding.join_request_list(park=park, status="all").filter(pk=request_id).first()
    if join_request is None:
        raise Http404(_("No such request to join this park."))
    form = RejectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            onboarding.join_request_reject(
                request=request, park=park, request_id=request_id, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect("park_onboarding:requests")
        else:
            messages.success(
                request,
                _("The request of %(firm)s is rejected; the firm was told why.") % {"firm": join_request.firm.name},
            )
            return redirect("park_onboarding:requests")
    context = {"join_request": join_request, "form": form, **_tabs_context(request)}
    return render(request, "parks/onboarding/reject.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------------------
# The invitation link (public host, no sign-in)
# ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """The sign-up form pre-filled from the invitation and bound to the inviting park."""
    if not on_public_host(request):
        raise Http404
    try:
        invitation = onboarding.park_invitation_for_token(token=token)
    except ApplicationError as exc:
        return render(request, "parks/onboarding/join_invalid.html", {"message": exc.detail}, status=exc.status)
    language = get_language() or "zh-hans"
    initial = {
        "firm_name": invitation.firm_name,
        "email": invitation.email,
        "owner_name": invitation.contact_name,
        "language": "en" if language.startswith("en") else "zh-hans",
    }
    form = InvitedSignupForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = signup_create(
                SignupInput(
                    firm_name=data["firm_name"],
                    slug=data["slug"],
                    owner_name=data["owner_name"],
                    email=data["email"],
                    password=data["password"],
                    language=data["language"],
                ),
                invitation_token=token,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:  # used or withdrawn while the form was open
            return render(request, "parks/onboarding/join_invalid.html", {"message": exc.detail}, status=exc.status)
        else:
            return redirect("signup_progress", signup_id=record.id)
    context = {"form": form, "invitation": invitation}
    return render(request, "tenants/signup.html", context, status=400 if form.errors else 200)
