"""The plans ParkSuite starts with, and a trial for every firm that exists already."""

from datetime import timedelta
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

ALL = ["crm", "hr", "finance", "supply_chain"]
PLANS = [
    # code, name, English name, modules, seat limit, trial days, per seat per month, per year, MB
    ("trial", "试用版", "Trial", ALL, 5, 14, "0", "0", 1024),
    ("starter", "入门版", "Starter", ["crm", "finance"], None, 0, "49", "490", 5120),
    ("business", "商业版", "Business", ALL, None, 0, "99", "990", 20480),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    Subscription = apps.get_model("billing", "Subscription")
    Firm = apps.get_model("tenants", "Firm")
    for position, (code, name, name_en, modules, seats, trial, month, year, storage) in enumerate(PLANS):
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "modules": modules,
                "seat_limit": seats,
                "trial_days": trial,
                "price_month": Decimal(month),
                "price_year": Decimal(year),
                "storage_quota_mb": storage,
                "is_public": True,
                "position": position,
                # Documents processed (vouchers, invoices, orders) beyond the included ones.
                "meter_event_name": "" if code == "trial" else "parksuite_documents",
                "included_units": 0 if code == "trial" else 1000,
                "unit_price": Decimal("0") if code == "trial" else Decimal("0.05"),
            },
        )
    trial = Plan.objects.get(code="trial")
    ends = timezone.now() + timedelta(days=14)
    for firm in Firm.objects.exclude(schema_name="public").filter(subscription__isnull=True):
        Subscription.objects.create(firm=firm, plan=trial, status="trialing", quantity=5, trial_end=ends)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("tenants", "0004_two_factor")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
