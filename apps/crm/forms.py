"""Forms of the CRM pages. They check types and lengths; the services have the last word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Account, Activity


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), max_length=18, required=False, help_text=_("18 characters, optional.")
    )
    industry = forms.CharField(label=_("Industry"), max_length=60, required=False)
    size = forms.ChoiceField(label=_("Size"), choices=[("", "—"), *Account.Size.choices], required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    mobile = forms.CharField(label=_("Mobile"), max_length=30, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    position = forms.CharField(label=_("Position"), max_length=100, required=False)
    account = forms.TypedChoiceField(label=_("Account"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "—"), *accounts]  # type: ignore[attr-defined]


class LeadForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=30, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    source = forms.CharField(label=_("Source"), max_length=60, required=False)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    to_pool = forms.BooleanField(label=_("Put it in the public pool (公海)"), required=False)


class OpportunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    account = forms.TypedChoiceField(label=_("Account"), coerce=int)
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    expected_close = forms.DateField(
        label=_("Expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, accounts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = accounts  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Details"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_at = forms.DateTimeField(
        label=_("Due"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    remind_at = forms.DateTimeField(
        label=_("Remind me"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ConvertForm(forms.Form):
    opportunity_name = forms.CharField(label=_("Opportunity"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=14, decimal_places=2, min_value=0, required=False)
    merge_into = forms.IntegerField(required=False, widget=forms.HiddenInput)


class LoseForm(forms.Form):
    reason = forms.CharField(label=_("Why was it lost?"), max_length=300)
