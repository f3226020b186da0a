"""Entitlements on every firm request: one cache lookup, no Stripe call.

Attaches ``request.entitlement``; sends a module the plan lacks to the upgrade page (HTML) or
403 ``module_not_in_plan`` (API); makes a suspended subscription read-only (changes refused,
except signing in and out, passwords, 2FA, the firm export and the billing pages). The past-due
banner is shown by the page shell (``context_processors.billing``). The public host is untouched.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .entitlements import TRIAL_PLAN_CODE, Entitlement, entitlement_for
from .models import Plan

BILLING_PATH = "/settings/billing/"

# URL prefix → module. API prefixes first (they are longer).
MODULE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("/api/v1/crm/", "crm"),
    ("/api/v1/hr/", "hr"),
    ("/api/v1/finance/", "finance"),
    ("/api/v1/supply-chain/", "supply_chain"),
    ("/crm/", "crm"),
    ("/hr/", "hr"),
    ("/finance/", "finance"),
    ("/supply-chain/", "supply_chain"),
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# What people of a suspended firm may still change: their session and credentials, the
# interface language, the firm export, and the billing pages (to pay and come back).
SUSPENDED_WRITE_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/",
    "/settings/two-factor/",
    "/language/",
    "/settings/export/",
    "/settings/closure/cancel/",
    BILLING_PATH,
    "/api/v1/auth/token/",
)


def module_for_path(path: str) -> str | None:
    for prefix, module in MODULE_PREFIXES:
        if path.startswith(prefix):
            return module
    return None


def module_label(module: str) -> str:
    labels = {
        "crm": _("CRM"),
        "hr": _("HR and payroll"),
        "finance": _("Finance"),
        "supply_chain": _("Supply chain"),
    }
    return labels.get(module, module)


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


def _can_manage_billing(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and getattr(user, "can_manage_users", False))


def suspended_notice(entitlement: Entitlement) -> str:
    if entitlement.banner == "trial_ended":
        return _(
            "The free trial has ended: this workspace is read-only. You can still read and export your data; "
            "choose a plan on the billing page to continue."
        )
    return _(
        "The subscription is not paid: this workspace is read-only. You can still read and export your data; "
        "paying the open invoice on the billing page restores it at once."
    )


class EntitlementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        firm = getattr(request, "tenant", None)
        if firm is None or getattr(firm, "schema_name", "public") == "public" or not getattr(firm, "pk", None):
            return self.get_response(request)
        entitlement = entitlement_for(firm)
        request.entitlement = entitlement  # type: ignore[attr-defined]
        path = request.path

        module = module_for_path(path)
        if module is not None and not entitlement.has_module(module):
            if _is_api(path):
                return self._module_api_refusal(module, entitlement)
            if getattr(request, "user", None) is not None and request.user.is_authenticated:
                return self._upgrade_page(request, module, entitlement)

        if (
            entitlement.is_suspended
            and request.method not in SAFE_METHODS
            and not path.startswith(SUSPENDED_WRITE_PREFIXES)
        ):
            notice = suspended_notice(entitlement)
            if _is_api(path):
                return JsonResponse({"code": "firm_suspended", "detail": notice, "fields": {}}, status=403)
            context = {
                "notice": notice,
                "billing_url": BILLING_PATH,
                "can_manage_billing": _can_manage_billing(request),
            }
            return render(request, "billing/suspended.html", context, status=403)
        return self.get_response(request)

    @staticmethod
    def _module_api_refusal(module: str, entitlement: Entitlement) -> HttpResponse:
        detail = _("The %(plan)s plan does not include %(module)s. An owner can upgrade on the billing page.") % {
            "plan": entitlement.display_plan_name,
            "module": module_label(module),
        }
        return JsonResponse({"code": "module_not_in_plan", "detail": detail, "fields": {}}, status=403)

    @staticmethod
    def _upgrade_page(request: HttpRequest, module: str, entitlement: Entitlement) -> HttpResponse:
        # Only this refusal page reads the catalogue; ordinary requests never do.
        english = (get_language() or "").startswith("en")
        plans = [
            {"name": plan.name_en if english and plan.name_en else plan.name, "price_month": plan.price_month}
            for plan in Plan.objects.filter(is_active=True, is_public=True).exclude(
                code__in=[entitlement.plan_code, TRIAL_PLAN_CODE]
            )
            if module in (plan.modules or [])
        ]
        context = {
            "module": module,
            "module_label": module_label(module),
            "plans": plans,
            "billing_url": BILLING_PATH,
            "can_manage_billing": _can_manage_billing(request),
        }
        return render(request, "billing/upgrade.html", context, status=403)
