"""HR tests run in firm A's schema as its owner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from apps.accounts.models import User
from apps.hr.services import EmployeeInput, employee_create
from tenants.models import Firm

# Valid resident ID numbers (check characters computed per GB 11643-1999).
IDS = [
    "11010519491231002X",
    "440524188001010014",
    "510104199003070015",
    "510104199512120025",
    "510104198811110033",
    "510104200001010049",
    "510104197905050057",
]


@pytest.fixture
def owner(in_firm_a: Firm) -> User:
    return User.objects.get(role=User.Role.OWNER)


def hire(
    owner: User,
    number: str,
    *,
    salary: str,
    hired: date = date(2025, 3, 1),
    base: str = "",
    fund_rate: str = "0.05",
    id_index: int = 0,
    **extra: Any,
) -> Any:
    return employee_create(
        actor=owner,
        data=EmployeeInput(
            number=number,
            name=f"员工{number}",
            gender="f",
            id_number=IDS[id_index],
            hire_date=hired,
            base_salary=salary,
            social_insurance_base=base or salary,
            housing_fund_rate=fund_rate,
            **extra,
        ),
    )


D = Decimal
