"""The catalogue: products (SKU and barcode unique, Chinese VAT rates, cost method and tracking
fixed once stock moved, units), partners (credit code, CRM link), warehouses and locations,
price lists and ``price_for``, settings and roles; through the services and the pages, with
permission and two-firm leak tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from apps.audit.models import AuditEvent
from apps.crm.models import Account
from apps.supply_chain import catalogue
from apps.supply_chain.models import (
    Category,
    Location,
    Partner,
    PriceList,
    PriceListItem,
    Product,
    SupplyChainSettings,
    SupplyRole,
    UnitConversion,
    Warehouse,
)
from core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from tenants.models import Firm

from .conftest import D, receive

pytestmark = pytest.mark.django_db

CODE = "91510100MA61R0XA33"  # a valid 统一社会信用代码
DAY = date(2026, 11, 2)
PASSWORD = "Member-Pass-2026"


def _client(firm: Firm, user: Any) -> Client:
    client = Client(HTTP_HOST=firm.host)
    assert client.post("/accounts/login/", {"username": user.email, "password": PASSWORD}).status_code == 302
    return client


# --- products --------------------------------------------------------------------------------


def test_a_product_is_created_with_its_sku_trimmed_and_the_action_recorded(owner) -> None:
    # when the owner creates a product with spaces around the SKU
    product = catalogue.product_create(actor=owner, sku="  A-100 ", name="螺丝", vat_rate="0.09", sale_price="2.5")
    # then the SKU is trimmed, the values kept and the creation audited
    product.refresh_from_db()
    assert (product.sku, product.vat_rate, product.sale_price) == ("A-100", D("0.09"), D("2.5"))
    assert AuditEvent.objects.filter(action="supply_chain.product_created", object_id=str(product.pk)).exists()


def test_a_second_product_with_the_same_sku_is_refused_and_nothing_is_saved(owner, make) -> None:
    # given a product A-1
    make.product("A-1")
    before = Product.objects.count()
    # when another product is created with the same SKU
    with pytest.raises(ValidationFailed) as refused:
        catalogue.product_create(actor=owner, sku="A-1 ", name="x")
    # then it is refused on the SKU field and nothing is saved
    assert "sku" in refused.value.fields
    assert Product.objects.count() == before


def test_a_barcode_is_unique_when_given_but_many_products_may_have_none(owner, make) -> None:
    # given a product with a barcode and one without
    make.product(barcode="6901234567892")
    make.product()
    # when another product without a barcode is created, it is fine
    catalogue.product_create(actor=owner, sku="NB-2", name="no barcode")
    # but the same barcode again is refused
    with pytest.raises(ValidationFailed) as refused:
        catalogue.product_create(actor=owner, sku="NB-3", name="x", barcode="6901234567892")
    assert "barcode" in refused.value.fields
    assert not Product.objects.filter(sku="NB-3").exists()


@pytest.mark.parametrize("rate", ["0.05", "0.17", "abc"])
def test_a_vat_rate_outside_the_chinese_rates_is_refused(owner, rate: str) -> None:
    # when a product is created with a rate China does not have for goods
    with pytest.raises(ValidationFailed) as refused:
        catalogue.product_create(actor=owner, sku="V-1", name="x", vat_rate=rate)
    # then the rate is refused and nothing saved
    assert "vat_rate" in refused.value.fields
    assert not Product.objects.filter(sku="V-1").exists()


def test_a_vat_rate_may_be_given_as_a_percentage(owner) -> None:
    product = catalogue.product_create(actor=owner, sku="V-2", name="x", vat_rate="13%")
    assert product.vat_rate == D("0.13")


def test_the_cost_method_may_change_before_any_move(owner, make) -> None:
    product = make.product()
    catalogue.product_update(actor=owner, product_id=product.pk, cost_method="fifo")
    product.refresh_from_db()
    assert product.cost_method == "fifo"


def test_the_cost_method_cannot_change_once_the_product_has_moves(owner, make) -> None:
    # given a product that received stock
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 5, "10", DAY)
    # when its cost method is changed
    with pytest.raises(Conflict) as refused:
        catalogue.product_update(actor=owner, product_id=product.pk, cost_method="fifo", name="renamed")
    # then it is refused and nothing changes, not even the name
    assert refused.value.code == "product_has_moves"
    product.refresh_from_db()
    assert (product.cost_method, product.name) == ("average", "产品 2")


def test_tracking_cannot_change_once_the_product_has_moves(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 1, "3", DAY)
    with pytest.raises(Conflict):
        catalogue.product_update(actor=owner, product_id=product.pk, tracking="lot")
    product.refresh_from_db()
    assert product.tracking == "none"


def test_the_base_unit_cannot_change_once_the_product_has_moves(owner, make) -> None:
    # given 12 个 in stock: every move and level counts 个
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 12, "3", DAY)
    # when the base unit is renamed to 箱, the same numbers would mean boxes
    with pytest.raises(Conflict) as refused:
        catalogue.product_update(actor=owner, product_id=product.pk, unit="箱")
    assert "unit" in refused.value.fields
    product.refresh_from_db()
    assert product.unit == "个"


def test_other_fields_may_change_after_moves(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 1, "3", DAY)
    catalogue.product_update(actor=owner, product_id=product.pk, sale_price="9.90", cost_method="average")
    product.refresh_from_db()
    assert product.sale_price == D("9.90")


def test_a_unit_conversion_is_added_and_removed(owner, make) -> None:
    # given a product kept in 个
    product = make.product(unit="个")
    # when a box of 12 is added
    conversion = catalogue.conversion_add(actor=owner, product_id=product.pk, unit="箱", factor="12")
    # then 1 箱 = 12 个, until it is removed
    assert catalogue.unit_factor(product, "箱") == D(12)
    catalogue.conversion_remove(actor=owner, product_id=product.pk, conversion_id=conversion.pk)
    assert catalogue.unit_factor(product, "箱") is None


@pytest.mark.parametrize(
    ("unit", "factor", "field"), [("箱", "0", "factor"), ("箱", "-2", "factor"), ("个", "5", "unit")]
)
def test_a_unit_conversion_needs_a_positive_factor_and_another_unit(owner, make, unit, factor, field) -> None:
    product = make.product(unit="个")
    with pytest.raises(ValidationFailed) as refused:
        catalogue.conversion_add(actor=owner, product_id=product.pk, unit=unit, factor=factor)
    assert field in refused.value.fields
    assert not UnitConversion.objects.filter(product=product).exists()


def test_the_same_unit_twice_is_refused(owner, make) -> None:
    product = make.product()
    catalogue.conversion_add(actor=owner, product_id=product.pk, unit="箱", factor="12")
    with pytest.raises(ValidationFailed):
        catalogue.conversion_add(actor=owner, product_id=product.pk, unit="箱", factor="24")
    assert UnitConversion.objects.get(product=product).factor == D(12)


def test_product_list_searches_sku_name_and_barcode(owner, make) -> None:
    # given three products
    bolt = make.product("BOLT-1", name="螺栓")
    nut = make.product("NUT-1", name="螺母", barcode="6900000000001")
    make.product("WASHER", name="垫圈")
    # then the search finds them by SKU, by name and by exact barcode
    assert list(catalogue.product_list(actor=owner, q="bolt")) == [bolt]
    assert list(catalogue.product_list(actor=owner, q="螺母")) == [nut]
    assert list(catalogue.product_list(actor=owner, q="6900000000001")) == [nut]


def test_product_list_filters_by_category_including_the_categories_inside_it(owner, make) -> None:
    # given hardware with screws inside it, and food
    hardware = Category.objects.create(name="五金")
    screws = Category.objects.create(name="螺丝", parent=hardware)
    food = Category.objects.create(name="食品")
    tool, screw = make.product(category=hardware), make.product(category=screws)
    make.product(category=food)
    # then the hardware list holds both hardware products
    assert set(catalogue.product_list(actor=owner, category=hardware.pk)) == {tool, screw}
    assert list(catalogue.product_list(actor=owner, category=str(screws.pk))) == [screw]


def test_a_deactivated_product_leaves_the_active_list(owner, make) -> None:
    product = make.product()
    catalogue.product_deactivate(actor=owner, product_id=product.pk)
    assert product not in catalogue.product_list(actor=owner)
    assert product in catalogue.product_list(actor=owner, active=False)
    assert product in catalogue.product_list(actor=owner, active=None)


def test_another_firms_product_is_not_found(owner, firm_b) -> None:
    # given a product of firm B
    with schema_context(firm_b.schema_name):
        other = Product.objects.create(sku="B-ONLY", name="b")
    # then firm A cannot read or change it
    with pytest.raises(NotFound):
        catalogue.product_get(actor=owner, product_id=other.pk + 100000)
    with pytest.raises(NotFound):
        catalogue.product_update(actor=owner, product_id="nonsense", name="x")


# --- permissions -----------------------------------------------------------------------------


def test_a_viewer_cannot_create_a_product_and_nothing_is_saved(member_factory) -> None:
    viewer = member_factory("viewer@alpha.example", "viewer")
    with pytest.raises(NotAllowed):
        catalogue.product_create(actor=viewer, sku="VIEW-1", name="x")
    assert not Product.objects.filter(sku="VIEW-1").exists()


def test_sales_keep_partners_and_price_lists_but_not_products(member_factory) -> None:
    seller = member_factory("seller@alpha.example", "sales")
    partner = catalogue.partner_create(actor=seller, name="客户甲", is_customer=True)
    price_list = catalogue.price_list_create(actor=seller, name="批发价")
    assert partner.pk
    assert price_list.pk
    with pytest.raises(NotAllowed):
        catalogue.product_create(actor=seller, sku="S-1", name="x")
    with pytest.raises(NotAllowed):
        catalogue.warehouse_create(actor=seller, code="S", name="x")
    assert not Product.objects.filter(sku="S-1").exists()
    assert not Warehouse.objects.filter(code="S").exists()


def test_a_warehouse_keeper_keeps_the_catalogue_but_not_price_lists(member_factory) -> None:
    keeper = member_factory("keeper@alpha.example", "warehouse")
    assert catalogue.product_create(actor=keeper, sku="K-1", name="x").pk
    assert catalogue.price_list_create(actor=keeper, name="仓库价").pk  # the catalogue right covers price lists
    viewer = member_factory("viewer2@alpha.example", "viewer")
    with pytest.raises(NotAllowed):
        catalogue.price_list_create(actor=viewer, name="不行")
    assert not PriceList.objects.filter(name="不行").exists()


def test_someone_without_a_role_cannot_even_read(member_factory) -> None:
    nobody = member_factory("nobody@alpha.example")
    with pytest.raises(NotAllowed):
        catalogue.product_list(actor=nobody)


# --- partners --------------------------------------------------------------------------------


def test_a_partner_with_an_invalid_credit_code_is_refused(owner) -> None:
    with pytest.raises(ValidationFailed) as refused:
        catalogue.partner_create(actor=owner, name="坏代码", is_supplier=True, tax_id="91510100MA61R0XA34")
    assert "tax_id" in refused.value.fields
    assert not Partner.objects.filter(name="坏代码").exists()


def test_a_partner_with_a_valid_credit_code_is_saved_upper_case(owner) -> None:
    partner = catalogue.partner_create(actor=owner, name="好代码", is_supplier=True, tax_id=CODE.lower())
    assert partner.tax_id == CODE


def test_a_partner_must_be_a_supplier_or_a_customer(owner) -> None:
    with pytest.raises(ValidationFailed) as refused:
        catalogue.partner_create(actor=owner, name="无角色")
    assert "is_supplier" in refused.value.fields
    assert not Partner.objects.filter(name="无角色").exists()


def test_partner_names_are_unique(owner, make) -> None:
    make.partner("重名")
    with pytest.raises(ValidationFailed) as refused:
        catalogue.partner_create(actor=owner, name="重名", is_customer=True)
    assert "name" in refused.value.fields
    assert Partner.objects.filter(name="重名").count() == 1


def test_a_customer_is_made_once_from_a_crm_account(owner) -> None:
    # given a CRM account
    account = Account.objects.create(name="华东贸易", credit_code=CODE, address="上海", owner=owner)
    # when its customer is asked for twice
    first = catalogue.partner_from_crm_account(actor=owner, account_id=account.pk)
    again = catalogue.partner_from_crm_account(actor=owner, account_id=account.pk)
    # then one customer exists, linked to the account, with its code and address
    assert first.pk == again.pk
    assert (first.name, first.is_customer, first.tax_id, first.address) == ("华东贸易", True, CODE, "上海")
    assert Partner.objects.filter(crm_account_id=account.pk).count() == 1


def test_a_supplier_of_the_same_name_is_linked_and_becomes_a_customer(owner, make) -> None:
    supplier = make.partner("华南五金", customer=False)
    account = Account.objects.create(name="华南五金", owner=owner)
    partner = catalogue.partner_from_crm_account(actor=owner, account_id=account.pk)
    assert partner.pk == supplier.pk
    assert (partner.is_supplier, partner.is_customer, partner.crm_account_id) == (True, True, account.pk)


def test_an_unknown_crm_account_is_not_found(owner) -> None:
    before = Partner.objects.count()
    with pytest.raises(NotFound):
        catalogue.partner_from_crm_account(actor=owner, account_id=999999)
    assert Partner.objects.count() == before


def test_one_partner_per_crm_account(owner) -> None:
    account = Account.objects.create(name="唯一", owner=owner)
    catalogue.partner_create(actor=owner, name="甲", is_customer=True, crm_account_id=account.pk)
    with pytest.raises(ValidationFailed) as refused:
        catalogue.partner_create(actor=owner, name="乙", is_customer=True, crm_account_id=account.pk)
    assert "crm_account_id" in refused.value.fields
    assert not Partner.objects.filter(name="乙").exists()


# --- warehouses and locations --------------------------------------------------------------------


def test_a_new_warehouse_has_its_default_stock_location(owner) -> None:
    warehouse = catalogue.warehouse_create(actor=owner, code="SH", name="上海仓")
    location = Location.objects.get(warehouse=warehouse)
    assert (location.code, location.is_default) == ("STOCK", True)


def test_warehouse_codes_are_unique(owner, make) -> None:
    make.warehouse("BJ")
    with pytest.raises(ValidationFailed) as refused:
        catalogue.warehouse_create(actor=owner, code="bj", name="北京二仓")
    assert "code" in refused.value.fields
    assert Warehouse.objects.filter(code__iexact="bj").count() == 1


def test_location_codes_are_unique_within_a_warehouse(owner, make) -> None:
    first, second = make.warehouse(), make.warehouse()
    catalogue.location_create(actor=owner, warehouse_id=first.pk, code="A-01")
    catalogue.location_create(actor=owner, warehouse_id=second.pk, code="A-01")  # another warehouse: fine
    with pytest.raises(ValidationFailed):
        catalogue.location_create(actor=owner, warehouse_id=first.pk, code="A-01")
    assert Location.objects.filter(code="A-01").count() == 2


def test_the_default_location_stays_active(owner, make) -> None:
    warehouse = make.warehouse()
    default = Location.objects.get(warehouse=warehouse, is_default=True)
    with pytest.raises(Conflict):
        catalogue.location_update(actor=owner, location_id=default.pk, is_active=False)
    default.refresh_from_db()
    assert default.is_active


def test_a_warehouse_holding_stock_cannot_be_closed(owner, make) -> None:
    warehouse, product = make.warehouse(), make.product()
    receive(owner, product, warehouse, 2, "1", DAY)
    with pytest.raises(Conflict) as refused:
        catalogue.warehouse_update(actor=owner, warehouse_id=warehouse.pk, is_active=False)
    assert refused.value.code == "warehouse_has_stock"
    warehouse.refresh_from_db()
    assert warehouse.is_active


# --- price lists ---------------------------------------------------------------------------------


def test_price_for_takes_the_highest_quantity_break_not_above_the_quantity(owner, make) -> None:
    # given a list with 10.00 from 1, 9.00 from 10, 8.00 from 100, and a customer on it
    product = make.product(sale_price=D("12"))
    price_list = catalogue.price_list_create(actor=owner, name="批发")
    for quantity, price in (("1", "10"), ("10", "9"), ("100", "8")):
        catalogue.price_item_set(
            actor=owner, price_list_id=price_list.pk, product_id=product.pk, min_quantity=quantity, price=price
        )
    customer = make.partner(price_list=price_list)
    # then the price follows the quantity
    assert catalogue.price_for(partner=customer, product=product, quantity=D("5")) == D(10)
    assert catalogue.price_for(partner=customer, product=product, quantity=D("10")) == D(9)
    assert catalogue.price_for(partner=customer, product=product, quantity=D("250")) == D(8)
    # and below the first break, without a list or with the list inactive, the sale price applies
    assert catalogue.price_for(partner=customer, product=product, quantity=D("0.5")) == D(12)
    assert catalogue.price_for(partner=make.partner(), product=product, quantity=D("50")) == D(12)
    assert catalogue.price_for(partner=None, product=product, quantity=D("50")) == D(12)
    catalogue.price_list_update(actor=owner, price_list_id=price_list.pk, is_active=False)
    customer.refresh_from_db()
    assert catalogue.price_for(partner=customer, product=product, quantity=D("50")) == D(12)


def test_setting_a_price_again_for_the_same_quantity_replaces_it(owner, make) -> None:
    product, price_list = make.product(), catalogue.price_list_create(actor=owner, name="零售")
    catalogue.price_item_set(actor=owner, price_list_id=price_list.pk, product_id=product.pk, price="5")
    item = catalogue.price_item_set(actor=owner, price_list_id=price_list.pk, product_id=product.pk, price="6")
    assert PriceListItem.objects.filter(price_list=price_list).count() == 1
    assert item.price == D(6)
    catalogue.price_item_remove(actor=owner, price_list_id=price_list.pk, item_id=item.pk)
    assert not PriceListItem.objects.filter(price_list=price_list).exists()


def test_a_negative_price_is_refused(owner, make) -> None:
    product, price_list = make.product(), catalogue.price_list_create(actor=owner, name="负价")
    with pytest.raises(ValidationFailed) as refused:
        catalogue.price_item_set(actor=owner, price_list_id=price_list.pk, product_id=product.pk, price="-1")
    assert "price" in refused.value.fields
    assert not PriceListItem.objects.exists()


# --- settings and roles ------------------------------------------------------------------------


def test_the_owner_changes_the_settings(owner) -> None:
    catalogue.settings_update(actor=owner, allow_negative_stock=True, over_receipt_percent="10")
    row = SupplyChainSettings.objects.get()
    assert (row.allow_negative_stock, row.over_receipt_percent) == (True, D("10"))


def test_a_purchaser_cannot_change_the_settings_and_nothing_changes(member_factory) -> None:
    purchaser = member_factory("buyer@alpha.example", "purchaser")
    before = catalogue.settings_get(actor=purchaser).allow_negative_stock
    with pytest.raises(NotAllowed):
        catalogue.settings_update(actor=purchaser, allow_negative_stock=not before)
    assert SupplyChainSettings.objects.get().allow_negative_stock == before


def test_settings_refuse_bad_percentages_and_unknown_accounts(owner) -> None:
    with pytest.raises(ValidationFailed) as refused:
        catalogue.settings_update(actor=owner, over_receipt_percent="120", inventory_account="9999999")
    assert set(refused.value.fields) == {"over_receipt_percent", "inventory_account"}
    assert SupplyChainSettings.objects.filter(inventory_account="9999999").count() == 0


def test_the_owner_gives_and_takes_a_supply_role(owner, member_factory) -> None:
    person = member_factory("person@alpha.example")
    catalogue.supply_role_set(actor=owner, user_id=person.pk, role="purchaser")
    listed = {row.email: row.role for row in catalogue.supply_roles(actor=owner)}
    assert listed["person@alpha.example"] == "purchaser"
    catalogue.supply_role_set(actor=owner, user_id=person.pk, role="")
    assert not SupplyRole.objects.filter(user=person).exists()


def test_a_purchaser_cannot_give_roles(member_factory) -> None:
    purchaser = member_factory("buyer2@alpha.example", "purchaser")
    person = member_factory("person2@alpha.example")
    with pytest.raises(NotAllowed):
        catalogue.supply_role_set(actor=purchaser, user_id=person.pk, role="warehouse")
    assert not SupplyRole.objects.filter(user=person).exists()


# --- pages -----------------------------------------------------------------------------------


def test_the_product_list_page_searches(owner_a_client: Client, make) -> None:
    make.product("FIND-ME", name="要找的")
    make.product("OTHER", name="别的")
    response = owner_a_client.get("/supply-chain/products/?q=find")
    assert response.status_code == 200
    assert "FIND-ME" in response.content.decode()
    assert "OTHER" not in response.content.decode()


def test_a_product_is_created_from_the_page(owner_a_client: Client, in_firm_a) -> None:
    data = {
        "sku": "PAGE-1",
        "name": "页面产品",
        "unit": "个",
        "vat_rate": "0.13",
        "cost_method": "average",
        "tracking": "none",
        "reorder_point": "5",
        "reorder_quantity": "0",
        "purchase_price": "1",
        "sale_price": "2",
    }
    response = owner_a_client.post("/supply-chain/products/new/", data)
    product = Product.objects.get(sku="PAGE-1")
    assert response.status_code == 302
    assert response["Location"] == f"/supply-chain/products/{product.pk}/"


def test_a_duplicate_sku_shows_next_to_its_field(owner_a_client: Client, make) -> None:
    make.product("DUP-1")
    data = {"sku": "DUP-1", "name": "x", "unit": "个", "vat_rate": "0.13", "cost_method": "average"}
    data |= {"tracking": "none", "reorder_point": "0", "reorder_quantity": "0", "purchase_price": "0"}
    response = owner_a_client.post("/supply-chain/products/new/", {**data, "sale_price": "0"})
    assert response.status_code == 400
    assert "Another product has this SKU." in response.content.decode()
    assert Product.objects.filter(sku="DUP-1").count() == 1


def test_the_product_page_shows_stock_by_location_valuation_and_moves(owner_a_client: Client, owner, make) -> None:
    # given stock of a product in two warehouses
    product = make.product()
    north, south = make.warehouse("NORTH"), make.warehouse("SOUTH")
    receive(owner, product, north, 3, "10", DAY, reference="RK-NORTH")
    receive(owner, product, south, 2, "10", DAY)
    # then its page shows each place, the value and the moves
    page = owner_a_client.get(f"/supply-chain/products/{product.pk}/").content.decode()
    assert "NORTH" in page
    assert "SOUTH" in page
    assert "50.00" in page
    assert "RK-NORTH" in page


def test_a_viewer_sees_products_but_not_the_new_product_page(firm_a: Firm) -> None:
    with schema_context(firm_a.schema_name):
        from apps.accounts.models import User

        viewer = User.objects.create_user("v@alpha.example", PASSWORD, full_name="v", language="en")
        SupplyRole.objects.create(user=viewer, role="viewer")
    client = _client(firm_a, viewer)
    assert client.get("/supply-chain/products/").status_code == 200
    refused = client.get("/supply-chain/products/new/")
    assert refused.status_code == 403
    assert "Only purchasers and warehouse keepers" in refused.content.decode()
    assert client.post("/supply-chain/warehouses/new/", {"code": "V", "name": "v"}).status_code == 403
    with schema_context(firm_a.schema_name):
        assert not Warehouse.objects.filter(code="V").exists()


def test_a_warehouse_is_created_and_given_a_location_from_the_pages(owner_a_client: Client, in_firm_a) -> None:
    response = owner_a_client.post("/supply-chain/warehouses/new/", {"code": "GZ", "name": "广州仓"})
    warehouse = Warehouse.objects.get(code="GZ")
    assert response["Location"] == f"/supply-chain/warehouses/{warehouse.pk}/"
    owner_a_client.post(f"/supply-chain/warehouses/{warehouse.pk}/", {"code": "A-01", "name": "货架A"})
    assert set(Location.objects.filter(warehouse=warehouse).values_list("code", flat=True)) == {"STOCK", "A-01"}


def test_the_settings_page_is_for_owners(owner_a_client: Client, firm_a: Firm) -> None:
    assert owner_a_client.get("/supply-chain/settings/").status_code == 200
    with schema_context(firm_a.schema_name):
        from apps.accounts.models import User

        buyer = User.objects.create_user("b@alpha.example", PASSWORD, full_name="b", language="en")
        SupplyRole.objects.create(user=buyer, role="purchaser")
    assert _client(firm_a, buyer).get("/supply-chain/settings/").status_code == 403


def test_a_price_is_set_on_the_price_list_page(owner_a_client: Client, make) -> None:
    product, price_list = make.product(), PriceList.objects.create(name="页面价")
    url = f"/supply-chain/price-lists/{price_list.pk}/"
    response = owner_a_client.post(url, {"action": "add", "product": product.pk, "min_quantity": "5", "price": "7"})
    assert response.status_code == 302
    item = PriceListItem.objects.get(price_list=price_list)
    assert (item.min_quantity, item.price) == (D(5), D(7))


def test_every_catalogue_page_renders_for_the_owner(owner_a_client: Client, owner, make) -> None:
    product, warehouse, partner = make.product(), make.warehouse(), make.partner()
    category, price_list = Category.objects.create(name="页面类别"), PriceList.objects.create(name="页面")
    location = Location.objects.get(warehouse=warehouse)
    for url in (
        "/supply-chain/products/",
        "/supply-chain/products/new/",
        f"/supply-chain/products/{product.pk}/",
        f"/supply-chain/products/{product.pk}/edit/",
        "/supply-chain/categories/",
        f"/supply-chain/categories/{category.pk}/",
        "/supply-chain/partners/",
        "/supply-chain/partners/new/",
        "/supply-chain/partners/from-crm/",
        f"/supply-chain/partners/{partner.pk}/",
        f"/supply-chain/partners/{partner.pk}/edit/",
        "/supply-chain/warehouses/",
        "/supply-chain/warehouses/new/",
        f"/supply-chain/warehouses/{warehouse.pk}/",
        f"/supply-chain/warehouses/{warehouse.pk}/edit/",
        f"/supply-chain/locations/{location.pk}/",
        "/supply-chain/price-lists/",
        f"/supply-chain/price-lists/{price_list.pk}/",
        f"/supply-chain/price-lists/{price_list.pk}/edit/",
        "/supply-chain/products/import/",
        "/supply-chain/settings/",
    ):
        assert owner_a_client.get(url).status_code == 200, url


def test_firm_b_gets_404_for_firm_a_catalogue_pages(owner_b_client: Client, firm_a: Firm) -> None:
    # given firm A's records
    with schema_context(firm_a.schema_name):
        product = Product.objects.create(sku="A-SECRET", name="secret")
        warehouse = Warehouse.objects.create(code="ASEC", name="secret")
        location = Location.objects.create(warehouse=warehouse, code="STOCK", is_default=True)
        partner = Partner.objects.create(name="A secret partner", is_supplier=True)
        category = Category.objects.create(name="A secret category")
        price_list = PriceList.objects.create(name="A secret list")
    # then firm B's owner finds none of them, to read or to change
    for url in (
        f"/supply-chain/products/{product.pk}/",
        f"/supply-chain/products/{product.pk}/edit/",
        f"/supply-chain/partners/{partner.pk}/",
        f"/supply-chain/partners/{partner.pk}/edit/",
        f"/supply-chain/warehouses/{warehouse.pk}/",
        f"/supply-chain/warehouses/{warehouse.pk}/edit/",
        f"/supply-chain/locations/{location.pk}/",
        f"/supply-chain/categories/{category.pk}/",
        f"/supply-chain/price-lists/{price_list.pk}/",
        f"/supply-chain/price-lists/{price_list.pk}/edit/",
    ):
        assert owner_b_client.get(url).status_code == 404, url
        assert owner_b_client.post(url, {"name": "x", "code": "x"}).status_code in (404, 405), url
    for url in (
        f"/supply-chain/products/{product.pk}/active/",
        f"/supply-chain/products/{product.pk}/units/add/",
        f"/supply-chain/products/{product.pk}/units/remove/",
    ):
        assert owner_b_client.post(url, {"unit": "x", "factor": "2"}).status_code == 404, url
    # and nothing of firm A changed
    with schema_context(firm_a.schema_name):
        assert Product.objects.get(pk=product.pk).name == "secret"
        assert Product.objects.get(pk=product.pk).is_active
        assert not UnitConversion.objects.filter(product=product).exists()
        assert Location.objects.filter(warehouse=warehouse).count() == 1


def test_decimal_places_are_checked(owner) -> None:
    with pytest.raises(ValidationFailed) as refused:
        catalogue.product_create(actor=owner, sku="DP", name="x", sale_price="1.123456")
    assert "sale_price" in refused.value.fields
    assert not Product.objects.filter(sku="DP").exists()
