"""Two-factor sign-in pages: the second step of signing in, and Settings → Two-factor sign-in
(turn on with a QR code, recovery codes shown once, turn off; the owner can require it for the
whole firm and reset it for someone who lost their phone)."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.audit.services import audit_record, client_ip
from core.errors import ValidationFailed

from . import twofactor
from .lockout import attempt_begin, attempt_succeeded

PENDING = "two_factor_pending"
VERIFIED = "two_factor_verified"
SECRET = "two_factor_new_secret"  # noqa: S105  (a session key, not a secret)
PENDING_SECONDS = 300


def begin(request: HttpRequest, user: Any, next_url: str) -> HttpResponse:
    """Password accepted for someone with two-factor sign-in: ask for the code next."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "at": int(time.time()),
        "backend": getattr(user, "backend", ""),
        "next": next_url,
    }
    return redirect("accounts:login_verify")


@require_http_methods(["GET", "POST"])
def login_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.error(request, _("Sign in again: the code was not entered within 5 minutes."))
        return redirect("accounts:login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    error = ""
    if request.method == "POST":
        address = client_ip(request)
        attempt = attempt_begin(email=user.email, address=address)
        if attempt.locked:
            if attempt.just_locked:
                audit_record(action="auth.locked_out", actor=user.email, request=request)
            error = _("Too many failed sign-ins. Wait 15 minutes, or reset your password.")
        elif twofactor.verify(user=user, code=request.POST.get("code", ""), request=request):
            attempt_succeeded(email=user.email, address=address)
            del request.session[PENDING]
            login(request, user, backend=pending["backend"] or None)
            request.session[VERIFIED] = True
            target = pending["next"]
            safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
            return redirect(target if target and safe else "dashboard")
        else:
            audit_record(action="auth.two_factor_failed", actor=user.email, request=request)
            error = _("That code does not match. Type the 6 digits your app shows now, or a recovery code.")
    return render(request, "accounts/login_verify.html", {"error": error}, status=400 if error else 200)


def _firm(request: HttpRequest) -> Any:
    return getattr(request, "tenant", None)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_settings(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    firm = _firm(request)
    required = bool(getattr(firm, "require_two_factor", False))
    action = request.POST.get("action", "")
    codes: list[str] = []
    error = ""
    try:
        if action == "enable":
            codes = twofactor.enable(
                user=user, secret=request.session.get(SECRET, ""), code=request.POST.get("code", ""), request=request
            )
            request.session.pop(SECRET, None)
            request.session[VERIFIED] = True
            messages.success(request, _("Two-factor sign-in is on. Keep the recovery codes somewhere safe."))
        elif action == "regenerate":
            codes = twofactor.regenerate_codes(user=user, code=request.POST.get("code", ""), request=request)
            messages.success(request, _("New recovery codes; the old ones no longer work."))
        elif action == "disable":
            public = getattr(firm, "schema_name", "public") == "public"
            twofactor.disable(
                user=user, code=request.POST.get("code", ""), required=required or public, request=request
            )
            request.session.pop(VERIFIED, None)
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor")
        elif action in {"require", "allow"} and user.can_manage_users and getattr(firm, "schema_name", "") != "public":
            return _set_requirement(request, firm, action == "require")
        elif action == "reset" and user.can_manage_users:
            return _reset(request)
    except ValidationFailed as exc:
        error = exc.detail
    enabled = twofactor.is_enabled(user)
    public = getattr(firm, "schema_name", "public") == "public"
    if public:
        required = True  # park administrators and operators always use it
    context: dict[str, Any] = {
        "enabled": enabled,
        "required": required,
        "codes": codes,
        "error": error,
        "base_template": "public_base.html" if public else "firm_base.html",
        "public": public,
    }
    if not enabled:
        secret = request.session.get(SECRET) or twofactor.new_secret()
        request.session[SECRET] = secret
        uri = twofactor.provisioning_uri(secret, email=user.email, issuer=f"ParkSuite {getattr(firm, 'name', '')}")
        context.update(secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)), uri=uri)
        context["qr"] = twofactor.qr_svg(uri)
    else:
        context["codes_left"] = twofactor.recovery_codes_left(user)
    if user.can_manage_users and not public:
        from .models import TwoFactorDevice

        on = set(TwoFactorDevice.objects.values_list("user_id", flat=True))
        people = get_user_model().objects.filter(is_active=True).order_by("email")[:500]
        context["people"] = [(person, person.pk in on) for person in people]
    return render(request, "accounts/settings_two_factor.html", context, status=400 if error else 200)


def _set_requirement(request: HttpRequest, firm: Any, require: bool) -> HttpResponse:
    user: Any = request.user
    if require and not twofactor.is_enabled(user):
        messages.error(request, _("Turn on two-factor sign-in for yourself first."))
        return redirect("two_factor")
    from core.tenancy import forget_hosts
    from tenants.models import Domain

    type(firm).objects.filter(pk=firm.pk).update(require_two_factor=require)
    # Requests find their firm through a cached host lookup: drop it so the next one sees this.
    forget_hosts(Domain.objects.filter(tenant_id=firm.pk).values_list("domain", flat=True))
    action = "firm.two_factor_required" if require else "firm.two_factor_optional"
    audit_record(action=action, actor=user, request=request)
    messages.success(
        request,
        _("Everyone in the firm now signs in with a second factor.")
        if require
        else _("Two-factor sign-in is now up to each person."),
    )
    return redirect("two_factor")


def _reset(request: HttpRequest) -> HttpResponse:
    try:
        person = get_user_model().objects.get(pk=int(request.POST.get("user_id", "0") or 0))
    except (ValueError, get_user_model().DoesNotExist):
        messages.error(request, _("No such person."))
        return redirect("two_factor")
    twofactor.disable(user=person, code="", required=False, request=request, by=request.user)
    messages.success(
        request,
        _("Two-factor sign-in of %(email)s is reset; they set it up again at their next sign-in if required.")
        % {"email": person.email},
    )
    return redirect("two_factor")
