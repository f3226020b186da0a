"""Data portability: every record of the firm as CSV files in one ZIP, built by a job.

CSV files are UTF-8 with a byte-order mark (Excel then opens Chinese text correctly), and a
cell that a spreadsheet would run as a formula is prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import IO

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from core.errors import NotAllowed, NotFound
from core.reports import safe_cell

from .models import FirmExport, User

logger = logging.getLogger(__name__)

EXPORT_DAYS = 7
# Secrets and framework tables are never exported.
SKIPPED_MODELS = {
    "sessions.session",
    "accounts.usersession",
    "accounts.loginfailure",
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
}
SKIPPED_FIELDS = {"password", "token_hash", "secret_hash", "key", "session_data"}


def exportable_models() -> list[type[models.Model]]:
    """Every model stored in a firm's schema, but for the skipped ones, in a stable order."""
    labels = {app.split(".")[-1] for app in settings.TENANT_APPS}
    found = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label in labels and label not in SKIPPED_MODELS and not model._meta.proxy:
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)


def export_dir() -> Path:
    """Where this firm's exports live: the path carries the schema."""
    return Path(settings.MEDIA_ROOT) / connection.schema_name / "exports"  # type: ignore[attr-defined]


@transaction.atomic
def export_request(*, actor: User) -> FirmExport:
    """The owner asks for an export; a job builds it (the page shows its progress)."""
    if actor.role != User.Role.OWNER:
        raise NotAllowed(_("Only the firm's owner can export its data."))
    from .jobs import build_export

    export = FirmExport.objects.create(requested_by=actor)
    audit_record(action="export.requested", actor=actor, obj=export)
    schema = connection.schema_name  # type: ignore[attr-defined]
    transaction.on_commit(lambda: build_export.defer(schema_name=schema, export_id=export.pk))
    return export


def export_build(*, export_id: int) -> FirmExport:
    """Write the ZIP, one CSV per entity, updating the progress as it goes."""
    export = FirmExport.objects.get(pk=export_id)
    FirmExport.objects.filter(pk=export_id).update(status=FirmExport.Status.RUNNING, progress=0)
    directory = export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"export-{export.pk}-{timezone.now():%Y%m%d%H%M%S}.zip"
    partial = directory / (name + ".partial")
    models_to_export = exportable_models()
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for index, model in enumerate(models_to_export, start=1):
                with archive.open(f"{model._meta.label_lower.replace('.', '_')}.csv", "w") as entry:
                    _write_csv(model, entry)
                FirmExport.objects.filter(pk=export_id).update(progress=int(100 * index / len(models_to_export)))
        partial.rename(directory / name)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        FirmExport.objects.filter(pk=export_id).update(status=FirmExport.Status.FAILED, error=str(exc)[:2000])
        raise
    now = timezone.now()
    FirmExport.objects.filter(pk=export_id).update(
        status=FirmExport.Status.DONE,
        progress=100,
        file_name=name,
        size_bytes=(directory / name).stat().st_size,
        finished_at=now,
        expires_at=now + timedelta(days=EXPORT_DAYS),
    )
    return FirmExport.objects.get(pk=export_id)


PAGE = 2000


def _write_csv(model: type[models.Model], entry: IO[bytes]) -> None:
    """Stream a table into a ZIP entry, a page at a time (pk order): memory stays flat."""
    fields = [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS]
    names = [f.attname for f in fields]
    text = io.TextIOWrapper(entry, encoding="utf-8-sig", newline="")  # the BOM Excel needs
    writer = csv.writer(text)
    writer.writerow(names)
    pk = model._meta.pk.attname
    rows = model._default_manager.order_by(pk)
    last = None
    while True:
        page = list((rows.filter(**{f"{pk}__gt": last}) if last is not None else rows).values_list(pk, *names)[:PAGE])
        for row in page:
            writer.writerow([safe_cell(value) for value in row[1:]])
        if len(page) < PAGE:
            break
        last = page[-1][0]
    text.flush()
    text.detach()


def export_file(*, actor: User, export_id: int) -> Path:
    """The file of a finished, unexpired export, for the owner only."""
    if actor.role != User.Role.OWNER:
        raise NotAllowed(_("Only the firm's owner can export its data."))
    export = FirmExport.objects.filter(pk=export_id).first()
    if export is None or not export.downloadable:
        raise NotFound(_("This export does not exist or its link has expired."))
    audit_record(action="export.downloaded", actor=actor, obj=export)
    return export_dir() / export.file_name
