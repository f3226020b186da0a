"""Form helpers shared by the HTML views."""

from __future__ import annotations

from django import forms

from .errors import ApplicationError


def add_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's field errors on the form's fields (unknown fields go to the top)."""
    if not error.fields:
        form.add_error(None, error.detail)
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
