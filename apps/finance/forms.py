"""Forms of the finance pages. They shape input; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from .banking import ColumnMapping
from .charts import rate_label
from .invoicing import EXEMPT, FapiaoInput, InvoiceLineInput
from .models import Account, Invoice, LedgerSettings, ModuleRole, Payment, Voucher
from .services import EntryLine

MIN_LINES = 4


def account_choices(accounts: Iterable[Account], *, language: str, blank: bool = True) -> list[tuple[str, str]]:
    choices = [(a.code, f"{a.code} {a.display_name(language)}") for a in accounts]
    return [("", "—"), *choices] if blank else choices


class VoucherForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    summary = forms.CharField(label=_("Summary"), max_length=200, required=False)
    attachments = forms.IntegerField(
        label=_("Attachments"), min_value=0, max_value=999, initial=0, help_text=_("Number of source documents.")
    )


class VoucherLineForm(forms.Form):
    account = forms.ChoiceField(label=_("Account"), required=False)
    summary = forms.CharField(label=_("Summary"), max_length=200, required=False)
    partner = forms.CharField(label=_("Partner"), max_length=200, required=False)
    debit = forms.CharField(
        label=_("Debit"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount"}),
    )
    credit = forms.CharField(
        label=_("Credit"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount"}),
    )

    def __init__(self, *args: Any, accounts: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = accounts or [("", "—")]  # type: ignore[attr-defined]

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(
            str(data.get(name) or "").strip() for name in ("account", "summary", "partner", "debit", "credit")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any(str(data.get(name) or "").strip() for name in ("summary", "partner", "debit", "credit"))
        if filled and not data.get("account"):
            self.add_error("account", _("Choose an account."))
        return data

    def entry_line(self) -> EntryLine:
        data = self.cleaned_data
        return EntryLine(
            account_code=data.get("account") or "",
            debit=(data.get("debit") or "").strip(),
            credit=(data.get("credit") or "").strip(),
            summary=data.get("summary") or "",
            partner=data.get("partner") or "",
        )


class BaseLineFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def filled_forms(self) -> list[VoucherLineForm]:
        return [form for form in self.forms if not form.is_blank]  # type: ignore[misc]

    def add_service_errors(self, error: ApplicationError, filled: list[VoucherLineForm]) -> list[str]:
        """Put ``lines.N.field`` errors on the N-th filled line; return what belongs to no line."""
        rest: list[str] = []
        for key, messages in error.fields.items():
            parts = key.split(".")
            if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit() and 0 < int(parts[1]) <= len(filled):
                form = filled[int(parts[1]) - 1]
                field = parts[2] if len(parts) > 2 and parts[2] in form.fields else None
                for message in messages:
                    form.add_error(field, message)
            elif parts[0] != "lines":
                continue
            else:
                rest.extend(messages)
        return rest


def line_formset(*, extra: int) -> type[BaseLineFormSet]:
    return forms.formset_factory(  # type: ignore[return-value]
        VoucherLineForm, formset=BaseLineFormSet, extra=extra, max_num=500, absolute_max=500, validate_max=True
    )


def initial_lines(voucher: Voucher) -> list[dict[str, Any]]:
    return [
        {
            "account": line.account.code,
            "summary": line.summary,
            "partner": line.partner,
            "debit": f"{line.debit:.2f}" if line.debit else "",
            "credit": f"{line.credit:.2f}" if line.credit else "",
        }
        for line in voucher.lines.all()
    ]


class ReverseForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the reversal"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AccountCreateForm(forms.Form):
    parent = forms.ChoiceField(label=_("Parent account"))
    code = forms.CharField(
        label=_("Code"), max_length=20, help_text=_("The parent's code followed by two digits, e.g. 100201.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)

    def __init__(self, *args: Any, parents: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = parents or []  # type: ignore[attr-defined]


class AccountEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("Inactive accounts take no new entries.")
    )


class ChartForm(forms.Form):
    chart = forms.ChoiceField(label=_("Chart of accounts"), choices=LedgerSettings.Chart.choices)


class TaxpayerForm(forms.Form):
    taxpayer = forms.ChoiceField(label=_("VAT taxpayer type"), choices=LedgerSettings.Taxpayer.choices)


ROLE_CHOICES = [("", _("No finance role")), *ModuleRole.Role.choices]


class RoleForm(forms.Form):
    user_id = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Finance role"), choices=ROLE_CHOICES, required=False)


# --- receivables and payables -------------------------------------------------------------

AMOUNT_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "class": "amount"}
MIN_INVOICE_LINES = 3


def _date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class InvoiceForm(forms.Form):
    direction = forms.ChoiceField(label=_("Type"), choices=Invoice.Direction.choices)
    partner_name = forms.CharField(label=_("Partner"), max_length=200)
    partner_tax_id = forms.CharField(
        label=_("Partner tax id"),
        max_length=20,
        required=False,
        help_text=_("Unified social credit code (统一社会信用代码), 18 characters."),
    )
    date = _date_field(_("Date"))
    due_date = _date_field(_("Due date"), required=False, help_text=_("Empty: due on the invoice date."))
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)


class FapiaoForm(forms.Form):
    """The optional fapiao (发票) block; the service checks the numbers and tax ids."""

    type = forms.ChoiceField(label=_("Fapiao type"), choices=Invoice.FapiaoType.choices, required=False)
    code = forms.CharField(
        label=_("Fapiao code"), max_length=12, required=False, help_text=_("Older fapiao only; empty for 数电票.")
    )
    number = forms.CharField(label=_("Fapiao number"), max_length=20, required=False)
    date = _date_field(_("Fapiao date"), required=False)
    seller_tax_id = forms.CharField(label=_("Seller tax id"), max_length=20, required=False)
    buyer_tax_id = forms.CharField(label=_("Buyer tax id"), max_length=20, required=False)

    def fapiao_input(self) -> FapiaoInput:
        data = self.cleaned_data
        return FapiaoInput(
            type=data.get("type") or "",
            code=data.get("code") or "",
            number=data.get("number") or "",
            date=data.get("date"),
            seller_tax_id=data.get("seller_tax_id") or "",
            buyer_tax_id=data.get("buyer_tax_id") or "",
        )


class InvoiceLineForm(forms.Form):
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    account = forms.ChoiceField(label=_("Account"), required=False)
    quantity = forms.CharField(
        label=_("Quantity"), max_length=24, required=False, widget=forms.TextInput(attrs=AMOUNT_ATTRS)
    )
    unit_price = forms.CharField(
        label=_("Unit price"), max_length=24, required=False, widget=forms.TextInput(attrs=AMOUNT_ATTRS)
    )
    vat_rate = forms.ChoiceField(label=_("VAT rate"), required=False)

    def __init__(
        self,
        *args: Any,
        accounts: list[tuple[str, str]] | None = None,
        rates: list[tuple[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = accounts or [("", "—")]  # type: ignore[attr-defined]
        self.fields["vat_rate"].choices = rates or []  # type: ignore[attr-defined]

    @property
    def is_blank(self) -> bool:
        # The rate select always has a value, so it does not make a line filled.
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(
            str(data.get(name) or "").strip() for name in ("description", "account", "quantity", "unit_price")
        )

    def line_input(self) -> InvoiceLineInput:
        data = self.cleaned_data
        return InvoiceLineInput(
            description=data.get("description") or "",
            account_code=data.get("account") or "",
            quantity=(data.get("quantity") or "").strip(),
            unit_price=(data.get("unit_price") or "").strip(),
            vat_rate=data.get("vat_rate") or "",
        )


def invoice_line_formset(*, extra: int) -> type[BaseLineFormSet]:
    return forms.formset_factory(  # type: ignore[return-value]
        InvoiceLineForm, formset=BaseLineFormSet, extra=extra, max_num=200, absolute_max=200, validate_max=True
    )


def rate_choices(rates: Iterable[Decimal]) -> list[tuple[str, Any]]:
    return [*((str(rate), rate_label(rate)) for rate in rates), (EXEMPT, _("Exempt (免税)"))]


class CreditNoteForm(forms.Form):
    date = _date_field(_("Date of the credit note"))
    reason = forms.CharField(label=_("Reason"), max_length=200)
    fapiao_code = forms.CharField(label=_("Red fapiao code"), max_length=12, required=False)
    fapiao_number = forms.CharField(
        label=_("Red fapiao number"),
        max_length=20,
        required=False,
        help_text=_("The red-letter fapiao (红字发票), when one was issued."),
    )
    fapiao_date = _date_field(_("Red fapiao date"), required=False)


class PaymentPartnerForm(forms.Form):
    """Step one of a receipt or payment: whose open invoices to show."""

    direction = forms.ChoiceField(label=_("Type"), choices=Payment.Direction.choices)
    partner = forms.CharField(label=_("Partner"), max_length=200)


class PaymentForm(forms.Form):
    direction = forms.ChoiceField(choices=Payment.Direction.choices, widget=forms.HiddenInput)
    partner_name = forms.CharField(max_length=200, widget=forms.HiddenInput)
    date = _date_field(_("Date"))
    amount = forms.CharField(label=_("Amount"), max_length=24, widget=forms.TextInput(attrs=AMOUNT_ATTRS))
    bank_account = forms.ChoiceField(label=_("Bank or cash account"))
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)

    def __init__(self, *args: Any, banks: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].choices = banks or []  # type: ignore[attr-defined]


class AdvanceForm(forms.Form):
    """Apply what is left of an advance to one open invoice."""

    invoice = forms.TypedChoiceField(label=_("Invoice"), coerce=int)
    amount = forms.CharField(label=_("Amount"), max_length=24, widget=forms.TextInput(attrs=AMOUNT_ATTRS))
    date = _date_field(_("Date"))

    def __init__(self, *args: Any, invoices: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = invoices or []  # type: ignore[attr-defined]


class AsOfForm(forms.Form):
    as_of = _date_field(_("As of"), required=False)


# --- bank ---------------------------------------------------------------------------------


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_("CSV (UTF-8 or GB18030) or XLSX as exported by the bank, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )


MAPPING_FIELDS = ("date", "amount", "inflow", "outflow", "description", "counterparty", "reference", "balance")

# Headers Chinese and other banks use, per field, to preselect the mapping.
MAPPING_GUESSES: dict[str, tuple[str, ...]] = {
    "date": ("交易日期", "日期", "记账日期", "交易时间", "date", "booking date", "value date"),
    "amount": ("金额", "交易金额", "发生额", "amount"),
    "inflow": ("收入", "收入金额", "贷方发生额", "贷方金额", "存入", "credit", "money in", "inflow"),
    "outflow": ("支出", "支出金额", "借方发生额", "借方金额", "取出", "debit", "money out", "outflow"),
    "description": ("摘要", "用途", "交易摘要", "附言", "description", "memo", "details"),
    "counterparty": ("对方户名", "对方账户名称", "对方名称", "对方单位", "counterparty", "payee", "payer"),
    "reference": ("流水号", "交易流水号", "凭证号", "业务编号", "reference", "ref"),
    "balance": ("余额", "账户余额", "balance"),
}


class ColumnMappingForm(forms.Form):
    """Step two of an import: which column holds what; the file rides along in ``content``."""

    content = forms.CharField(widget=forms.HiddenInput, required=False)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=200)
    file = forms.FileField(
        label=_("Choose the same file again"),
        required=False,
        help_text=_("The file is too large to keep between the steps."),
    )
    date = forms.ChoiceField(label=_("Date"))
    amount = forms.ChoiceField(label=_("Amount (signed: money out negative)"), required=False)
    inflow = forms.ChoiceField(label=_("Money in (收入)"), required=False)
    outflow = forms.ChoiceField(label=_("Money out (支出)"), required=False)
    description = forms.ChoiceField(label=_("Description (摘要)"), required=False)
    counterparty = forms.ChoiceField(label=_("Counterparty (对方户名)"), required=False)
    reference = forms.ChoiceField(label=_("Reference (流水号)"), required=False)
    balance = forms.ChoiceField(label=_("Balance (余额)"), required=False)

    def __init__(self, *args: Any, header: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [("", "—"), *((name, name) for name in header or [] if name)]
        for name in MAPPING_FIELDS:
            self.fields[name].choices = columns  # type: ignore[attr-defined]

    @staticmethod
    def guess(header: list[str]) -> dict[str, str]:
        lowered = {name.strip().lower(): name for name in header if name}
        guessed: dict[str, str] = {}
        for name, candidates in MAPPING_GUESSES.items():
            found = next((lowered[c.lower()] for c in candidates if c.lower() in lowered), "")
            if found and found not in guessed.values():
                guessed[name] = found
        if guessed.get("inflow") or guessed.get("outflow"):
            guessed.pop("amount", None)
        return guessed

    def mapping(self) -> ColumnMapping:
        return ColumnMapping(**{name: self.cleaned_data.get(name) or "" for name in MAPPING_FIELDS})


class ReconciliationForm(forms.Form):
    as_of = _date_field(_("As of"), required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attach a source document"),
        help_text=_("PDF, OFD, XML, XLSX, PNG or JPEG, at most 10 MB."),
    )
