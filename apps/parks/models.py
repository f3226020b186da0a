"""Industrial parks (public schema). The park console comes with the parks issue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


# Firm (a django-tenants model, untyped) points here; the stubs cannot resolve that manager.
class Park(models.Model):  # type: ignore[django-manager-missing]
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("park administrators"), blank=True, related_name="parks"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
