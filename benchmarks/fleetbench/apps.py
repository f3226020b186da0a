from django.apps import AppConfig


class FleetbenchConfig(AppConfig):
    """A tenant app that exists only for benchmarks/fleet_migrate.py."""

    name = "benchmarks.fleetbench"
    label = "fleetbench"
