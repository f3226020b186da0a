from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupplyChainConfig(AppConfig):
    name = "apps.supply_chain"
    label = "supply_chain"
    verbose_name = _("Supply chain")
