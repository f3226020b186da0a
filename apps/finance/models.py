"""The firm's general ledger: chart of accounts, periods, vouchers and maintained balances.

Rules the database enforces itself (see migration 0002): every voucher's debits equal its
credits at commit, and a posted voucher and its lines can never be changed or deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class LedgerSettings(models.Model):
    """One row per firm: which chart the ledger was set up with and how the firm pays VAT."""

    class Chart(models.TextChoices):
        SMALL_ENTERPRISE = "cas_small", _("Accounting Standards for Small Enterprises (小企业会计准则)")
        IFRS = "ifrs", _("Generic IFRS-style chart")

    class Taxpayer(models.TextChoices):
        GENERAL = "general", _("General VAT taxpayer")
        SMALL_SCALE = "small_scale", _("Small-scale VAT taxpayer")

    chart = models.CharField(_("chart of accounts"), max_length=16, choices=Chart.choices)
    taxpayer = models.CharField(
        _("VAT taxpayer type"), max_length=16, choices=Taxpayer.choices, default=Taxpayer.GENERAL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ledger settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="finance_ledger_settings_single_row")]

    def __str__(self) -> str:
        return self.get_chart_display()


class Account(models.Model):
    class Category(models.TextChoices):
        ASSET = "asset", _("Assets")
        LIABILITY = "liability", _("Liabilities")
        EQUITY = "equity", _("Owners' equity")
        COST = "cost", _("Costs")
        PROFIT_LOSS = "profit_loss", _("Profit and loss")

    class Side(models.TextChoices):
        DEBIT = "debit", _("Debit")
        CREDIT = "credit", _("Credit")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    side = models.CharField(_("normal balance"), max_length=6, choices=Side.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(default=1)
    is_leaf = models.BooleanField(_("takes postings"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Cash and bank accounts get a journal (日记账); the cash-flow statement starts from them.
    is_cash = models.BooleanField(_("cash or bank"), default=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=["asset", "liability", "equity", "cost", "profit_loss"]),
                name="finance_account_category_valid",
            ),
            models.CheckConstraint(condition=Q(side__in=["debit", "credit"]), name="finance_account_side_valid"),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{4}([0-9]{2})*$"), name="finance_account_code_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


class Period(models.Model):
    """An accounting month. Closed periods take no postings (期末结账)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # The last voucher number given out; numbers are taken under this row's lock, so a rolled
    # back posting gives its number back and the sequence has no gaps.
    last_number = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        ordering = ["year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="finance_period_unique_month"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="finance_period_month_valid"),
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="finance_period_status_valid"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0: periods compare and subtract as plain numbers."""
        return self.year * 12 + self.month - 1

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class Voucher(models.Model):
    """A 记账凭证. Drafts can change; posting numbers it and makes it permanent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Manual")
        SYSTEM = "system", _("From another module")
        REVERSAL = "reversal", _("Reversal")
        CLOSING = "closing", _("Period closing (结转损益)")

    period = models.ForeignKey(Period, verbose_name=_("period"), on_delete=models.PROTECT, related_name="vouchers")
    date = models.DateField(_("date"))
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.MANUAL)
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    attachments = models.PositiveSmallIntegerField(_("attachments"), default=0)
    # Which module and record produced it (e.g. "hr.payroll_run", "42"), and the key that makes
    # a retried posting return the first voucher instead of posting twice.
    source = models.CharField(_("source"), max_length=40, blank=True)
    source_id = models.CharField(_("source record"), max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=128, null=True, blank=True, unique=True)
    reversal_of = models.OneToOneField(
        "self", verbose_name=_("reverses"), null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    total = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=ZERO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-date", "-number", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "number"], name="finance_voucher_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft", number__isnull=True, posted_at__isnull=True)
                | Q(status="posted", number__isnull=False, posted_at__isnull=False),
                name="finance_voucher_posted_has_number",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["manual", "system", "reversal", "closing"]), name="finance_voucher_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="finance_voucher_period_status"),
            models.Index(fields=["source", "source_id"], name="finance_voucher_source"),
        ]

    def __str__(self) -> str:
        return self.display_number or str(_("Draft"))

    @property
    def display_number(self) -> str:
        """记-0001: the voucher word and its number within the period."""
        return f"记-{self.number:04d}" if self.number else ""

    @property
    def is_posted(self) -> bool:
        return self.status == self.Status.POSTED


class VoucherLine(models.Model):
    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines")
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    debit = models.DecimalField(_("debit"), max_digits=18, decimal_places=2, default=ZERO)
    credit = models.DecimalField(_("credit"), max_digits=18, decimal_places=2, default=ZERO)
    # Partners, departments and projects belong to other modules: referred to by value.
    partner = models.CharField(_("partner"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    project = models.CharField(_("project"), max_length=100, blank=True)
    # Copied from the voucher so account detail reads one index, not a join per line.
    date = models.DateField()
    period_index = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("voucher line")
        verbose_name_plural = _("voucher lines")
        ordering = ["voucher_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["voucher", "line_no"], name="finance_line_unique_no"),
            # Exactly one side carries the amount; it is negative only on a red reversal (红字).
            models.CheckConstraint(
                condition=(Q(credit=0) & ~Q(debit=0)) | (Q(debit=0) & ~Q(credit=0)),
                name="finance_line_one_side",
            ),
        ]
        indexes = [models.Index(fields=["account", "date", "voucher"], name="finance_line_account_date")]

    def __str__(self) -> str:
        return f"{self.voucher_id}/{self.line_no}"


class AccountBalance(models.Model):
    """Posted debits and credits per account and period, kept up to date by posting.

    Reports read these few thousand rows instead of every line. Closing entries are kept
    apart (``closing``) so the income statement shows what was earned, not what was closed.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balances")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="balances")
    period_index = models.PositiveIntegerField()
    closing = models.BooleanField(default=False)
    debit = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)
    credit = models.DecimalField(max_digits=18, decimal_places=2, default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "period", "closing"], name="finance_balance_unique"),
        ]
        indexes = [models.Index(fields=["period_index"], name="finance_balance_period")]

    def __str__(self) -> str:
        return f"{self.account_id}@{self.period_index}"


class ModuleRole(models.Model):
    """A person's role in the finance module. Owners and administrators have every right."""

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Viewer (reports only)")
        APPROVER = "approver", _("Approver (review and post)")
        ACCOUNTANT = "accountant", _("Accountant (everything)")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="finance_role")
    role = models.CharField(_("finance role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("finance role")
        verbose_name_plural = _("finance roles")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["viewer", "approver", "accountant"]), name="finance_role_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


class Invoice(models.Model):
    """A customer invoice (receivable) or supplier bill (payable), with its fapiao details.

    Partners belong to CRM and supply chain: they are referred to by name and tax id.
    A credit note (红字) is an invoice with negative amounts that points at the original.
    """

    class Direction(models.TextChoices):
        SALES = "sales", _("Customer invoice")
        PURCHASE = "purchase", _("Supplier bill")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        POSTED = "posted", _("Posted")

    class FapiaoType(models.TextChoices):
        NONE = "", _("No fapiao")
        SPECIAL = "special", _("VAT special fapiao (专用发票)")
        ORDINARY = "ordinary", _("VAT ordinary fapiao (普通发票)")

    direction = models.CharField(_("type"), max_length=8, choices=Direction.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    partner_name = models.CharField(_("partner"), max_length=200)
    partner_tax_id = models.CharField(_("partner tax id"), max_length=18, blank=True)
    date = models.DateField(_("date"))
    due_date = models.DateField(_("due date"))
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    untaxed = models.DecimalField(_("amount before tax"), max_digits=18, decimal_places=2, default=ZERO)
    tax = models.DecimalField(_("VAT"), max_digits=18, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("total"), max_digits=18, decimal_places=2, default=ZERO)
    # What is still to be received or paid; kept by posting and allocation, read by aging.
    open_amount = models.DecimalField(_("open amount"), max_digits=18, decimal_places=2, default=ZERO)
    credit_of = models.ForeignKey(
        "self",
        verbose_name=_("credit note of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    fapiao_type = models.CharField(_("fapiao type"), max_length=8, choices=FapiaoType.choices, blank=True, default="")
    fapiao_code = models.CharField(_("fapiao code"), max_length=12, blank=True)
    fapiao_number = models.CharField(_("fapiao number"), max_length=20, blank=True)
    fapiao_date = models.DateField(_("fapiao date"), null=True, blank=True)
    seller_tax_id = models.CharField(_("seller tax id"), max_length=18, blank=True)
    buyer_tax_id = models.CharField(_("buyer tax id"), max_length=18, blank=True)
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(direction__in=["sales", "purchase"]), name="finance_invoice_direction"),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("date")), name="finance_invoice_due_after_date"),
            # One fapiao is recorded once per direction (duplicate-fapiao detection).
            models.UniqueConstraint(
                fields=["direction", "fapiao_code", "fapiao_number"],
                condition=~Q(fapiao_number=""),
                name="finance_invoice_fapiao_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["direction", "due_date"], condition=~Q(open_amount=0), name="finance_invoice_open_due"
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveSmallIntegerField()
    description = models.CharField(_("description"), max_length=200)
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=4)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    # None means exempt (免税); 0 is the zero rate (零税率, exports).
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=4, decimal_places=2, null=True, blank=True)
    untaxed = models.DecimalField(_("amount before tax"), max_digits=18, decimal_places=2)
    tax = models.DecimalField(_("VAT"), max_digits=18, decimal_places=2)

    class Meta:
        ordering = ["invoice_id", "line_no"]
        constraints = [models.UniqueConstraint(fields=["invoice", "line_no"], name="finance_invoice_line_unique")]

    def __str__(self) -> str:
        return self.description


class Payment(models.Model):
    """Money received from a customer or paid to a supplier, allocated to open invoices.

    What is not allocated stays as an advance (预收账款 / 预付账款) and can be allocated later.
    """

    class Direction(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        PAYMENT = "payment", _("Payment")

    direction = models.CharField(_("type"), max_length=8, choices=Direction.choices)
    partner_name = models.CharField(_("partner"), max_length=200)
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    bank_account = models.ForeignKey(
        Account, verbose_name=_("bank or cash account"), on_delete=models.PROTECT, related_name="+"
    )
    unallocated = models.DecimalField(_("advance"), max_digits=18, decimal_places=2, default=ZERO)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    voucher = models.ForeignKey(Voucher, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="finance_payment_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0, unallocated__lte=models.F("amount")), name="finance_payment_unallocated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_name} {self.amount}"


class Allocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="finance_allocation_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.invoice_id}: {self.amount}"


class BankStatementLine(models.Model):
    """One line of a bank statement, imported for a cash or bank account and matched to the ledger.

    ``fingerprint`` identifies the line within its account, so importing the same file twice
    adds nothing.
    """

    account = models.ForeignKey(Account, verbose_name=_("bank account"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    # Money in is positive, money out negative.
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    description = models.CharField(_("description"), max_length=200, blank=True)
    counterparty = models.CharField(_("counterparty"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    # The bank's own running balance after this line, when the statement gives it: the
    # reconciliation starts from what the bank says, not from the sum of what was imported.
    balance = models.DecimalField(_("balance"), max_digits=18, decimal_places=2, null=True, blank=True)
    fingerprint = models.CharField(max_length=64)
    matched_line = models.OneToOneField(
        VoucherLine,
        verbose_name=_("matched entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_match",
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "fingerprint"], name="finance_statement_line_unique"),
            models.CheckConstraint(condition=~Q(amount=0), name="finance_statement_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["account", "date"], name="finance_statement_account_date")]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"


class VoucherAttachment(models.Model):
    """A scanned or electronic source document (原始凭证) kept with a voucher.

    The file lives under ``MEDIA_ROOT/<schema>/finance/attachments/``; only its name is stored.
    """

    voucher = models.ForeignKey(Voucher, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=100, unique=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["voucher_id", "id"]

    def __str__(self) -> str:
        return self.name
