"""Run the in-repo Stripe fake (test mode) for the demo: ``platform/run`` starts it when
STRIPE_SECRET_KEY is unset and points STRIPE_API_BASE at it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.billing.fake import StripeFake


class Command(BaseCommand):
    help = (
        "Serve the Stripe fake on 127.0.0.1 (test mode): ParkSuite's Stripe endpoints, hosted checkout, "
        "portal and invoice pages, signed webhooks to --webhook-url. Registers a price for every Plan and "
        "writes the made-up price ids into Plan.stripe_price_* fields that are empty; registers the coupon "
        "of every coupon-mode park sponsorship (20 percent off)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=12111, help="Port to listen on (0: a free one).")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--webhook-url", default="", help="Where signed webhooks are POSTed.")
        parser.add_argument("--api-key", default="sk_test_parksuite_fake")
        parser.add_argument("--webhook-secret", default="whsec_parksuite_fake")
        parser.add_argument(
            "--no-plan-prices", action="store_true", help="Do not write price ids into empty Plan fields."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        fake = StripeFake(api_key=options["api_key"], webhook_secret=options["webhook_secret"])
        fake.webhook_target = options["webhook_url"] or None
        base_url = fake.start(host=options["host"], port=options["port"])
        prices = fake.plans_sync(fill_empty=not options["no_plan_prices"])
        coupons = fake.coupons_sync()
        self.stdout.write(
            f"Stripe fake (test mode) on {base_url}: {sum(len(p) for p in prices.values())} plan prices, "
            f"{len(coupons)} park coupons; "
            f"webhooks to {options['webhook_url'] or 'nowhere (kept only)'}"
        )
        try:
            fake.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()
