"""Building blocks of module pages: a decorator that turns service refusals into 403 and 404
pages, and ``reported`` for service calls whose other errors become a message.

(HR uses these too; finance keeps its own ``reported``, which turns "not found" into a message.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from core.errors import ApplicationError, NotAllowed, NotFound

View = Callable[..., HttpResponseBase]


def module_page(*, check: Callable[[Any], Any], forbidden_template: str) -> Callable[[View], View]:
    """Signed in and passing ``check(user)`` (which raises NotAllowed); NotFound becomes 404 and
    NotAllowed a 403 page that says why."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                check(request.user)
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.detail) from exc
            except NotAllowed as exc:
                return render(request, forbidden_template, {"message": exc.detail}, status=403)

        return wrapped

    return decorator


@dataclass
class Outcome:
    error: ApplicationError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def reported(request: HttpRequest, *, message: bool = True) -> Iterator[Outcome]:
    """A service call from a page: refusals and "no such thing" go on to ``module_page`` (403,
    404); other errors become a message at the top of the page (``message=False``: the caller
    shows them itself, next to a form's fields)."""
    outcome = Outcome()
    try:
        yield outcome
    except (NotAllowed, NotFound):
        raise
    except ApplicationError as exc:
        outcome.error = exc
        if message:
            messages.error(request, exc.detail)


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def render_page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)
