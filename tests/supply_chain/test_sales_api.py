"""Sales through the API and the pages: the whole flow, line errors named per line, drafts only
change, roles, and two-firm leaks (firm B's owner asking for firm A's ids gets 404)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.supply_chain import sales
from apps.supply_chain.models import Delivery, SalesOrder, StockLevel, SupplyRole
from tenants.models import Firm
from tests.conftest import PASSWORD
from tests.isolation.sc_sales_data import data as sales_data

from .conftest import D, Make, receive

pytestmark = pytest.mark.django_db

API = "/api/v1/supply-chain/sales"
PAGES = "/supply-chain/sales"
DAY = date(2026, 11, 2)


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def _stock(firm: Firm, on_hand: int = 10) -> dict[str, Any]:
    with schema_context(firm.schema_name):
        owner = User.objects.get(role=User.Role.OWNER)
        make = Make()
        warehouse, product = make.warehouse(), make.product(sale_price=D("25"))
        customer = make.partner("API 客户", supplier=False)
        receive(owner, product, warehouse, on_hand, "10", DAY)
        return {"warehouse": warehouse.pk, "product": product.pk, "customer": customer.pk}


def _member(firm: Firm, email: str, role: str) -> Client:
    with schema_context(firm.schema_name):
        user = User.objects.create_user(email, PASSWORD, full_name=email.split("@")[0], language="en")
        SupplyRole.objects.create(user=user, role=role)
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def test_the_whole_flow_through_the_api(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _stock(firm_a)
    # an order of 6, confirmed: 6 reserved
    created = _post(
        owner_a_client,
        f"{API}/orders/",
        {
            "customer": ids["customer"],
            "warehouse": ids["warehouse"],
            "ordered_on": "2026-11-02",
            "lines": [{"product": ids["product"], "quantity": "6"}],
        },
    )
    assert created.status_code == 201, created.json()
    order = created.json()
    assert (order["status"], order["total"]) == ("draft", "169.50")
    assert order["availability"][0]["available"] == "10.0000"
    confirmed = _post(owner_a_client, f"{API}/orders/{order['id']}/confirm/")
    assert confirmed.json()["lines"][0]["reserved_quantity"] == "6.0000"
    line_id = order["lines"][0]["id"]
    # deliver 4: a backorder of 2 stays
    delivered = _post(
        owner_a_client,
        f"{API}/orders/{order['id']}/deliveries/",
        {"day": "2026-11-03", "lines": [{"order_line": line_id, "quantity": "4"}]},
    )
    assert delivered.status_code == 201, delivered.json()
    assert delivered.json()["cost"] == "40.00"
    after = owner_a_client.get(f"{API}/orders/{order['id']}/").json()
    assert after["status"] == "partial"
    assert after["availability"][0]["left"] == "2.0000"
    assert owner_a_client.get(f"{API}/deliveries/{delivered.json()['id']}/").status_code == 200
    # invoice what went, then take one back
    invoiced = _post(owner_a_client, f"{API}/orders/{order['id']}/invoices/", {"day": "2026-11-03"})
    assert invoiced.status_code == 201, invoiced.json()
    assert invoiced.json()["total"] == "113.00"
    assert invoiced.json()["finance_invoice_id"]
    assert owner_a_client.get(f"{API}/invoices/{invoiced.json()['id']}/").status_code == 200
    delivery_line = delivered.json()["lines"][0]["id"]
    returned = _post(
        owner_a_client,
        f"{API}/orders/{order['id']}/returns/",
        {"day": "2026-11-04", "reason": "破损", "lines": [{"delivery_line": delivery_line, "quantity": "1"}]},
    )
    assert returned.status_code == 201, returned.json()
    assert returned.json()["value"] == "10.00"
    assert owner_a_client.get(f"{API}/returns/{returned.json()['id']}/").json()["reason"] == "破损"
    listed = owner_a_client.get(f"{API}/orders/?status=partial").json()
    assert [row["number"] for row in listed["results"]] == [order["number"]]


def test_line_errors_name_the_line_and_field(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _stock(firm_a)
    response = _post(
        owner_a_client,
        f"{API}/orders/",
        {
            "customer": ids["customer"],
            "warehouse": ids["warehouse"],
            "lines": [{"product": ids["product"], "quantity": "1"}, {"product": ids["product"], "quantity": "abc"}],
        },
    )
    assert response.status_code == 400
    assert "lines.2.quantity" in response.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert not SalesOrder.objects.exists()


def test_delivering_more_than_is_left_answers_400_and_writes_nothing(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _stock(firm_a)
    order = _post(
        owner_a_client,
        f"{API}/orders/",
        {
            "customer": ids["customer"],
            "warehouse": ids["warehouse"],
            "lines": [{"product": ids["product"], "quantity": "2"}],
        },
    ).json()
    _post(owner_a_client, f"{API}/orders/{order['id']}/confirm/")
    response = _post(
        owner_a_client,
        f"{API}/orders/{order['id']}/deliveries/",
        {"day": "2026-11-03", "lines": [{"order_line": order["lines"][0]["id"], "quantity": "3"}]},
    )
    assert response.status_code == 400
    assert "lines.1.quantity" in response.json()["fields"]
    with schema_context(firm_a.schema_name):
        assert not Delivery.objects.exists()
        assert StockLevel.objects.get(product_id=ids["product"]).quantity == D(10)


def test_only_a_draft_is_patched(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _stock(firm_a)
    order = _post(
        owner_a_client,
        f"{API}/orders/",
        {
            "customer": ids["customer"],
            "warehouse": ids["warehouse"],
            "lines": [{"product": ids["product"], "quantity": "2"}],
        },
    ).json()
    patched = owner_a_client.patch(
        f"{API}/orders/{order['id']}/", {"note": "加急", "promised_on": "2026-12-01"}, content_type="application/json"
    )
    assert patched.status_code == 200
    assert (patched.json()["note"], patched.json()["promised_on"]) == ("加急", "2026-12-01")
    _post(owner_a_client, f"{API}/orders/{order['id']}/confirm/")
    refused = owner_a_client.patch(f"{API}/orders/{order['id']}/", {"note": "x"}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "sales_order_not_draft"
    assert owner_a_client.get(f"{API}/orders/{order['id']}/").json()["note"] == "加急"


def test_an_unknown_deal_is_404(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _stock(firm_a)
    response = _post(
        owner_a_client, f"{API}/orders/from-deal/", {"opportunity_id": 999999, "warehouse": ids["warehouse"]}
    )
    assert response.status_code == 404


def test_a_viewer_reads_but_cannot_order(firm_a: Firm, owner_a_client: Client) -> None:
    ids = _stock(firm_a)
    viewer = _member(firm_a, "viewer.sales@alpha.example", "viewer")
    assert viewer.get(f"{API}/orders/").status_code == 200
    refused = _post(
        viewer,
        f"{API}/orders/",
        {
            "customer": ids["customer"],
            "warehouse": ids["warehouse"],
            "lines": [{"product": ids["product"], "quantity": "1"}],
        },
    )
    assert refused.status_code == 403
    assert viewer.get(f"{PAGES}/new/").status_code == 403
    with schema_context(firm_a.schema_name):
        assert not SalesOrder.objects.exists()


def test_firm_b_sees_none_of_firm_a_sales(firm_a: Firm, owner_b_client: Client) -> None:
    ids = sales_data(firm_a)
    urls = [
        f"{API}/orders/{ids['sales_order_id']}/",
        f"{API}/deliveries/{ids['delivery_id']}/",
        f"{API}/invoices/{ids['customer_invoice_id']}/",
        f"{API}/returns/{ids['sales_return_id']}/",
        f"{PAGES}/orders/{ids['sales_order_id']}/",
        f"{PAGES}/orders/{ids['sales_order_id']}/deliver/",
        f"{PAGES}/orders/{ids['sales_order_id']}/invoice/",
        f"{PAGES}/orders/{ids['sales_order_id']}/return/",
        f"{PAGES}/orders/{ids['sales_order_id']}/edit/",
        f"{PAGES}/deliveries/{ids['delivery_id']}/",
        f"{PAGES}/invoices/{ids['customer_invoice_id']}/",
        f"{PAGES}/returns/{ids['sales_return_id']}/",
    ]
    for url in urls:
        assert owner_b_client.get(url).status_code == 404, url
    for url in (
        f"{API}/orders/{ids['sales_order_id']}/close/",
        f"{API}/orders/{ids['sales_order_id']}/deliveries/",
        f"{PAGES}/orders/{ids['sales_order_id']}/close/",
    ):
        assert owner_b_client.post(url, {}, content_type="application/json").status_code in (400, 404), url
    assert "ALPHA-SECRET" not in owner_b_client.get(f"{API}/orders/").content.decode()
    assert "ALPHA-SECRET" not in owner_b_client.get(f"{PAGES}/?q=ALPHA").content.decode()
    with schema_context(firm_a.schema_name):
        assert SalesOrder.objects.get(pk=ids["sales_order_id"]).status == "partial"


# --- pages -----------------------------------------------------------------------------------


def test_the_pages_take_an_order_from_new_to_invoiced(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _stock(firm_a)
    form = {
        "customer": ids["customer"],
        "warehouse": ids["warehouse"],
        "ordered_on": "2026-11-02",
        "line-0-product": ids["product"],
        "line-0-quantity": "5",
        "line-1-product": "",
    }
    created = owner_a_client.post(f"{PAGES}/new/", form)
    assert created.status_code == 302
    order_id = int(created["Location"].rstrip("/").rsplit("/", 1)[1])
    detail = owner_a_client.get(f"{PAGES}/orders/{order_id}/")
    assert detail.status_code == 200
    assert "Available to promise" in detail.content.decode()
    assert owner_a_client.get(f"{PAGES}/orders/{order_id}/confirm/").status_code == 200  # asks first
    assert owner_a_client.post(f"{PAGES}/orders/{order_id}/confirm/").status_code == 302
    with schema_context(firm_a.schema_name):
        line = SalesOrder.objects.get(pk=order_id).lines.get()
        assert line.reserved_quantity == D(5)
    page = owner_a_client.get(f"{PAGES}/orders/{order_id}/deliver/")
    assert f'name="quantity-{line.pk}" value="5"' in page.content.decode()  # prefilled with what is left
    too_many = owner_a_client.post(
        f"{PAGES}/orders/{order_id}/deliver/", {"day": "2026-11-03", f"quantity-{line.pk}": "9"}
    )
    assert too_many.status_code == 400
    assert "left to deliver" in too_many.content.decode()
    delivered = owner_a_client.post(
        f"{PAGES}/orders/{order_id}/deliver/", {"day": "2026-11-03", f"quantity-{line.pk}": "2"}
    )
    assert delivered.status_code == 302
    assert owner_a_client.get(delivered["Location"]).status_code == 200
    invoiced = owner_a_client.post(f"{PAGES}/orders/{order_id}/invoice/", {"day": "2026-11-03"})
    assert invoiced.status_code == 302
    invoice_page = owner_a_client.get(invoiced["Location"]).content.decode()
    assert "/finance/invoices/" in invoice_page
    listed = owner_a_client.get(f"{PAGES}/?status=partial").content.decode()
    with schema_context(firm_a.schema_name):
        assert SalesOrder.objects.get(pk=order_id).number in listed


def test_a_bad_line_on_the_page_is_shown_next_to_it(owner_a_client: Client, firm_a: Firm) -> None:
    ids = _stock(firm_a)
    response = owner_a_client.post(
        f"{PAGES}/new/",
        {
            "customer": ids["customer"],
            "warehouse": ids["warehouse"],
            "line-0-product": ids["product"],
            "line-0-quantity": "-1",
        },
    )
    assert response.status_code == 400
    assert "the quantity must be more than zero" in response.content.decode()
    with schema_context(firm_a.schema_name):
        assert not SalesOrder.objects.exists()


def test_the_from_deal_page_lists_won_deals(owner_a_client: Client, firm_a: Firm) -> None:
    assert owner_a_client.get(f"{PAGES}/from-deal/").status_code == 200
    response = owner_a_client.post(f"{PAGES}/from-deal/", {"opportunity": "999999", "warehouse": ""})
    assert response.status_code == 404
    with schema_context(firm_a.schema_name):
        assert sales.won_deal_choices(actor=User.objects.get(role=User.Role.OWNER)) == []
