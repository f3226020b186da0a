"""Per-firm backup and restore: a portable archive of one schema, checked on the way back.

An archive is a tar file holding ``schema.dump`` (pg_dump, custom format, of the firm's schema
only), ``manifest.json`` (the firm's profile, its applied migrations, every table's row count
and checksum, and every kept file's checksum) and ``files/`` (the firm's documents, such as
voucher attachments). Restoring creates a new firm in a new schema from it, in one
transaction, and refuses to finish unless every table's and file's checksum matches.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists

from core.errors import ApplicationError, NotFound, ValidationFailed
from core.locks import direct_connection
from core.pgtools import run_pg
from core.tenancy import use_public_schema

from .models import Domain, Firm, new_schema_name

logger = logging.getLogger(__name__)

FORMAT = "parksuite-firm-backup/1"
SCHEMA_NAME = re.compile(r"^t_[0-9a-f]{16}$")
# The firm's documents that belong to its data (exports are temporary and stay out).
KEPT_FILE_DIRS = ("finance/attachments", "crm/attachments")
SAFE_FILE = re.compile(r"^[a-z_]+/[a-z_]+/[0-9a-f]{32}\.[a-z]{1,5}$")


def _firm_files(schema: str) -> dict[str, Path]:
    root = Path(settings.MEDIA_ROOT) / schema
    found: dict[str, Path] = {}
    for folder in KEPT_FILE_DIRS:
        for path in sorted((root / folder).glob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and SAFE_FILE.match(relative):
                found[relative] = path
    return found


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]


def schema_fingerprint(schema: str, *, cursor: Any = None) -> dict[str, dict[str, Any]]:
    """Every table's row count and a checksum of its rows, independent of physical order."""
    if cursor is None:
        with connection.cursor() as own:
            return schema_fingerprint(schema, cursor=own)
    tables: dict[str, dict[str, Any]] = {}
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
        [schema],
    )
    names = [row[0] for row in cursor.fetchall()]
    for name in names:
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
            f'FROM "{schema}"."{name}" AS t'
        )
        count, checksum = cursor.fetchone()
        tables[name] = {"rows": int(count), "checksum": checksum}
    return tables


def _applied_migrations(schema: str, cursor: Any) -> list[str]:
    cursor.execute(f"SELECT app || '.' || name FROM \"{schema}\".django_migrations ORDER BY app, name")
    return [row[0] for row in cursor.fetchall()]


def firm_backup(*, slug: str, directory: Path | None = None) -> BackupResult:
    """Write a portable archive of one firm. Reads a consistent snapshot (pg_dump's own)."""
    firm = Firm.objects.filter(slug=slug, purged_at__isnull=True).exclude(schema_name="public").first()
    if firm is None or not schema_exists(firm.schema_name):
        raise NotFound(_("No firm with the address %(slug)s.") % {"slug": slug})
    directory = Path(directory or settings.PARKSUITE_BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    # The dump, the checksums and the migration list all read one snapshot: the firm may be
    # at work while it is backed up, and the manifest must describe exactly what was dumped.
    snapshot_conn = direct_connection()
    try:
        cursor = snapshot_conn.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        dump = run_pg(
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--schema={firm.schema_name}",
        ).stdout
        migrations = _applied_migrations(firm.schema_name, cursor)
        tables = schema_fingerprint(firm.schema_name, cursor=cursor)
        cursor.execute("ROLLBACK")
    finally:
        snapshot_conn.close()
    manifest = {
        "format": FORMAT,
        "created_at": created.isoformat(),
        "firm": {
            "name": firm.name,
            "slug": firm.slug,
            "schema_name": firm.schema_name,
            "language": firm.language,
            "time_zone": firm.time_zone,
            "status": firm.status,
        },
        "migrations": migrations,
        "tables": tables,
        "dump_sha256": hashlib.sha256(dump).hexdigest(),
    }
    files = _firm_files(firm.schema_name)
    manifest["files"] = {relative: _sha256_file(path) for relative, path in files.items()}
    path = directory / f"{firm.slug}-{created:%Y%m%dT%H%M%SZ}.tar"
    partial = path.with_suffix(".tar.partial")
    with tarfile.open(partial, "w") as archive:
        for name, payload in (("manifest.json", json.dumps(manifest, indent=2).encode()), ("schema.dump", dump)):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            info.mtime = int(created.timestamp())
            archive.addfile(info, io.BytesIO(payload))
        for relative, file_path in files.items():
            archive.add(file_path, arcname=f"files/{relative}", recursive=False)
    partial.rename(path)  # a crash never leaves a file that looks complete
    logger.info("backed up %s to %s", firm.schema_name, path, extra={"schema": firm.schema_name})
    return BackupResult(path=path, manifest=manifest)


def _read_archive(path: Path) -> tuple[dict[str, Any], bytes]:
    corrupt = _("%(name)s is not a ParkSuite firm backup, or it is damaged.") % {"name": path.name}
    if not path.is_file():
        raise NotFound(_("No file at %(path)s.") % {"path": path})
    try:
        with tarfile.open(path, "r:") as archive:
            manifest_file = archive.extractfile("manifest.json")
            dump_file = archive.extractfile("schema.dump")
            if manifest_file is None or dump_file is None:
                raise ApplicationError(corrupt, code="backup_corrupt")
            manifest = json.loads(manifest_file.read().decode("utf-8"))
            dump = dump_file.read()
    except (tarfile.TarError, KeyError, UnicodeDecodeError, json.JSONDecodeError, EOFError, OSError):
        raise ApplicationError(corrupt, code="backup_corrupt") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not SCHEMA_NAME.match(str(manifest.get("firm", {}).get("schema_name", "")))
        or hashlib.sha256(dump).hexdigest() != manifest.get("dump_sha256")
    ):
        raise ApplicationError(corrupt, code="backup_corrupt")
    return manifest, dump


def _renamed_sql(sql: str, old: str, new: str) -> str:
    """The restore script with the schema renamed everywhere but inside the data itself."""
    lines, in_data = [], False
    for line in sql.splitlines(keepends=True):
        if in_data:
            in_data = line != "\\.\n"
            lines.append(line)
            continue
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_data = True
        lines.append(line.replace(old, new))
    return "".join(lines)


def firm_restore(*, path: Path, new_slug: str, name: str | None = None) -> Firm:
    """Restore an archive as a new firm at ``new_slug``; all or nothing, checksums verified."""
    from .lifecycle import slug_is_free
    from .validators import validate_firm_slug

    manifest, dump = _read_archive(Path(path))
    try:
        validate_firm_slug(new_slug)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={"slug": list(exc.messages)}) from None
    if not slug_is_free(new_slug):
        raise ValidationFailed(
            _("The address %(slug)s is already taken.") % {"slug": new_slug},
            fields={"slug": [_("This address is already taken.")]},
        )
    from core.readiness import expected_migrations

    known = {f"{app}.{name}" for app, name in expected_migrations()}
    unknown = sorted(set(manifest.get("migrations", [])) - known)
    if unknown:
        raise ApplicationError(
            _("This backup was made by a newer ParkSuite (it knows %(migrations)s). Upgrade first.")
            % {"migrations": ", ".join(unknown[:5])},
            code="backup_too_new",
        )
    old_schema, schema = manifest["firm"]["schema_name"], new_schema_name()
    with tempfile.TemporaryDirectory() as tmp:
        dump_path = Path(tmp) / "schema.dump"
        dump_path.write_bytes(dump)
        try:
            sql = run_pg("pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump_path)).stdout.decode()
            script = Path(tmp) / "restore.sql"
            script.write_text(_renamed_sql(sql, old_schema, schema))
            # One transaction: a failure leaves no schema behind.
            run_pg(
                "psql",
                "--quiet",
                "--no-psqlrc",
                "--single-transaction",
                "--set",
                "ON_ERROR_STOP=1",
                "--file",
                str(script),
            )
        except subprocess.CalledProcessError as exc:
            reason = (exc.stderr or b"").decode(errors="replace").strip().splitlines()[:1]
            raise ApplicationError(
                _("The backup could not be restored: %(reason)s") % {"reason": reason[0] if reason else exc},
                code="restore_failed",
            ) from None
    try:
        restored = schema_fingerprint(schema)
        if restored != manifest["tables"]:
            different = sorted(
                t for t in set(restored) | set(manifest["tables"]) if restored.get(t) != manifest["tables"].get(t)
            )
            raise ApplicationError(
                _("The restored data does not match the backup (tables: %(tables)s).")
                % {"tables": ", ".join(different)},
                code="backup_mismatch",
            )
        # An archive from an older release lacks later migrations: bring it up to date before
        # it routes (a missing table would otherwise fall through to public's).
        call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
        use_public_schema()
        with transaction.atomic():
            firm = Firm(
                schema_name=schema,
                name=name or manifest["firm"]["name"],
                slug=new_slug,
                language=manifest["firm"].get("language", settings.LANGUAGE_CODE),
                time_zone=manifest["firm"].get("time_zone", "Asia/Shanghai"),
                status=Firm.Status.ACTIVE,
                activated_at=timezone.now(),
            )
            firm.save()
            Domain.objects.create(domain=firm.host, tenant=firm, is_primary=True, is_active=True)
            _restore_files(Path(path), manifest, schema)
    except Exception:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        shutil.rmtree(Path(settings.MEDIA_ROOT) / schema, ignore_errors=True)
        raise
    logger.info("restored %s from %s as %s", old_schema, path, schema, extra={"schema": schema})
    return firm


def _restore_files(path: Path, manifest: dict[str, Any], schema: str) -> None:
    """Copy the archive's files into the new firm's folder, each checked against the manifest."""
    expected: dict[str, str] = manifest.get("files") or {}
    root = Path(settings.MEDIA_ROOT) / schema
    mismatch = ApplicationError(_("The files in the backup do not match its manifest."), code="backup_mismatch")
    with tarfile.open(path, "r:") as archive:
        for relative, checksum in expected.items():
            if not SAFE_FILE.match(relative):
                raise mismatch
            member = archive.extractfile(f"files/{relative}")
            if member is None:
                raise mismatch
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with target.open("wb") as out:
                while block := member.read(1 << 20):
                    digest.update(block)
                    out.write(block)
            if digest.hexdigest() != checksum:
                raise mismatch


def backups_prune(*, directory: Path | None = None, keep_days: int | None = None) -> list[Path]:
    """Delete archives older than the retention period; returns what was deleted."""
    directory = Path(directory or settings.PARKSUITE_BACKUP_DIR)
    keep = timedelta(days=settings.PARKSUITE_BACKUP_KEEP_DAYS if keep_days is None else keep_days)
    cutoff = (timezone.now() - keep).timestamp()
    removed = []
    for archive in directory.glob("*.tar"):
        if archive.stat().st_mtime < cutoff:
            archive.unlink()
            removed.append(archive)
    return removed
