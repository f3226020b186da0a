"""Onboarding and membership: park invitations (single and bulk CSV), the approval queue, and a
firm joining, leaving and choosing what it shares with its park.

Console functions (``park_*``, ``join_request_approve``/``reject``) run on the public host and
touch public tables only. Firm functions (``firm_*``, ``join_request_create``/``withdraw``) run on
the firm's host: the firm is always the caller's own, never one named in the input.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from apps.audit.services import audit_record
from apps.billing import interface as billing
from core.errors import ApplicationError, Conflict, NotAllowed, NotFound, ValidationFailed
from core.inputs import clean_search as clean_search
from core.inputs import clean_text
from tenants.models import Firm, Signup

from .access import park_audit
from .industries import INDUSTRY_CODES
from .models import DirectoryProfile, FirmActivity, Park, ParkInvitation, ParkJoinRequest

logger = logging.getLogger(__name__)

CSV_MAX_BYTES = 512 * 1024
CSV_MAX_ROWS = 500
MESSAGE_MAX = 1000
# Column names people put in the header row (Excel templates are often in Chinese).
CSV_COLUMNS = {
    "email": "email",
    "e-mail": "email",
    "邮箱": "email",
    "电子邮箱": "email",
    "firm_name": "firm_name",
    "firm name": "firm_name",
    "企业名称": "firm_name",
    "公司名称": "firm_name",
    "contact_name": "contact_name",
    "contact name": "contact_name",
    "联系人": "contact_name",
}
INVITATION_STATES = ("pending", "expired", "accepted", "revoked")
JOIN_REQUEST_STATES = tuple(ParkJoinRequest.Status.values)


class InvitationGone(ApplicationError):
    """The link was real but can no longer be used (used, withdrawn or expired)."""

    status = 410


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean(value: str | None, limit: int = 10_000) -> str:
    return clean_text(value, limit)


def _actor_label(user: Any) -> str:
    return str(getattr(user, "email", "") or "")[:300]


def join_link(*, base_url: str, token: str) -> str:
    """The invitation link on the public host: ``<base>/join/<token>/``."""
    return f"{base_url.rstrip('/')}/join/{token}/"


# ---------------------------------------------------------------------------------------------
# Invitations (console)
# ---------------------------------------------------------------------------------------------


def invitation_list(*, park: Park, state: str = "", q: str = "") -> QuerySet[ParkInvitation]:
    """The park's invitations, newest first, each annotated with its ``state`` (expired is a
    pending invitation past its date)."""
    now = timezone.now()
    invitations = (
        ParkInvitation.objects.filter(park=park)
        .select_related("firm")
        .annotate(
            state=Case(
                When(status=ParkInvitation.Status.PENDING, expires_at__lte=now, then=Value("expired")),
                default="status",
                output_field=CharField(),
            )
        )
        .order_by("-created_at", "-id")
    )
    if state == "pending":
        invitations = invitations.filter(status=ParkInvitation.Status.PENDING, expires_at__gt=now)
    elif state == "expired":
        invitations = invitations.filter(status=ParkInvitation.Status.PENDING, expires_at__lte=now)
    elif state in ("accepted", "revoked"):
        invitations = invitations.filter(status=state)
    q = clean_search(q)
    if q:
        invitations = invitations.filter(
            Q(email__icontains=q) | Q(firm_name__icontains=q) | Q(contact_name__icontains=q)
        )
    return invitations


def invitation_state(invitation: ParkInvitation) -> str:
    if invitation.status == ParkInvitation.Status.PENDING and invitation.expires_at <= timezone.now():
        return "expired"
    return str(invitation.status)


def _invitation_problems(*, park: Park, email: str, firm_name: str, contact_name: str) -> dict[str, list[str]]:
    """Everything wrong with an invitation, by field (shared by the form, the API and the CSV)."""
    problems: dict[str, list[str]] = {}
    if not email:
        problems["email"] = [_("Enter the email address to invite.")]
    elif len(email) > 254:
        problems["email"] = [_("The email address is longer than 254 characters.")]
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems["email"] = [_("“%(email)s” is not a valid email address.") % {"email": email}]
    if len(firm_name) > 200:
        problems["firm_name"] = [_("The firm name is longer than 200 characters.")]
    if len(contact_name) > 150:
        problems["contact_name"] = [_("The contact name is longer than 150 characters.")]
    if "email" in problems:
        return problems

    now = timezone.now()
    open_invitation = ParkInvitation.objects.filter(
        park=park, email__iexact=email, status=ParkInvitation.Status.PENDING, expires_at__gt=now
    ).exists()
    owner_of = Signup.objects.filter(owner_email__iexact=email).select_related("firm").first()
    if open_invitation:
        problems["email"] = [
            _("%(email)s already has an open invitation from this park. Resend it or withdraw it first.")
            % {"email": email}
        ]
    elif owner_of is not None and owner_of.firm.park_id == park.pk:
        problems["email"] = [_("%(email)s owns a firm that is already in this park.") % {"email": email}]
    elif owner_of is not None:
        # The sign-up behind the link would be refused: that firm asks to join from its own site.
        problems["email"] = [
            _(
                "%(email)s has already signed up a firm on ParkSuite. That firm can ask to join the park "
                "from its Park page; the request then appears in your approval queue."
            )
            % {"email": email}
        ]
    return problems


def _invitation_issue(
    *, park: Park, actor: Any, email: str, firm_name: str, contact_name: str
) -> tuple[ParkInvitation, str]:
    """Validate and insert one invitation (no audit, no mail): raises ValidationFailed."""
    email = _clean(email, 300).lower()
    firm_name = _clean(firm_name, 300)
    contact_name = _clean(contact_name, 300)
    problems = _invitation_problems(park=park, email=email, firm_name=firm_name, contact_name=contact_name)
    if problems:
        first = next(iter(problems.values()))[0]
        raise ValidationFailed(first, fields=problems)
    now = timezone.now()
    # An expired invitation still holds the "one open invitation per email" slot: close it.
    ParkInvitation.objects.filter(
        park=park, email__iexact=email, status=ParkInvitation.Status.PENDING, expires_at__lte=now
    ).update(status=ParkInvitation.Status.REVOKED)
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            invitation = ParkInvitation.objects.create(
                park=park,
                email=email,
                firm_name=firm_name,
                contact_name=contact_name,
                token_hash=_token_hash(token),
                invited_by=_actor_label(actor),
                expires_at=now + timedelta(days=settings.PARKSUITE_INVITATION_DAYS),
            )
    except IntegrityError:  # the same address invited twice at once (a double click)
        message = _("%(email)s already has an open invitation from this park. Resend it or withdraw it first.") % {
            "email": email
        }
        raise ValidationFailed(message, fields={"email": [message]}) from None
    return invitation, token


@transaction.atomic
def park_invitation_create(
    *, request: HttpRequest, park: Park, email: str, firm_name: str = "", contact_name: str = "", base_url: str
) -> tuple[ParkInvitation, str]:
    """A park admin invites a firm by email; the link (returned once, mailed) signs it up into the park."""
    invitation, token = _invitation_issue(
        park=park, actor=request.user, email=email, firm_name=firm_name, contact_name=contact_name
    )
    park_audit(request, park=park, action="invitation_created", obj=invitation, email=invitation.email)
    _invitation_mail_on_commit(
        invitation=invitation, link=join_link(base_url=base_url, token=token), actor=request.user
    )
    return invitation, token


def _invitation_lock(*, park: Park, invitation_id: int) -> ParkInvitation:
    invitation = ParkInvitation.objects.select_for_update().filter(pk=invitation_id, park=park).first()
    if invitation is None:
        raise NotFound(_("No such invitation in this park."))
    return invitation


@transaction.atomic
def park_invitation_revoke(*, request: HttpRequest, park: Park, invitation_id: int) -> ParkInvitation:
    """Withdraw an invitation that was not used yet: its link stops working."""
    invitation = _invitation_lock(park=park, invitation_id=invitation_id)
    if invitation.status != ParkInvitation.Status.PENDING:
        raise Conflict(
            _("This invitation was already used or withdrawn; there is nothing to withdraw."), code="not_pending"
        )
    invitation.status = ParkInvitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    park_audit(request, park=park, action="invitation_revoked", obj=invitation, email=invitation.email)
    return invitation


@transaction.atomic
def park_invitation_resend(
    *, request: HttpRequest, park: Park, invitation_id: int, base_url: str
) -> tuple[ParkInvitation, str]:
    """Send a pending (or expired) invitation again with a new link; the old link stops working."""
    invitation = _invitation_lock(park=park, invitation_id=invitation_id)
    if invitation.status != ParkInvitation.Status.PENDING:
        raise Conflict(_("Only invitations that were not used or withdrawn can be sent again."), code="not_pending")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.PARKSUITE_INVITATION_DAYS)
    invitation.invited_by = _actor_label(request.user)
    invitation.save(update_fields=["token_hash", "expires_at", "invited_by"])
    park_audit(request, park=park, action="invitation_resent", obj=invitation, email=invitation.email)
    _invitation_mail_on_commit(
        invitation=invitation, link=join_link(base_url=base_url, token=token), actor=request.user
    )
    return invitation, token


def _invitation_mail_on_commit(*, invitation: ParkInvitation, link: str, actor: Any) -> None:
    language = getattr(actor, "language", "") or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: _invitation_send(invitation=invitation, link=link, language=language))


def _invitation_send(*, invitation: ParkInvitation, link: str, language: str) -> None:
    """Mail the link. A failure is logged, not raised: the admin has the link on screen."""
    park = invitation.park
    with translation.override(language):
        subject = _("%(park)s invites your firm to ParkSuite") % {"park": park.name}
        body = render_to_string(
            "parks/email/park_invitation.txt", {"invitation": invitation, "park": park, "link": link}
        )
    try:
        send_mail(subject, body, None, [invitation.email])
    except Exception:
        logger.exception("could not mail park invitation %s", invitation.pk)


# ---------------------------------------------------------------------------------------------
# Bulk invitations from a CSV file (console)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitedRow:
    line: int
    invitation: ParkInvitation
    link: str


@dataclass(frozen=True)
class RefusedRow:
    line: int
    email: str
    reason: str


@dataclass
class BulkInviteReport:
    rows: int = 0
    invited: list[InvitedRow] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


def _csv_text(content: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030/GBK as Excel saves it; anything else is refused."""
    unreadable = _(
        "This file is not a CSV text file we can read. Save it from Excel as “CSV UTF-8” "
        "(or “CSV”) and upload it again."
    )
    if not content or not content.strip():
        raise _file_error(_("The file is empty."))
    if len(content) > CSV_MAX_BYTES:
        raise _file_error(
            _("The file is larger than %(size)s KB. Split it into smaller files.") % {"size": CSV_MAX_BYTES // 1024}
        )
    if b"\x00" in content:  # UTF-16 text, a spreadsheet or another binary file
        raise _file_error(unreadable)
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(unreadable)


def _csv_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's column keys and the data rows with their line numbers (blank rows left out)."""
    header_help = _(
        "The first row must name the columns: email, firm_name, contact_name (separated by commas). "
        "Download the template to see an example."
    )
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [CSV_COLUMNS.get(cell.strip().lower(), "") for cell in cells]
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > CSV_MAX_ROWS:
                raise _file_error(
                    _("The file has more than %(rows)s rows. Split it into smaller files.") % {"rows": CSV_MAX_ROWS}
                )
    except csv.Error as exc:
        raise _file_error(
            _("The file could not be read as CSV near line %(line)s: %(problem)s")
            % {"line": reader.line_num, "problem": exc}
        ) from None
    if header is None:
        raise _file_error(_("The file is empty."))
    if "email" not in header:
        raise _file_error(header_help)
    known = [key for key in header if key]
    if len(known) != len(set(known)):
        raise _file_error(_("A column is named twice in the header row."))
    if not rows:
        raise _file_error(_("The file has a header row but no firms to invite."))
    return header, rows


def _csv_row_values(header: list[str], cells: list[str]) -> tuple[dict[str, str], str]:
    """The row's values by column, or the reason it cannot be read."""
    if len(cells) < len(header):
        missing = [key or str(index + 1) for index, key in enumerate(header) if index >= len(cells)]
        return {}, _("Missing column: %(columns)s.") % {"columns": ", ".join(missing)}
    if len(cells) > len(header):
        return {}, _(
            "This row has %(found)s columns but the header has %(expected)s. Put text containing commas in quotes."
        ) % {"found": len(cells), "expected": len(header)}
    values = {key: cell.replace("\x00", "").strip() for key, cell in zip(header, cells, strict=True) if key}
    return values, ""


@transaction.atomic
def park_invitations_import(*, request: HttpRequest, park: Park, content: bytes, base_url: str) -> BulkInviteReport:
    """Invite every good row of a CSV file; each bad row is reported with its line and reason while
    the good ones still go through (each row in its own savepoint). An unreadable file changes nothing."""
    header, rows = _csv_rows(_csv_text(content))
    report = BulkInviteReport(rows=len(rows))
    seen: dict[str, int] = {}
    for line, cells in rows:
        values, problem = _csv_row_values(header, cells)
        email = values.get("email", "").lower()
        if not problem and email and email in seen:
            problem = _("The same email is already on line %(line)s of the file.") % {"line": seen[email]}
        if problem:
            report.refused.append(
                RefusedRow(line=line, email=email or (cells[0].strip() if cells else ""), reason=problem)
            )
            continue
        try:
            with transaction.atomic():
                invitation, token = _invitation_issue(
                    park=park,
                    actor=request.user,
                    email=email,
                    firm_name=values.get("firm_name", ""),
                    contact_name=values.get("contact_name", ""),
                )
        except ApplicationError as exc:
            reasons = [message for messages in exc.fields.values() for message in messages] or [exc.detail]
            report.refused.append(RefusedRow(line=line, email=email, reason=" ".join(reasons)))
            continue
        seen[email] = line
        link = join_link(base_url=base_url, token=token)
        report.invited.append(InvitedRow(line=line, invitation=invitation, link=link))
        _invitation_mail_on_commit(invitation=invitation, link=link, actor=request.user)
    park_audit(
        request,
        park=park,
        action="invitations_imported",
        rows=report.rows,
        invited=len(report.invited),
        refused=len(report.refused),
    )
    return report


def csv_template() -> str:
    return "email,firm_name,contact_name\nhello@example.com,示例科技有限公司,张三\n"


# ---------------------------------------------------------------------------------------------
# Signing up through an invitation link (public host)
# ---------------------------------------------------------------------------------------------


def park_invitation_for_token(*, token: str, lock: bool = False) -> ParkInvitation:
    """The usable invitation behind a link; an unknown link is not found, a used, withdrawn or
    expired one is gone (410)."""
    invitations = ParkInvitation.objects.select_related("park")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=_token_hash(token or "")).first()
    if invitation is None:
        raise NotFound(
            _("This invitation link is not valid. Check that you copied all of it."), code="invitation_invalid"
        )
    if invitation.status == ParkInvitation.Status.ACCEPTED:
        raise InvitationGone(
            _("This invitation has already been used to sign up a firm. Sign in to that firm instead."),
            code="invitation_used",
        )
    if invitation.status == ParkInvitation.Status.REVOKED:
        raise InvitationGone(_("The park has withdrawn this invitation."), code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise InvitationGone(
            _("This invitation has expired. Ask the park to send you a new one."), code="invitation_expired"
        )
    return invitation


def park_invitation_accept(*, invitation: ParkInvitation, firm: Firm) -> None:
    """Part of the sign-up's transaction: the new firm is in the park at once (no approval)."""
    now = timezone.now()
    firm.park_id = invitation.park_id
    firm.park_joined_at = now
    firm.save(update_fields=["park", "park_joined_at", "updated_at"])
    invitation.status = ParkInvitation.Status.ACCEPTED
    invitation.accepted_at = now
    invitation.firm = firm
    invitation.save(update_fields=["status", "accepted_at", "firm"])
    billing.park_membership_changed(firm_id=firm.pk)
    park_audit(
        None, park=invitation.park, action="invitation_accepted", obj=invitation, firm_id=firm.pk, firm=firm.name
    )


def join_request_at_signup(*, firm: Firm, park_id: int) -> ParkJoinRequest:
    """Part of the sign-up's transaction: a firm that chose a park waits for the park's approval."""
    join_request = ParkJoinRequest.objects.create(park_id=park_id, firm=firm)
    park = Park.objects.get(pk=park_id)
    park_audit(None, park=park, action="join_requested", obj=join_request, firm_id=firm.pk, firm=firm.name)
    return join_request


@dataclass(frozen=True)
class SignupParkStatus:
    """Where a newly signed-up firm stands with its park: "member", "pending" or "none"."""

    state: str
    park_name: str = ""


def signup_park_status(*, firm: Firm) -> SignupParkStatus:
    if firm.park_id:
        return SignupParkStatus(state="member", park_name=Park.objects.get(pk=firm.park_id).name)
    pending = (
        ParkJoinRequest.objects.filter(firm=firm, status=ParkJoinRequest.Status.PENDING).select_related("park").first()
    )
    if pending is not None:
        return SignupParkStatus(state="pending", park_name=pending.park.name)
    return SignupParkStatus(state="none")


# ---------------------------------------------------------------------------------------------
# Approval queue (console)
# ---------------------------------------------------------------------------------------------


def join_request_list(*, park: Park, status: str = "pending", q: str = "") -> QuerySet[ParkJoinRequest]:
    """The park's join requests (pending by default, oldest first so none waits forever)."""
    requests = ParkJoinRequest.objects.filter(park=park).select_related("firm")
    if status in JOIN_REQUEST_STATES:
        requests = requests.filter(status=status)
    if status == ParkJoinRequest.Status.PENDING:
        requests = requests.order_by("created_at", "id")
    else:
        requests = requests.order_by("-created_at", "-id")
    q = clean_search(q)
    if q:
        requests = requests.filter(Q(firm__name__icontains=q) | Q(firm__slug__icontains=q) | Q(message__icontains=q))
    return requests


def join_request_pending_count(*, park: Park) -> int:
    return ParkJoinRequest.objects.filter(park=park, status=ParkJoinRequest.Status.PENDING).count()


def _join_request_lock(*, park: Park, request_id: int) -> ParkJoinRequest:
    join_request = ParkJoinRequest.objects.select_for_update().filter(pk=request_id, park=park).first()
    if join_request is None:
        raise NotFound(_("No such request to join this park."))
    if join_request.status != ParkJoinRequest.Status.PENDING:
        raise Conflict(
            _("This request was already %(status)s; nothing was changed.")
            % {"status": join_request.get_status_display().lower()},
            code="already_decided",
        )
    return join_request


@transaction.atomic
def join_request_approve(*, request: HttpRequest, park: Park, request_id: int) -> ParkJoinRequest:
    """Approve a firm's request: the firm joins the park now."""
    join_request = _join_request_lock(park=park, request_id=request_id)
    firm = Firm.objects.select_for_update().get(pk=join_request.firm_id)
    if firm.park_id == park.pk:
        raise Conflict(_("%(firm)s is already in this park.") % {"firm": firm.name}, code="already_member")
    if firm.park_id is not None:
        raise Conflict(
            _("%(firm)s has joined another park in the meantime. Reject the request instead.") % {"firm": firm.name},
            code="in_another_park",
        )
    if firm.status in (Firm.Status.CLOSED, Firm.Status.FAILED):
        raise Conflict(
            _("%(firm)s is closed or could not be set up; it cannot join the park.") % {"firm": firm.name},
            code="firm_unavailable",
        )
    now = timezone.now()
    firm.park = park
    firm.park_joined_at = now
    firm.save(update_fields=["park", "park_joined_at", "updated_at"])  # the save clears the host cache
    join_request.status = ParkJoinRequest.Status.APPROVED
    join_request.decided_by = _actor_label(request.user)
    join_request.decided_at = now
    join_request.save(update_fields=["status", "decided_by", "decided_at"])
    billing.park_membership_changed(firm_id=firm.pk)
    park_audit(request, park=park, action="join_approved", obj=join_request, firm_id=firm.pk, firm=firm.name)
    _decision_mail_on_commit(join_request=join_request, firm=firm)
    return join_request


@transaction.atomic
def join_request_reject(*, request: HttpRequest, park: Park, request_id: int, reason: str) -> ParkJoinRequest:
    """Reject a firm's request with a reason; the firm stays on the platform without the park."""
    reason = _clean(reason, MESSAGE_MAX + 1)
    if not reason:
        message = _("Give the firm a reason for the rejection.")
        raise ValidationFailed(message, fields={"reason": [message]})
    if len(reason) > MESSAGE_MAX:
        message = _("Use at most %(count)s characters.") % {"count": MESSAGE_MAX}
        raise ValidationFailed(message, fields={"reason": [message]})
    join_request = _join_request_lock(park=park, request_id=request_id)
    join_request.status = ParkJoinRequest.Status.REJECTED
    join_request.reason = reason
    join_request.decided_by = _actor_label(request.user)
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    firm = join_request.firm
    park_audit(request, park=park, action="join_rejected", obj=join_request, firm_id=firm.pk, firm=firm.name)
    _decision_mail_on_commit(join_request=join_request, firm=firm)
    return join_request


def _decision_mail_on_commit(*, join_request: ParkJoinRequest, firm: Firm) -> None:
    """The owner who signed the firm up hears the park's answer (in the language they chose)."""
    owner = Signup.objects.filter(firm=firm).values_list("owner_email", "language").first()
    if owner:
        email, language = owner
        transaction.on_commit(
            lambda: _decision_send(join_request=join_request, firm=firm, email=email, language=language)
        )


def _decision_send(*, join_request: ParkJoinRequest, firm: Firm, email: str, language: str) -> None:
    with translation.override(language or firm.language):
        if join_request.status == ParkJoinRequest.Status.APPROVED:
            subject = _("%(firm)s has joined %(park)s") % {"firm": firm.name, "park": join_request.park.name}
        else:
            subject = _("%(park)s did not accept your request to join") % {"park": join_request.park.name}
        body = render_to_string(
            "parks/email/join_decided.txt", {"join_request": join_request, "firm": firm, "park": join_request.park}
        )
    try:
        send_mail(subject, body, None, [email])
    except Exception:
        logger.exception("could not mail the decision on join request %s", join_request.pk)


# ---------------------------------------------------------------------------------------------
# Membership (firm host)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    firm: Firm
    park: Park | None
    joined_at: Any
    pending: ParkJoinRequest | None
    last_decision: ParkJoinRequest | None


def firm_membership(*, firm_id: int) -> Membership:
    """The firm's park, its pending request and the park's last answer (read fresh, not from the
    host cache, so a decision the park just made shows at once)."""
    firm = Firm.objects.select_related("park").get(pk=firm_id)
    requests = ParkJoinRequest.objects.filter(firm=firm).select_related("park")
    pending = requests.filter(status=ParkJoinRequest.Status.PENDING).first()
    last_decision = (
        requests.filter(status__in=[ParkJoinRequest.Status.APPROVED, ParkJoinRequest.Status.REJECTED])
        .order_by("-decided_at", "-id")
        .first()
    )
    return Membership(
        firm=firm, park=firm.park, joined_at=firm.park_joined_at, pending=pending, last_decision=last_decision
    )


def park_choices() -> QuerySet[Park]:
    return Park.objects.order_by("name")


def _require_manager(actor: Any, message: str) -> None:
    if not getattr(actor, "can_manage_users", False):
        raise NotAllowed(message)


def _park_event(park: Park, action: str, firm: Firm, **changes: Any) -> None:
    """What a firm did with its membership, in the platform's log where the park's admins see it."""
    with schema_context("public"):
        park_audit(None, park=park, action=action, obj=firm, firm_id=firm.pk, firm=firm.name, **changes)


@transaction.atomic
def join_request_create(
    *, firm: Firm, actor: Any, park_id: int | None, message: str = "", request: HttpRequest | None = None
) -> ParkJoinRequest:
    """An owner or admin asks a park to take the firm in; the park approves or rejects it."""
    _require_manager(actor, _("Only owners and administrators can ask to join a park."))
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    if firm.park_id is not None:
        raise Conflict(_("Your firm is already in a park. Leave it first to join another."), code="already_member")
    pending = ParkJoinRequest.objects.filter(firm=firm, status=ParkJoinRequest.Status.PENDING).first()
    if pending is not None:
        raise Conflict(
            _("Your firm has already asked to join %(park)s. Withdraw that request to ask another park.")
            % {"park": pending.park.name},
            code="already_requested",
        )
    problems: dict[str, list[str]] = {}
    park = Park.objects.filter(pk=park_id).first() if park_id else None
    message = _clean(message, MESSAGE_MAX + 1)
    if len(message) > MESSAGE_MAX:
        problems["message"] = [_("Use at most %(count)s characters.") % {"count": MESSAGE_MAX}]
    if park is None or problems:
        if park is None:
            problems["park"] = [_("Choose a park from the list.")]
        raise ValidationFailed(_("Some fields are not valid."), fields=problems)
    try:
        with transaction.atomic():
            join_request = ParkJoinRequest.objects.create(park=park, firm=firm, message=message)
    except IntegrityError:  # a second click while the first was being saved
        raise Conflict(_("Your firm has already asked to join a park."), code="already_requested") from None
    audit_record(
        action="park.join_requested", actor=actor, request=request, obj=join_request, park=park.name, park_id=park.pk
    )
    _park_event(park, "join_requested", firm)
    return join_request


@transaction.atomic
def join_request_withdraw(*, firm: Firm, actor: Any, request: HttpRequest | None = None) -> ParkJoinRequest:
    """Take back the firm's pending request before the park decides."""
    _require_manager(actor, _("Only owners and administrators can withdraw the request."))
    join_request = (
        ParkJoinRequest.objects.select_for_update()
        .filter(firm_id=firm.pk, status=ParkJoinRequest.Status.PENDING)
        .select_related("park")
        .first()
    )
    if join_request is None:
        raise NotFound(_("Your firm has no request waiting for a park's answer."))
    join_request.status = ParkJoinRequest.Status.WITHDRAWN
    join_request.decided_at = timezone.now()
    join_request.decided_by = _actor_label(actor)
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    audit_record(
        action="park.join_withdrawn", actor=actor, request=request, obj=join_request, park=join_request.park.name
    )
    _park_event(join_request.park, "join_withdrawn", Firm.objects.get(pk=firm.pk))
    return join_request


@transaction.atomic
def firm_park_leave(*, firm: Firm, actor: Any, request: HttpRequest | None = None) -> Park:
    """The firm leaves its park: its directory profile is unpublished; the park is told (activity log)."""
    _require_manager(actor, _("Only owners and administrators can leave the park."))
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    if firm.park_id is None:
        raise Conflict(_("Your firm is not in a park."), code="not_member")
    park = Park.objects.get(pk=firm.park_id)
    firm.park = None
    firm.park_joined_at = None
    firm.save(update_fields=["park", "park_joined_at", "updated_at"])  # the save clears the host cache
    DirectoryProfile.objects.filter(firm=firm).update(is_published=False)
    billing.park_membership_changed(firm_id=firm.pk)
    audit_record(action="park.left", actor=actor, request=request, obj=firm, park=park.name, park_id=park.pk)
    _park_event(park, "firm_left", firm)
    return park


@transaction.atomic
def firm_park_settings_update(
    *, firm: Firm, actor: Any, industry: str, share_activity: bool, request: HttpRequest | None = None
) -> Firm:
    """Owners and admins set the firm's industry and whether the park sees its activity figures
    (it always sees status and plan). Turning sharing off clears the figures already collected."""
    _require_manager(actor, _("Only owners and administrators can change what the firm shares with its park."))
    industry = _clean(industry, 10)
    if industry and industry not in INDUSTRY_CODES:
        message = _("Choose an industry from the list.")
        raise ValidationFailed(message, fields={"industry": [message]})
    firm = Firm.objects.select_for_update().get(pk=firm.pk)
    changes: dict[str, Any] = {}
    if firm.industry != industry:
        changes["industry"] = [firm.industry, industry]
    if firm.share_activity != share_activity:
        changes["share_activity"] = [firm.share_activity, share_activity]
    if not changes:
        return firm
    firm.industry = industry
    firm.share_activity = share_activity
    firm.save(update_fields=["industry", "share_activity", "updated_at"])
    if not share_activity:
        # Opting out takes effect now, not at the next collection.
        FirmActivity.objects.filter(firm=firm).update(
            shared=False, users_total=0, users_active_30d=0, records={}, modules_in_use=[], last_activity_at=None
        )
    audit_record(action="park.sharing_changed", actor=actor, request=request, obj=firm, **changes)
    if firm.park_id is not None:
        _park_event(Park.objects.get(pk=firm.park_id), "firm_sharing_changed", firm, **changes)
    return firm
