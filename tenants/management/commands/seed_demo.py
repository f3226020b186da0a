"""Demo data: the Tianfu Software Park, its administrator, three firms that joined it through the
park's invitations, and the park's content (services, notices, directory profiles). Idempotent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.http import HttpRequest
from django.test import RequestFactory

from apps.accounts.models import User
from apps.parks.demo import seed_demo_park
from apps.parks.models import Park
from apps.parks.onboarding import park_invitation_create
from tenants.models import Firm
from tenants.services import SignupInput, firm_provision, signup_create

DEMO_PASSWORD = "Tianfu-Demo-2026"  # noqa: S105  (demo data, printed for the reader)
PARK_ADMIN_EMAIL = "admin@tianfu-park.example"
DEMO_FIRMS = [
    ("成都蓉芯电子有限公司", "rongxin", "王丽", "wang.li@rongxin.example", "zh-hans"),
    ("天府绿能科技有限公司", "lvneng", "陈杰", "chen.jie@lvneng.example", "zh-hans"),
    ("Jincheng Logistics Ltd.", "jincheng", "Anna Liu", "anna.liu@jincheng.example", "en"),
]


class Command(BaseCommand):
    help = "Create the demo park, its administrator and three firms with owners (safe to re-run)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            park, _created = Park.objects.get_or_create(
                name="天府软件园", defaults={"name_en": "Tianfu Software Park", "city": "成都 Chengdu"}
            )
            admin = User.objects.filter(email__iexact=PARK_ADMIN_EMAIL).first()
            if admin is None:
                admin = User.objects.create_user(
                    PARK_ADMIN_EMAIL, DEMO_PASSWORD, full_name="园区管理员 Park Admin", role=User.Role.PARK_ADMIN
                )
            park.admins.add(admin)

        lines = [f"Park: {park.name} / {park.name_en}", f"  park admin  {PARK_ADMIN_EMAIL} / {DEMO_PASSWORD}"]
        lines.append("  park console: /park/ on the public site (the admin sets up a second factor first)")
        for name, slug, owner, email, language in DEMO_FIRMS:
            firm = Firm.objects.filter(slug=slug).first()
            if firm is None:
                # The way a park brings its firms in: an invitation, and a sign-up through its link.
                _invitation, token = park_invitation_create(
                    request=_as(admin),
                    park=park,
                    email=email,
                    firm_name=name,
                    contact_name=owner,
                    base_url=_public_url(),
                )
                signup = signup_create(
                    SignupInput(
                        firm_name=name,
                        slug=slug,
                        owner_name=owner,
                        email=email,
                        password=DEMO_PASSWORD,
                        language=language,
                    ),
                    invitation_token=token,
                )
                firm = signup.firm
            if firm.status == Firm.Status.PROVISIONING:
                firm = firm_provision(firm_id=firm.pk)
            seeded = False
            if firm.status == Firm.Status.ACTIVE and slug == "rongxin":
                from django_tenants.utils import schema_context

                from apps.crm.demo import seed_demo_crm
                from apps.supply_chain.demo import seed_demo_supply_chain

                with schema_context(firm.schema_name), transaction.atomic():
                    seeded = seed_demo_crm(owner=User.objects.get(email=email))
                    seeded = seed_demo_supply_chain(owner=User.objects.get(email=email)) or seeded
            lines.append(f"Firm: {firm.name}  [{firm.status}]  {firm.url}")
            if slug == "rongxin" and seeded:
                lines.append("  CRM demo data: accounts, contacts, leads (two in the pool), a pipeline")
                lines.append(
                    "  Supply chain demo data: two warehouses, products, an order received and billed, a backorder"
                )
            lines.append(f"  owner       {email} / {DEMO_PASSWORD}")
        with transaction.atomic():
            added = seed_demo_park(park=park, admin=admin)
        if added:
            lines.append("Park content: " + ", ".join(added))
        self.stdout.write("\n".join(lines))


def _public_url() -> str:
    port = f":{settings.PARKSUITE_URL_PORT}" if settings.PARKSUITE_URL_PORT else ""
    return f"{settings.PARKSUITE_URL_SCHEME}://{settings.PARKSUITE_DOMAIN}{port}"


def _as(user: User) -> HttpRequest:
    """A request made by ``user`` (the park's services record who acted, and from where)."""
    request = RequestFactory().post("/park/onboarding/")
    request.user = user
    return request
