"""The catalogue API: products, categories, partners, warehouses and locations, price lists,
settings; rules and rights as in the services, errors as JSON, and firm B never reaching firm A."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.supply_chain.models import (
    Category,
    Location,
    Partner,
    PriceList,
    PriceListItem,
    Product,
    SupplyChainSettings,
    SupplyRole,
    Warehouse,
)
from tenants.models import Firm

from .conftest import D, receive

pytestmark = pytest.mark.django_db

API = "/api/v1/supply-chain"
PASSWORD = "Member-Pass-2026"
CODE = "91510100MA61R0XA33"


def _post(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, content_type="application/json")


def _patch(client: Client, url: str, data: dict[str, Any]) -> Any:
    return client.patch(url, data, content_type="application/json")


def _member(firm: Firm, email: str, role: str) -> Client:
    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], language="en")
        SupplyRole.objects.create(user=user, role=role)
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def test_a_product_is_created_listed_and_found_by_search(owner_a_client: Client, in_firm_a: Firm) -> None:
    # when the owner creates two products
    created = _post(owner_a_client, f"{API}/products/", {"sku": " API-1 ", "name": "接口产品", "vat_rate": "0.09"})
    _post(owner_a_client, f"{API}/products/", {"sku": "API-2", "name": "另一个"})
    # then the first is saved trimmed and the search finds it alone
    assert created.status_code == 201
    assert created.json()["sku"] == "API-1"
    assert created.json()["vat_rate"] == "0.09"
    listed = owner_a_client.get(f"{API}/products/?q=接口").json()
    assert [row["sku"] for row in listed["results"]] == ["API-1"]


def test_a_bad_vat_rate_comes_back_as_a_field_error(owner_a_client: Client, in_firm_a: Firm) -> None:
    response = _post(owner_a_client, f"{API}/products/", {"sku": "API-3", "name": "x", "vat_rate": "0.05"})
    assert response.status_code == 400
    assert "vat_rate" in response.json()["fields"]
    assert not Product.objects.filter(sku="API-3").exists()


def test_products_are_filtered_by_category(owner_a_client: Client, make) -> None:
    tools = Category.objects.create(name="工具")
    hammer = make.product(category=tools)
    make.product()
    listed = owner_a_client.get(f"{API}/products/?category={tools.pk}").json()
    assert [row["id"] for row in listed["results"]] == [hammer.pk]


def test_a_product_is_patched_and_deactivated(owner_a_client: Client, make) -> None:
    product = make.product()
    response = _patch(owner_a_client, f"{API}/products/{product.pk}/", {"sale_price": "8.8", "is_active": False})
    assert response.status_code == 200
    product.refresh_from_db()
    assert (product.sale_price, product.is_active) == (D("8.8"), False)


def test_the_cost_method_cannot_be_patched_after_moves(owner_a_client: Client, owner, make) -> None:
    product, warehouse = make.product(), make.warehouse()
    receive(owner, product, warehouse, 1, "1", date(2026, 11, 1))
    response = _patch(owner_a_client, f"{API}/products/{product.pk}/", {"cost_method": "fifo"})
    assert response.status_code == 409
    assert response.json()["code"] == "product_has_moves"
    product.refresh_from_db()
    assert product.cost_method == "average"


def test_a_unit_is_added_to_a_product(owner_a_client: Client, make) -> None:
    product = make.product()
    response = _post(owner_a_client, f"{API}/products/{product.pk}/units/", {"unit": "箱", "factor": "24"})
    assert response.status_code == 201
    detail = owner_a_client.get(f"{API}/products/{product.pk}/").json()
    assert detail["conversions"] == [{"id": response.json()["id"], "unit": "箱", "factor": "24.000000"}]


def test_categories_are_created_and_renamed(owner_a_client: Client, in_firm_a: Firm) -> None:
    created = _post(owner_a_client, f"{API}/categories/", {"name": "原料"}).json()
    renamed = _patch(owner_a_client, f"{API}/categories/{created['id']}/", {"name": "原材料"})
    assert renamed.status_code == 200
    assert Category.objects.get(pk=created["id"]).name == "原材料"


def test_a_partner_with_a_bad_credit_code_is_refused(owner_a_client: Client, in_firm_a: Firm) -> None:
    data = {"name": "坏", "is_supplier": True, "tax_id": "123"}
    response = _post(owner_a_client, f"{API}/partners/", data)
    assert response.status_code == 400
    assert "tax_id" in response.json()["fields"]
    assert not Partner.objects.filter(name="坏").exists()


def test_a_partner_is_created_filtered_and_patched(owner_a_client: Client, in_firm_a: Firm) -> None:
    data = {"name": "供应商甲", "is_supplier": True, "tax_id": CODE}
    partner = _post(owner_a_client, f"{API}/partners/", data).json()
    _post(owner_a_client, f"{API}/partners/", {"name": "客户乙", "is_customer": True})
    suppliers = owner_a_client.get(f"{API}/partners/?kind=supplier").json()["results"]
    assert [row["name"] for row in suppliers] == ["供应商甲"]
    response = _patch(owner_a_client, f"{API}/partners/{partner['id']}/", {"is_customer": True, "payment_days": 60})
    assert (response.json()["is_customer"], response.json()["payment_days"]) == (True, 60)


def test_a_warehouse_is_created_with_its_stock_location_and_given_another(
    owner_a_client: Client, in_firm_a: Firm
) -> None:
    warehouse = _post(owner_a_client, f"{API}/warehouses/", {"code": "API-WH", "name": "接口仓"}).json()
    assert [location["code"] for location in warehouse["locations"]] == ["STOCK"]
    added = _post(owner_a_client, f"{API}/warehouses/{warehouse['id']}/locations/", {"code": "B-2"})
    assert added.status_code == 201
    detail = owner_a_client.get(f"{API}/warehouses/{warehouse['id']}/").json()
    assert sorted(location["code"] for location in detail["locations"]) == ["B-2", "STOCK"]
    renamed = _patch(owner_a_client, f"{API}/locations/{added.json()['id']}/", {"name": "二号架"})
    assert renamed.json()["name"] == "二号架"


def test_a_price_list_gets_prices(owner_a_client: Client, make) -> None:
    product = make.product()
    price_list = _post(owner_a_client, f"{API}/price-lists/", {"name": "经销商价"}).json()
    url = f"{API}/price-lists/{price_list['id']}/items/"
    assert _post(owner_a_client, url, {"product": product.pk, "min_quantity": "10", "price": "4.5"}).status_code == 201
    detail = owner_a_client.get(f"{API}/price-lists/{price_list['id']}/").json()
    assert [(item["sku"], item["min_quantity"], item["price"]) for item in detail["items"]] == [
        (product.sku, "10.0000", "4.5000")
    ]
    assert owner_a_client.get(url).json()["count"] == 1


def test_the_owner_reads_and_changes_the_settings(owner_a_client: Client, in_firm_a: Firm) -> None:
    assert owner_a_client.get(f"{API}/settings/").status_code == 200
    response = _patch(owner_a_client, f"{API}/settings/", {"price_tolerance_percent": "2.5"})
    assert response.status_code == 200
    assert SupplyChainSettings.objects.get().price_tolerance_percent == D("2.5")


def test_a_purchaser_cannot_change_the_settings(firm_a: Firm) -> None:
    client = _member(firm_a, "buyer@alpha.example", "purchaser")
    response = _patch(client, f"{API}/settings/", {"allow_negative_stock": True})
    assert response.status_code == 403
    with schema_context(firm_a.schema_name):
        assert not SupplyChainSettings.objects.filter(allow_negative_stock=True).exists()


def test_a_viewer_reads_but_cannot_create(firm_a: Firm) -> None:
    client = _member(firm_a, "viewer@alpha.example", "viewer")
    assert client.get(f"{API}/products/").status_code == 200
    response = _post(client, f"{API}/products/", {"sku": "VIEWER-1", "name": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "supply_chain_permission_denied"
    assert _post(client, f"{API}/price-lists/", {"name": "viewer list"}).status_code == 403
    with schema_context(firm_a.schema_name):
        assert not Product.objects.filter(sku="VIEWER-1").exists()
        assert not PriceList.objects.filter(name="viewer list").exists()


def test_sales_create_price_lists_but_not_warehouses(firm_a: Firm) -> None:
    client = _member(firm_a, "seller@alpha.example", "sales")
    assert _post(client, f"{API}/price-lists/", {"name": "销售价"}).status_code == 201
    assert _post(client, f"{API}/warehouses/", {"code": "NO", "name": "no"}).status_code == 403
    with schema_context(firm_a.schema_name):
        assert not Warehouse.objects.filter(code="NO").exists()


def test_firm_b_reaches_none_of_firm_a_catalogue_records(owner_b_client: Client, firm_a: Firm) -> None:
    # given firm A's records
    with schema_context(firm_a.schema_name):
        product = Product.objects.create(sku="A-API", name="secret")
        warehouse = Warehouse.objects.create(code="A-API", name="secret")
        location = Location.objects.create(warehouse=warehouse, code="STOCK", is_default=True)
        partner = Partner.objects.create(name="A api partner", is_customer=True)
        category = Category.objects.create(name="A api category")
        price_list = PriceList.objects.create(name="A api list")
        PriceListItem.objects.create(price_list=price_list, product=product, price=D(1))
    # then firm B's owner gets 404 for each, reading or changing
    for url in (
        f"{API}/products/{product.pk}/",
        f"{API}/partners/{partner.pk}/",
        f"{API}/warehouses/{warehouse.pk}/",
        f"{API}/locations/{location.pk}/",
        f"{API}/categories/{category.pk}/",
        f"{API}/price-lists/{price_list.pk}/",
    ):
        assert owner_b_client.get(url).status_code == 404, url
        assert _patch(owner_b_client, url, {"name": "x", "code": "x"}).status_code == 404, url
    assert owner_b_client.get(f"{API}/price-lists/{price_list.pk}/items/").status_code == 404
    item = {"product": product.pk, "price": "9"}
    assert _post(owner_b_client, f"{API}/price-lists/{price_list.pk}/items/", item).status_code == 404
    assert _post(owner_b_client, f"{API}/products/{product.pk}/units/", {"unit": "x", "factor": "2"}).status_code == 404
    assert _post(owner_b_client, f"{API}/warehouses/{warehouse.pk}/locations/", {"code": "X"}).status_code == 404
    # and nothing of firm A changed
    with schema_context(firm_a.schema_name):
        assert Product.objects.get(pk=product.pk).name == "secret"
        assert PriceListItem.objects.get(price_list=price_list).price == D(1)
        assert Location.objects.filter(warehouse=warehouse).count() == 1
