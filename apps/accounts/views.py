"""Firm pages: sign-in, the dashboard, settings for the firm, its users and invitations."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseForbidden
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, ValidationFailed
from core.forms import add_service_errors
from tenants.services import firm_profile_update

from . import selectors, services
from .forms import (
    ApiTokenForm,
    CloseFirmForm,
    FirmProfileForm,
    InvitationAcceptForm,
    InvitationForm,
    LoginForm,
    SlugChangeForm,
)


class EndsTokensWithThePassword:
    """A password set through this view ends the account's API tokens."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)  # type: ignore[misc]
        services.user_password_changed(user=form.user)
        return response  # type: ignore[no-any-return]


class PasswordChangeView(EndsTokensWithThePassword, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordResetConfirmView(EndsTokensWithThePassword, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        from . import twofactor
        from .views_two_factor import begin

        user = form.get_user()
        if twofactor.is_enabled(user):  # the password was right; the code comes next
            return begin(self.request, user, self.get_success_url())
        return super().form_valid(form)


def _firm_base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from apps.parks.notices import notice_dashboard_panel

    context = {
        "user_count": selectors.user_list().filter(is_active=True).count(),
        "open_invitations": selectors.invitation_list().count(),
        # The latest notices of the firm's park (none when the firm is in no park).
        "park_notices": notice_dashboard_panel(firm=request.tenant, user_id=request.user.pk),  # type: ignore[attr-defined]
    }
    return render(request, "accounts/dashboard.html", context)


@login_required
def platform_home(request: HttpRequest) -> HttpResponseBase:
    """Where park administrators and operators land on the public host: a park administrator
    with a park goes straight to the park console."""
    from apps.parks.selectors import park_list_for_admin

    parks = park_list_for_admin(user=request.user)
    if request.user.role == "park_admin" and parks.exists():  # type: ignore[union-attr]
        return redirect("park_console:dashboard")
    return render(request, "accounts/platform_home.html", {"parks": parks})


@login_required
@require_http_methods(["GET", "POST"])
def firm_settings(request: HttpRequest) -> HttpResponse:
    firm = request.tenant  # type: ignore[attr-defined]
    can_edit = request.user.can_manage_users  # type: ignore[union-attr]
    form = FirmProfileForm(request.POST or None, initial={"name": firm.name})
    if request.method == "POST":
        if not can_edit:
            return HttpResponseForbidden(_("Only owners and administrators can change the firm's profile."))
        if form.is_valid():
            try:
                firm_profile_update(firm=firm, name=form.cleaned_data["name"])
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The firm's profile is saved."))
                return redirect("settings")
    return render(request, "accounts/settings_firm.html", {"form": form, "can_edit": can_edit, "firm": firm})


@login_required
@require_http_methods(["GET", "POST"])
def users_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    search = selectors.clean_search(request.GET.get("q"))
    invite_form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not user.can_manage_users:  # type: ignore[union-attr]
            return HttpResponseForbidden(_("Only owners and administrators can invite people."))
        if invite_form.is_valid():
            try:
                invitation, token = services.invitation_create(
                    actor=user,  # type: ignore[arg-type]
                    email=invite_form.cleaned_data["email"],
                    role=invite_form.cleaned_data["role"],
                    accept_url_base=_firm_base_url(request),
                )
            except ValidationFailed as exc:
                add_service_errors(invite_form, exc)
            else:
                link = services.invitation_link(accept_url_base=_firm_base_url(request), token=token)
                messages.success(
                    request,
                    _("Invitation sent to %(email)s. You can also share this link with them (it works once): %(link)s")
                    % {"email": invitation.email, "link": link},
                )
                return redirect("users")
    page = Paginator(selectors.user_list(search=search), 25).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "search": search,
        "invitations": selectors.invitation_list(),
        "invite_form": invite_form,
    }
    partial = (
        request.method == "GET"
        and request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
    )
    template = "accounts/_user_table.html" if partial else "accounts/settings_users.html"
    response = render(request, template, context, status=400 if invite_form.errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invitation = services.invitation_revoke(actor=request.user, invitation_id=invitation_id)  # type: ignore[arg-type]
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("users")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_for_token(token=token)
    except ApplicationError as exc:
        return render(
            request,
            "accounts/invitation_invalid.html",
            {"message": exc.detail},
            status=exc.status if exc.status == 404 else 410,
        )
    language = get_language() or "zh-hans"
    form = InvitationAcceptForm(
        request.POST or None, initial={"language": "en" if language.startswith("en") else "zh-hans"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password"],
                language=form.cleaned_data["language"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except ApplicationError as exc:
            return render(request, "accounts/invitation_invalid.html", {"message": exc.detail}, status=410)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to %(firm)s!") % {"firm": request.tenant.name})  # type: ignore[attr-defined]
            return redirect("dashboard")
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=400 if form.errors else 200,
    )


def owner_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A signed-in owner only; others get 403 (anonymous visitors go to sign in)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "role", "") != "owner":
            return HttpResponseForbidden(_("Only the firm's owner can do this."))
        return view(request, *args, **kwargs)

    return wrapped


@owner_required
@require_http_methods(["GET", "POST"])
def firm_lifecycle(request: HttpRequest) -> HttpResponse:
    """The owner's danger zone: change the firm's address, close the firm."""
    from tenants.lifecycle import actor_label, firm_close_request, firm_slug_change
    from tenants.selectors import firm_url

    firm = request.tenant  # type: ignore[attr-defined]
    slug_form = SlugChangeForm(request.POST if request.POST.get("action") == "rename" else None)
    close_form = CloseFirmForm(request.POST if request.POST.get("action") == "close" else None)
    actor = actor_label(request.user, where=firm.schema_name)
    if request.method == "POST" and slug_form.is_bound and slug_form.is_valid():
        try:
            firm = firm_slug_change(firm_id=firm.pk, new_slug=slug_form.cleaned_data["slug"], actor=actor)
        except ApplicationError as exc:
            add_service_errors(slug_form, exc)
        else:
            # Sessions are per host: the owner signs in again at the new address.
            return redirect(f"{firm_url(firm=firm, request=request)}accounts/login/")
    if request.method == "POST" and close_form.is_bound and close_form.is_valid():
        try:
            firm_close_request(
                firm_id=firm.pk,
                actor=actor,
                confirm_slug=close_form.cleaned_data["confirm_slug"],
                reason=close_form.cleaned_data["reason"],
                by_owner=True,
            )
        except ApplicationError as exc:
            add_service_errors(close_form, exc)
        else:
            messages.warning(request, _("The firm is closing. You can take this back until its data is deleted."))
            return redirect("settings_lifecycle")
    bad = slug_form.errors or close_form.errors
    context = {"firm": firm, "slug_form": slug_form, "close_form": close_form}
    return render(request, "accounts/settings_lifecycle.html", context, status=400 if bad else 200)


@owner_required
@require_POST
def firm_closure_cancel(request: HttpRequest) -> HttpResponse:
    from tenants.lifecycle import actor_label, firm_close_cancel

    firm = request.tenant  # type: ignore[attr-defined]
    try:
        firm_close_cancel(firm_id=firm.pk, actor=actor_label(request.user, where=firm.schema_name), by_owner=True)
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The closure is cancelled. Welcome back."))
    return redirect("settings_lifecycle")


@owner_required
@require_http_methods(["GET", "POST"])
def firm_export(request: HttpRequest) -> HttpResponse:
    """The owner exports all the firm's data (allowed while suspended or closing, too)."""
    from .exports import export_request

    if request.method == "POST":
        export_request(actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("Your export is being prepared. This page shows its progress."))
        return redirect("firm_export")
    return render(request, "accounts/settings_export.html", {"exports": selectors.export_list()})


@owner_required
def firm_export_rows(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/_export_rows.html", {"exports": selectors.export_list()})


@login_required
def firm_export_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    from .exports import export_file

    try:
        path = export_file(actor=request.user, export_id=export_id)  # type: ignore[arg-type]
    except ApplicationError as exc:
        return render(request, "404.html", {"message": exc.detail}, status=exc.status)
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


@owner_required
def security_log(request: HttpRequest) -> HttpResponse:
    """The firm's audit log: searchable, paginated, downloadable as CSV by the owner."""
    from apps.audit.services import audit_record, audit_search
    from core.reports import safe_cell

    query, action = request.GET.get("q", ""), request.GET.get("action", "")
    events = audit_search(query=query, action=action)
    if request.GET.get("format") == "csv":
        audit_record(action="audit.exported", actor=request.user, request=request, query=query or None)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="security-log.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["at", "action", "actor", "object_type", "object_id", "ip", "details"])
        for event in events.iterator(2000):
            row = [event.at.isoformat(), event.action, event.actor, event.object_type, event.object_id, event.ip]
            writer.writerow([safe_cell(v) for v in [*row, json.dumps(event.changes, ensure_ascii=False)]])
        return response
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    context = {"page": page, "query": query, "action": action}
    return render(request, "accounts/settings_security_log.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """A person's own API tokens: create one (shown once), see them, revoke them."""
    from .models import ApiToken
    from .tokens import SCOPES, api_token_create, api_token_revoke, role_scopes

    user = request.user
    allowed = [scope for scope in SCOPES if scope in role_scopes(user)]  # type: ignore[arg-type]
    form = ApiTokenForm(request.POST if request.POST.get("action") == "create" else None, allowed=allowed)
    new_secret = ""
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            api_token_revoke(user=user, token_id=int(request.POST.get("token_id", "0") or 0))  # type: ignore[arg-type]
        except (ApplicationError, ValueError):
            messages.error(request, _("No such token."))
        else:
            messages.success(request, _("The token is revoked."))
        return redirect("api_tokens")
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = api_token_create(
                user=user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
                request=request,
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            form = ApiTokenForm(allowed=allowed)
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")[:50]  # type: ignore[misc]
    context = {"form": form, "tokens": tokens, "new_secret": new_secret}
    return render(request, "accounts/settings_api_tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def browser_sessions(request: HttpRequest) -> HttpResponse:
    """Where the person is signed in, and a button to sign out everywhere else."""
    from .sessions import session_list, sessions_end_others

    current = request.session.session_key or ""
    if request.method == "POST":
        ended = sessions_end_others(user=request.user, current_key=current, request=request)  # type: ignore[arg-type]
        messages.success(request, _("Signed out of %(count)s other session(s).") % {"count": ended})
        return redirect("browser_sessions")
    sessions = session_list(user=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/settings_sessions.html", {"sessions": sessions, "current": current})
