from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from .lifecycle import (
    actor_label,
    firm_close_cancel,
    firm_close_request,
    firm_reactivate,
    firm_slug_change,
    firm_suspend,
)
from .models import Domain, Firm, FirmEvent, Signup, SpareSchema
from .services import firm_provisioning_retry


class CloseForm(forms.Form):
    confirm_slug = forms.CharField(label=_("Type the firm's address to confirm"), max_length=63)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class RenameForm(forms.Form):
    new_slug = forms.CharField(label=_("New web address"), max_length=63)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class FirmEventInline(admin.TabularInline):
    model = FirmEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "action", "actor", "reason", "data")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "schema_name", "status", "park", "created_at", "activated_at")
    list_filter = ("status", "park")
    search_fields = ("name", "slug", "schema_name")
    readonly_fields = (
        "schema_name",
        "status",
        "status_reason",
        "created_at",
        "updated_at",
        "activated_at",
        "purge_after",
        "purged_at",
    )
    inlines = [DomainInline, FirmEventInline]
    actions = ["retry_provisioning", "suspend", "reactivate", "close", "cancel_closure", "rename"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Firm]:
        return super().get_queryset(request).exclude(schema_name="public").select_related("park")

    def _transition(self, request: HttpRequest, queryset: QuerySet[Firm], change: Any, **kwargs: Any) -> None:
        actor = actor_label(request.user, where="admin")
        for firm in queryset:
            try:
                change(firm_id=firm.pk, actor=actor, **kwargs)
            except ApplicationError as exc:
                self.message_user(request, f"{firm.slug}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{firm.slug}: {_('done')}")

    @admin.action(description=_("Suspend (read-only; data kept)"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Firm]) -> None:
        self._transition(request, queryset, firm_suspend, reason=_("Suspended by an operator in the admin."))

    @admin.action(description=_("Reactivate"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Firm]) -> None:
        self._transition(request, queryset, firm_reactivate)

    def _one_firm_form(
        self, request: HttpRequest, queryset: QuerySet[Firm], form_class: type[forms.Form], *, action: str, title: Any
    ) -> tuple[Firm | None, forms.Form | None, HttpResponse | None]:
        """An action that acts on one firm at a time and asks for more first: the firm and the
        bound, valid form; or a page to show (the form again, with its errors)."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one firm for this action."), messages.ERROR)
            return None, None, None
        firm = queryset.get()
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            return firm, form, None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "firm": firm,
            "form": form,
            "action": action,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return None, None, TemplateResponse(request, "admin/tenants/firm/lifecycle_form.html", context)

    @admin.action(description=_("Close (30 days to export, then deleted)"))
    def close(self, request: HttpRequest, queryset: QuerySet[Firm]) -> HttpResponse | None:
        firm, form, page = self._one_firm_form(request, queryset, CloseForm, action="close", title=_("Close a firm"))
        if firm is None or form is None:
            return page
        self._transition(
            request,
            queryset,
            firm_close_request,
            confirm_slug=form.cleaned_data["confirm_slug"],
            reason=form.cleaned_data["reason"],
        )
        return None

    @admin.action(description=_("Change the web address"))
    def rename(self, request: HttpRequest, queryset: QuerySet[Firm]) -> HttpResponse | None:
        firm, form, page = self._one_firm_form(
            request, queryset, RenameForm, action="rename", title=_("Change a firm's web address")
        )
        if firm is None or form is None:
            return page
        self._transition(request, queryset, firm_slug_change, new_slug=form.cleaned_data["new_slug"])
        return None

    @admin.action(description=_("Cancel closure"))
    def cancel_closure(self, request: HttpRequest, queryset: QuerySet[Firm]) -> None:
        self._transition(request, queryset, firm_close_cancel)

    @admin.action(description=_("Retry provisioning"))
    def retry_provisioning(self, request: HttpRequest, queryset: QuerySet[Firm]) -> None:
        for firm in queryset:
            try:
                firm_provisioning_retry(firm_id=firm.pk)
            except ApplicationError as exc:
                self.message_user(request, exc.detail, messages.ERROR)
            else:
                self.message_user(request, _("Provisioning queued for %(slug)s.") % {"slug": firm.slug})


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ("owner_email", "owner_name", "firm", "created_at", "completed_at")
    search_fields = ("owner_email", "owner_name", "firm__slug")
    exclude = ("password_hash",)
    readonly_fields = ("firm", "owner_email", "owner_name", "language", "created_at", "completed_at")


@admin.register(SpareSchema)
class SpareSchemaAdmin(admin.ModelAdmin):
    list_display = ("schema_name", "ready", "migration_state", "created_at")
    readonly_fields = ("schema_name", "ready", "migration_state", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
