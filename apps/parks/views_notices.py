"""Park console, notices (public host, /park/notices/): drafts, publishing, withdrawing, read
figures. Park admins only; another park's notice is a 404 and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, NotFound
from core.forms import add_service_errors
from core.pages import query_without_page

from . import notices
from .access import park_admin_required
from .models import Notice

View = Callable[..., HttpResponseBase]


def console_page(view: View) -> View:
    """A park admin of the current park; "not found" from a service or selector is a 404."""

    @park_admin_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    return wrapped


def paged(request: HttpRequest, queryset: Any, *, per_page: int = 25) -> dict[str, Any]:
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page": page, "query": query_without_page(request)}


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of notice"), choices=Notice.Kind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=notices.TITLE_MAX)
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=notices.BODY_MAX, widget=forms.Textarea(attrs={"rows": 12})
    )
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Optional: the closing date of a subsidy call or an event's registration."),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment"),
        required=False,
        help_text=gettext_lazy("Optional: PDF, Word, Excel, PowerPoint, PNG, JPEG or ZIP, at most 10 MB."),
    )


class NoticeEditForm(NoticeForm):
    remove_attachment = forms.BooleanField(label=gettext_lazy("Remove the current attachment"), required=False)


def _fields(form: forms.Form) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "title": data["title"],
        "body": data["body"],
        "deadline": data.get("deadline"),
        "attachment": notices.attachment_from_file(data.get("attachment")),
    }


@console_page
def notice_list(request: HttpRequest) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    q = notices.clean_search(request.GET.get("q"))
    state = request.GET.get("state", "")
    kind = request.GET.get("kind", "")
    rows = notices.notice_list_for_park(park=park, q=q, state=state, kind=kind)
    context = {
        "q": q,
        "state": state if state in notices.NOTICE_STATES else "",
        "kind": kind,
        "states": [(value, notices.notice_state_label(value)) for value in notices.NOTICE_STATES],
        "kinds": Notice.Kind.choices,
        "members": notices.member_firm_count(park=park),
        **paged(request, rows),
    }
    return render(request, "parks/notices/list.html", context)


@console_page
@require_http_methods(["GET", "POST"])
def notice_new(request: HttpRequest) -> HttpResponseBase:
    form = NoticeForm(request.POST or None, request.FILES or None, initial={"kind": Notice.Kind.OTHER})
    if request.method == "POST" and form.is_valid():
        try:
            notice = notices.notice_create(park=request.park, actor=request.user, request=request, **_fields(form))  # type: ignore[attr-defined]
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved. Publish it when it is ready."))
            return redirect("park_notices:detail", notice.pk)
    return render(request, "parks/notices/form.html", {"form": form, "title": _("New notice")})


@console_page
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    park = request.park  # type: ignore[attr-defined]
    notice = notices.notice_get_for_park(park=park, notice_id=notice_id)
    state = notices.notice_state(notice)
    context = {
        "notice": notice,
        "state": state,
        "state_label": notices.notice_state_label(state),
        "members": notices.member_firm_count(park=park),
    }
    return render(request, "parks/notices/detail.html", context)


@console_page
@require_http_methods(["GET", "POST"])
def notice_edit(request: HttpRequest, notice_id: int) -> HttpResponseBase:
    park = request.park  # type: ignore[attr-defined]
    notice = notices.notice_get_for_park(park=park, notice_id=notice_id)
    if notices.notice_state(notice) != "draft":
        messages.error(request, _("Only a draft can be edited; withdraw this notice and publish a new one."))
        return redirect("park_notices:detail", notice.pk)
    initial = {"kind": notice.kind, "title": notice.title, "body": notice.body, "deadline": notice.deadline}
    form = NoticeEditForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notices.notice_update(
                park=park,
                actor=request.user,
                request=request,
                notice_id=notice.pk,
                remove_attachment=form.cleaned_data.get("remove_attachment", False),
                **_fields(form),
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("park_notices:detail", notice.pk)
    context = {"form": form, "notice": notice, "title": _("Edit the draft")}
    return render(request, "parks/notices/form.html", context)


@console_page
@require_POST
def notice_publish(request: HttpRequest, notice_id: int) -> HttpResponse:
    try:
        notices.notice_publish(park=request.park, actor=request.user, notice_id=notice_id, request=request)  # type: ignore[attr-defined]
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The notice is published: member firms see it on their dashboard."))
    return redirect("park_notices:detail", notice_id)


@console_page
@require_http_methods(["GET", "POST"])
def notice_withdraw(request: HttpRequest, notice_id: int) -> HttpResponseBase:
    park = request.park  # type: ignore[attr-defined]
    notice = notices.notice_get_for_park(park=park, notice_id=notice_id)
    if request.method == "POST":
        try:
            notices.notice_withdraw(park=park, actor=request.user, notice_id=notice.pk, request=request)
        except NotFound:
            raise
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("The notice is withdrawn: member firms no longer see it."))
        return redirect("park_notices:detail", notice.pk)
    context = {
        "notice": notice,
        "title": _("Withdraw the notice"),
        "question": _("Member firms will no longer see this notice. Its read figures are kept. Withdraw it?"),
        "confirm_label": _("Withdraw"),
        "action": "withdraw",
    }
    return render(request, "parks/notices/confirm.html", context)


@console_page
@require_http_methods(["GET", "POST"])
def notice_delete(request: HttpRequest, notice_id: int) -> HttpResponseBase:
    park = request.park  # type: ignore[attr-defined]
    notice = notices.notice_get_for_park(park=park, notice_id=notice_id)
    if request.method == "POST":
        try:
            notices.notice_delete(park=park, actor=request.user, notice_id=notice.pk, request=request)
        except NotFound:
            raise
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect("park_notices:detail", notice.pk)
        messages.success(request, _("The draft is deleted."))
        return redirect("park_notices:list")
    context = {
        "notice": notice,
        "title": _("Delete the draft"),
        "question": _("The draft and its attachment are deleted for good. Delete it?"),
        "confirm_label": _("Delete"),
        "action": "delete",
    }
    return render(request, "parks/notices/confirm.html", context)


@console_page
def notice_attachment(request: HttpRequest, notice_id: int) -> FileResponse:
    notice = notices.notice_get_for_park(park=request.park, notice_id=notice_id)  # type: ignore[attr-defined]
    return attachment_response(notice)


def attachment_response(notice: Notice) -> FileResponse:
    """The notice's file as a download (never shown inline: it comes from an upload)."""
    handle = notices.attachment_open(notice)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=notice.attachment_name or "attachment",
        content_type=notices.attachment_content_type(notice),
    )
