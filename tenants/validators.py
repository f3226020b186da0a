"""What a firm's slug may be."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{2,30}$")
RESERVED_SLUGS = frozenset({"www", "api", "admin", "park", "static", "media", "public", "mail", "help", "status"})


def validate_firm_slug(value: str) -> None:
    if not SLUG_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            _("Use 3 to 31 characters: lowercase letters a-z, digits and hyphens, starting with a letter."),
            code="slug_format",
        )
    # "closed-<id>" is what a purged firm's address becomes.
    if value in RESERVED_SLUGS or value.startswith(("pg", "closed-")):
        raise ValidationError(_("This address is reserved. Please choose another."), code="slug_reserved")
