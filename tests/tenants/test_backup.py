"""Per-firm backup and restore: a round trip keeps every table's checksum; bad input changes nothing."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django_tenants.utils import schema_context, schema_exists

from apps.accounts.models import Invitation, User
from apps.finance.models import Voucher
from tenants.backup import firm_backup, schema_fingerprint
from tenants.models import Firm
from tests.conftest import PASSWORD, SPECS
from tests.finance.conftest import truncate_ledger


def _firm_counts() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'")
        schemas = cursor.fetchone()[0]
    return Firm.objects.count(), schemas


@pytest.fixture
def firm_a_ledger_emptied_after(firm_a: Firm) -> Iterator[Firm]:
    yield firm_a
    truncate_ledger(firm_a.schema_name)  # the round trip commits: leave firm A's ledger empty again


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_keeps_every_table_identical(
    firm_a_ledger_emptied_after: Firm, tmp_path: Path
) -> None:
    firm_a = firm_a_ledger_emptied_after
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(email=SPECS["a"].owner_email)
        User.objects.create_user("李四@alpha.example", "Another-Pass-2026", full_name="李四 \t 'quoted' \\ name")
        Invitation.objects.create(
            email="x@alpha.example", token_hash="h" * 64, invited_by=owner, expires_at=owner.date_joined
        )
        _record_finance_data(owner)

    call_command("tenant_backup", firm_a.slug, "--out", str(tmp_path))
    archive = next(tmp_path.glob("*.tar"))
    call_command("tenant_restore", str(archive), "--as", "alpha-copy")

    copy = Firm.objects.get(slug="alpha-copy")
    assert copy.schema_name != firm_a.schema_name
    assert copy.status == Firm.Status.ACTIVE
    original, restored = schema_fingerprint(firm_a.schema_name), schema_fingerprint(copy.schema_name)
    assert restored == original
    assert restored["accounts_user"]["rows"] == 2
    assert firm_backup(slug="alpha-copy", directory=tmp_path / "again").manifest["tables"] == original
    client = Client(HTTP_HOST=copy.host)
    login = client.post("/accounts/login/", {"username": SPECS["a"].owner_email, "password": PASSWORD})
    assert login.status_code == 302
    # The voucher's attachment came along, byte for byte, into the copy's own folder.
    with schema_context(copy.schema_name):
        from apps.finance.attachments import attachment_path
        from apps.finance.models import VoucherAttachment

        assert attachment_path(VoucherAttachment.objects.get()).read_bytes() == ATTACHMENT
    # The ledger's triggers came along and act on the copy's own tables, not the original's.
    with schema_context(copy.schema_name):
        copy_owner = User.objects.get(email=SPECS["a"].owner_email)
        posted = _post_sale(copy_owner, "1.00")
        assert posted.display_number == "记-0003"  # after the sale and the supplier bill
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE finance_voucher SET summary = 'x' WHERE id = %s", [posted.pk])
    with schema_context(firm_a.schema_name):
        assert Voucher.objects.count() == 2


ATTACHMENT = b"%PDF-1.4\n% the receipt\n"


def _post_sale(owner: User, amount: str) -> Voucher:
    from apps.finance.services import EntryLine, voucher_create, voucher_post

    voucher = voucher_create(
        actor=owner,
        day=date(2026, 11, 3),
        summary="销售 'quoted'",
        lines=[EntryLine("1002", debit=amount), EntryLine("5001", credit=amount)],
    )
    return voucher_post(actor=owner, voucher=voucher)


def _record_finance_data(owner: User) -> None:
    from apps.finance.attachments import attachment_add
    from apps.finance.invoicing import InvoiceLineInput, invoice_create, invoice_post

    sale = _post_sale(owner, "11300.00")
    attachment_add(actor=owner, voucher=sale, name="发票.pdf", content=ATTACHMENT)
    invoice = invoice_create(
        actor=owner,
        direction="purchase",
        partner_name="供应商 \t 'x'",
        day=date(2026, 11, 4),
        lines=[InvoiceLineInput("材料", "1403", "3", "33.3333", "0.13")],
    )
    invoice_post(actor=owner, invoice=invoice)


@pytest.mark.django_db
def test_backing_up_an_unknown_firm_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No firm with the address"):
        call_command("tenant_backup", "no-such-firm", "--out", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def _corrupt_archives(tmp_path: Path, good: Path) -> list[Path]:
    random_bytes = tmp_path / "random.tar"
    random_bytes.write_bytes(b"\x00\xff not a tar file" * 100)
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(good.read_bytes()[:2000])
    no_manifest = tmp_path / "no-manifest.tar"
    with tarfile.open(no_manifest, "w") as archive:
        info = tarfile.TarInfo("schema.dump")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"abc"))
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(good) as source, tarfile.open(tampered, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "schema.dump":
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return [random_bytes, truncated, no_manifest, tampered]


@pytest.mark.django_db(transaction=True)
def test_corrupt_archives_are_refused_and_nothing_is_created(firm_a: Firm, tmp_path: Path) -> None:
    good = firm_backup(slug=firm_a.slug, directory=tmp_path).path
    before = _firm_counts()

    for bad in _corrupt_archives(tmp_path, good):
        with pytest.raises(CommandError, match="not a ParkSuite firm backup"):
            call_command("tenant_restore", str(bad), "--as", "restored-firm")

    assert _firm_counts() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("slug", "message"), [("beta-firm", "already taken"), ("admin", "reserved"), ("x", "characters")]
)
def test_restoring_over_a_taken_or_bad_slug_is_refused_and_nothing_changes(
    firm_a: Firm, firm_b: Firm, tmp_path: Path, slug: str, message: str
) -> None:
    good = firm_backup(slug=firm_a.slug, directory=tmp_path).path
    before = _firm_counts()

    with pytest.raises(CommandError, match=message):
        call_command("tenant_restore", str(good), "--as", slug)

    assert _firm_counts() == before
    assert schema_exists(firm_b.schema_name)
    assert Firm.objects.get(schema_name=firm_b.schema_name).slug == "beta-firm"


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_the_firm_works_still_restores(
    firm_a: Firm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    from tenants import backup

    real_run_pg = backup.run_pg

    def dump_then_write(*args: str, **kwargs: object) -> object:
        result = real_run_pg(*args, **kwargs)  # type: ignore[arg-type]
        if args and args[0] == "pg_dump":  # someone signs a colleague up right after the dump
            with connection.cursor() as cursor:
                cursor.execute(
                    f'INSERT INTO "{firm_a.schema_name}".accounts_user '
                    "(password, email, full_name, role, language, is_active, is_staff, is_superuser, date_joined) "
                    "VALUES ('x', 'late@alpha.example', 'Late', 'member', 'en', true, false, false, now())"
                )
        return result

    monkeypatch.setattr(backup, "run_pg", dump_then_write)
    archive = firm_backup(slug=firm_a.slug, directory=tmp_path).path
    monkeypatch.setattr(backup, "run_pg", real_run_pg)

    call_command("tenant_restore", str(archive), "--as", "alpha-snapshot")

    copy = Firm.objects.get(slug="alpha-snapshot")
    with schema_context(copy.schema_name):
        assert not User.objects.filter(email="late@alpha.example").exists()


@pytest.mark.django_db(transaction=True)
def test_an_archive_from_a_newer_release_is_refused(firm_a: Firm, tmp_path: Path) -> None:
    import json

    good = firm_backup(slug=firm_a.slug, directory=tmp_path).path
    newer = tmp_path / "newer.tar"
    with tarfile.open(good) as source, tarfile.open(newer, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["migrations"].append("crm.9999_from_the_future")
                data = json.dumps(manifest).encode()
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    before = _firm_counts()

    with pytest.raises(CommandError, match="newer ParkSuite"):
        call_command("tenant_restore", str(newer), "--as", "from-future")

    assert _firm_counts() == before


@pytest.mark.django_db
def test_an_archive_whose_files_do_not_match_its_manifest_is_refused(firm_a: Firm, tmp_path: Path) -> None:
    import hashlib
    import json

    good = firm_backup(slug=firm_a.slug, directory=tmp_path).path
    with tarfile.open(good) as source:
        manifest = json.loads(source.extractfile("manifest.json").read())  # type: ignore[union-attr]
        dump = source.extractfile("schema.dump").read()  # type: ignore[union-attr]
    relative = f"finance/attachments/{'a' * 32}.pdf"
    manifest["files"] = {relative: hashlib.sha256(b"%PDF- the original").hexdigest()}
    bad = tmp_path / "tampered.tar"
    with tarfile.open(bad, "w") as archive:
        for name, payload in (
            ("manifest.json", json.dumps(manifest).encode()),
            ("schema.dump", dump),
            (f"files/{relative}", b"%PDF- changed afterwards"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    before = _firm_counts()

    with pytest.raises(CommandError, match="files in the backup do not match"):
        call_command("tenant_restore", str(bad), "--as", "tampered-copy")

    assert _firm_counts() == before
