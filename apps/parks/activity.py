"""Placeholder: replaced by the module's owner."""

from procrastinate.contrib.django import app


@app.task(queue="default", name="parks.collect_activity")
def collect_activity(**kwargs: object) -> None:
    raise NotImplementedError
