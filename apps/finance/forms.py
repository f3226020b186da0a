"""Forms of the finance pages. They shape input; the services decide what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError

from .models import Account, LedgerSettings, ModuleRole, Voucher
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
