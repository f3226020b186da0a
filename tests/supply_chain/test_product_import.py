"""Product import: CSV (UTF-8, GBK) and XLSX with Chinese or English headers, create or update by
SKU, row-level errors and their CSV report, the job in the firm's schema, the pages and the API,
and firm B never reaching firm A's imports. The job body runs directly, as the worker would."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import Workbook
from procrastinate.contrib.django.models import ProcrastinateJob

from apps.supply_chain import jobs
from apps.supply_chain.models import Category, Partner, Product, ProductImport
from apps.supply_chain.product_import import (
    MAX_BYTES,
    check_size,
    error_report,
    product_import_get,
    product_import_run,
    product_import_upload,
)
from core.errors import NotAllowed, NotFound, ValidationFailed
from tenants.models import Firm

from .conftest import D, receive

pytestmark = pytest.mark.django_db

HEADER_CN = "编码,名称,单位,类别,条码,税率,计价方法,再订货点,采购价,销售价,供应商"


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\n".join(lines) + "\n").encode(encoding)


def _import(actor: Any, content: bytes, name: str = "products.csv") -> ProductImport:
    job = product_import_upload(actor=actor, name=name, content=content)
    return product_import_run(product_import_id=job.pk)


def _report(job: ProductImport) -> list[list[str]]:
    text = error_report(job).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_a_utf8_file_with_chinese_headers_creates_products(owner, make) -> None:
    # given a supplier and a file naming it, with a new category
    make.partner("东方五金", customer=False)
    content = _csv(HEADER_CN, "P-001,六角螺栓,个,紧固件,6901234567892,13%,先进先出,100,0.5,1.2,东方五金")
    # when it is imported
    job = _import(owner, content)
    # then the product exists with every value, its category made
    assert (job.status, job.created, job.updated, job.errors) == ("done", 1, 0, [])
    product = Product.objects.get(sku="P-001")
    assert product.category is not None
    assert product.supplier is not None
    assert (product.name, product.unit, product.category.name, product.barcode) == (
        "六角螺栓",
        "个",
        "紧固件",
        "6901234567892",
    )
    assert (product.vat_rate, product.cost_method, product.reorder_point) == (D("0.13"), "fifo", D(100))
    assert (product.purchase_price, product.sale_price, product.supplier.name) == (D("0.5"), D("1.2"), "东方五金")
    assert job.progress == 100


def test_a_gbk_file_with_english_headers_is_read(owner) -> None:
    content = _csv("SKU,Name,Unit,VAT rate,Sale price", "G-1,电缆,米,0.09,3.5", encoding="gbk")
    job = _import(owner, content)
    assert job.created == 1
    product = Product.objects.get(sku="G-1")
    assert (product.name, product.unit, product.vat_rate) == ("电缆", "米", D("0.09"))


def test_an_xlsx_file_is_read(owner) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["SKU", "名称", "销售价"])
    sheet.append(["X-1", "表格产品", 12.5])
    buffer = io.BytesIO()
    book.save(buffer)
    job = _import(owner, buffer.getvalue(), name="products.xlsx")
    assert job.created == 1
    assert Product.objects.get(sku="X-1").sale_price == D("12.5")


def test_importing_again_updates_by_sku_and_blank_cells_change_nothing(owner) -> None:
    # given an imported product
    _import(owner, _csv("编码,名称,销售价,条码", "U-1,旧名,5,6900000000011"))
    # when a file with a new name, a new price and a blank barcode is imported
    job = _import(owner, _csv("编码,名称,销售价,条码", "U-1,新名,6,"))
    # then the product is updated, not doubled, and keeps its barcode
    assert (job.created, job.updated) == (0, 1)
    product = Product.objects.get(sku="U-1")
    assert (product.name, product.sale_price, product.barcode) == ("新名", D(6), "6900000000011")


def test_bad_rows_are_reported_by_row_number_and_the_good_ones_imported(owner) -> None:
    content = _csv(
        "编码,名称,税率,供应商",
        "OK-1,好的,13%,",
        "BAD-1,坏税率,5%,",
        ",没有编码,,",
        "NEW-1,,,",
        "OK-1,重复,,",
        "BAD-2,未知供应商,,没有这家",
    )
    job = _import(owner, content)
    assert (job.status, job.created) == ("done", 1)
    problems = {(error["row"], column) for error in job.errors for column in error["errors"]}
    assert problems == {(3, "税率"), (4, "编码"), (5, "名称"), (6, "编码"), (7, "供应商")}
    assert list(Product.objects.filter(sku__in=["OK-1", "BAD-1", "NEW-1", "BAD-2"]).values_list("sku", flat=True)) == [
        "OK-1"
    ]
    report = _report(job)
    assert report[0][:3] == ["Row", "Column", "Problem"]
    assert report[0][3:] == ["编码", "名称", "税率", "供应商"]
    assert [row[0] for row in report[1:]] == ["3", "4", "5", "6", "7"]
    assert report[1][3:] == ["BAD-1", "坏税率", "5%", ""]


def test_a_cost_method_change_for_a_product_with_moves_is_a_row_error(owner, make) -> None:
    product, warehouse = make.product("MOVED-1"), make.warehouse()
    receive(owner, product, warehouse, 1, "1", date(2026, 11, 1))
    job = _import(owner, _csv("SKU,cost method", "MOVED-1,fifo"))
    assert job.errors == [
        {"row": 2, "errors": {"cost method": "The cost method cannot change once the product has stock moves."}}
    ]
    product.refresh_from_db()
    assert product.cost_method == "average"


def test_a_file_without_a_sku_column_is_refused_and_nothing_is_kept(owner) -> None:
    with pytest.raises(ValidationFailed) as refused:
        product_import_upload(actor=owner, name="p.csv", content=_csv("名称,单位", "x,个"))
    assert "file" in refused.value.fields
    assert not ProductImport.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_reading() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_size(MAX_BYTES + 1)
    assert refused.value.code == "file_too_large"


def test_someone_who_cannot_change_the_catalogue_cannot_import(member_factory) -> None:
    seller = member_factory("seller@alpha.example", "sales")
    with pytest.raises(NotAllowed):
        product_import_upload(actor=seller, name="p.csv", content=_csv("SKU,name", "S-1,x"))
    assert not ProductImport.objects.exists()


def test_someone_else_sees_only_their_own_imports(owner, member_factory) -> None:
    job = product_import_upload(actor=owner, name="p.csv", content=_csv("SKU,name", "O-1,x"))
    keeper = member_factory("keeper@alpha.example", "warehouse")
    with pytest.raises(NotFound):
        product_import_get(actor=keeper, product_import_id=job.pk)


def test_the_upload_queues_the_job_once(owner, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    before = ProcrastinateJob.objects.filter(task_name="supply_chain.import_products").count()
    with django_capture_on_commit_callbacks(execute=True):
        job = product_import_upload(actor=owner, name="p.csv", content=_csv("SKU,name", "Q-1,x"))
    queued = ProcrastinateJob.objects.filter(task_name="supply_chain.import_products").order_by("-id")
    assert queued.count() == before + 1
    assert queued.first().args["product_import_id"] == job.pk  # type: ignore[union-attr]


def test_the_job_enters_the_firms_schema(owner, firm_a: Firm) -> None:
    # given an upload in firm A
    job = product_import_upload(actor=owner, name="p.csv", content=_csv("SKU,name", "J-1,任务"))
    # when the task runs from outside any firm's schema
    with schema_context("public"):
        jobs.import_products(schema_name=firm_a.schema_name, product_import_id=job.pk)
    # then the product is in firm A
    job.refresh_from_db()
    assert job.status == "done"
    assert Product.objects.filter(sku="J-1").exists()


def test_a_supplier_named_in_the_file_becomes_a_supplier(owner, make) -> None:
    customer = make.partner("只是客户", supplier=False)
    _import(owner, _csv("SKU,name,supplier", "SUP-1,x,只是客户"))
    customer.refresh_from_db()
    assert customer.is_supplier
    assert Product.objects.get(sku="SUP-1").supplier == customer
    assert Category.objects.count() == 0
    assert Partner.objects.count() == 1


# --- pages and API ---------------------------------------------------------------------------


def test_the_upload_page_starts_an_import_and_its_page_shows_the_errors(owner_a_client: Client, in_firm_a) -> None:
    upload = SimpleUploadedFile("p.csv", _csv("SKU,name,VAT rate", "PG-1,x,0.13", "PG-2,y,0.2"), "text/csv")
    response = owner_a_client.post("/supply-chain/products/import/", {"file": upload})
    job = ProductImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/supply-chain/products/import/{job.pk}/"
    running = owner_a_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in running
    product_import_run(product_import_id=job.pk)
    done = owner_a_client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done
    assert "VAT rate" in done
    report = owner_a_client.get(f"/supply-chain/products/import/{job.pk}/errors/")
    assert report["Content-Type"].startswith("text/csv")
    assert "PG-2" in report.content.decode("utf-8-sig")


def test_a_bad_upload_shows_the_error_next_to_the_file(owner_a_client: Client, in_firm_a) -> None:
    upload = SimpleUploadedFile("p.pdf", b"%PDF-1.4", "application/pdf")
    response = owner_a_client.post("/supply-chain/products/import/", {"file": upload})
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert not ProductImport.objects.exists()


def test_the_api_uploads_and_reports_progress(owner_a_client: Client, in_firm_a) -> None:
    upload = SimpleUploadedFile("p.csv", _csv("编码,名称", "API-IMP,接口"), "text/csv")
    response = owner_a_client.post("/api/v1/supply-chain/product-imports/", {"file": upload})
    assert response.status_code == 202
    assert response.json()["status"] == "queued"
    product_import_run(product_import_id=response.json()["id"])
    detail = owner_a_client.get(f"/api/v1/supply-chain/product-imports/{response.json()['id']}/").json()
    assert (detail["status"], detail["progress"], detail["created"], detail["error_list"]) == ("done", 100, 1, [])


def test_firm_b_reaches_none_of_firm_a_imports(owner_b_client: Client, owner, firm_a: Firm) -> None:
    job = product_import_upload(actor=owner, name="secret.csv", content=_csv("SKU,name", "SEC-1,x"))
    for url in (
        f"/supply-chain/products/import/{job.pk}/",
        f"/supply-chain/products/import/{job.pk}/errors/",
        f"/api/v1/supply-chain/product-imports/{job.pk}/",
        f"/api/v1/supply-chain/product-imports/{job.pk}/errors/",
    ):
        assert owner_b_client.get(url).status_code == 404, url
    with schema_context(firm_a.schema_name):
        assert ProductImport.objects.get(pk=job.pk).status == "queued"
