"""Keep the host → firm cache honest: any change to a firm or domain clears its hosts."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.tenancy import forget_hosts

from .models import Domain, Firm


@receiver([post_save, post_delete], sender=Domain)
def domain_changed(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    hosts = {instance.domain}
    loaded = getattr(instance, "_loaded_domain", None)
    if loaded:
        hosts.add(loaded)
    forget_hosts(hosts)


@receiver([post_save, post_delete], sender=Firm)
def firm_changed(sender: type[Firm], instance: Firm, **kwargs: Any) -> None:
    hosts = set(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
    hosts.add(instance.host)
    forget_hosts(hosts)
