"""The collaboration directory (产业协作): a firm's profile and the search of its park's profiles.

Firm host only. The acting firm is always the request's firm; it sees the published profiles of
the other active firms of its own park and nothing else (another park's profile, an unpublished
one or its own is "not found"). Profiles are public-schema rows: nothing here reads a firm's
schema. Park membership is read fresh from the database, not from the cached host → firm
answer, so a firm that just left its park stops seeing (and being seen) at once.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed

from . import search
from .industries import INDUSTRY_CHOICES, INDUSTRY_CODES
from .models import DirectoryProfile

MAX_CAPABILITIES = 20
MAX_CAPABILITY_LENGTH = 40
# Tags are separated by commas (Latin or full-width), the enumeration comma 、, semicolons or lines.
_TAG_SEPARATORS = re.compile(r"[,\uff0c\u3001;\uff1b\n\r]+")
_PHONE = re.compile(r"[0-9+\-() ]{5,30}")
LIMITS = {
    "display_name": 200,
    "summary": 2000,
    "products": 2000,
    "certifications": 1000,
    "contact_person": 150,
    "contact_email": 254,
    "contact_phone": 30,
}


# --- membership ------------------------------------------------------------------------------


def firm_park_id(firm: Any) -> int | None:
    """The firm's park right now (None without one, or when the firm is not active)."""
    from tenants.models import Firm

    row = Firm.objects.filter(pk=firm.pk).values_list("park_id", "status").first()
    if row is None or row[1] != Firm.Status.ACTIVE:
        return None
    return row[0]


def manages_profile(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "can_manage_users", False))


# --- input -----------------------------------------------------------------------------------


def capabilities_parse(value: str | list[str] | None) -> list[str]:
    """Tags from text ("数控加工、模具设计, CNC") or a list: trimmed, duplicates dropped (ignoring
    case), each at most 40 characters and at most 20 tags; raises ValidationFailed otherwise."""
    pieces = _TAG_SEPARATORS.split(value) if isinstance(value, str) else [str(item) for item in value or []]
    tags: list[str] = []
    seen: set[str] = set()
    for piece in pieces:
        tag = " ".join(piece.split())
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > MAX_CAPABILITY_LENGTH:
            message = _("Each capability has at most 40 characters: “%(tag)s…” is longer.") % {"tag": tag[:20]}
            raise ValidationFailed(message, fields={"capabilities": [message]})
        seen.add(tag.casefold())
        tags.append(tag)
    if len(tags) > MAX_CAPABILITIES:
        message = _("List at most 20 capabilities.")
        raise ValidationFailed(message, fields={"capabilities": [message]})
    return tags


def _clean_text(value: Any, field: str, errors: dict[str, list[str]], *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors.setdefault(field, []).append(_("This field is required."))
    elif len(text) > LIMITS[field]:
        errors.setdefault(field, []).append(_("At most %(limit)s characters.") % {"limit": LIMITS[field]})
    return text


def contact_email_clean(value: Any, field: str, errors: dict[str, list[str]]) -> str:
    email = str(value or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.setdefault(field, []).append(_("Enter a valid email address."))
    return email


def contact_phone_clean(value: Any, field: str, errors: dict[str, list[str]]) -> str:
    import unicodedata

    phone = " ".join(unicodedata.normalize("NFKC", str(value or "")).split())
    if phone and not _PHONE.fullmatch(phone):
        errors.setdefault(field, []).append(
            _("Enter a phone number: digits, spaces, +, - and brackets, 5 to 30 characters.")
        )
    return phone


# --- profile services ------------------------------------------------------------------------


def directory_profile_own(*, firm: Any) -> DirectoryProfile | None:
    return DirectoryProfile.objects.filter(firm_id=firm.pk).first()


def directory_profile_initial(*, firm: Any, user: Any) -> dict[str, Any]:
    """What a new profile form starts with: the firm's name and industry, the person's contact."""
    return {
        "display_name": firm.name,
        "industry": getattr(firm, "industry", "") or "",
        "contact_person": getattr(user, "full_name", "") or "",
        "contact_email": getattr(user, "email", "") or "",
    }


@transaction.atomic
def directory_profile_save(
    *,
    firm: Any,
    actor: Any,
    display_name: str,
    industry: str,
    contact_person: str,
    summary: str = "",
    capabilities: str | list[str] | None = None,
    products: str = "",
    certifications: str = "",
    contact_email: str = "",
    contact_phone: str = "",
) -> DirectoryProfile:
    """Create or change the firm's directory profile (owner or administrator); a published
    profile stays published. Every field is checked before anything is written."""
    if not manages_profile(actor):
        raise NotAllowed(
            _("Only the firm's owner or an administrator edits the directory profile."), code="profile_not_allowed"
        )
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {
        "display_name": _clean_text(display_name, "display_name", errors, required=True),
        "summary": _clean_text(summary, "summary", errors),
        "products": _clean_text(products, "products", errors),
        "certifications": _clean_text(certifications, "certifications", errors),
        "contact_person": _clean_text(contact_person, "contact_person", errors, required=True),
        "contact_email": contact_email_clean(contact_email, "contact_email", errors),
        "contact_phone": contact_phone_clean(contact_phone, "contact_phone", errors),
    }
    if len(values["contact_email"]) > LIMITS["contact_email"]:
        errors.setdefault("contact_email", []).append(_("Enter a valid email address."))
    industry = str(industry or "").strip().upper()
    if industry not in INDUSTRY_CODES:
        errors.setdefault("industry", []).append(_("Choose an industry from the list."))
    try:
        values["capabilities"] = capabilities_parse(capabilities)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    profile, created = DirectoryProfile.objects.select_for_update().get_or_create(
        firm_id=firm.pk, defaults={**values, "industry": industry}
    )
    if not created:
        for field, value in {**values, "industry": industry}.items():
            setattr(profile, field, value)
        profile.save()
    search_vector_update(profile)
    audit_record(action="parks.directory_profile_saved", actor=actor, obj=profile, created=created)
    return profile


@transaction.atomic
def directory_profile_publish(*, firm: Any, actor: Any) -> DirectoryProfile:
    """Show the profile to the other firms of the park: only a firm in a park may publish."""
    if not manages_profile(actor):
        raise NotAllowed(
            _("Only the firm's owner or an administrator publishes the directory profile."),
            code="profile_not_allowed",
        )
    if firm_park_id(firm) is None:
        raise Conflict(
            _(
                "Your firm is not in an industrial park, so there is no directory to publish in. "
                "Join a park first (Park page)."
            ),
            code="no_park",
        )
    profile = DirectoryProfile.objects.select_for_update().filter(firm_id=firm.pk).first()
    if profile is None:
        raise Conflict(_("Fill in the directory profile before publishing it."), code="no_profile")
    if not profile.is_published:
        profile.is_published = True
        profile.save(update_fields=["is_published", "updated_at"])
        audit_record(action="parks.directory_profile_published", actor=actor, obj=profile)
    return profile


@transaction.atomic
def directory_profile_unpublish(*, firm: Any, actor: Any) -> DirectoryProfile:
    """Take the profile out of the directory (it is kept, unpublished)."""
    if not manages_profile(actor):
        raise NotAllowed(
            _("Only the firm's owner or an administrator publishes the directory profile."),
            code="profile_not_allowed",
        )
    profile = DirectoryProfile.objects.select_for_update().filter(firm_id=firm.pk).first()
    if profile is None:
        raise NotFound(_("Your firm has no directory profile yet."))
    if profile.is_published:
        profile.is_published = False
        profile.save(update_fields=["is_published", "updated_at"])
        audit_record(action="parks.directory_profile_unpublished", actor=actor, obj=profile)
    return profile


def _industry_labels(code: str) -> str:
    """The industry's name in both languages, so "制造" and "manufacturing" both find it."""
    label = dict(INDUSTRY_CHOICES).get(code, "")
    names = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names.append(str(label))
    return " ".join(dict.fromkeys(names))


def search_vector_update(profile: DirectoryProfile) -> None:
    """Store the profile's search tokens (apps/parks/search.py), weighted: name (A), capabilities
    and industry (B), summary and products (C), certifications (D)."""
    weighted = [
        search.token_string(profile.display_name),
        search.token_string(" ".join(profile.capabilities or []) + " " + _industry_labels(profile.industry)),
        search.token_string(f"{profile.summary} {profile.products}"),
        search.token_string(profile.certifications),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE parks_directoryprofile SET search_vector ="
            " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
            " || setweight(to_tsvector('simple', %s), 'C') || setweight(to_tsvector('simple', %s), 'D')"
            " WHERE id = %s",
            [*weighted, profile.pk],
        )


# --- directory selectors ---------------------------------------------------------------------


def _visible(firm: Any) -> QuerySet[DirectoryProfile]:
    """Published profiles of the other active firms of the firm's park."""
    from tenants.models import Firm

    park_id = firm_park_id(firm)
    if park_id is None:
        return DirectoryProfile.objects.none()
    return (
        DirectoryProfile.objects.filter(is_published=True, firm__park_id=park_id, firm__status=Firm.Status.ACTIVE)
        .exclude(firm_id=firm.pk)
        .select_related("firm")
    )


def directory_profile_list(
    *, firm: Any, q: str = "", industry: str = "", capability: str = ""
) -> QuerySet[DirectoryProfile]:
    """The park's directory as ``firm`` sees it, searched (best matches first) and filtered."""
    from django.contrib.postgres.search import SearchQuery, SearchRank

    profiles = _visible(firm)
    industry = (industry or "").strip().upper()
    if industry in INDUSTRY_CODES:  # anything else (a stray byte, an old code) filters nothing
        profiles = profiles.filter(industry=industry)
    capability = " ".join((capability or "").replace("\x00", "").split())[:MAX_CAPABILITY_LENGTH]
    if capability:
        profiles = profiles.filter(capabilities__contains=[capability])
    query = search.query_for(q or "")
    if not query:
        return profiles.order_by("display_name", "id")
    matching = SearchQuery(query.match, search_type="raw", config="simple")
    ranking = SearchQuery(query.rank, search_type="raw", config="simple")
    return (
        profiles.filter(search_vector=matching)
        .annotate(rank=SearchRank(F("search_vector"), ranking))
        .order_by("-rank", "display_name", "id")
    )


def directory_profile_get(*, firm: Any, profile_id: int) -> DirectoryProfile:
    """One profile of the park's directory; not found when ``firm`` may not see it."""
    profile = _visible(firm).filter(pk=profile_id).first()
    if profile is None:
        raise NotFound(_("No such firm in your park's directory."))
    return profile


def directory_capabilities(*, firm: Any, limit: int = 100) -> list[str]:
    """The capabilities listed in the park's directory, most common first (for the filter)."""
    if firm_park_id(firm) is None:
        return []
    visible = _visible(firm).values("id")
    sql, params = visible.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tag FROM parks_directoryprofile p, jsonb_array_elements_text(p.capabilities) AS tag"
            f" WHERE p.id IN ({sql}) GROUP BY tag ORDER BY count(*) DESC, tag LIMIT %s",
            [*params, limit],
        )
        return [row[0] for row in cursor.fetchall()]
