"""Finance tests run inside firm A's schema, as its owner unless a test says otherwise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.models import User
from apps.finance.models import Voucher
from apps.finance.services import EntryLine, voucher_create, voucher_post
from tenants.models import Firm


@pytest.fixture
def owner(in_firm_a: Firm) -> User:
    return User.objects.get(role=User.Role.OWNER)


@pytest.fixture
def member_factory(in_firm_a: Firm) -> Any:
    def make(email: str, role: str | None = None) -> User:
        from apps.finance.models import ModuleRole

        user = User.objects.create_user(email, "Member-Pass-2026", full_name=email.split("@")[0])
        if role:
            ModuleRole.objects.create(user=user, role=role)
        return user

    return make


def lines(*pairs: tuple[str, str, str]) -> list[EntryLine]:
    """("1002", "100.00", "") is a debit of 100 on 1002; ("5001", "", "100.00") a credit."""
    return [EntryLine(account_code=code, debit=dr or 0, credit=cr or 0) for code, dr, cr in pairs]


def post(actor: User, day: date, *pairs: tuple[str, str, str], summary: str = "test") -> Voucher:
    voucher = voucher_create(actor=actor, day=day, summary=summary, lines=lines(*pairs))
    return voucher_post(actor=actor, voucher=voucher)


D = Decimal


LEDGER_TABLES = (
    "finance_voucherattachment, finance_bankstatementline, finance_allocation, finance_payment, "
    "finance_invoiceline, finance_invoice, finance_voucherline, finance_accountbalance, finance_voucher, "
    "finance_period"
)


def truncate_ledger(schema_name: str) -> None:
    """Empty a firm's ledger after a test that commits (TRUNCATE is what the triggers allow)."""
    from django.db import connection
    from django_tenants.utils import schema_context

    with schema_context(schema_name), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {LEDGER_TABLES} RESTART IDENTITY")
