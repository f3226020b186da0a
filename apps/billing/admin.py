"""Operators' view of billing. Plans and park sponsorships are edited here; the Stripe mirror
(customers, subscriptions, invoices, events, usage) is read-only, because Stripe is the truth
and the webhooks keep it current. Saving a plan drops the cached entitlements of its firms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import (
    MODULES,
    BillingCustomer,
    BillingInvoice,
    ParkBillingCustomer,
    ParkSponsorship,
    Plan,
    SponsoredFirm,
    StripeEvent,
    Subscription,
    UsageRecord,
)

MODULE_LABELS = {
    "crm": _("CRM"),
    "hr": _("HR and payroll"),
    "finance": _("Finance"),
    "supply_chain": _("Supply chain"),
}
MODULE_CHOICES = [(module, MODULE_LABELS.get(module, module)) for module in MODULES]


class PlanForm(forms.ModelForm):
    modules = forms.MultipleChoiceField(
        label=_("modules"), choices=MODULE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Plan
        fields = (
            "code",
            "name",
            "name_en",
            "modules",
            "seat_limit",
            "trial_days",
            "price_month",
            "price_year",
            "stripe_price_month",
            "stripe_price_year",
            "meter_event_name",
            "stripe_metered_price",
            "included_units",
            "unit_price",
            "storage_quota_mb",
            "is_public",
            "is_active",
            "position",
        )

    def clean_modules(self) -> list[str]:
        chosen = set(self.cleaned_data.get("modules") or [])
        # Stored in the catalogue's order, so the same plan always reads the same.
        return [module for module in MODULES if module in chosen]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by Stripe webhooks and jobs: operators look, they do not edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = (
        "code",
        "name",
        "name_en",
        "modules_display",
        "seat_limit",
        "trial_days",
        "price_month",
        "price_year",
        "storage_quota_mb",
        "is_public",
        "is_active",
        "position",
    )
    list_editable = ("is_public", "is_active", "position")
    list_filter = ("is_active", "is_public")
    search_fields = ("code", "name", "name_en")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "position", "is_public", "is_active")}),
        (_("Entitlements"), {"fields": ("modules", "seat_limit", "trial_days", "storage_quota_mb")}),
        (_("Prices (CNY)"), {"fields": ("price_month", "price_year", "stripe_price_month", "stripe_price_year")}),
        (
            _("Metered component"),
            {"fields": ("meter_event_name", "stripe_metered_price", "included_units", "unit_price")},
        ),
    )

    @admin.display(description=_("modules"))
    def modules_display(self, plan: Plan) -> str:
        return ", ".join(str(MODULE_LABELS.get(module, module)) for module in plan.modules or []) or "-"


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Mirrored from Stripe; only what Stripe does not know is edited here: the date an
    invoice-paying firm is paid through (a bank transfer recorded by hand). A sponsoring park
    follows the park's sponsorship and membership (Park sponsorships)."""

    list_display = (
        "firm",
        "plan",
        "status",
        "interval",
        "quantity",
        "current_period_end",
        "cancel_at_period_end",
        "trial_end",
        "paid_through",
        "sponsored_by",
        "updated_at",
    )
    list_filter = ("status", "plan", "interval", "cancel_at_period_end")
    search_fields = ("firm__name", "firm__slug", "firm__schema_name", "stripe_subscription_id")
    list_select_related = ("firm", "plan", "sponsored_by")
    readonly_fields = (
        "firm",
        "plan",
        "status",
        "interval",
        "quantity",
        "stripe_subscription_id",
        "stripe_seat_item_id",
        "stripe_metered_item_id",
        "current_period_end",
        "cancel_at_period_end",
        "trial_end",
        "past_due_since",
        "seat_version",
        "synced_quantity",
        "last_event_at",
        "sponsored_by",
        "sponsorship_mode",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BillingCustomer)
class BillingCustomerAdmin(ReadOnlyAdmin):
    list_display = ("firm", "stripe_customer_id", "email", "collection", "days_until_due", "created_at")
    list_filter = ("collection",)
    search_fields = ("firm__name", "firm__slug", "stripe_customer_id", "email")
    list_select_related = ("firm",)


@admin.register(BillingInvoice)
class BillingInvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "firm", "status", "amount_due", "amount_paid", "currency", "due_date", "created")
    list_filter = ("status",)
    search_fields = ("number", "stripe_invoice_id", "firm__name", "firm__slug")
    list_select_related = ("firm",)
    date_hierarchy = "created"


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "created", "received_at", "processed_at", "has_error")
    list_filter = ("type",)
    search_fields = ("event_id", "type")
    date_hierarchy = "received_at"

    @admin.display(boolean=True, description=_("error"))
    def has_error(self, event: StripeEvent) -> bool:
        return bool(event.error)


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "firm", "event_name", "quantity", "occurred_at", "sent_at", "attempts")
    list_filter = ("event_name",)
    search_fields = ("firm__name", "firm__slug", "event_name")
    list_select_related = ("firm",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[UsageRecord]:
        return super().get_queryset(request).order_by("-id")


@admin.register(ParkSponsorship)
class ParkSponsorshipAdmin(admin.ModelAdmin):
    """Operators start a sponsorship for a park (it applies at once to the park's firms) and end
    it by unticking "active". Its terms are fixed once saved: to change them, end it and start
    another. The park's Stripe subscription is shown, not edited."""

    list_display = (
        "park",
        "plan",
        "mode",
        "seats_per_firm",
        "stripe_coupon_id",
        "is_active",
        "billed_quantity",
        "stripe_status",
        "created_at",
        "ended_at",
    )
    list_filter = ("mode", "is_active", "plan")
    search_fields = ("park__name",)
    list_select_related = ("park", "plan")
    mirror_fields = (
        "ended_at",
        "stripe_subscription_id",
        "stripe_seat_item_id",
        "stripe_status",
        "billed_quantity",
        "current_period_end",
        "coupon_percent_off",
        "coupon_amount_off",
    )
    terms_fields = ("park", "plan", "mode", "stripe_coupon_id", "seats_per_firm")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return self.mirror_fields
        if not obj.is_active:  # an ended sponsorship stays ended
            return (*self.terms_fields, "is_active", *self.mirror_fields)
        return (*self.terms_fields, *self.mirror_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ParkSponsorship, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or "is_active" in form.changed_data:
            from .sponsorship import sponsorship_apply

            sponsorship_apply(sponsorship_id=obj.pk)


@admin.register(SponsoredFirm)
class SponsoredFirmAdmin(ReadOnlyAdmin):
    list_display = ("firm", "sponsorship", "mode", "seats", "monthly_cost", "started_at", "ended_at")
    list_filter = ("mode",)
    search_fields = ("firm__name", "firm__slug", "sponsorship__park__name")
    list_select_related = ("firm", "sponsorship__park")


@admin.register(ParkBillingCustomer)
class ParkBillingCustomerAdmin(ReadOnlyAdmin):
    list_display = ("park", "stripe_customer_id", "email", "created_at")
    search_fields = ("park__name", "stripe_customer_id", "email")
    list_select_related = ("park",)
