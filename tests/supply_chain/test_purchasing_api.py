"""The purchasing API: an order through receipt, bill and return; errors per line; status
rules; roles; and firm B's owner gets 404 for every firm A id."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.supply_chain.models import PurchaseOrder, Receipt, StockMove, SupplierBill, SupplyRole
from tenants.models import Firm
from tests.conftest import PASSWORD

from .conftest import D, Make

pytestmark = pytest.mark.django_db

API = "/api/v1/supply-chain/purchasing/"


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, body if body is not None else {}, content_type="application/json")


def _catalogue(firm: Firm) -> dict[str, int]:
    with schema_context(firm.schema_name):
        make = Make()
        supplier = make.partner("上海精工五金有限公司", customer=False)
        warehouse = make.warehouse()
        product = make.product("API-1", purchase_price=D("7.5"), vat_rate=D("0.13"))
        return {"supplier": supplier.pk, "warehouse": warehouse.pk, "product": product.pk}


def _order(client: Client, ids: dict[str, int], **fields: Any) -> Any:
    body = {
        "supplier": ids["supplier"],
        "warehouse": ids["warehouse"],
        "ordered_on": "2026-11-01",
        "lines": [{"product": ids["product"], "quantity": "10"}],
        **fields,
    }
    return _post(client, f"{API}orders/", body)


def _person(firm: Firm, email: str, role: str | None) -> Client:
    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], language="en")
        if role:
            SupplyRole.objects.create(user=user, role=role)
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def test_an_order_goes_through_receipt_bill_and_return(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _catalogue(firm_a)
    # a draft with the product's defaults: 10 x 7.50 = 75.00, VAT 9.75
    created = _order(owner_a_client, ids)
    assert created.status_code == 201, created.content
    order = created.json()
    assert (order["status"], order["untaxed"], order["tax"], order["total"]) == ("draft", "75.00", "9.75", "84.75")
    line = order["lines"][0]
    assert (line["unit"], line["unit_price"], line["vat_rate"]) == ("个", "7.5000", "0.13")
    url = f"{API}orders/{order['id']}/"
    patched = owner_a_client.patch(url, {"note": "加急"}, content_type="application/json")
    assert patched.json()["note"] == "加急"
    assert _post(owner_a_client, f"{url}confirm/").json()["status"] == "confirmed"

    # a partial receipt of 4
    receipt = _post(
        owner_a_client,
        f"{url}receipts/",
        {"received_on": "2026-11-02", "lines": [{"order_line": line["id"], "quantity": "4"}]},
    )
    assert receipt.status_code == 201, receipt.content
    body = receipt.json()
    assert (body["value"], body["lines"][0]["base_quantity"], body["lines"][0]["unit_cost"]) == (
        "30.00",
        "4.0000",
        "7.500000",
    )
    assert body["voucher_id"]
    assert owner_a_client.get(f"{API}receipts/{body['id']}/").json()["number"] == body["number"]
    assert owner_a_client.get(url).json()["status"] == "partial"

    # a bill of 5 at 7.50: more than received, so a quantity mismatch
    bill = _post(
        owner_a_client,
        f"{url}bills/",
        {
            "billed_on": "2026-11-03",
            "supplier_reference": "No.12345678",
            "lines": [{"order_line": line["id"], "quantity": "5", "unit_price": "7.5"}],
        },
    )
    assert bill.status_code == 201, bill.content
    assert bill.json()["match"] == "mismatch"
    assert [m["code"] for m in bill.json()["mismatches"]] == ["quantity"]
    assert bill.json()["finance_invoice_id"]
    assert owner_a_client.get(f"{API}bills/{bill.json()['id']}/").json()["total"] == "42.38"

    # one goes back at the receipt cost
    returned = _post(
        owner_a_client,
        f"{url}returns/",
        {
            "returned_on": "2026-11-04",
            "reason": "破损",
            "lines": [{"receipt_line": body["lines"][0]["id"], "quantity": "1"}],
        },
    )
    assert returned.status_code == 201, returned.content
    assert returned.json()["value"] == "7.50"
    assert owner_a_client.get(f"{API}returns/{returned.json()['id']}/").json()["reason"] == "破损"
    detail = owner_a_client.get(url).json()
    assert (detail["lines"][0]["received_quantity"], detail["lines"][0]["returned_quantity"]) == ("4.0000", "1.0000")
    assert [len(detail[key]) for key in ("receipts", "bills", "returns")] == [1, 1, 1]


def test_line_errors_name_the_line_and_nothing_is_saved(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _catalogue(firm_a)
    response = _order(
        owner_a_client,
        ids,
        lines=[{"product": ids["product"], "quantity": "1"}, {"product": ids["product"], "quantity": "abc"}],
    )
    assert response.status_code == 400
    assert "lines.2.quantity" in response.json()["fields"]
    response = _order(owner_a_client, ids, lines=[{"product": ids["product"], "quantity": "1", "unit": "吨"}])
    assert response.status_code == 400
    assert "lines.1.unit" in response.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert not PurchaseOrder.objects.exists()


def test_over_receipt_is_refused_with_nothing_written(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _catalogue(firm_a)
    order = _order(owner_a_client, ids).json()
    _post(owner_a_client, f"{API}orders/{order['id']}/confirm/")
    response = _post(
        owner_a_client,
        f"{API}orders/{order['id']}/receipts/",
        {"received_on": "2026-11-02", "lines": [{"order_line": order["lines"][0]["id"], "quantity": "10.5"}]},
    )
    assert response.status_code == 400
    assert "lines.1.quantity" in response.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert not Receipt.objects.exists()
        assert not StockMove.objects.exists()


def test_a_confirmed_order_cannot_be_changed_and_a_draft_cannot_be_received(
    owner_a_client: Client, firm_a: Firm
) -> None:
    ids = _catalogue(firm_a)
    order = _order(owner_a_client, ids).json()
    url = f"{API}orders/{order['id']}/"
    refused = _post(
        owner_a_client,
        f"{url}receipts/",
        {"received_on": "2026-11-02", "lines": [{"order_line": order["lines"][0]["id"], "quantity": "1"}]},
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "purchase_order_status")
    _post(owner_a_client, f"{url}confirm/")
    patched = owner_a_client.patch(url, {"note": "x"}, content_type="application/json")
    assert (patched.status_code, patched.json()["code"]) == (409, "purchase_order_not_draft")
    assert _post(owner_a_client, f"{url}cancel/").json()["status"] == "cancelled"


def test_a_viewer_reads_but_cannot_order_and_a_keeper_receives(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _catalogue(firm_a)
    order = _order(owner_a_client, ids).json()
    _post(owner_a_client, f"{API}orders/{order['id']}/confirm/")
    viewer = _person(firm_a, "viewer@alpha.example", "viewer")
    assert viewer.get(f"{API}orders/").json()["count"] == 1
    refused = _order(viewer, ids)
    assert refused.status_code == 403
    keeper = _person(firm_a, "keeper@alpha.example", "warehouse")
    receipt = {"received_on": "2026-11-02", "lines": [{"order_line": order["lines"][0]["id"], "quantity": "1"}]}
    assert _post(viewer, f"{API}orders/{order['id']}/receipts/", receipt).status_code == 403
    assert _post(keeper, f"{API}orders/{order['id']}/receipts/", receipt).status_code == 201
    bill = {
        "billed_on": "2026-11-03",
        "lines": [{"order_line": order["lines"][0]["id"], "quantity": "1", "unit_price": "7.5"}],
    }
    assert _post(keeper, f"{API}orders/{order['id']}/bills/", bill).status_code == 403
    with schema_context(firm_a.schema_name):
        assert PurchaseOrder.objects.count() == 1
        assert not SupplierBill.objects.exists()
    nobody = _person(firm_a, "nobody@alpha.example", None)
    assert nobody.get(f"{API}orders/").status_code == 403


def test_firm_b_gets_404_for_every_firm_a_purchasing_id(owner_b_client: Client, firm_a: Firm) -> None:
    from tests.isolation.sc_purchasing_data import data

    ids = data(firm_a)
    order = f"{API}orders/{ids['purchase_order_id']}/"
    for url in (
        order,
        f"{API}receipts/{ids['receipt_id']}/",
        f"{API}bills/{ids['bill_id']}/",
        f"{API}returns/{ids['purchase_return_id']}/",
    ):
        assert owner_b_client.get(url).status_code == 404, url
    assert owner_b_client.patch(order, {"note": "x"}, content_type="application/json").status_code == 404
    for action in ("confirm", "cancel", "close"):
        assert _post(owner_b_client, f"{order}{action}/").status_code == 404
    receipt = {"received_on": "2026-11-02", "lines": [{"order_line": 1, "quantity": "1"}]}
    assert _post(owner_b_client, f"{order}receipts/", receipt).status_code == 404
    listing = owner_b_client.get(f"{API}orders/").json()
    assert listing["count"] == 0
    assert "ALPHA-SECRET" not in owner_b_client.get(f"{API}replenishment/").content.decode()
    with schema_context(firm_a.schema_name):
        assert PurchaseOrder.objects.get(pk=ids["purchase_order_id"]).note == "ALPHA-SECRET"
