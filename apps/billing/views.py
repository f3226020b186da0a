"""Billing pages on the firm host (owners and admins) and Stripe's webhook on the public host.

The page reads the local mirror only; Stripe is called when a person presses a button.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.security import POLICY
from tenants.selectors import firm_url

from . import selectors, services
from .webhooks import event_receive

logger = logging.getLogger(__name__)


def billing_manager_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The firm's owner and administrators only; others get a 403 page saying why."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not getattr(request.user, "can_manage_users", False):
            return render(request, "billing/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _stripe_failed(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Stripe unreachable, refusing, or not configured (no key): the person may try again later.
    logger.warning("Stripe call failed for firm %s: %s", request.tenant.slug, exc)  # type: ignore[attr-defined]
    messages.error(request, _("The payment service could not be reached. Please try again in a moment."))
    return redirect("billing:home")


# Stripe's hosted pages (Checkout, the customer portal, invoices) and, in test mode, the fake's.
PAYMENT_ORIGINS = ("https://checkout.stripe.com", "https://billing.stripe.com", "https://invoice.stripe.com")


def _payment_pages_allowed(response: HttpResponse) -> HttpResponse:
    """The billing page's forms end at Stripe's hosted pages (a redirect after the POST):
    its Content-Security-Policy lets forms go there, and nowhere else new."""
    origins = set(PAYMENT_ORIGINS)
    api = urlsplit(settings.STRIPE_API_BASE)
    if api.scheme in ("http", "https") and api.netloc:
        origins.add(f"{api.scheme}://{api.netloc}")
    response.headers["Content-Security-Policy"] = POLICY.replace(
        "form-action 'self'", "form-action 'self' " + " ".join(sorted(origins)), 1
    )
    return response


@billing_manager_required
@require_GET
def billing_home(request: HttpRequest) -> HttpResponse:
    overview = selectors.billing_overview(firm=request.tenant)  # type: ignore[attr-defined]
    checkout = request.GET.get("checkout", "")
    response = render(
        request,
        "billing/home.html",
        {
            "o": overview,
            "checkout": checkout if checkout in ("done", "cancelled", "invoice") else "",
            "intervals": [("month", _("Monthly")), ("year", _("Yearly"))],
        },
    )
    return _payment_pages_allowed(response)


@billing_manager_required
@require_POST
def checkout(request: HttpRequest) -> HttpResponseBase:
    firm = request.tenant  # type: ignore[attr-defined]
    try:
        url = services.checkout_start(
            actor=request.user,
            firm=firm,
            plan_code=request.POST.get("plan", ""),
            interval=request.POST.get("interval", "month"),
            payment=request.POST.get("payment", "card"),
            base_url=firm_url(firm=firm, request=request),
        )
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return redirect("billing:home")
    except (stripe.StripeError, RuntimeError) as exc:
        return _stripe_failed(request, exc)
    return redirect(url)


@billing_manager_required
@require_POST
def portal(request: HttpRequest) -> HttpResponseBase:
    firm = request.tenant  # type: ignore[attr-defined]
    try:
        url = services.portal_start(actor=request.user, firm=firm, base_url=firm_url(firm=firm, request=request))
    except ApplicationError as exc:
        messages.error(request, exc.detail)
        return redirect("billing:home")
    except (stripe.StripeError, RuntimeError) as exc:
        return _stripe_failed(request, exc)
    return redirect(url)


@billing_manager_required
@require_POST
def change_plan(request: HttpRequest) -> HttpResponseBase:
    try:
        sub = services.subscription_change_plan(
            actor=request.user,
            firm=request.tenant,  # type: ignore[attr-defined]
            plan_code=request.POST.get("plan", ""),
            interval=request.POST.get("interval", "month"),
        )
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    except (stripe.StripeError, RuntimeError) as exc:
        return _stripe_failed(request, exc)
    else:
        messages.success(request, _("Your plan is now %(plan)s.") % {"plan": sub.plan.name})
    return redirect("billing:home")


@billing_manager_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest) -> HttpResponseBase:
    """Cancelling is confirmed on a page of its own; it takes effect at the period's end."""
    firm = request.tenant  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            services.subscription_cancel(actor=request.user, firm=firm)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        except (stripe.StripeError, RuntimeError) as exc:
            return _stripe_failed(request, exc)
        else:
            messages.warning(request, _("Your subscription ends at the end of the current period."))
        return redirect("billing:home")
    return render(request, "billing/cancel_confirm.html", {"o": selectors.billing_overview(firm=firm)})


@billing_manager_required
@require_POST
def resume(request: HttpRequest) -> HttpResponseBase:
    try:
        services.subscription_resume(actor=request.user, firm=request.tenant)  # type: ignore[attr-defined]
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    except (stripe.StripeError, RuntimeError) as exc:
        return _stripe_failed(request, exc)
    else:
        messages.success(request, _("Your subscription continues."))
    return redirect("billing:home")


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events: the raw body's signature is checked (bad or older than five minutes:
    400, nothing stored), the event is stored once and processed by a job."""
    signature = request.headers.get("Stripe-Signature", "")
    if not settings.STRIPE_WEBHOOK_SECRET:
        # Without a secret anyone could sign an event (with the empty key): refuse them all.
        logger.error("Stripe webhook refused: STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponseBadRequest("webhooks are not configured", content_type="text/plain")
    try:
        stripe.Webhook.construct_event(
            request.body, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=300, api_key="unused"
        )
        # Stored as sent (stripe's objects turn amounts into Decimal, which JSON cannot hold).
        event = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, stripe.SignatureVerificationError) as exc:
        logger.warning("Stripe webhook refused: %s", str(exc)[:200])
        return HttpResponseBadRequest("invalid signature", content_type="text/plain")
    if not isinstance(event, dict) or not event.get("id"):
        return HttpResponseBadRequest("not an event", content_type="text/plain")
    event_receive(event=event)
    return HttpResponse("ok", content_type="text/plain")
