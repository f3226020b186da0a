"""A firm's goods: catalogue, warehouses, the stock-move ledger and its valuation, and the
purchasing and sales documents that move stock.

The ledger is the truth: ``StockMove`` rows are never deleted and their quantities never change
(a database trigger refuses it). ``StockLevel`` (per location and lot) and ``ProductValuation``
(per product) are running totals kept in the same transaction as the moves, so on-hand reports
read a few thousand rows instead of summing a million; a test checks they always equal the sum
of the moves.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


class SupplyChainSettings(models.Model):
    """One row per firm: stock rules and the accounts stock postings go to (blank: the chart's
    default, see ``apps/supply_chain/postings.py``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    allow_negative_stock = models.BooleanField(_("allow negative stock"), default=False)
    over_receipt_percent = models.DecimalField(
        _("over-receipt allowed (percent of the ordered quantity)"), max_digits=5, decimal_places=2, default=ZERO
    )
    price_tolerance_percent = models.DecimalField(
        _("bill price tolerance (%)"), max_digits=5, decimal_places=2, default=ZERO
    )
    inventory_account = models.CharField(_("inventory account"), max_length=20, blank=True)
    cogs_account = models.CharField(_("cost of sales account"), max_length=20, blank=True)
    grni_account = models.CharField(_("goods received not invoiced account"), max_length=20, blank=True)
    adjustment_account = models.CharField(_("stocktake difference account"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("supply chain settings")
        verbose_name_plural = _("supply chain settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="sc_settings_single_row"),
            models.CheckConstraint(
                condition=Q(over_receipt_percent__gte=0, over_receipt_percent__lte=100), name="sc_over_receipt_range"
            ),
            models.CheckConstraint(
                condition=Q(price_tolerance_percent__gte=0, price_tolerance_percent__lte=100),
                name="sc_price_tolerance_range",
            ),
        ]

    def __str__(self) -> str:
        return str(_("supply chain settings"))


class SupplyRole(models.Model):
    """A person's role in the supply chain. Owners and administrators have every right."""

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer (reports only)")
        PURCHASER = "purchaser", _("Purchaser")
        SALES = "sales", _("Sales")
        WAREHOUSE = "warehouse", _("Warehouse keeper")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supply_role")
    role = models.CharField(_("supply chain role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("supply chain role")
        verbose_name_plural = _("supply chain roles")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["viewer", "purchaser", "sales", "warehouse"]), name="sc_role_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class DocumentSequence(models.Model):
    """Gapless numbers per document kind and year (PO-2026-0001), taken under a row lock."""

    kind = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="sc_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.kind}-{self.year}: {self.last}"


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    """A supplier or customer (or both). ``crm_account_id`` links a CRM account by value."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_supplier = models.BooleanField(_("supplier"), default=False)
    is_customer = models.BooleanField(_("customer"), default=False)
    tax_id = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    payment_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    price_list = models.ForeignKey(
        "PriceList", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("price list")
    )
    crm_account_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("business partner")
        verbose_name_plural = _("business partners")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(is_supplier=True) | Q(is_customer=True), name="sc_partner_has_role")
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class CostMethod(models.TextChoices):
        AVERAGE = "average", _("Moving weighted average")
        FIFO = "fifo", _("First in, first out (FIFO)")

    class Tracking(models.TextChoices):
        NONE = "none", _("No tracking")
        LOT = "lot", _("By lot")
        SERIAL = "serial", _("By serial number")

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="个")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products", verbose_name=_("category")
    )
    barcode = models.CharField(_("barcode"), max_length=32, blank=True)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=2, default=Decimal("0.13"))
    cost_method = models.CharField(
        _("cost method"), max_length=8, choices=CostMethod.choices, default=CostMethod.AVERAGE
    )
    tracking = models.CharField(_("tracking"), max_length=8, choices=Tracking.choices, default=Tracking.NONE)
    reorder_point = models.DecimalField(_("reorder point"), default=ZERO, max_digits=18, decimal_places=4)
    reorder_quantity = models.DecimalField(_("reorder quantity"), default=ZERO, max_digits=18, decimal_places=4)
    supplier = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supplied_products",
        verbose_name=_("default supplier"),
    )
    purchase_price = models.DecimalField(_("purchase price"), default=ZERO, max_digits=18, decimal_places=4)
    sale_price = models.DecimalField(_("sale price"), default=ZERO, max_digits=18, decimal_places=4)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["barcode"], condition=~Q(barcode=""), name="sc_product_barcode_unique"),
            models.CheckConstraint(condition=Q(cost_method__in=["average", "fifo"]), name="sc_cost_method_valid"),
            models.CheckConstraint(condition=Q(tracking__in=["none", "lot", "serial"]), name="sc_tracking_valid"),
            models.CheckConstraint(condition=Q(reorder_point__gte=0, reorder_quantity__gte=0), name="sc_reorder_sign"),
            models.CheckConstraint(condition=Q(vat_rate__gte=0, vat_rate__lt=1), name="sc_product_vat_range"),
            models.CheckConstraint(condition=Q(purchase_price__gte=0, sale_price__gte=0), name="sc_price_sign"),
        ]
        indexes = [models.Index(fields=["name"], name="sc_product_name")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class UnitConversion(models.Model):
    """Another unit the product is bought or sold in: one ``unit`` is ``factor`` base units."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="conversions")
    unit = models.CharField(_("unit"), max_length=20)
    factor = models.DecimalField(_("base units per unit"), max_digits=14, decimal_places=6)

    class Meta:
        verbose_name = _("unit conversion")
        verbose_name_plural = _("unit conversions")
        constraints = [
            models.UniqueConstraint(fields=["product", "unit"], name="sc_conversion_unique"),
            models.CheckConstraint(condition=Q(factor__gt=0), name="sc_conversion_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.unit} = {self.factor}"


class PriceList(models.Model):
    class Kind(models.TextChoices):
        SALES = "sales", _("Sales")
        PURCHASE = "purchase", _("Purchase")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("price list kind"), max_length=8, choices=Kind.choices, default=Kind.SALES)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    min_quantity = models.DecimalField(_("from quantity"), default=Decimal(1), max_digits=18, decimal_places=4)
    price = models.DecimalField(_("price before VAT"), max_digits=18, decimal_places=4)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product", "min_quantity"], name="sc_price_unique"),
            models.CheckConstraint(condition=Q(price__gte=0, min_quantity__gt=0), name="sc_price_item_sign"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ≥{self.min_quantity}: {self.price}"


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(models.Model):
    """A place inside a warehouse (bin, shelf). Every warehouse has its default location."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["warehouse_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="sc_location_unique"),
            models.UniqueConstraint(fields=["warehouse"], condition=Q(is_default=True), name="sc_location_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}"


class Lot(models.Model):
    """A lot or serial number of a tracked product."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    number = models.CharField(_("lot or serial number"), max_length=60)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.UniqueConstraint(fields=["product", "number"], name="sc_lot_unique")]

    def __str__(self) -> str:
        return self.number


class StockMove(models.Model):
    """One line of the stock ledger: a signed quantity (in the product's base unit) at a
    location on a day. Valuation columns (``unit_cost``, ``value``, ``balance_*``) are the only
    ones that change after insert, when a back-dated move re-values what follows it.

    Moves are ordered per product by (``moved_on``, ``id``). ``valued`` is false for transfers,
    which change where stock is but not what the firm holds.
    """

    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening balance")
        RECEIPT = "receipt", _("Goods receipt")
        PURCHASE_RETURN = "p_return", _("Return to supplier")
        DELIVERY = "delivery", _("Delivery")
        SALES_RETURN = "s_return", _("Customer return")
        TRANSFER_OUT = "xfer_out", _("Transfer out")
        TRANSFER_IN = "xfer_in", _("Transfer in")
        ADJUSTMENT = "adjust", _("Stocktake adjustment")

    # Few indexes on purpose: re-costing rewrites many rows, and every index is written again
    # (the product's index below leads with product_id; the others are rarely searched).
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="moves", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+", db_index=False)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="moves", db_index=False)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="moves", db_index=False)
    kind = models.CharField(_("move kind"), max_length=8, choices=Kind.choices)
    moved_on = models.DateField(_("date"))
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    valued = models.BooleanField(default=True)
    # Incoming moves (and returns to a supplier) carry their own cost; other outgoing moves are
    # costed by the product's method and re-costed when an earlier move arrives.
    fixed_cost = models.BooleanField(default=True)
    unit_cost = models.DecimalField(_("unit cost"), default=ZERO, max_digits=20, decimal_places=6)
    value = models.DecimalField(_("value"), default=ZERO, max_digits=18, decimal_places=2)
    balance_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    balance_value = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    # FIFO: what is left of this incoming move's layer after the moves that follow it.
    remaining = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="returns", db_index=False
    )  # the receipt a return to supplier undoes, the delivery a customer return undoes
    document = models.CharField(max_length=12, blank=True)  # receipt, delivery, transfer, stocktake...
    document_id = models.PositiveIntegerField(null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="sc_move_not_zero"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="sc_move_cost_sign"),
        ]
        indexes = [
            models.Index(fields=["product", "moved_on", "id"], name="sc_move_product_order"),
            models.Index(fields=["moved_on", "id"], name="sc_move_day"),
            models.Index(fields=["document", "document_id"], name="sc_move_document"),
            models.Index(
                fields=["product", "moved_on", "id"], condition=Q(remaining__gt=0), name="sc_move_open_layers"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.product_id} {self.quantity}"


class StockLevel(models.Model):
    """What is at a location (per lot): the sum of the moves there, and what orders reserved."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="levels")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="levels")
    quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "location", "lot"], nulls_distinct=False, name="sc_level_unique")
        ]
        indexes = [models.Index(fields=["warehouse", "product"], name="sc_level_warehouse")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.location_id}: {self.quantity}"


class ProductValuation(models.Model):
    """What the firm holds of a product and what it is worth: the balance after its last
    valued move. Locked (``select_for_update``) by every valued move of the product, so moves of
    one product are costed one at a time."""

    product = models.OneToOneField(Product, on_delete=models.PROTECT, primary_key=True, related_name="valuation")
    quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    value = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    last_cost = models.DecimalField(default=ZERO, max_digits=20, decimal_places=6)
    last_moved_on = models.DateField(null=True, blank=True)  # a move dated before it is back-dated

    def __str__(self) -> str:
        return f"{self.product_id}: {self.quantity} = {self.value}"


class Revaluation(models.Model):
    """A back-dated move re-costed the moves after it: how many, and the change posted."""

    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="revaluation")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    moves_revalued = models.PositiveIntegerField(default=0)
    cost_change = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    voucher_id = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.move_id}: {self.cost_change}"


class _Document(models.Model):
    number = models.CharField(_("document number"), max_length=20, unique=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number


class PurchaseOrder(_Document):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        PARTIAL = "partial", _("Partly received")
        RECEIVED = "received", _("Received")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    supplier = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    ordered_on = models.DateField(_("order date"))
    expected_on = models.DateField(_("expected date"), null=True, blank=True)
    untaxed = models.DecimalField(_("amount before tax"), default=ZERO, max_digits=18, decimal_places=2)
    tax = models.DecimalField(_("VAT"), default=ZERO, max_digits=18, decimal_places=2)
    total = models.DecimalField(_("total"), default=ZERO, max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-ordered_on", "-id"]


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("unit"), max_length=20)
    factor = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal(1))
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    unit_price = models.DecimalField(_("unit price before VAT"), max_digits=18, decimal_places=4)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=2)
    untaxed = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    tax = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    received_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    billed_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    returned_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sc_po_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0, unit_price__gte=0), name="sc_po_line_sign"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"


class Receipt(_Document):
    """Goods received against a purchase order (入库单), posted at once: Dr inventory / Cr GRNI."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    received_on = models.DateField(_("date received"))
    value = models.DecimalField(_("value"), default=ZERO, max_digits=18, decimal_places=2)
    voucher_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        ordering = ["-received_on", "-id"]


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+")
    returned_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="sc_receipt_line_positive")]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.quantity}"


class SupplierBill(_Document):
    """The supplier's bill matched against order and receipts (三单匹配); the finance invoice is
    drafted from it. Mismatches are kept so someone looks at them before paying."""

    class Match(models.TextChoices):
        MATCHED = "matched", _("Matched")
        MISMATCH = "mismatch", _("Mismatch")

    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="bills")
    supplier_reference = models.CharField(_("supplier's bill or fapiao number"), max_length=40, blank=True)
    billed_on = models.DateField(_("bill date"))
    match = models.CharField(_("three-way match"), max_length=8, choices=Match.choices)
    mismatches = models.JSONField(default=list, blank=True)
    untaxed = models.DecimalField(_("amount before tax"), default=ZERO, max_digits=18, decimal_places=2)
    tax = models.DecimalField(_("VAT"), default=ZERO, max_digits=18, decimal_places=2)
    total = models.DecimalField(_("total"), default=ZERO, max_digits=18, decimal_places=2)
    finance_invoice_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("supplier bill")
        verbose_name_plural = _("supplier bills")
        ordering = ["-billed_on", "-id"]


class SupplierBillLine(models.Model):
    bill = models.ForeignKey(SupplierBill, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="bill_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    unit_price = models.DecimalField(_("unit price before VAT"), max_digits=18, decimal_places=4)
    untaxed = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    tax = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.quantity} x {self.unit_price}"


class PurchaseReturn(_Document):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="returns")
    returned_on = models.DateField(_("date returned"))
    reason = models.CharField(_("reason"), max_length=200)
    value = models.DecimalField(_("value"), default=ZERO, max_digits=18, decimal_places=2)
    voucher_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("return to supplier")
        verbose_name_plural = _("returns to suppliers")
        ordering = ["-returned_on", "-id"]


class PurchaseReturnLine(models.Model):
    purchase_return = models.ForeignKey(PurchaseReturn, on_delete=models.CASCADE, related_name="lines")
    receipt_line = models.ForeignKey(ReceiptLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.purchase_return_id}: {self.quantity}"


class SalesOrder(_Document):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONFIRMED = "confirmed", _("Confirmed")
        PARTIAL = "partial", _("Partly delivered")
        DELIVERED = "delivered", _("Delivered")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="sales_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    ordered_on = models.DateField(_("order date"))
    promised_on = models.DateField(_("promised date"), null=True, blank=True)
    crm_opportunity_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    untaxed = models.DecimalField(_("amount before tax"), default=ZERO, max_digits=18, decimal_places=2)
    tax = models.DecimalField(_("VAT"), default=ZERO, max_digits=18, decimal_places=2)
    total = models.DecimalField(_("total"), default=ZERO, max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-ordered_on", "-id"]


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("unit"), max_length=20)
    factor = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal(1))
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    unit_price = models.DecimalField(_("unit price before VAT"), max_digits=18, decimal_places=4)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=2)
    untaxed = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    tax = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)
    # In base units: what this line holds of the warehouse's stock until it is delivered.
    reserved_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    delivered_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    invoiced_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)
    returned_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["order_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="sc_so_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0, unit_price__gte=0), name="sc_so_line_sign"),
            models.CheckConstraint(condition=Q(reserved_quantity__gte=0), name="sc_so_reserved_sign"),
        ]
        indexes = [models.Index(fields=["product", "reserved_quantity"], name="sc_so_line_reserved")]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"


class Delivery(_Document):
    """Goods sent against a sales order (出库单), posted at once: Dr cost of sales / Cr inventory."""

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("date delivered"))
    cost = models.DecimalField(_("cost"), default=ZERO, max_digits=18, decimal_places=2)
    voucher_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-delivered_on", "-id"]


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="delivery_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+")
    returned_quantity = models.DecimalField(default=ZERO, max_digits=18, decimal_places=4)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="sc_delivery_line_positive")]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.quantity}"


class CustomerInvoice(_Document):
    """What of a sales order went onto a finance invoice (a draft there, posted by finance)."""

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="invoices")
    invoiced_on = models.DateField(_("invoice date"))
    total = models.DecimalField(_("total"), default=ZERO, max_digits=18, decimal_places=2)
    finance_invoice_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer invoice")
        verbose_name_plural = _("customer invoices")
        ordering = ["-invoiced_on", "-id"]


class CustomerInvoiceLine(models.Model):
    invoice = models.ForeignKey(CustomerInvoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT, related_name="invoice_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    untaxed = models.DecimalField(default=ZERO, max_digits=18, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.quantity}"


class SalesReturn(_Document):
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="returns")
    returned_on = models.DateField(_("date returned"))
    reason = models.CharField(_("reason"), max_length=200)
    value = models.DecimalField(_("value"), default=ZERO, max_digits=18, decimal_places=2)
    voucher_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("customer return")
        verbose_name_plural = _("customer returns")
        ordering = ["-returned_on", "-id"]


class SalesReturnLine(models.Model):
    sales_return = models.ForeignKey(SalesReturn, on_delete=models.CASCADE, related_name="lines")
    delivery_line = models.ForeignKey(DeliveryLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.sales_return_id}: {self.quantity}"


class Transfer(_Document):
    """Stock moved between locations (调拨): a move out and a move in, not valued."""

    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    moved_on = models.DateField(_("date"))

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-moved_on", "-id"]


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=4)
    out_move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+")
    in_move = models.OneToOneField(StockMove, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.quantity}"


class Stocktake(_Document):
    """A count (盘点): expected quantities frozen when counting starts, counted ones entered, the
    differences posted as adjustments (Dr/Cr inventory against the stocktake account)."""

    class Status(models.TextChoices):
        COUNTING = "counting", _("Counting")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.COUNTING)
    counted_on = models.DateField(_("count date"))
    value_change = models.DecimalField(_("value change"), default=ZERO, max_digits=18, decimal_places=2)
    voucher_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-counted_on", "-id"]


class StocktakeLine(models.Model):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    expected = models.DecimalField(_("expected"), max_digits=18, decimal_places=4)
    counted = models.DecimalField(_("counted"), null=True, blank=True, max_digits=18, decimal_places=4)
    move = models.OneToOneField(StockMove, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stocktake", "product", "location", "lot"], nulls_distinct=False, name="sc_count_line_unique"
            ),
            models.CheckConstraint(condition=Q(counted__gte=0) | Q(counted__isnull=True), name="sc_counted_sign"),
        ]

    def __str__(self) -> str:
        return f"{self.stocktake_id}: {self.expected} → {self.counted}"

    @property
    def difference(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected


class ProductImport(models.Model):
    """A CSV/XLSX file of products imported by a job, with progress and a row-level error report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file"), max_length=200)
    stored_as = models.CharField(max_length=100)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row": n, "errors": {field: message}}]
    failure = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("product import")
        verbose_name_plural = _("product imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def progress(self) -> int:
        return 100 if self.status == self.Status.DONE else (self.done_rows * 100 // self.rows if self.rows else 0)
