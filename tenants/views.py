"""The public site: landing page, sign-up and its progress page."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from apps.parks.onboarding import signup_park_status
from core.errors import ValidationFailed
from core.forms import add_service_errors

from .forms import SignupForm
from .selectors import signup_get, signup_status
from .services import SignupInput, signup_create


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
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
                        park_id=data["park"].pk if data["park"] else None,
                    )
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                return redirect("signup_progress", signup_id=record.id)
    else:
        language = get_language() or "zh-hans"
        form = SignupForm(initial={"language": "en" if language.startswith("en") else "zh-hans"})
    return render(request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def signup_progress(request: HttpRequest, signup_id: uuid.UUID) -> HttpResponse:
    record = signup_get(signup_id=signup_id)
    status = signup_status(signup=record, request=request)
    park = signup_park_status(firm=record.firm)
    return render(request, "tenants/signup_progress.html", {"signup": record, "status": status, "park": park})


@require_GET
def signup_progress_partial(request: HttpRequest, signup_id: uuid.UUID) -> HttpResponse:
    record = signup_get(signup_id=signup_id)
    status = signup_status(signup=record, request=request)
    response = render(request, "tenants/_signup_status.html", {"signup": record, "status": status})
    if status.status == "active" and request.headers.get("HX-Request"):
        response["HX-Redirect"] = status.login_url
    return response
