"""CRM import and export pages: upload a file, map its columns (with a preview), follow the
job's progress, download the error report; download any filtered list as CSV or XLSX.

Reads and writes go through apps/crm/imports.py and exports.py; another person's import is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import ApplicationError, NotAllowed, NotFound
from core.forms import add_service_errors
from core.pages import reported

from . import exports, imports
from .models import CrmImport
from .views import crm_page, crm_render, paged

MAX_ERRORS_SHOWN = 20
LIST_PAGES = {
    "contacts": "crm:contact_list",
    "accounts": "crm:account_list",
    "leads": "crm:lead_list",
    "opportunities": "crm:kanban",
}


class CrmImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=CrmImport.Kind.choices)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8, or GBK as Chinese Excel saves it) or XLSX, the first row holding the column names; "
            "at most 20 MB and 200,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )


class CrmImportMappingForm(forms.Form):
    """One select per field (the suggested column chosen) and the dedupe rules."""

    def __init__(self, *args: Any, job: CrmImport, preview: imports.Preview, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        specs = imports.fields_for(job.kind)
        suggested = job.mapping or imports.suggest_mapping(job.kind, preview.header)
        columns = [("", _("— not imported —")), *((str(index), name) for index, name in preview.columns)]
        for spec in specs:
            chosen = suggested.get(spec.name)
            self.fields[spec.name] = forms.ChoiceField(
                label=spec.label,
                choices=columns,
                required=spec.required,
                initial="" if chosen is None else str(chosen),
            )
        labels = {spec.name: spec.label for spec in specs}
        rules = imports.DEDUPE_CHOICES[job.kind]
        # Many leads may share a company's credit code: that rule is offered, not preselected.
        preselected = [
            rule
            for rule in rules
            if suggested.get(rule) is not None and not (job.kind == CrmImport.Kind.LEADS and rule == "credit_code")
        ]
        self.fields["dedupe"] = forms.MultipleChoiceField(
            label=_("Skip rows that match an existing record by"),
            choices=[(rule, labels[rule]) for rule in rules],
            required=False,
            initial=job.dedupe or preselected,
            widget=forms.CheckboxSelectMultiple,
        )
        self.specs = specs

    @property
    def field_rows(self) -> list[forms.BoundField]:
        return [self[spec.name] for spec in self.specs]

    def mapping(self) -> dict[str, int | None]:
        return {
            spec.name: int(self.cleaned_data[spec.name]) if self.cleaned_data.get(spec.name) else None
            for spec in self.specs
        }


@crm_page
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    initial = {"kind": kind} if kind in CrmImport.Kind.values else {}
    form = CrmImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imports.check_size(upload.size or 0)
            job = imports.import_upload(
                actor=request.user, kind=form.cleaned_data["kind"], name=upload.name or "", content=upload.read()
            )
        except (NotAllowed, NotFound):
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("crm:import_mapping", import_id=job.pk)
    context = {"nav": "import", "form": form, **paged(request, imports.import_list(actor=request.user), per_page=20)}
    return crm_render(request, "crm/imports/new.html", context, status=400 if form.errors else 200)


@crm_page
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, import_id: int) -> HttpResponseBase:
    job = imports.import_get(actor=request.user, import_id=import_id)
    if job.status != CrmImport.Status.MAPPING:
        return redirect("crm:import_detail", import_id=job.pk)
    preview = imports.import_preview(job)
    form = CrmImportMappingForm(request.POST or None, job=job, preview=preview)
    if request.method == "POST" and form.is_valid():
        with reported(request) as outcome:
            imports.import_start(
                actor=request.user, import_id=job.pk, mapping=form.mapping(), dedupe=form.cleaned_data["dedupe"]
            )
        if outcome.ok:
            messages.success(request, _("%(name)s is being imported.") % {"name": job.file_name})
            return redirect("crm:import_detail", import_id=job.pk)
        if outcome.error is not None:
            add_service_errors(form, outcome.error)
    context = {
        "nav": "import",
        "job": job,
        "preview": preview,
        "form": form,
        "always": "、".join(str(spec.label) for spec in form.specs if spec.name in imports.DEDUPE_ALWAYS[job.kind]),
    }
    return crm_render(request, "crm/imports/mapping.html", context, status=400 if form.errors else 200)


def _status_context(job: CrmImport) -> dict[str, Any]:
    return {
        "job": job,
        "running": job.status in (CrmImport.Status.QUEUED, CrmImport.Status.RUNNING),
        "error_rows": imports.error_rows(job),
        "shown_errors": job.errors[:MAX_ERRORS_SHOWN],
        "more_errors": max(len(job.errors) - MAX_ERRORS_SHOWN, 0),
        "list_url": reverse(LIST_PAGES[job.kind]),
        "export_kind": job.kind,
    }


@crm_page
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponseBase:
    job = imports.import_get(actor=request.user, import_id=import_id)
    if job.status == CrmImport.Status.MAPPING:
        return redirect("crm:import_mapping", import_id=job.pk)
    return crm_render(request, "crm/imports/detail.html", {"nav": "import", **_status_context(job)})


@crm_page
@require_GET
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """The status block alone; htmx asks for it every second until the import ends."""
    job = imports.import_get(actor=request.user, import_id=import_id)
    return render(request, "crm/imports/_status.html", _status_context(job))


@crm_page
@require_GET
def import_errors(request: HttpRequest, import_id: int) -> HttpResponse:
    job = imports.import_get(actor=request.user, import_id=import_id)
    response = HttpResponse(imports.error_report(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="crm-import-{job.pk}-errors.csv"'
    return response


@crm_page
@require_GET
def export(request: HttpRequest, kind: str) -> HttpResponseBase:
    """A list as the person sees it (its filters in the query string) as CSV or XLSX."""
    if kind not in exports.KINDS:
        raise NotFound(_("There is no such list to export."))
    with reported(request):
        return exports.export_response(actor=request.user, kind=kind, params=request.GET)
    return redirect(LIST_PAGES[kind])  # a bad format: the list again, with the message
