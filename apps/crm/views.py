"""CRM pages (HTML). Reads through selectors, writes through services; everyone sees what
permissions.scope lets them see, and another person's record is a 404."""

from __future__ import annotations

import html
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import Conflict
from core.forms import add_service_errors
from core.pages import module_page, query_without_page, reported

from . import configuration, dashboard, documents, permissions, quotes, selectors, services
from .forms import AccountForm, ActivityForm, ContactForm, ConvertForm, LeadForm, LoseForm, OpportunityForm
from .models import Lead, Stage

crm_page = module_page(check=permissions.visible_owners, forbidden_template="crm/forbidden.html")


def crm_render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, template, {"sees_all": permissions.sees_all(request.user), **context}, status=status)


def paged(request: HttpRequest, queryset: Any, *, per_page: int = 50) -> dict[str, Any]:
    """The page of ``queryset`` asked for, with the query string to keep in the page links."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page": page, "query": query_without_page(request)}


def _filters(request: HttpRequest) -> dict[str, str]:
    return {"q": (request.GET.get("q") or "").strip()[:100], "sort": request.GET.get("sort", "")}


def _account_choices(user: Any) -> list[tuple[int, str]]:
    return list(selectors.account_list(actor=user).values_list("pk", "name")[:500])


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/crm/") and "//" not in target else default


# --- overview ----------------------------------------------------------------------------


@crm_page
def home(request: HttpRequest) -> HttpResponse:
    return crm_render(request, "crm/home.html", {"nav": "home", **dashboard.figures(actor=request.user)})


# --- leads and the pool --------------------------------------------------------------------


@crm_page
def lead_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    status = request.GET.get("status", "open")
    leads = selectors.lead_list(actor=request.user, status=status, pool="", **filters).exclude(owner__isnull=True)
    context = {
        "nav": "leads",
        "status": status,
        "statuses": Lead.Status.choices,
        **filters,
        **paged(request, leads),
        **_saved(request, "leads"),
    }
    return crm_render(request, "crm/lead_list.html", context)


@crm_page
def pool(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    leads = selectors.lead_list(actor=request.user, pool="only", **filters)
    settings = services.crm_settings()
    context = {"nav": "pool", "settings": settings, **filters, **paged(request, leads), **_saved(request, "pool")}
    return crm_render(request, "crm/pool.html", context)


@crm_page
@require_http_methods(["GET", "POST"])
def lead_new(request: HttpRequest) -> HttpResponseBase:
    form = LeadForm(request.POST or None, initial={"to_pool": request.GET.get("pool") == "1"})
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            lead = services.lead_create(actor=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The lead %(name)s is saved.") % {"name": lead.name})
            return redirect("crm:lead_detail", lead.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    return crm_render(request, "crm/form.html", {"nav": "leads", "form": form, "title": _("New lead")})


@crm_page
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, lead_id=lead_id)
    match = services.conversion_match(lead) if lead.status == Lead.Status.OPEN else None
    context = {
        "nav": "pool" if lead.owner_id is None else "leads",
        "lead": lead,
        "mine": lead.owner_id == request.user.pk,
        "match": match,
        "convert_form": ConvertForm(initial={"opportunity_name": lead.company or lead.name}),
        **_timeline(request, "lead", lead.pk),
    }
    return crm_render(request, "crm/lead_detail.html", context)


@crm_page
@require_POST
def lead_action(request: HttpRequest, lead_id: int, action: str) -> HttpResponse:
    change = services.lead_claim if action == "claim" else services.lead_release
    with reported(request) as outcome:
        change(actor=request.user, lead_id=lead_id)
    if outcome.ok:
        done = _("The lead is yours now.") if action == "claim" else _("The lead is back in the pool.")
        messages.success(request, done)
    return redirect(_safe_next(request, reverse("crm:lead_detail", args=[lead_id])))


@crm_page
@require_POST
def lead_convert(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = selectors.lead_get(actor=request.user, lead_id=lead_id)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("crm:lead_detail", lead.pk)
    try:
        result = services.lead_convert(actor=request.user, lead_id=lead.pk, **form.cleaned_data)
    except Conflict as exc:
        if exc.code != "merge_confirmation_needed":
            messages.error(request, exc.detail)
            return redirect("crm:lead_detail", lead.pk)
        # Ask before merging into the existing account.
        match = services.conversion_match(lead)
        context = {"nav": "leads", "lead": lead, "match": match, "form": form, "message": exc.detail}
        return crm_render(request, "crm/lead_merge.html", context, status=409)
    messages.success(
        request,
        _("Converted into %(account)s.") % {"account": result.account.name}
        if not result.merged
        else _("Merged into the existing account %(account)s.") % {"account": result.account.name},
    )
    if result.opportunity is not None:
        return redirect("crm:opportunity_detail", result.opportunity.pk)
    return redirect("crm:account_detail", result.account.pk)


# --- accounts and contacts -----------------------------------------------------------------


@crm_page
def account_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    industry = (request.GET.get("industry") or "").strip()[:60]
    accounts = selectors.account_list(actor=request.user, industry=industry, **filters)
    context = {
        "nav": "accounts",
        "industry": industry,
        **filters,
        **paged(request, accounts),
        **_saved(request, "accounts"),
    }
    return crm_render(request, "crm/account_list.html", context)


@crm_page
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponseBase:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            account = services.account_create(actor=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The account %(name)s is saved.") % {"name": account.name})
            return redirect("crm:account_detail", account.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    return crm_render(request, "crm/form.html", {"nav": "accounts", "form": form, "title": _("New account")})


@crm_page
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(actor=request.user, account_id=account_id)
    context = {
        "nav": "accounts",
        "account": account,
        "contacts": selectors.contact_list(actor=request.user, account_id=account.pk)[:50],
        "opportunities": selectors.opportunity_list(actor=request.user).filter(account=account)[:50],
        **_timeline(request, "account", account.pk),
    }
    return crm_render(request, "crm/account_detail.html", context)


@crm_page
def contact_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    contacts = selectors.contact_list(actor=request.user, q=filters["q"], sort=filters["sort"])
    context = {"nav": "contacts", **filters, **paged(request, contacts), **_saved(request, "contacts")}
    return crm_render(request, "crm/contact_list.html", context)


@crm_page
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest) -> HttpResponseBase:
    accounts = _account_choices(request.user)
    form = ContactForm(request.POST or None, accounts=accounts, initial={"account": request.GET.get("account")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        account_id = data.pop("account")
        with reported(request, message=False) as outcome:
            account = selectors.account_get(actor=request.user, account_id=account_id) if account_id else None
            contact = services.contact_create(actor=request.user, account=account, **data)
        if outcome.ok:
            messages.success(request, _("The contact %(name)s is saved.") % {"name": contact.name})
            return redirect("crm:contact_detail", contact.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    return crm_render(request, "crm/form.html", {"nav": "contacts", "form": form, "title": _("New contact")})


@crm_page
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = selectors.contact_get(actor=request.user, contact_id=contact_id)
    context = {"nav": "contacts", "contact": contact, **_timeline(request, "contact", contact.pk)}
    return crm_render(request, "crm/contact_detail.html", context)


# --- opportunities and the pipeline --------------------------------------------------------


@crm_page
@require_http_methods(["GET", "POST"])
def opportunity_new(request: HttpRequest) -> HttpResponseBase:
    accounts = _account_choices(request.user)
    form = OpportunityForm(request.POST or None, accounts=accounts, initial={"account": request.GET.get("account")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with reported(request, message=False) as outcome:
            opportunity = services.opportunity_create(
                actor=request.user,
                name=data["name"],
                account_id=data["account"],
                amount=data["amount"],
                expected_close=data["expected_close"],
            )
        if outcome.ok:
            messages.success(request, _("The opportunity %(name)s is saved.") % {"name": opportunity.name})
            return redirect("crm:opportunity_detail", opportunity.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    return crm_render(request, "crm/form.html", {"nav": "pipeline", "form": form, "title": _("New opportunity")})


@crm_page
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = selectors.opportunity_get(actor=request.user, opportunity_id=opportunity_id)
    context = {
        "nav": "pipeline",
        "opportunity": opportunity,
        "stages": selectors.stage_list(),
        "history": opportunity.stage_changes.select_related("from_stage", "to_stage", "by"),
        "lose_form": LoseForm(),
        "quotes": opportunity.quotes.order_by("-created_at")[:20],
        "can_invoice": quotes.can_invoice(request.user),
        **_timeline(request, "opportunity", opportunity.pk),
    }
    return crm_render(request, "crm/opportunity_detail.html", context)


def _board(request: HttpRequest) -> dict[str, Any]:
    """Open stages with their cards, in one query for the cards. Cards are plain dicts (pk,
    name, amount, account_name): a board holds thousands, and the template reads dicts fastest."""
    stages = [stage for stage in selectors.stage_list() if stage.kind == Stage.Kind.OPEN]
    cards: dict[int, list[dict[str, Any]]] = {stage.pk: [] for stage in stages}
    for opportunity in selectors.opportunity_cards(actor=request.user):
        cards[opportunity["stage_id"]].append(opportunity)
    columns = []
    for index, stage in enumerate(stages):
        column = cards[stage.pk]
        previous = stages[index - 1] if index else None
        following = stages[index + 1] if index + 1 < len(stages) else None
        columns.append(
            {
                "stage": stage,
                "cards": column,
                "cards_html": _cards_html(column, stage.pk, previous, following),
                "total": sum((o["amount"] for o in column), start=0),
                "previous": previous,
                "next": following,
            }
        )
    return {"columns": columns}


def _cards_html(cards: list[dict[str, Any]], stage_pk: int, back: Stage | None, forward: Stage | None) -> str:
    """A column's cards as HTML, built here rather than in the template: a board holds
    thousands of cards, and this is several times faster than a template loop. Every value
    from the database is escaped. Each arrow submits its column's hidden form (which holds the
    CSRF token and the target stage) to the card's own URL, by htmx or, without it, natively."""
    esc = html.escape
    arrows = []
    for target, direction, label, symbol in (
        (back, "back", _("Move back to"), "&larr;"),
        (forward, "on", _("Move on to"), "&rarr;"),
    ):
        if target is not None:
            name = esc(target.label)
            arrows.append(
                f'<button type="submit" form="move-{stage_pk}-{direction}" formaction="{{url}}" '
                f'hx-post="{{url}}" hx-include="#move-{stage_pk}-{direction}" class="link" '
                f'title="{name}" aria-label="{esc(label)} {name}">{symbol}</button>'
            )
    template = "".join(arrows)
    parts = []
    for card in cards:
        pk = int(card["pk"])
        url = f"/crm/opportunities/{pk}/move/"
        parts.append(
            f'<li class="kanban-card" draggable="true" data-id="{pk}" id="opp-{pk}">'
            f'<a href="/crm/opportunities/{pk}/">{esc(card["name"])}</a>'
            f'<span class="muted">{esc(card["account_name"] or "")}</span>'
            f'<span class="num">{card["amount"]:,.2f}</span>'
            f'<span class="kanban-move">{template.replace("{url}", url)}</span></li>'
        )
    return mark_safe("".join(parts))  # noqa: S308  (every database value above is escaped)


@crm_page
def kanban(request: HttpRequest) -> HttpResponse:
    return crm_render(request, "crm/kanban.html", {"nav": "pipeline", **_board(request)})


@crm_page
@require_POST
def opportunity_move(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    """Move to a stage: from the board (htmx: the board comes back) or the detail page."""
    try:
        stage_id = int(request.POST.get("stage", ""))
    except ValueError:
        stage_id = 0
    with reported(request) as outcome:
        moved = services.opportunity_move(
            actor=request.user,
            opportunity_id=opportunity_id,
            stage_id=stage_id,
            lost_reason=request.POST.get("reason", ""),
        )
    if request.headers.get("HX-Request"):
        response = crm_render(request, "crm/_board.html", _board(request), status=200 if outcome.ok else 400)
        return response
    if outcome.ok:
        messages.success(request, _("Moved to %(stage)s.") % {"stage": moved.stage.label})
    return redirect(_safe_next(request, reverse("crm:opportunity_detail", args=[opportunity_id])))


@crm_page
@require_POST
def opportunity_close(request: HttpRequest, opportunity_id: int, outcome_kind: str) -> HttpResponse:
    with reported(request) as outcome:
        if outcome_kind == "won":
            services.opportunity_win(actor=request.user, opportunity_id=opportunity_id)
        else:
            form = LoseForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.opportunity_lose(actor=request.user, opportunity_id=opportunity_id, reason=reason)
    if outcome.ok:
        messages.success(request, _("Marked as won.") if outcome_kind == "won" else _("Marked as lost."))
    return redirect("crm:opportunity_detail", opportunity_id)


# --- activities ----------------------------------------------------------------------------


def _timeline(request: HttpRequest, about: str, about_id: int) -> dict[str, Any]:
    return {
        "activities": selectors.activity_list(actor=request.user, about=about, about_id=about_id)
        .select_related("owner")
        .order_by("-created_at", "-id")[:100],
        "activity_form": ActivityForm(),
        "about": about,
        "about_id": about_id,
        **_documents(request, about, about_id),
    }


@crm_page
@require_POST
def activity_add(request: HttpRequest, about: str, about_id: int) -> HttpResponse:
    form = ActivityForm(request.POST)
    if form.is_valid():
        with reported(request) as outcome:
            services.activity_create(actor=request.user, about=about, about_id=about_id, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The activity is recorded."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(_safe_next(request, reverse("crm:home")))


@crm_page
@require_POST
def activity_complete(request: HttpRequest, activity_id: int) -> HttpResponse:
    with reported(request) as outcome:
        services.activity_complete(actor=request.user, activity_id=activity_id)
    if outcome.ok:
        messages.success(request, _("Marked as done."))
    return redirect(_safe_next(request, reverse("crm:home")))


@crm_page
def placeholder(request: HttpRequest, title: str) -> HttpResponse:
    """Stands in for pages still being built (quotes, imports) so links never break."""
    return crm_render(request, "crm/_base.html", {"nav": title})


# --- documents and saved filters ----------------------------------------------------------


def _documents(request: HttpRequest, about: str, about_id: int) -> dict[str, Any]:
    return {"attachments": documents.attachment_list(actor=request.user, about=about, about_id=about_id)}


@crm_page
@require_POST
def attachment_upload(request: HttpRequest, about: str, about_id: int) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        with reported(request) as outcome:
            documents.attachment_add(
                actor=request.user, about=about, about_id=about_id, name=upload.name or "", content=upload.read()
            )
        if outcome.ok:
            messages.success(request, _("The document %(name)s is kept.") % {"name": upload.name})
    return redirect(_safe_next(request, reverse("crm:home")))


@crm_page
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    attachment = documents.attachment_get(actor=request.user, attachment_id=attachment_id)
    path = documents.attachment_path(attachment)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )


@crm_page
@require_POST
def attachment_remove(request: HttpRequest, attachment_id: int) -> HttpResponse:
    with reported(request) as outcome:
        documents.attachment_delete(actor=request.user, attachment_id=attachment_id)
    if outcome.ok:
        messages.success(request, _("The document is removed."))
    return redirect(_safe_next(request, reverse("crm:home")))


def _saved(request: HttpRequest, list_name: str) -> dict[str, Any]:
    return {
        "saved_filters": documents.saved_filter_list(actor=request.user, list_name=list_name),
        "filter_list": list_name,
        "current_query": query_without_page(request),
    }


@crm_page
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    list_name = request.POST.get("list_name", "")
    with reported(request) as outcome:
        documents.saved_filter_save(
            actor=request.user,
            list_name=list_name,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    if outcome.ok:
        messages.success(request, _("The filter is saved."))
    return redirect(_safe_next(request, reverse("crm:home")))


@crm_page
@require_POST
def saved_filter_remove(request: HttpRequest, filter_id: int) -> HttpResponse:
    with reported(request) as outcome:
        documents.saved_filter_delete(actor=request.user, filter_id=filter_id)
    if outcome.ok:
        messages.success(request, _("The saved filter is removed."))
    return redirect(_safe_next(request, reverse("crm:home")))


# --- configuration (owners and administrators) -------------------------------------------


@crm_page
@require_http_methods(["GET", "POST"])
def crm_configuration(request: HttpRequest) -> HttpResponse:
    """Pool rules, pipeline stages and the sales team, on one page."""
    permissions.manages_settings(request.user)
    action = request.POST.get("action", "")
    if request.method == "POST":
        post = request.POST
        with reported(request) as outcome:
            if action == "pool":
                configuration.pool_rules_update(
                    actor=request.user,
                    pool_return_days=post.get("pool_return_days"),
                    claim_limit=post.get("claim_limit"),
                )
            elif action == "stage":
                configuration.stage_save(
                    actor=request.user,
                    stage_id=post.get("stage_id") or None,
                    name=post.get("name", ""),
                    name_en=post.get("name_en", ""),
                    probability=post.get("probability"),
                    position=post.get("position"),
                    kind=post.get("kind", "open"),
                )
            elif action == "stage_delete":
                configuration.stage_delete(actor=request.user, stage_id=post.get("stage_id"))
            elif action == "role":
                configuration.sales_role_set(
                    actor=request.user,
                    user_id=post.get("user_id"),
                    role=post.get("role", ""),
                    manager_id=post.get("manager_id") or None,
                )
        if outcome.ok:
            messages.success(request, _("Saved."))
        return redirect(f"{reverse('crm:configuration')}#{action or 'pool'}")
    people = list(configuration.sales_team(actor=request.user))
    context = {
        "nav": "configuration",
        "settings": services.crm_settings(),
        "stages": selectors.stage_list(),
        "stage_kinds": Stage.Kind.choices,
        "people": people,
        "managers": [p for p in people if getattr(getattr(p, "sales_role", None), "role", "") == "manager"],
    }
    return crm_render(request, "crm/configuration.html", context)
