"""ParkSuite's settings plus one benchmark-only tenant app (benchmarks/fleet_migrate.py)."""

from config.settings.base import *  # noqa: F403

TENANT_APPS = [*TENANT_APPS, "benchmarks.fleetbench"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks.fleetbench"]  # noqa: F405
