"""Placeholder: replaced by the module's owner."""

from procrastinate.contrib.django import app


@app.task(queue="default", name="parks.collaboration_lead_create")
def collaboration_lead_create(**kwargs: object) -> None:
    raise NotImplementedError
