"""Stock through the API and the pages: transfers, a stocktake from start to posting, levels,
moves and reports, roles, and firm B never reaching firm A's documents."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tenants.utils import schema_context

from apps.supply_chain.models import StockLevel, StockMove, Stocktake, Transfer

from .conftest import D, default_location, receive

pytestmark = pytest.mark.django_db

API = "/api/v1/supply-chain"
MEMBER_PASSWORD = "Member-Pass-2026"  # what member_factory gives
DAY1, DAY2 = date(2026, 11, 1), date(2026, 11, 2)


def _post(client: Client, url: str, body: Any = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def _client_for(firm, email: str) -> Client:
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": email, "password": MEMBER_PASSWORD}).status_code == 302
    return client


@pytest.fixture
def stocked(owner, make, in_firm_a) -> dict[str, Any]:
    main, branch = make.warehouse(), make.warehouse()
    product = make.product("API-1", name="接口产品")
    receive(owner, product, main, 10, "5", DAY1)
    return {
        "main": main,
        "branch": branch,
        "product": product,
        "from": default_location(main).pk,
        "to": default_location(branch).pk,
    }


def test_a_transfer_is_created_listed_and_read(owner_a_client, stocked) -> None:
    created = _post(
        owner_a_client,
        f"{API}/stock/transfers/",
        {
            "from_location": stocked["from"],
            "to_location": stocked["to"],
            "day": "2026-11-02",
            "lines": [{"product": stocked["product"].pk, "quantity": "3"}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["lines"][0]["quantity"] == "3.0000"
    listed = owner_a_client.get(f"{API}/stock/transfers/?q=API-1").json()
    assert [t["id"] for t in listed["results"]] == [body["id"]]
    assert owner_a_client.get(f"{API}/stock/transfers/{body['id']}/").json()["number"] == body["number"]
    levels = owner_a_client.get(f"{API}/stock/levels/?warehouse={stocked['branch'].pk}").json()["results"]
    assert [(row["sku"], row["quantity"], row["value"]) for row in levels] == [("API-1", "3.0000", "15.00")]


def test_a_short_transfer_answers_409_and_writes_nothing(owner_a_client, stocked) -> None:
    response = _post(
        owner_a_client,
        f"{API}/stock/transfers/",
        {
            "from_location": stocked["from"],
            "to_location": stocked["to"],
            "day": "2026-11-02",
            "lines": [{"product": stocked["product"].pk, "quantity": "11"}],
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert Transfer.objects.count() == 0
    assert StockMove.objects.filter(kind="xfer_out").count() == 0


def test_a_stocktake_is_started_counted_and_posted(owner_a_client, stocked) -> None:
    started = _post(owner_a_client, f"{API}/stock/stocktakes/", {"warehouse": stocked["main"].pk, "day": "2026-11-02"})
    assert started.status_code == 201, started.content
    stocktake = started.json()
    line = stocktake["lines"][0]
    bad = owner_a_client.patch(
        f"{API}/stock/stocktakes/{stocktake['id']}/counts/",
        {"counts": [{"line": line["id"], "counted": "-2"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    counted = owner_a_client.patch(
        f"{API}/stock/stocktakes/{stocktake['id']}/counts/",
        {"counts": [{"line": line["id"], "counted": "8"}]},
        content_type="application/json",
    )
    assert counted.json()["lines"][0]["difference"] == "-2.0000"
    posted = _post(owner_a_client, f"{API}/stock/stocktakes/{stocktake['id']}/post/")
    assert posted.status_code == 200
    assert (posted.json()["status"], posted.json()["value_change"]) == ("posted", "-10.00")
    again = _post(owner_a_client, f"{API}/stock/stocktakes/{stocktake['id']}/post/")
    assert again.json()["voucher_id"] == posted.json()["voucher_id"]
    cancelled = _post(owner_a_client, f"{API}/stock/stocktakes/{stocktake['id']}/cancel/")
    assert cancelled.status_code == 409
    assert StockLevel.objects.get(product=stocked["product"], warehouse=stocked["main"]).quantity == D(8)


def test_a_found_line_is_added_through_the_api(owner_a_client, stocked, make) -> None:
    extra = make.product("FOUND-1")
    started = _post(owner_a_client, f"{API}/stock/stocktakes/", {"warehouse": stocked["main"].pk, "day": "2026-11-02"})
    added = _post(
        owner_a_client, f"{API}/stock/stocktakes/{started.json()['id']}/lines/", {"product": extra.pk, "counted": "2"}
    )
    assert added.status_code == 201
    assert (added.json()["expected"], added.json()["counted"]) == ("0.0000", "2.0000")


def test_reports_answer_through_the_api(owner_a_client, stocked) -> None:
    on_hand = owner_a_client.get(f"{API}/reports/on-hand/").json()
    assert on_hand["total_value"] == "50.00"
    turnover = owner_a_client.get(f"{API}/reports/turnover/?date_from=2026-11-01&date_to=2026-11-30").json()
    assert turnover["rows"][0]["closing"] == "50.00"
    assert owner_a_client.get(f"{API}/reports/purchases/?group_by=partner").status_code == 200
    assert owner_a_client.get(f"{API}/reports/sales/?group_by=colour").status_code == 400
    moves = owner_a_client.get(f"{API}/stock/moves/?kind=receipt").json()
    assert moves["count"] == 1


def test_a_viewer_reads_but_cannot_move_stock(firm_a, stocked, member_factory) -> None:
    member_factory("viewer-api@alpha.example", "viewer")
    viewer = _client_for(firm_a, "viewer-api@alpha.example")
    assert viewer.get(f"{API}/stock/levels/").status_code == 200
    refused = _post(
        viewer,
        f"{API}/stock/transfers/",
        {
            "from_location": stocked["from"],
            "to_location": stocked["to"],
            "day": "2026-11-02",
            "lines": [{"product": stocked["product"].pk, "quantity": "1"}],
        },
    )
    started = _post(viewer, f"{API}/stock/stocktakes/", {"warehouse": stocked["main"].pk, "day": "2026-11-02"})
    assert (refused.status_code, started.status_code) == (403, 403)
    with schema_context(firm_a.schema_name):
        assert (Transfer.objects.count(), Stocktake.objects.count()) == (0, 0)
    assert viewer.get(reverse("supply_chain:transfer_new")).status_code == 403


def test_someone_without_a_role_sees_no_stock(firm_a, stocked, member_factory) -> None:
    member_factory("nobody@alpha.example")
    nobody = _client_for(firm_a, "nobody@alpha.example")
    assert nobody.get(f"{API}/stock/levels/").status_code == 403
    assert nobody.get(reverse("supply_chain:stock")).status_code == 403


def test_firm_b_cannot_reach_firm_a_transfers_or_stocktakes(owner, make, in_firm_a, owner_b_client) -> None:
    with schema_context(in_firm_a.schema_name):
        main, branch = make.warehouse(), make.warehouse()
        product = make.product()
        receive(owner, product, main, 5, "1", DAY1)
        from apps.supply_chain import stock

        transfer = stock.transfer_create(
            actor=owner,
            from_location=default_location(main),
            to_location=default_location(branch),
            day=DAY2,
            lines=[(product.pk, "1", "")],
        )
        stocktake = stock.stocktake_start(actor=owner, warehouse=main, day=DAY2)
        line_id = stocktake.lines.get().pk
    assert owner_b_client.get(f"{API}/stock/transfers/{transfer.pk}/").status_code == 404
    assert owner_b_client.get(f"{API}/stock/stocktakes/{stocktake.pk}/").status_code == 404
    for action in ("post", "cancel", "lines"):
        assert _post(owner_b_client, f"{API}/stock/stocktakes/{stocktake.pk}/{action}/").status_code == 404
    patched = owner_b_client.patch(
        f"{API}/stock/stocktakes/{stocktake.pk}/counts/",
        {"counts": [{"line": line_id, "counted": "0"}]},
        content_type="application/json",
    )
    assert patched.status_code == 404
    assert owner_b_client.get(f"{API}/stock/levels/").json()["count"] == 0
    with schema_context(in_firm_a.schema_name):
        assert Stocktake.objects.get(pk=stocktake.pk).status == "counting"


# --- pages that write ------------------------------------------------------------------------


def test_the_transfer_page_records_a_transfer_by_sku(owner_a_client, stocked) -> None:
    response = owner_a_client.post(
        reverse("supply_chain:transfer_new"),
        {
            "from_location": stocked["from"],
            "to_location": stocked["to"],
            "day": "2026-11-02",
            "line-0-sku": "API-1",
            "line-0-quantity": "2",
            "line-1-sku": "",
        },
    )
    assert response.status_code == 302
    assert StockLevel.objects.get(product=stocked["product"], warehouse=stocked["branch"]).quantity == D(2)


def test_the_transfer_page_shows_errors_next_to_the_lines(owner_a_client, stocked) -> None:
    response = owner_a_client.post(
        reverse("supply_chain:transfer_new"),
        {
            "from_location": stocked["from"],
            "to_location": stocked["from"],
            "day": "2026-11-02",
            "line-0-sku": "NOPE",
            "line-0-quantity": "x",
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "Choose a product from the catalogue." in text
    assert "Enter a number." in text
    assert "Choose a location other than the one the stock leaves." in text
    assert Transfer.objects.count() == 0


def test_the_stocktake_pages_count_confirm_and_post(owner_a_client, stocked) -> None:
    started = owner_a_client.post(
        reverse("supply_chain:stocktake_new"), {"warehouse": stocked["main"].pk, "day": "2026-11-02"}
    )
    assert started.status_code == 302
    stocktake = Stocktake.objects.get()
    line = stocktake.lines.get()
    detail = reverse("supply_chain:stocktake_detail", args=[stocktake.pk])
    assert owner_a_client.post(detail, {f"count-{line.pk}": "-1"}).status_code == 400
    assert owner_a_client.post(detail, {f"count-{line.pk}": "12"}).status_code == 302
    confirm = owner_a_client.get(reverse("supply_chain:stocktake_post", args=[stocktake.pk]))
    assert "Yes, post the differences" in confirm.content.decode()
    owner_a_client.post(reverse("supply_chain:stocktake_post", args=[stocktake.pk]))
    stocktake.refresh_from_db()
    assert (stocktake.status, stocktake.value_change) == ("posted", D("10.00"))
    page = owner_a_client.get(detail).content.decode()
    assert "10.00" in page
