"""Which park a console action is for: the form carries the park it was shown for, so a park
admin of two parks never acts for the wrong one after switching parks in another tab; a park id
that is not theirs (or not a number) finds nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.parks.models import Park, ParkInvitation
from tenants.models import Firm

from .conftest import park_admin_client


@pytest.fixture
def two_park_console(make_park_admin: Callable[..., User], park_a: Park, park_b: Park) -> Client:
    return park_admin_client(make_park_admin("both@parks.example", park_a, park_b))


@pytest.mark.django_db
def test_a_form_acts_for_the_park_it_was_shown_for_after_a_switch_in_another_tab(
    two_park_console: Client, park_a: Park, park_b: Park
) -> None:
    page = two_park_console.get(f"/park/onboarding/?park={park_a.pk}").content.decode()
    assert f'name="park" value="{park_a.pk}"' in page  # the invite form carries park A
    two_park_console.get(f"/park/?park={park_b.pk}")  # another tab switches to park B

    response = two_park_console.post("/park/onboarding/", {"park": park_a.pk, "email": "ceo@newfirm.example"})

    assert response.status_code == 302
    assert list(ParkInvitation.objects.values_list("park_id", "email")) == [(park_a.pk, "ceo@newfirm.example")]
    assert two_park_console.get("/park/").context["request"].park == park_b  # the switch itself stands


@pytest.mark.django_db
def test_a_form_naming_a_park_the_admin_does_not_run_finds_nothing_and_changes_nothing(
    console_a: Client, park_b: Park
) -> None:
    response = console_a.post("/park/onboarding/", {"park": park_b.pk, "email": "ceo@newfirm.example"})

    assert response.status_code == 404
    assert not ParkInvitation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "\u0661", "-1", "1e3", "9" * 40, "\x00"])
def test_a_park_parameter_that_is_not_a_plain_number_is_not_found(console_a: Client, value: str) -> None:
    assert console_a.get("/park/", {"park": value}).status_code == 404
    assert console_a.get("/api/v1/park/dashboard/", {"park": value}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"capability": "\x00"}, {"industry": "\x00"}, {"industry": "ZZ"}])
def test_directory_filters_with_stray_bytes_answer_normally(
    firm_a_in_park_a: Firm, owner_a_client: Client, params: dict[str, str]
) -> None:
    assert owner_a_client.get("/park/directory/", params).status_code == 200
    assert owner_a_client.get("/api/v1/park/directory/profiles/", params).status_code == 200
