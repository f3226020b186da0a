from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from .lifecycle import actor_label, firm_close_cancel, firm_reactivate, firm_suspend
from .models import Domain, Firm, FirmEvent, Signup, SpareSchema
from .services import firm_provisioning_retry


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
    actions = ["retry_provisioning", "suspend", "reactivate", "cancel_closure"]

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
