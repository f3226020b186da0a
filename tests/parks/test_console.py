"""The park console (public host, /park/ and /api/v1/park/): a park's firms with their platform
facts, activity figures only when shared, filters, CSV export, the dashboard and the activity
log; park administrators of another park, other platform users and firm hosts get nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.billing.models import Plan, Subscription
from apps.parks.models import FirmActivity, Park
from core.tenancy import use_public_schema
from tenants.models import Firm

from .conftest import join_park, park_admin_client


def _html(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _shares(firm: Firm, *, users: int = 7, modules: tuple[str, ...] = ("crm",), shared: bool = True) -> FirmActivity:
    use_public_schema()
    return FirmActivity.objects.update_or_create(
        firm=firm,
        defaults={
            "shared": shared,
            "users_total": users,
            "users_active_30d": 3,
            "records": {"crm": 41, "hr": 0, "finance": 0, "supply_chain": 0},
            "modules_in_use": list(modules),
            "last_activity_at": timezone.now() - timedelta(hours=2),
            "collected_at": timezone.now(),
        },
    )[0]


def _on_plan(firm: Firm, code: str, *, quantity: int = 5, sponsor: Park | None = None) -> None:
    Subscription.objects.filter(firm=firm).update(
        plan=Plan.objects.get(code=code), status="active", quantity=quantity, sponsored_by=sponsor
    )


def _extra_firms(park: Park, count: int, *, prefix: str = "extra") -> list[Firm]:
    """Firm rows without schemas (the console reads only the public schema)."""
    now = timezone.now()
    return Firm.objects.bulk_create(
        Firm(
            schema_name=f"t_{prefix}{i:04d}",
            name=f"{prefix} firm {i:04d}",
            slug=f"{prefix}-{i:04d}",
            status=Firm.Status.ACTIVE,
            park=park,
            park_joined_at=now - timedelta(days=i),
        )
        for i in range(count)
    )


@pytest.fixture
def two_parks(firm_a: Firm, firm_b: Firm, park_a: Park, park_b: Park) -> tuple[Firm, Firm]:
    """Firm A in park A, firm B in park B."""
    return join_park(firm_a, park_a), join_park(firm_b, park_b)


# --- the firm list ---------------------------------------------------------------------------


def test_the_firm_list_shows_only_the_parks_own_firms(console_a: Client, two_parks: tuple[Firm, Firm]) -> None:
    page = _html(console_a.get("/park/firms/"))

    assert 'data-firm="alpha-firm"' in page
    assert "Alpha 科技" in page
    assert "beta-firm" not in page
    assert "Beta 物流" not in page


def test_the_firm_list_shows_status_plan_seats_industry_and_joined_date(
    console_a: Client, firm_a_in_park_a: Firm, park_a: Park
) -> None:
    Firm.objects.filter(pk=firm_a_in_park_a.pk).update(industry="I")
    _on_plan(firm_a_in_park_a, "business", quantity=12, sponsor=park_a)
    _shares(firm_a_in_park_a, users=9)

    page = _html(console_a.get("/park/firms/"))

    row = page[page.index('data-firm="alpha-firm"') :].split("</tr>")[0]
    assert "Active" in row
    assert "Business" in row
    assert "sponsored by the park" in row
    assert ">12<" in row
    assert "9 users" in row
    assert "Information transmission, software and IT services" in row
    assert "CRM" in row
    joined = timezone.localtime(firm_a_in_park_a.park_joined_at).year
    assert str(joined) in row


def test_a_firm_that_does_not_share_shows_no_activity_anywhere(console_a: Client, firm_a_in_park_a: Firm) -> None:
    # Given figures collected before the firm turned sharing off
    _shares(firm_a_in_park_a, users=9, modules=("crm", "finance"))
    Firm.objects.filter(pk=firm_a_in_park_a.pk).update(share_activity=False)

    # When the park looks at the list, the firm's page and the API
    listing = _html(console_a.get("/park/firms/"))
    detail = _html(console_a.get(f"/park/firms/{firm_a_in_park_a.pk}/"))
    api = console_a.get(f"/api/v1/park/firms/{firm_a_in_park_a.pk}/").json()

    # Then no figure shows: only that the firm does not share
    row = listing[listing.index('data-firm="alpha-firm"') :].split("</tr>")[0]
    assert "Not shared by the firm" in row
    assert "9 users" not in row
    assert "CRM" not in row
    assert "Finance" not in row
    assert 'data-sharing="not_shared"' in detail
    assert "Users active in 30 days" not in detail
    assert api["sharing"] == "not_shared"
    assert api["users_total"] is None
    assert api["records"] is None
    assert api["modules_in_use"] == []
    assert api["last_activity_at"] is None


def test_a_sharing_firm_not_counted_yet_says_so(console_a: Client, firm_a_in_park_a: Firm) -> None:
    page = _html(console_a.get("/park/firms/"))

    assert "Not collected yet" in page


def test_the_firm_page_shows_counts_per_module(console_a: Client, firm_a_in_park_a: Firm) -> None:
    _shares(firm_a_in_park_a)

    page = _html(console_a.get(f"/park/firms/{firm_a_in_park_a.pk}/"))

    assert 'data-module="crm"><td>CRM</td><td>41</td>' in page
    assert "Users active in 30 days" in page


def test_the_firm_page_offers_no_way_into_the_firm(console_a: Client, firm_a_in_park_a: Firm) -> None:
    page = _html(console_a.get(f"/park/firms/{firm_a_in_park_a.pk}/"))

    assert firm_a_in_park_a.host not in page
    assert "impersonat" not in page.lower()


@pytest.mark.parametrize("url", ["/park/firms/{id}/", "/api/v1/park/firms/{id}/"])
def test_a_firm_of_another_park_is_not_found(console_a: Client, two_parks: tuple[Firm, Firm], url: str) -> None:
    events = AuditEvent.objects.count()

    response = console_a.get(url.format(id=two_parks[1].pk))

    assert response.status_code == 404
    assert "Beta" not in response.content.decode()
    assert AuditEvent.objects.count() == events


def test_a_firm_in_no_park_is_not_found(console_a: Client, firm_a: Firm) -> None:
    assert console_a.get(f"/park/firms/{firm_a.pk}/").status_code == 404


# --- filters, search, sort, pagination --------------------------------------------------------


@pytest.fixture
def both_in_park_a(firm_a_in_park_a: Firm, firm_b_in_park_a: Firm) -> tuple[Firm, Firm]:
    return firm_a_in_park_a, firm_b_in_park_a


def _listed(client: Client, query: str) -> list[str]:
    page = _html(client.get(f"/park/firms/?{query}"))
    return [part.split('"')[0] for part in page.split('data-firm="')[1:]]


def test_search_finds_chinese_names_and_addresses(console_a: Client, both_in_park_a: tuple[Firm, Firm]) -> None:
    assert _listed(console_a, "q=科技") == ["alpha-firm"]
    assert _listed(console_a, "q=BETA-F") == ["beta-firm"]
    assert _listed(console_a, "q=nothing-like-it") == []


def test_filter_by_status(console_a: Client, both_in_park_a: tuple[Firm, Firm]) -> None:
    Firm.objects.filter(pk=both_in_park_a[1].pk).update(status=Firm.Status.SUSPENDED)

    assert _listed(console_a, "status=suspended") == ["beta-firm"]
    assert _listed(console_a, "status=active") == ["alpha-firm"]


def test_filter_by_plan(console_a: Client, both_in_park_a: tuple[Firm, Firm]) -> None:
    _on_plan(both_in_park_a[1], "starter")

    assert _listed(console_a, "plan=starter") == ["beta-firm"]
    assert _listed(console_a, "plan=trial") == ["alpha-firm"]
    assert 'value="starter"' in _html(console_a.get("/park/firms/"))


def test_filter_by_industry(console_a: Client, both_in_park_a: tuple[Firm, Firm]) -> None:
    Firm.objects.filter(pk=both_in_park_a[0].pk).update(industry="C")

    assert _listed(console_a, "industry=C") == ["alpha-firm"]
    assert _listed(console_a, "industry=none") == ["beta-firm"]


def test_filter_by_sharing(console_a: Client, both_in_park_a: tuple[Firm, Firm]) -> None:
    Firm.objects.filter(pk=both_in_park_a[1].pk).update(share_activity=False)

    assert _listed(console_a, "sharing=not_shared") == ["beta-firm"]
    assert _listed(console_a, "sharing=shared") == ["alpha-firm"]


def test_an_unknown_filter_value_means_any(console_a: Client, both_in_park_a: tuple[Firm, Firm]) -> None:
    assert _listed(console_a, "status=bogus&industry=ZZ&sort=drop+table") == ["alpha-firm", "beta-firm"]


def test_sort_by_joined_date_and_by_activity(console_a: Client, both_in_park_a: tuple[Firm, Firm]) -> None:
    firm_a, firm_b = both_in_park_a
    Firm.objects.filter(pk=firm_a.pk).update(park_joined_at=timezone.now() - timedelta(days=30))
    _shares(firm_a)
    _shares(firm_b)
    FirmActivity.objects.filter(firm=firm_b).update(last_activity_at=timezone.now())

    assert _listed(console_a, "sort=-joined") == ["beta-firm", "alpha-firm"]
    assert _listed(console_a, "sort=joined") == ["alpha-firm", "beta-firm"]
    assert _listed(console_a, "sort=-activity") == ["beta-firm", "alpha-firm"]


def test_activity_sort_ignores_figures_the_firm_no_longer_shares(
    console_a: Client, both_in_park_a: tuple[Firm, Firm]
) -> None:
    firm_a, firm_b = both_in_park_a
    _shares(firm_a)
    _shares(firm_b)
    FirmActivity.objects.filter(firm=firm_b).update(last_activity_at=timezone.now())
    Firm.objects.filter(pk=firm_b.pk).update(share_activity=False)

    assert _listed(console_a, "sort=-activity") == ["alpha-firm", "beta-firm"]


def test_the_list_is_paginated_and_keeps_the_filters(console_a: Client, park_a: Park) -> None:
    _extra_firms(park_a, 53)

    first = _html(console_a.get("/park/firms/?q=extra"))
    second = _html(console_a.get("/park/firms/?q=extra&page=2"))

    assert first.count('data-firm="') == 50
    assert second.count('data-firm="') == 3
    assert "53 firms" in first
    assert "?q=extra&amp;page=2" in first


def test_the_list_runs_the_same_queries_for_few_firms_or_many(console_a: Client, park_a: Park) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _html(console_a.get("/park/firms/"))
        return len(captured)

    for firm in _extra_firms(park_a, 2, prefix="few"):
        FirmActivity.objects.create(firm=firm, shared=True, users_total=2, collected_at=timezone.now())
    few = queries()
    for firm in _extra_firms(park_a, 40, prefix="many"):
        FirmActivity.objects.create(firm=firm, shared=True, users_total=2, collected_at=timezone.now())

    assert queries() == few


# --- CSV export ------------------------------------------------------------------------------


def test_the_csv_export_has_a_bom_chinese_names_and_the_filters_applied(
    console_a: Client, both_in_park_a: tuple[Firm, Firm], park_a: Park
) -> None:
    _shares(both_in_park_a[0], users=9)

    response = console_a.get("/park/firms/export/?q=科技")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Firm,Address,Status,Industry,Plan")
    assert len(lines) == 2
    assert lines[1].startswith("Alpha 科技,alpha-firm,Active,")
    assert ",Shared,9,3,CRM," in lines[1]


def test_the_csv_export_leaves_figures_of_a_non_sharing_firm_empty(console_a: Client, firm_a_in_park_a: Firm) -> None:
    _shares(firm_a_in_park_a, users=9)
    Firm.objects.filter(pk=firm_a_in_park_a.pk).update(share_activity=False)

    lines = console_a.get("/park/firms/export/").content.decode("utf-8-sig").splitlines()

    assert ",Not shared,,,,," in lines[1]
    assert "CRM" not in lines[1]


def test_the_csv_export_defuses_formulas(console_a: Client, park_a: Park) -> None:
    Firm.objects.create(schema_name="t_formula", name="=HYPERLINK(1)", slug="formula-firm", park=park_a)

    lines = console_a.get("/park/firms/export/").content.decode("utf-8-sig").splitlines()

    assert lines[1].startswith("'=HYPERLINK(1)")


def test_the_export_is_recorded_in_the_parks_log(console_a: Client, firm_a_in_park_a: Firm, park_a: Park) -> None:
    console_a.get("/park/firms/export/?status=active")

    event = AuditEvent.objects.get(action="parks.firms.exported")
    assert event.actor == "admin@park-a.example"
    assert event.changes == {"park_id": park_a.pk, "rows": 1, "filters": {"status": "active"}}


# --- who may use the console -----------------------------------------------------------------

CONSOLE_URLS = ["/park/", "/park/firms/", "/park/firms/export/", "/park/audit/"]
API_URLS = ["/api/v1/park/firms/", "/api/v1/park/dashboard/", "/api/v1/park/audit/"]


@pytest.mark.parametrize("role", ["operator", "member"])
def test_other_platform_users_are_refused(db: None, firm_a_in_park_a: Firm, role: str) -> None:
    use_public_schema()
    user = User.objects.create_user(f"{role}@platform.example", "Pass-word-2026", full_name="X", role=role)
    client = park_admin_client(user)
    events = AuditEvent.objects.count()

    for url in CONSOLE_URLS + API_URLS:
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Alpha" not in response.content
    assert AuditEvent.objects.count() == events


def test_a_park_admin_without_a_park_finds_nothing(make_park_admin: Callable[..., User]) -> None:
    client = park_admin_client(make_park_admin("lonely@park.example"))

    for url in CONSOLE_URLS + API_URLS:
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_sign_in(public_client: Client, firm_a_in_park_a: Firm) -> None:
    for url in CONSOLE_URLS:
        response = public_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")
    for url in API_URLS:
        assert public_client.get(url).status_code in (401, 403), url


def test_a_firm_host_does_not_serve_the_console(
    owner_a_client: Client, firm_a_in_park_a: Firm, firm_b_in_park_a: Firm
) -> None:
    for url in [*CONSOLE_URLS, f"/park/firms/{firm_b_in_park_a.pk}/", *API_URLS]:
        response = owner_a_client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        assert response.status_code != 500, url
        for console_data in (b'id="firm-table"', b"Beta", b"firms_total", b"users_active_30d"):
            assert console_data not in body, url


def test_the_park_is_switched_with_the_park_parameter(
    make_park_admin: Callable[..., User], park_a: Park, park_b: Park, two_parks: tuple[Firm, Firm]
) -> None:
    client = park_admin_client(make_park_admin("both@park.example", park_a, park_b))

    assert _listed(client, f"park={park_b.pk}") == ["beta-firm"]
    assert _listed(client, "") == ["beta-firm"]  # remembered
    assert client.get(f"/park/firms/{two_parks[0].pk}/").status_code == 404
    assert _listed(client, f"park={park_a.pk}") == ["alpha-firm"]


# --- the dashboard ---------------------------------------------------------------------------


def test_the_dashboard_counts_firms_by_status_industry_and_module(
    console_a: Client, both_in_park_a: tuple[Firm, Firm]
) -> None:
    firm_a, firm_b = both_in_park_a
    Firm.objects.filter(pk=firm_a.pk).update(industry="I")
    Firm.objects.filter(pk=firm_b.pk).update(status=Firm.Status.SUSPENDED, share_activity=False)
    _shares(firm_a, modules=("crm", "hr"))
    _shares(firm_b, modules=("crm", "finance"))  # not shared: not counted

    page = _html(console_a.get("/park/"))
    figures = console_a.get("/api/v1/park/dashboard/").json()

    assert 'id="firms-total">2<' in page
    assert 'id="firms-active">1<' in page
    assert 'id="firms-sharing">1<' in page
    assert figures["firms_total"] == 2
    assert figures["firms_sharing"] == 1
    assert {f["key"]: f["value"] for f in figures["by_status"]} == {"active": 1, "suspended": 1}
    assert {f["key"]: f["value"] for f in figures["by_industry"]} == {"I": 1, "none": 1}
    adoption = {f["key"]: f["value"] for f in figures["module_adoption"]}
    assert adoption == {"crm": 1, "hr": 1, "finance": 0, "supply_chain": 0}
    assert '<tr data-key="suspended">' in page
    assert 'width="100.0"' in page  # the longest bar fills its track


def test_the_dashboard_shows_growth_per_month_for_twelve_months(console_a: Client, park_a: Park) -> None:
    now = timezone.localtime()
    _extra_firms(park_a, 2, prefix="now")
    old = _extra_firms(park_a, 1, prefix="old")
    Firm.objects.filter(pk=old[0].pk).update(park_joined_at=now - timedelta(days=800))

    figures = console_a.get("/api/v1/park/dashboard/").json()
    page = _html(console_a.get("/park/"))

    growth = figures["growth"]
    assert len(growth) == 12
    assert growth[-1]["key"] == f"{now:%Y-%m}"
    assert sum(item["value"] for item in growth) == 2  # the firm that joined two years ago is out
    assert 'id="growth-chart"' in page
    assert "<svg" in page
    assert 'role="img"' in page


def test_the_dashboard_shows_the_sponsored_cost(
    console_a: Client, firm_a_in_park_a: Firm, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apps.billing import interface

    def cost(*, park_id: int) -> dict[str, object]:
        months = [("2026-10", Decimal("99.00")), ("2026-11", Decimal("1188.00"))]
        return {"currency": "CNY", "firms": 3, "monthly": Decimal("1188.00"), "by_month": months}

    monkeypatch.setattr(interface, "park_sponsored_cost", cost)

    page = _html(console_a.get("/park/"))
    figures = console_a.get("/api/v1/park/dashboard/").json()

    assert 'id="sponsored-firms">3<' in page
    assert "1,188.00" in page
    assert 'id="sponsored-chart"' in page
    assert figures["sponsored"] == {
        "currency": "CNY",
        "firms": 3,
        "monthly": "1188.00",
        "by_month": [{"month": "2026-10", "amount": "99.00"}, {"month": "2026-11", "amount": "1188.00"}],
    }


def test_an_empty_park_has_a_clear_dashboard(console_a: Client) -> None:
    page = _html(console_a.get("/park/"))

    assert 'id="no-firms"' in page
    assert "The park sponsors no subscription yet." in page


# --- the activity log ------------------------------------------------------------------------


def test_the_activity_log_lists_only_the_parks_events_newest_first(
    console_a: Client, park_a: Park, park_b: Park
) -> None:
    audit_record(action="parks.notice_published", actor="admin@park-a.example", park_id=park_a.pk, title="第一")
    audit_record(action="parks.firms.exported", actor="admin@park-a.example", park_id=park_a.pk, rows=2)
    audit_record(action="parks.notice_published", actor="admin@park-b.example", park_id=park_b.pk, title="别的园区")

    page = _html(console_a.get("/park/audit/"))
    api = console_a.get("/api/v1/park/audit/").json()

    assert "第一" in page
    assert "别的园区" not in page
    assert page.index("parks.firms.exported") < page.index("parks.notice_published</code>")
    assert [event["action"] for event in api["results"]] == ["parks.firms.exported", "parks.notice_published"]


def test_the_activity_log_filters_by_action(console_a: Client, park_a: Park) -> None:
    audit_record(action="parks.notice_published", actor="a@park.example", park_id=park_a.pk, title="通知")
    audit_record(action="parks.firms.exported", actor="a@park.example", park_id=park_a.pk, rows=2)

    page = _html(console_a.get("/park/audit/?action=parks.firms.exported"))

    assert "rows:</span> 2" in page
    assert "通知" not in page
    assert '<option value="parks.notice_published"' in page


def test_the_activity_log_is_paginated(console_a: Client, park_a: Park) -> None:
    for number in range(52):
        audit_record(action="parks.notice_published", actor="a@park.example", park_id=park_a.pk, n=number)

    assert "Page 1 of 2" in _html(console_a.get("/park/audit/"))
    assert console_a.get("/api/v1/park/audit/?page=2").json()["count"] == 52


# --- the API ---------------------------------------------------------------------------------


def test_the_api_lists_the_parks_firms_with_the_same_filters(
    console_a: Client, both_in_park_a: tuple[Firm, Firm], park_b: Park
) -> None:
    join_park(both_in_park_a[1], park_b)
    _shares(both_in_park_a[0], users=9)

    body = console_a.get("/api/v1/park/firms/?q=科技&status=active").json()

    assert body["count"] == 1
    firm = body["results"][0]
    assert firm["slug"] == "alpha-firm"
    assert firm["plan"] == "trial"
    assert firm["users_total"] == 9
    assert firm["records"] == {"crm": 41, "hr": 0, "finance": 0, "supply_chain": 0}
    assert console_a.get("/api/v1/park/firms/?q=Beta").json()["count"] == 0


def test_the_api_refuses_an_unknown_filter_value_clearly(console_a: Client, firm_a_in_park_a: Firm) -> None:
    response = console_a.get("/api/v1/park/firms/?status=bogus")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "status" in body["fields"]


def test_the_api_answers_not_found_as_json(console_a: Client, two_parks: tuple[Firm, Firm]) -> None:
    response = console_a.get(f"/api/v1/park/firms/{two_parks[1].pk}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- landing on the public host --------------------------------------------------------------


def test_a_park_admin_landing_on_home_goes_to_the_console(console_a: Client) -> None:
    response = console_a.get("/home/")

    assert response.status_code == 302
    assert response["Location"] == "/park/"


def test_a_park_admin_without_a_park_stays_on_home_with_an_explanation(make_park_admin: Callable[..., User]) -> None:
    client = park_admin_client(make_park_admin("lonely@park.example"))

    page = _html(client.get("/home/"))

    assert 'id="no-park"' in page


def test_an_operator_keeps_the_home_page(db: None) -> None:
    use_public_schema()
    operator = User.objects.create_user("ops@platform.example", "Pass-word-2026", full_name="运维", role="operator")

    page = _html(park_admin_client(operator).get("/home/"))

    assert "ops@platform.example" in page
