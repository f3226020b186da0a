"""Industries: the sections (门类) of the national classification GB/T 4754-2017."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

INDUSTRY_CHOICES = [
    ("A", _("Agriculture, forestry, animal husbandry and fishery")),
    ("B", _("Mining")),
    ("C", _("Manufacturing")),
    ("D", _("Electricity, heat, gas and water supply")),
    ("E", _("Construction")),
    ("F", _("Wholesale and retail trade")),
    ("G", _("Transport, storage and postal services")),
    ("H", _("Accommodation and catering")),
    ("I", _("Information transmission, software and IT services")),
    ("J", _("Financial services")),
    ("K", _("Real estate")),
    ("L", _("Leasing and business services")),
    ("M", _("Scientific research and technical services")),
    ("N", _("Water, environment and public facilities management")),
    ("O", _("Resident, repair and other services")),
    ("P", _("Education")),
    ("Q", _("Health and social work")),
    ("R", _("Culture, sports and entertainment")),
    ("S", _("Public administration and social organisations")),
    ("T", _("International organisations")),
]
INDUSTRY_CODES = frozenset(code for code, _label in INDUSTRY_CHOICES)
