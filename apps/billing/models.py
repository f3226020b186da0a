"""Plans, entitlements and a thin local mirror of Stripe (public schema).

Stripe is the truth about money; these rows are what ParkSuite needs to decide access without
calling Stripe on a request: the firm's plan and status, seats, the period, and the events
already processed. Rows refer to firms by foreign key (both live in the public schema).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MODULES = ("crm", "hr", "finance", "supply_chain")


class Plan(models.Model):
    """What a firm may use and what it costs (seeded; operators edit it in the admin).

    ``modules`` lists the business modules (``MODULES``). Prices are per seat per month or per
    year in CNY; the Stripe price ids are filled in by operators (the fake Stripe creates its
    own). The metered component counts ``meter_event_name`` events beyond ``included_units``.
    """

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    modules = models.JSONField(_("modules"), default=list)
    seat_limit = models.PositiveIntegerField(
        _("seat limit"), null=True, blank=True, help_text=_("Blank: as many seats as the firm pays for.")
    )
    trial_days = models.PositiveSmallIntegerField(_("trial days"), default=0)
    price_month = models.DecimalField(_("price per seat per month (CNY)"), max_digits=10, decimal_places=2)
    price_year = models.DecimalField(_("price per seat per year (CNY)"), max_digits=10, decimal_places=2)
    stripe_price_month = models.CharField(max_length=100, blank=True)
    stripe_price_year = models.CharField(max_length=100, blank=True)
    meter_event_name = models.CharField(max_length=100, blank=True)
    stripe_metered_price = models.CharField(max_length=100, blank=True)
    included_units = models.PositiveIntegerField(_("included units per period"), default=0)
    unit_price = models.DecimalField(
        _("price per unit beyond the included ones (CNY)"), max_digits=10, decimal_places=4, default=Decimal(0)
    )
    storage_quota_mb = models.PositiveIntegerField(_("storage quota (MB)"), default=1024)
    is_public = models.BooleanField(_("offered at sign-up and on the pricing page"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(price_month__gte=0, price_year__gte=0), name="billing_plan_price_sign")
        ]

    def __str__(self) -> str:
        return self.name


class SponsorshipMode(models.TextChoices):
    """How a park sponsors its firms."""

    PARK_BILLED = "park_billed", _("The park is billed")
    COUPON = "coupon", _("A park coupon applies")


class BillingCustomer(models.Model):
    """The firm as a Stripe customer, and how it pays: cards renew automatically; Alipay and
    WeChat Pay cannot, so those firms get invoices to pay (``send_invoice``)."""

    class Collection(models.TextChoices):
        AUTOMATIC = "charge_automatically", _("Card, renewed automatically")
        INVOICE = "send_invoice", _("Invoice (Alipay, WeChat Pay or bank transfer)")

    firm = models.OneToOneField("tenants.Firm", on_delete=models.PROTECT, related_name="billing_customer")
    stripe_customer_id = models.CharField(max_length=100, unique=True)
    email = models.EmailField(_("billing email"))
    collection = models.CharField(_("payment"), max_length=24, choices=Collection.choices, default=Collection.AUTOMATIC)
    days_until_due = models.PositiveSmallIntegerField(_("days to pay an invoice"), default=14)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("billing customer")
        verbose_name_plural = _("billing customers")

    def __str__(self) -> str:
        return self.stripe_customer_id


class Subscription(models.Model):
    """The firm's subscription as ParkSuite last saw it. ``last_event_at`` is the creation time
    of the newest Stripe event applied, so an older event arriving late changes nothing."""

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue")
        UNPAID = "unpaid", _("Unpaid")
        CANCELED = "canceled", _("Cancelled")
        INCOMPLETE = "incomplete", _("Incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("Expired")
        PAUSED = "paused", _("Paused")

    class Interval(models.TextChoices):
        MONTH = "month", _("Monthly")
        YEAR = "year", _("Yearly")

    firm = models.OneToOneField("tenants.Firm", on_delete=models.PROTECT, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.TRIALING)
    interval = models.CharField(_("billing period"), max_length=5, choices=Interval.choices, default=Interval.MONTH)
    quantity = models.PositiveIntegerField(_("seats paid for"), default=1)
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    stripe_seat_item_id = models.CharField(max_length=100, blank=True)
    stripe_metered_item_id = models.CharField(max_length=100, blank=True)
    current_period_end = models.DateTimeField(_("current period ends"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancels at the end of the period"), default=False)
    trial_end = models.DateTimeField(_("trial ends"), null=True, blank=True)
    # Invoice collection: access follows the date paid up to (plus the grace period).
    paid_through = models.DateField(_("paid through"), null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    sponsored_by = models.ForeignKey(
        "parks.Park", null=True, blank=True, on_delete=models.SET_NULL, related_name="sponsored_subscriptions"
    )
    # How the park sponsors the firm (blank: not sponsored). park_billed: the park pays through
    # its own Stripe subscription and this row has none; coupon: the firm's own subscription
    # carries the park's coupon.
    sponsorship_mode = models.CharField(
        _("sponsorship"), max_length=12, choices=SponsorshipMode.choices, blank=True, default=""
    )
    # Bumped by every local change of seats, so retried syncs of one change share a key.
    seat_version = models.PositiveIntegerField(default=0)
    synced_quantity = models.PositiveIntegerField(default=0)
    last_event_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [models.Index(fields=["status"], name="billing_sub_status")]

    def __str__(self) -> str:
        return f"{self.firm_id}: {self.plan_id} {self.status}"


class StripeEvent(models.Model):
    """A webhook event received (deduplicated by Stripe's event id) and whether it was applied."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()  # Stripe's creation time of the event
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        indexes = [models.Index(fields=["processed_at"], name="billing_event_processed")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class BillingInvoice(models.Model):
    """A Stripe invoice of the firm, mirrored from webhooks for the billing page."""

    firm = models.ForeignKey("tenants.Firm", on_delete=models.PROTECT, related_name="billing_invoices")
    stripe_invoice_id = models.CharField(max_length=100, unique=True)
    number = models.CharField(_("number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20)
    currency = models.CharField(max_length=3, default="cny")
    amount_due = models.DecimalField(_("amount due"), max_digits=12, decimal_places=2, default=Decimal(0))
    amount_paid = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2, default=Decimal(0))
    # What coupons took off (a park's coupon: what the sponsorship cost the park).
    discount_amount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=Decimal(0))
    hosted_invoice_url = models.URLField(max_length=500, blank=True)
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id


class UsageRecord(models.Model):
    """Metered usage waiting to be reported (an outbox): a job sends unsent rows to Stripe's
    meter events with the row's id as the event ``identifier``, so a retry is counted once."""

    firm = models.ForeignKey("tenants.Firm", on_delete=models.PROTECT, related_name="usage_records")
    event_name = models.CharField(max_length=100)
    quantity = models.PositiveIntegerField()
    occurred_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        indexes = [models.Index(fields=["sent_at", "id"], name="billing_usage_unsent")]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="billing_usage_positive")]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.event_name} {self.quantity}"

    @property
    def identifier(self) -> str:
        return f"parksuite-usage-{self.pk}"


class ParkSponsorship(models.Model):
    """A park pays for a plan for its member firms (the park is billed), or gives them a coupon.

    park_billed: the park is one Stripe customer (``ParkBillingCustomer``) with one subscription
    per sponsorship whose seat quantity is ``seats_per_firm`` times the firms sponsored, so the park
    gets one invoice per period; the firms sponsored are the open ``SponsoredFirm`` rows. The
    fields below mirror that subscription. coupon: each firm pays itself and its own subscription
    carries ``stripe_coupon_id``; the coupon's terms are mirrored for the cost figures.
    Terms (plan, mode, seats, coupon) are fixed once created: to change them, end the
    sponsorship and start another.
    """

    Mode = SponsorshipMode

    park = models.ForeignKey("parks.Park", on_delete=models.PROTECT, related_name="sponsorships")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="sponsorships")
    mode = models.CharField(_("how"), max_length=12, choices=Mode.choices, default=Mode.PARK_BILLED)
    stripe_coupon_id = models.CharField(max_length=100, blank=True)
    seats_per_firm = models.PositiveIntegerField(_("seats sponsored per firm"), default=5)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # park_billed: the park's Stripe subscription as ParkSuite last saw it.
    stripe_subscription_id = models.CharField(max_length=100, blank=True)
    stripe_seat_item_id = models.CharField(max_length=100, blank=True)
    stripe_status = models.CharField(_("Stripe status"), max_length=20, blank=True)
    billed_quantity = models.PositiveIntegerField(_("seats billed to the park"), default=0)
    current_period_end = models.DateTimeField(_("current period ends"), null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every firm joining or leaving, so retried syncs of one change share a key.
    seat_version = models.PositiveIntegerField(default=0)
    # coupon: the coupon's terms as Stripe has them (read by the sync job).
    coupon_percent_off = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    coupon_amount_off = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("park sponsorship")
        verbose_name_plural = _("park sponsorships")
        constraints = [
            models.UniqueConstraint(
                fields=["park"], condition=Q(is_active=True), name="billing_one_active_sponsorship_per_park"
            )
        ]

    def __str__(self) -> str:
        return f"{self.park_id}: {self.plan_id}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.mode == self.Mode.COUPON and not self.stripe_coupon_id.strip():
            errors["stripe_coupon_id"] = _("A coupon sponsorship needs the Stripe coupon's id.")
        if self.plan_id is not None and self.plan.trial_days:
            errors["plan"] = _("Sponsor a paid plan: the trial is free already.")
        if self.mode == self.Mode.PARK_BILLED and not self.seats_per_firm:
            errors["seats_per_firm"] = _("Sponsor at least one seat per firm.")
        if errors:
            raise ValidationError(errors)


class ParkBillingCustomer(models.Model):
    """The park as a Stripe customer: it is billed for the firms it sponsors (park_billed).
    Parks pay invoices (bank transfer, Alipay, WeChat Pay), never a card on file."""

    park = models.OneToOneField("parks.Park", on_delete=models.PROTECT, related_name="billing_customer")
    stripe_customer_id = models.CharField(max_length=100, unique=True)
    email = models.EmailField(_("billing email"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("park billing customer")
        verbose_name_plural = _("park billing customers")

    def __str__(self) -> str:
        return self.stripe_customer_id


class SponsoredFirm(models.Model):
    """One stretch of a park sponsoring a firm, from joining (or the sponsorship starting) to
    leaving (or it ending): the ledger the park's cost figures are read from, and what the
    sponsorship jobs bring Stripe in line with."""

    sponsorship = models.ForeignKey(ParkSponsorship, on_delete=models.PROTECT, related_name="sponsored_firms")
    firm = models.ForeignKey("tenants.Firm", on_delete=models.PROTECT, related_name="sponsored_periods")
    mode = models.CharField(max_length=12, choices=SponsorshipMode.choices)
    seats = models.PositiveIntegerField(_("seats sponsored"))
    # park_billed: what the park pays a month for the firm (seats times the plan's monthly price).
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(0))
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # park_billed: the firm's own running subscription, cancelled at Stripe since the park pays.
    replaced_subscription_id = models.CharField(max_length=100, blank=True)
    replaced_cancelled_at = models.DateTimeField(null=True, blank=True)
    # coupon: the firm's subscription the coupon was put on, and when it was taken off again.
    coupon_subscription_id = models.CharField(max_length=100, blank=True)
    coupon_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sponsored firm")
        verbose_name_plural = _("sponsored firms")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm"], condition=Q(ended_at__isnull=True), name="billing_one_open_sponsorship_per_firm"
            )
        ]
        indexes = [models.Index(fields=["sponsorship", "ended_at"], name="billing_sponsored_open")]

    def __str__(self) -> str:
        return f"{self.sponsorship_id}: {self.firm_id}"
