from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from .models import Domain, Firm, Signup, SpareSchema
from .services import firm_provisioning_retry


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "schema_name", "status", "park", "created_at", "activated_at")
    list_filter = ("status", "park")
    search_fields = ("name", "slug", "schema_name")
    readonly_fields = ("schema_name", "status_reason", "created_at", "updated_at", "activated_at")
    inlines = [DomainInline]
    actions = ["retry_provisioning"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Firm]:
        return super().get_queryset(request).exclude(schema_name="public").select_related("park")

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
