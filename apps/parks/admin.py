from django.contrib import admin

from .models import Park


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "city", "created_at")
    search_fields = ("name", "name_en", "city")
    filter_horizontal = ("admins",)
