"""Errors that services raise; the API and views turn them into clear messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ApplicationError(Exception):
    """A business rule said no. ``code`` is stable; ``detail`` is for people."""

    code = "invalid"
    status = 400

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.fields: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in (fields or {}).items()}


class ValidationFailed(ApplicationError):
    code = "validation_error"


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


class NotAllowed(ApplicationError):
    code = "permission_denied"
    status = 403
