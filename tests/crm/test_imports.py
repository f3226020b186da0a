"""CRM import (CSV in UTF-8 or GBK, XLSX; mapping, dedupe, row-level errors, re-runs adding
nothing) and export of filtered lists, through the services, the API and the pages, with
two-firm leak tests. The job body runs directly, as the worker would run it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import Workbook, load_workbook
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.accounts.models import User
from apps.crm import imports
from apps.crm.imports import error_report, import_get, import_run, import_start, import_upload, suggest_mapping
from apps.crm.models import Account, Contact, CrmImport, Lead, SalesRole
from apps.crm.services import account_create, contact_create
from core.errors import Conflict, NotFound, ValidationFailed
from tenants.models import Firm
from tests.conftest import PASSWORD

CODE = "91510100MA61R0XA33"  # valid 统一社会信用代码 (as in test_crm_api)
CODE_2 = "91510100MA6CLLDX58"


@pytest.fixture
def owner(in_firm_a: Firm) -> User:
    return User.objects.get(role=User.Role.OWNER)


def _rep(email: str) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], role="member")
    SalesRole.objects.create(user=user, role="rep")
    return user


def _client_for(firm: Firm, email: str) -> Client:
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def _stored_files() -> list[Path]:
    directory = imports.import_dir()
    return sorted(directory.iterdir()) if directory.exists() else []


def _full_mapping(job: CrmImport) -> dict[str, int | None]:
    return suggest_mapping(job.kind, imports.import_preview(job).header)


def _import(actor: Any, kind: str, name: str, content: bytes, dedupe: list[str] | None = None) -> CrmImport:
    """Upload, accept the suggested mapping, and run the job body."""
    job = import_upload(actor=actor, kind=kind, name=name, content=content)
    mapping = _full_mapping(job)
    if dedupe is None:  # every rule whose column is there, but the credit code for leads
        dedupe = [r for r in imports.DEDUPE_CHOICES[kind] if mapping.get(r) is not None and r != "credit_code"]
    import_start(actor=actor, import_id=job.pk, mapping=mapping, dedupe=dedupe)
    return import_run(import_id=job.pk)


def _report_rows(job: CrmImport) -> list[list[str]]:
    text = error_report(job).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- mapping suggestion --------------------------------------------------------------------


def test_the_mapping_is_suggested_from_chinese_and_english_headers() -> None:
    contacts = suggest_mapping("contacts", ["序号", "姓名", "手机号码", "电子邮件", "公司名称", "职务", "备注"])
    accounts = suggest_mapping("accounts", ["客户名称", "统一社会信用代码\uff08必填\uff09", "所属行业", "详细地址"])
    leads = suggest_mapping("leads", ["Name", "Company", "Credit Code", "Mobile", "E-mail", "Source", "Notes"])

    assert contacts == {"name": 1, "mobile": 2, "email": 3, "position": 5, "company": 4}
    assert accounts == {"name": 0, "credit_code": 1, "industry": 2, "address": 3}
    assert leads == {
        "name": 0,
        "company": 1,
        "credit_code": 2,
        "mobile": 3,
        "email": 4,
        "source": 5,
        "notes": 6,
    }


def test_a_header_containing_a_known_name_is_matched_and_no_column_is_used_twice() -> None:
    found = suggest_mapping("contacts", ["联系人", "联系人手机", "客户名称", "名称"])

    assert found["name"] == 0
    assert found["mobile"] == 1
    assert found["company"] == 2
    assert found["email"] is None


# --- encodings and formats -----------------------------------------------------------------

CONTACTS_CSV = "姓名,手机,邮箱,公司,职位\n张三,13800138000,zhang@example.com,成都天府软件有限公司,经理\n"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_in_gbk_is_imported(owner: User, encoding: str) -> None:
    done = _import(owner, "contacts", "联系人.csv", CONTACTS_CSV.encode(encoding))

    assert (done.status, done.rows, done.imported, done.errors) == ("done", 1, 1, [])
    contact = Contact.objects.select_related("account").get()
    assert (contact.name, contact.mobile, contact.position) == ("张三", "13800138000", "经理")
    assert contact.account is not None
    assert contact.account.name == "成都天府软件有限公司"


def test_an_xlsx_file_is_imported(owner: User) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["客户名称", "统一社会信用代码", "行业", "地址"])
    sheet.append(["成都天府软件有限公司", CODE, "软件", "成都市高新区"])
    sheet.append([None, None, None, None])  # a blank row still counts in the numbering
    sheet.append(["坏代码公司", "123", "软件", ""])
    buffer = io.BytesIO()
    book.save(buffer)

    done = _import(owner, "accounts", "客户.xlsx", buffer.getvalue(), dedupe=["credit_code"])

    assert (done.status, done.imported) == ("done", 1)
    assert [(e["row"], e["column"]) for e in done.errors] == [(4, "统一社会信用代码")]
    account = Account.objects.get()
    assert (account.name, account.credit_code, account.industry, account.owner) == (
        "成都天府软件有限公司",
        CODE,
        "软件",
        owner,
    )


# --- good and bad rows, re-runs, dedupe ------------------------------------------------------

LEADS_CSV = f"""姓名,公司,统一社会信用代码,手机,邮箱,来源
王芳,成都天府软件有限公司,{CODE},+86 138-0013-8000,wang@example.com,展会
李四,坏手机公司,,028-8888888,,
赵五,坏代码公司,{CODE[:-1]}0,,,
,没名字公司,,13900000000,,
王芳二,成都天府软件有限公司,,13800138000,,
钱七,成都天府软件有限公司,,,,=HYPERLINK("http://evil")
"""


def test_good_rows_are_imported_and_bad_rows_reported_by_row_number(owner: User) -> None:
    done = _import(owner, "leads", "线索.csv", LEADS_CSV.encode("gb18030"))

    assert (done.status, done.rows, done.done_rows, done.imported, done.skipped, done.progress) == (
        "done",
        6,
        6,
        2,
        0,
        100,
    )
    assert [(e["row"], e["column"]) for e in done.errors] == [
        (3, "手机"),
        (4, "统一社会信用代码"),
        (5, "姓名"),
        (6, "手机"),
    ]
    assert "mobile number" in done.errors[0]["message"]
    assert "credit code" in done.errors[1]["message"]
    assert "row 2" in done.errors[3]["message"]
    leads = {lead.name: lead for lead in Lead.objects.all()}
    assert set(leads) == {"王芳", "钱七"}
    assert (leads["王芳"].mobile, leads["王芳"].credit_code, leads["王芳"].owner) == ("13800138000", CODE, owner)
    assert leads["钱七"].source == '=HYPERLINK("http://evil")'
    report = _report_rows(done)
    assert report[0][:3] == ["Row", "Column", "Problem"]
    assert report[0][3:] == ["姓名", "公司", "统一社会信用代码", "手机", "邮箱", "来源"]
    assert [row[0] for row in report[1:]] == ["3", "4", "5", "6"]
    assert report[1][3:7] == ["李四", "坏手机公司", "", "028-8888888"]


def test_importing_the_same_file_again_adds_nothing(owner: User) -> None:
    first = _import(owner, "leads", "线索.csv", LEADS_CSV.encode("utf-8"))
    before = Lead.objects.count()

    again = _import(owner, "leads", "线索.csv", LEADS_CSV.encode("utf-8"))

    assert (first.imported, again.imported) == (2, 0)
    assert again.skipped == 2
    assert [e["row"] for e in again.errors] == [e["row"] for e in first.errors] == [3, 4, 5, 6]
    assert Lead.objects.count() == before == 2


def test_rows_without_any_dedupe_value_are_matched_by_name_and_company_on_a_rerun(owner: User) -> None:
    content = "姓名,公司\n张三,甲公司\n张三,乙公司\n张三,甲公司\n".encode()

    first = _import(owner, "contacts", "c.csv", content)
    again = _import(owner, "contacts", "c.csv", content)

    assert (first.imported, [e["row"] for e in first.errors]) == (2, [4])
    assert "name and company" in first.errors[0]["message"]
    assert (again.imported, again.skipped, [e["row"] for e in again.errors]) == (0, 2, [4])
    assert sorted(Contact.objects.values_list("account__name", flat=True)) == ["乙公司", "甲公司"]
    assert Account.objects.filter(owner=owner).count() == 2


def test_rows_matching_existing_records_are_skipped(owner: User) -> None:
    existing = account_create(actor=owner, name="已有公司", credit_code=CODE)
    contact_create(actor=owner, name="老客户", mobile="13800138000", email="old@example.com", account=existing)
    contacts = (
        "姓名,手机,邮箱,公司\n同手机,138 0013 8000,,已有公司\n同邮箱,,OLD@example.com,\n新人,13900139000,,已有公司\n"
    )
    accounts = f"名称,信用代码\n同代码公司,{CODE.lower()}\n新公司,{CODE_2}\n"

    contact_run = _import(owner, "contacts", "c.csv", contacts.encode(), dedupe=["mobile", "email"])
    account_run = _import(owner, "accounts", "a.csv", accounts.encode(), dedupe=["credit_code"])

    assert (contact_run.imported, contact_run.skipped, contact_run.errors) == (1, 2, [])
    new = Contact.objects.get(name="新人")
    assert new.account == existing  # linked to the account of that name, none created
    assert (account_run.imported, account_run.skipped) == (1, 1)
    assert set(Account.objects.values_list("name", flat=True)) == {"已有公司", "新公司"}


def test_the_unique_mobile_is_checked_even_when_not_chosen(owner: User) -> None:
    contact_create(actor=owner, name="老客户", mobile="13800138000")

    done = _import(owner, "contacts", "c.csv", "姓名,手机\n另一个人,13800138000\n".encode(), dedupe=[])

    assert done.dedupe == ["mobile"]
    assert (done.imported, done.skipped) == (0, 1)


def test_large_files_are_imported_in_batches(owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "BATCH", 7)
    lines = ["姓名,手机,公司"] + [f"客户{i},139{i:08d},公司{i % 3}" for i in range(40)]
    lines.append("客户0,13900000000,公司0")  # the first row again, 34 rows and five batches later

    done = _import(owner, "contacts", "big.csv", "\n".join(lines).encode())

    assert (done.imported, done.done_rows, [e["row"] for e in done.errors]) == (40, 41, [42])
    assert Account.objects.count() == 3


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "empty"),
        ("header-only.csv", "姓名,手机\n".encode(), "no rows"),
        ("contacts.pdf", b"%PDF-1.4", ".csv or .xlsx"),
        ("broken.xlsx", b"not a workbook", "not a valid .xlsx"),
        ("big.csv", b"x" * (imports.MAX_BYTES + 1), "larger than 20 MB"),
    ],
)
def test_an_unusable_file_is_refused_clearly_and_nothing_is_kept(
    owner: User, name: str, content: bytes, expected: str
) -> None:
    files_before = _stored_files()

    with pytest.raises(ValidationFailed) as caught:
        import_upload(actor=owner, kind="contacts", name=name, content=content)

    assert expected in caught.value.detail
    assert "file" in caught.value.fields
    assert not CrmImport.objects.exists()
    assert _stored_files() == files_before


def test_too_many_rows_are_refused(owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(imports, "MAX_ROWS", 3)

    with pytest.raises(ValidationFailed) as caught:
        import_upload(actor=owner, kind="leads", name="l.csv", content="姓名\na\nb\nc\nd\n".encode())

    assert "more than 3 rows" in caught.value.detail
    assert not CrmImport.objects.exists()


def test_an_unknown_kind_is_refused(owner: User) -> None:
    with pytest.raises(ValidationFailed) as caught:
        import_upload(actor=owner, kind="invoices", name="x.csv", content=CONTACTS_CSV.encode())

    assert "kind" in caught.value.fields
    assert not CrmImport.objects.exists()


def test_the_mapping_and_dedupe_rules_are_checked_and_nothing_changes_when_wrong(owner: User) -> None:
    job = import_upload(actor=owner, kind="contacts", name="c.csv", content=CONTACTS_CSV.encode())

    wrong = [
        ({"mobile": 1}, [], "name"),
        ({"name": 0, "mobile": 0}, [], "mobile"),
        ({"name": 0, "mobile": 9}, [], "mobile"),
        ({"name": 0, "salary": 1}, [], "mapping"),
        ({"name": 0, "mobile": 1}, ["credit_code"], "dedupe"),
        ({"name": 0, "mobile": 1}, ["email"], "dedupe"),
    ]
    for mapping, dedupe, field in wrong:
        with pytest.raises(ValidationFailed) as caught:
            import_start(actor=owner, import_id=job.pk, mapping=mapping, dedupe=dedupe)
        assert field in caught.value.fields, (mapping, dedupe)

    job.refresh_from_db()
    assert (job.status, job.mapping, job.dedupe) == ("mapping", {}, [])
    assert not ProcrastinateJob.objects.filter(task_name="crm.import_records").exists()


def test_starting_queues_the_job_once(owner: User, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    job = import_upload(actor=owner, kind="contacts", name="c.csv", content=CONTACTS_CSV.encode())

    with django_capture_on_commit_callbacks(execute=True):
        import_start(actor=owner, import_id=job.pk, mapping={"name": 0, "mobile": 1}, dedupe=["mobile"])

    queued = ProcrastinateJob.objects.get(task_name="crm.import_records")
    assert queued.queue_name == "imports"
    assert queued.args == {"schema_name": owner_schema(), "import_id": job.pk}
    job.refresh_from_db()
    assert (job.status, job.mapping, job.dedupe) == ("queued", {"name": 0, "mobile": 1}, ["mobile"])
    with pytest.raises(Conflict):
        import_start(actor=owner, import_id=job.pk, mapping={"name": 0}, dedupe=[])


def owner_schema() -> str:
    from django.db import connection

    return str(connection.schema_name)  # type: ignore[attr-defined]


def test_a_file_gone_before_the_job_ends_the_import_as_failed_with_the_reason(owner: User) -> None:
    job = import_upload(actor=owner, kind="contacts", name="c.csv", content=CONTACTS_CSV.encode())
    import_start(actor=owner, import_id=job.pk, mapping={"name": 0}, dedupe=[])
    (imports.import_dir() / job.stored_as).unlink()

    done = import_run(import_id=job.pk)

    assert done.status == "failed"
    assert "upload it again" in done.failure
    assert not Contact.objects.exists()


def test_the_file_is_kept_under_the_firms_schema(owner: User, in_firm_a: Firm) -> None:
    job = import_upload(actor=owner, kind="contacts", name="c.csv", content=CONTACTS_CSV.encode())

    stored = imports.import_dir() / job.stored_as
    assert stored.exists()
    assert stored.parent.parts[-3:] == (in_firm_a.schema_name, "crm", "imports")


def test_another_persons_import_is_not_found_unless_the_actor_sees_all(owner: User) -> None:
    rep, other = _rep("rep1@alpha.example"), _rep("rep2@alpha.example")
    job = import_upload(actor=rep, kind="contacts", name="c.csv", content=CONTACTS_CSV.encode())

    with pytest.raises(NotFound):
        import_get(actor=other, import_id=job.pk)
    with pytest.raises(NotFound):
        import_start(actor=other, import_id=job.pk, mapping={"name": 0}, dedupe=[])
    assert import_get(actor=owner, import_id=job.pk) == job
    job.refresh_from_db()
    assert job.status == "mapping"


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_uploads_previews_starts_and_reports(owner_a_client: Client, firm_a: Firm) -> None:
    upload = io.BytesIO(LEADS_CSV.encode("gbk"))
    upload.name = "线索.csv"

    created = owner_a_client.post("/api/v1/crm/imports/", {"kind": "leads", "file": upload})

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "mapping"
    assert body["rows"] == 6
    assert body["preview"]["header"][:2] == ["姓名", "公司"]
    assert body["preview"]["rows"][0][0] == "王芳"
    assert body["suggested_mapping"]["mobile"] == 3
    assert {f["name"] for f in body["fields"] if f["required"]} == {"name"}
    url = f"/api/v1/crm/imports/{body['id']}/"
    bad = owner_a_client.post(url + "start/", {"mapping": {"mobile": 3}}, content_type="application/json")
    assert bad.status_code == 400
    assert "name" in bad.json()["fields"]
    started = owner_a_client.post(
        url + "start/", {"mapping": body["suggested_mapping"], "dedupe": ["mobile"]}, content_type="application/json"
    )
    assert started.status_code == 202
    assert started.json()["status"] == "queued"
    with schema_context(firm_a.schema_name):
        import_run(import_id=body["id"])
    detail = owner_a_client.get(url).json()
    assert (detail["status"], detail["progress"], detail["imported"], detail["error_rows"]) == ("done", 100, 2, 4)
    errors = owner_a_client.get(url + "errors/")
    assert errors.status_code == 200
    assert errors["Content-Type"].startswith("text/csv")
    assert errors.content.startswith(b"\xef\xbb\xbf")


@pytest.mark.django_db
def test_the_api_refuses_a_wrong_file_with_a_field_error(owner_a_client: Client, firm_a: Firm) -> None:
    upload = io.BytesIO(b"%PDF")
    upload.name = "x.pdf"

    response = owner_a_client.post("/api/v1/crm/imports/", {"kind": "contacts", "file": upload})

    assert response.status_code == 400
    assert "file" in response.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert not CrmImport.objects.exists()


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pages_walk_from_upload_to_the_error_report(owner_a_client: Client, firm_a: Firm) -> None:
    page = owner_a_client.get("/crm/import/")
    assert page.status_code == 200
    upload = io.BytesIO(LEADS_CSV.encode("utf-8-sig"))
    upload.name = "线索.csv"

    uploaded = owner_a_client.post("/crm/import/", {"kind": "leads", "file": upload})

    assert uploaded.status_code == 302
    mapping_url = uploaded["Location"]
    mapping = owner_a_client.get(mapping_url)
    html = mapping.content.decode()
    assert mapping.status_code == 200
    assert 'id="import-preview"' in html
    assert "王芳" in html
    assert '<option value="3" selected>手机</option>' in html
    assert "style=" not in html
    assert "<script>" not in html
    missing_name = owner_a_client.post(mapping_url, {"name": "", "mobile": "3"})
    assert missing_name.status_code == 400
    started = owner_a_client.post(mapping_url, {"name": "0", "company": "1", "mobile": "3", "dedupe": ["mobile"]})
    assert started.status_code == 302
    detail_url = started["Location"]
    import_id = int(detail_url.rstrip("/").split("/")[-1])
    queued = owner_a_client.get(detail_url).content.decode()
    assert 'hx-trigger="every 1s"' in queued
    assert "<progress" in queued
    with schema_context(firm_a.schema_name):
        import_run(import_id=import_id)
    fragment = owner_a_client.get(f"/crm/import/{import_id}/progress/")
    text = fragment.content.decode()
    assert fragment.status_code == 200
    assert "hx-trigger" not in text  # done: the polling stops
    assert 'value="100"' in text
    assert f"/crm/import/{import_id}/errors/" in text
    report = owner_a_client.get(f"/crm/import/{import_id}/errors/")
    assert report.status_code == 200
    assert report.content.startswith(b"\xef\xbb\xbf")
    assert "028-8888888" in report.content.decode("utf-8-sig")
    assert owner_a_client.get(mapping_url).status_code == 302  # started: the mapping page is gone


@pytest.mark.django_db
def test_an_empty_upload_shows_the_error_on_the_page(owner_a_client: Client, firm_a: Firm) -> None:
    upload = io.BytesIO("姓名\n".encode())
    upload.name = "empty.csv"

    response = owner_a_client.post("/crm/import/", {"kind": "contacts", "file": upload})

    assert response.status_code == 400
    assert "no rows to import" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert not CrmImport.objects.exists()


# --- export --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_export_has_a_bom_defuses_formulas_and_holds_only_what_the_person_sees(firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        rep = _rep("rep@alpha.example")
        contact_create(actor=rep, name="=cmd|' /C calc'!A0", mobile="13800138000")
        contact_create(actor=owner, name="老板的客户", mobile="13900139000")
    rep_client = _client_for(firm_a, "rep@alpha.example")
    owner_client = _client_for(firm_a, "owner@alpha.example")

    mine = rep_client.get("/crm/export/contacts/?format=csv")
    everyone = owner_client.get("/crm/export/contacts/?format=csv&q=老板")
    api = rep_client.get("/api/v1/crm/export/contacts/?format=csv")

    assert mine.status_code == 200
    assert mine["Content-Disposition"].startswith('attachment; filename="crm-contacts-')
    raw = b"".join(mine.streaming_content)  # type: ignore[attr-defined]
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows[0]) == 7  # the header, in the person's language
    assert [row[0] for row in rows[1:]] == ["'=cmd|' /C calc'!A0"]
    owner_rows = list(csv.reader(io.StringIO(b"".join(everyone.streaming_content).decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert [row[0] for row in owner_rows[1:]] == ["老板的客户"]
    assert api.status_code == 200
    assert b"".join(api.streaming_content) == raw  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_an_xlsx_export_of_every_list_opens(owner_a_client: Client, firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        account_create(actor=owner, name="+成都公司", credit_code=CODE)

    for kind in ("accounts", "contacts", "leads", "opportunities"):
        response = owner_a_client.get(f"/crm/export/{kind}/?format=xlsx")
        assert response.status_code == 200, kind
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        if kind == "accounts":
            assert sheet["A2"].value == "'+成都公司"
    assert owner_a_client.get("/crm/export/invoices/?format=csv").status_code == 404
    assert owner_a_client.get("/crm/export/contacts/?format=pdf").status_code == 302
    assert owner_a_client.get("/api/v1/crm/export/contacts/?format=pdf").status_code == 400


# --- two firms -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_firm_b_sees_none_of_firm_as_imports_and_exports_nothing_of_it(
    owner_a_client: Client, owner_b_client: Client, firm_a: Firm, firm_b: Firm
) -> None:
    upload = io.BytesIO(CONTACTS_CSV.encode())
    upload.name = "c.csv"
    job = owner_a_client.post("/api/v1/crm/imports/", {"kind": "contacts", "file": upload}).json()
    with schema_context(firm_a.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        import_start(actor=owner, import_id=job["id"], mapping={"name": 0, "mobile": 1}, dedupe=[])
        import_run(import_id=job["id"])
        assert Contact.objects.count() == 1
    pk = job["id"]

    for url in (
        f"/api/v1/crm/imports/{pk}/",
        f"/api/v1/crm/imports/{pk}/errors/",
        f"/crm/import/{pk}/",
        f"/crm/import/{pk}/mapping/",
        f"/crm/import/{pk}/progress/",
        f"/crm/import/{pk}/errors/",
    ):
        assert owner_b_client.get(url).status_code == 404, url
    start = owner_b_client.post(
        f"/api/v1/crm/imports/{pk}/start/", {"mapping": {"name": 0}}, content_type="application/json"
    )
    assert start.status_code == 404
    assert pk not in [row.pk for row in _b_imports(firm_b)]
    for kind in ("contacts", "accounts", "leads", "opportunities"):
        response = owner_b_client.get(f"/crm/export/{kind}/?format=csv")
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()  # type: ignore[attr-defined]
        assert len(lines) == 1, kind  # the header alone
    with schema_context(firm_a.schema_name):
        assert CrmImport.objects.get(pk=pk).status == "done"


def _b_imports(firm_b: Firm) -> list[CrmImport]:
    with schema_context(firm_b.schema_name):
        return list(CrmImport.objects.all())
