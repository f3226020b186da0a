from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .tenancy import PUBLIC_SITE, firm_notice, public_url


def shell(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", PUBLIC_SITE)
    return {
        "current_firm": None if tenant.schema_name == "public" else tenant,
        "firm_notice": "" if tenant.schema_name == "public" else firm_notice(tenant),
        "is_public_site": tenant.schema_name == "public",
        "public_site_url": public_url("/"),
        "PARKSUITE_DOMAIN": settings.PARKSUITE_DOMAIN,
    }
