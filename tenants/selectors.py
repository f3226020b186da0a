from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.http import Http404, HttpRequest

from .models import Firm, Signup


@dataclass(frozen=True)
class SignupStatus:
    status: str
    firm_url: str
    login_url: str
    step: int
    steps: int


def signup_get(*, signup_id: uuid.UUID) -> Signup:
    record = Signup.objects.select_related("firm").filter(pk=signup_id).first()
    if record is None:
        raise Http404
    return record


def firm_url(*, firm: Firm, request: HttpRequest | None = None) -> str:
    """The firm's address, with the scheme and port the caller used when there is a request."""
    if request is None:
        return firm.url
    # The port the visitor typed is in the Host header; SERVER_PORT is the app server's own,
    # which behind a proxy is not one anybody can reach.
    _host, _sep, port = request.get_host().partition(":")
    suffix = f":{port}" if port else ""
    return f"{request.scheme}://{firm.host}{suffix}/"


def signup_status(*, signup: Signup, request: HttpRequest | None = None) -> SignupStatus:
    firm = signup.firm
    url = firm_url(firm=firm, request=request)
    steps = {"provisioning": 1, "active": 3, "failed": 1}
    step = steps.get(firm.status, 1)
    if firm.status == "provisioning":
        from django_tenants.utils import schema_exists

        step = 2 if schema_exists(firm.schema_name) else 1
    return SignupStatus(status=firm.status, firm_url=url, login_url=f"{url}accounts/login/", step=step, steps=3)
