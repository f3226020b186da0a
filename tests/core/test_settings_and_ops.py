"""Production refuses unsafe settings; the demo seed is idempotent; the API docs are local."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from apps.accounts.models import User
from apps.parks.models import Park
from tenants.models import Firm
from tests.helpers import ROOT

IMPORT_PRODUCTION = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production'; django.setup()"
)


def _start_production(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", IMPORT_PRODUCTION],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_a_database_url() -> None:
    result = _start_production({"SECRET_KEY": "x" * 10 + "abcdefghij" * 5})

    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


@pytest.mark.parametrize("secret", ["", "short", "django-insecure-" + "a" * 50, "a" * 60])
def test_production_refuses_a_weak_secret_key(secret: str) -> None:
    result = _start_production({"DATABASE_URL": "postgresql://u@db.invalid/x", "SECRET_KEY": secret})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_and_database() -> None:
    secret = "k3J9-pQ2_vX8zL0mN5bR7tY1wE4uI6oA2sD8fG0hJ3kL5zX7cV9bN1mQ4"

    result = _start_production({"DATABASE_URL": "postgresql://u@db.invalid/x", "SECRET_KEY": secret})

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_creates_the_tianfu_park(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    call_command("seed_demo")

    output = capsys.readouterr().out
    park = Park.objects.get(name="天府软件园")
    assert park.name_en == "Tianfu Software Park"
    assert park.admins.count() == 1
    firms = Firm.objects.filter(park=park)
    assert firms.count() == 3
    assert set(firms.values_list("status", flat=True)) == {"active"}
    for firm in firms:
        with schema_context(firm.schema_name):
            assert User.objects.filter(role=User.Role.OWNER).count() == 1
        assert firm.url in output
    from apps.crm.models import Account, Lead, Opportunity

    with schema_context(firms.get(slug="rongxin").schema_name):  # CRM demo data, once
        assert Account.objects.count() == 4
        assert Lead.objects.filter(owner__isnull=True).count() == 2
        assert Opportunity.objects.filter(stage__kind="won").count() == 1
    assert output.count("CRM demo data") == 1
    # The firms came in through the park's invitations; the park has its content, once.
    assert park.invitations.filter(status="accepted").count() == 3
    assert park.services.count() == 4
    assert park.notices.filter(published_at__isnull=False).count() == 3
    assert park.firms.filter(directory_profile__is_published=True).count() == 2
    assert output.count("Park content:") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost", "alpha-firm.localhost"])
def test_api_docs_and_schema_are_served_with_local_assets(host: str, firm_a: Firm) -> None:
    client = Client(HTTP_HOST=host)

    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/").content.decode()

    assert schema.status_code == 200
    assert b"openapi" in schema.content
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset


def test_production_passes_the_deployment_checklist() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "postgresql://u@db.invalid/x",
        "SECRET_KEY": "k3J9-pQ2_vX8zL0mN5bR7tY1wE4uI6oA2sD8fG0hJ3kL5zX7cV9bN1mQ4",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(public_client: Client, client_a: Client) -> None:
    for response in (public_client.get("/"), public_client.get("/signup/"), client_a.get("/accounts/login/")):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response["X-Frame-Options"] == "DENY"
        assert b"<script>" not in response.content
        assert b" style=" not in response.content
