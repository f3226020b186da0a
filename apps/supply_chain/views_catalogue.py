"""Catalogue pages: products (with units, stock and valuation), categories, suppliers and
customers, warehouses and locations, price lists, product import, and the supply chain settings.

Reads go through apps/supply_chain/catalogue.py selectors, writes through its services; a page
that changes something refuses (403, saying why) people without the right, and ids the firm does
not have are a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError, NotAllowed, NotFound
from core.forms import add_service_errors
from core.pages import reported

from . import catalogue, permissions, product_import
from .forms_catalogue import (
    CategoryForm,
    ConversionForm,
    CrmAccountForm,
    LocationEditForm,
    LocationForm,
    PartnerForm,
    PriceItemForm,
    PriceListEditForm,
    PriceListForm,
    ProductForm,
    ProductImportForm,
    RoleForm,
    SettingsForm,
    WarehouseEditForm,
    WarehouseForm,
)
from .models import Product, ProductImport
from .pages import paged, sc_page, sc_render

FORM = "supply_chain/catalogue/form.html"
MAX_CHOICES = 1000
MAX_ERRORS_SHOWN = 20


def _q(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:100]


def _active(request: HttpRequest) -> tuple[str, bool | None]:
    """The list's "active" filter: active (default), inactive or all."""
    value = request.GET.get("active", "")
    return value, {"all": None, "inactive": False}.get(value, True)


def _form_page(
    request: HttpRequest, form: forms.Form, *, title: str, nav: str, cancel: str, multipart: bool = False
) -> HttpResponse:
    context = {"nav": nav, "form": form, "title": title, "cancel": cancel, "multipart": multipart}
    return sc_render(request, FORM, context, status=400 if form.errors else 200)


def _category_choices(user: Any) -> list[tuple[Any, str]]:
    return list(catalogue.category_list(actor=user).values_list("pk", "name")[:MAX_CHOICES])


def _supplier_choices(user: Any) -> list[tuple[Any, str]]:
    return list(catalogue.partner_list(actor=user, kind="supplier").values_list("pk", "name")[:MAX_CHOICES])


def _price_list_choices(user: Any) -> list[tuple[Any, str]]:
    return list(catalogue.price_list_list(actor=user).values_list("pk", "name")[:MAX_CHOICES])


# --- products --------------------------------------------------------------------------------


@sc_page
@require_GET
def product_list(request: HttpRequest) -> HttpResponse:
    q, (active, is_active) = _q(request), _active(request)
    category = request.GET.get("category", "")
    products = catalogue.product_list(actor=request.user, q=q, category=category or None, active=is_active)
    context = {
        "nav": "products",
        "q": q,
        "active": active,
        "category": category,
        "categories": _category_choices(request.user),
        **paged(request, products),
    }
    return sc_render(request, "supply_chain/catalogue/product_list.html", context)


def _product_form(request: HttpRequest, product: Product | None = None) -> ProductForm:
    initial: dict[str, Any] = {}
    if product is not None:
        initial = {name: getattr(product, name) for name in catalogue.PRODUCT_FIELDS}
        initial.update(category=product.category_id, supplier=product.supplier_id, vat_rate=str(product.vat_rate))
    return ProductForm(
        request.POST or None,
        initial=initial,
        categories=_category_choices(request.user),
        suppliers=_supplier_choices(request.user),
    )


@sc_page
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest) -> HttpResponseBase:
    permissions.require(request.user, permissions.CATALOGUE)
    form = _product_form(request)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            product = catalogue.product_create(actor=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The product %(sku)s is saved.") % {"sku": product.sku})
            return redirect("supply_chain:product_detail", product.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    return _form_page(
        request, form, title=_("New product"), nav="products", cancel=reverse("supply_chain:product_list")
    )


@sc_page
@require_GET
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    product = catalogue.product_get(actor=request.user, product_id=product_id)
    moves = catalogue.product_moves(actor=request.user, product_id=product.pk)
    context = {
        "nav": "products",
        "product": product,
        "conversions": catalogue.product_conversions(product),
        "conversion_form": ConversionForm(),
        "levels": catalogue.product_stock(actor=request.user, product_id=product.pk),
        "valuation": catalogue.product_valuation(product),
        "has_moves": catalogue.product_has_moves(product),
        **paged(request, moves, per_page=25),
    }
    return sc_render(request, "supply_chain/catalogue/product_detail.html", context)


@sc_page
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: int) -> HttpResponseBase:
    product = catalogue.product_get(actor=request.user, product_id=product_id)
    permissions.require(request.user, permissions.CATALOGUE)
    form = _product_form(request, product)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            catalogue.product_update(actor=request.user, product_id=product.pk, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The product %(sku)s is saved.") % {"sku": product.sku})
            return redirect("supply_chain:product_detail", product.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    title = _("Edit %(product)s") % {"product": product}
    cancel = reverse("supply_chain:product_detail", args=[product.pk])
    return _form_page(request, form, title=title, nav="products", cancel=cancel)


@sc_page
@require_POST
def product_active(request: HttpRequest, product_id: int) -> HttpResponse:
    """Deactivate (or reactivate, ``active=1``) a product."""
    product = catalogue.product_get(actor=request.user, product_id=product_id)
    change = catalogue.product_reactivate if request.POST.get("active") == "1" else catalogue.product_deactivate
    with reported(request) as outcome:
        changed = change(actor=request.user, product_id=product.pk)
    if outcome.ok:
        done = _("The product is active.") if changed.is_active else _("The product is no longer offered.")
        messages.success(request, done)
    return redirect("supply_chain:product_detail", product.pk)


@sc_page
@require_POST
def conversion_add(request: HttpRequest, product_id: int) -> HttpResponse:
    product = catalogue.product_get(actor=request.user, product_id=product_id)
    with reported(request) as outcome:
        conversion = catalogue.conversion_add(
            actor=request.user,
            product_id=product.pk,
            unit=request.POST.get("unit", ""),
            factor=request.POST.get("factor"),
        )
    if outcome.ok:
        messages.success(request, _("The unit %(unit)s is added.") % {"unit": conversion.unit})
    elif outcome.error is not None and outcome.error.fields:
        for problems in outcome.error.fields.values():
            for problem in problems:
                messages.error(request, problem)
    return redirect("supply_chain:product_detail", product.pk)


@sc_page
@require_POST
def conversion_remove(request: HttpRequest, product_id: int) -> HttpResponse:
    """Remove one of the product's units (``conversion`` names it)."""
    product = catalogue.product_get(actor=request.user, product_id=product_id)
    with reported(request) as outcome:
        catalogue.conversion_remove(
            actor=request.user, product_id=product.pk, conversion_id=request.POST.get("conversion")
        )
    if outcome.ok:
        messages.success(request, _("The unit is removed."))
    return redirect("supply_chain:product_detail", product.pk)


# --- categories ------------------------------------------------------------------------------


@sc_page
@require_http_methods(["GET", "POST"])
def category_list(request: HttpRequest) -> HttpResponse:
    """The categories, and a form to add one (POST)."""
    q = _q(request)
    form = CategoryForm(request.POST or None, categories=_category_choices(request.user))
    if request.method == "POST":
        permissions.require(request.user, permissions.CATALOGUE)
        if form.is_valid():
            with reported(request, message=False) as outcome:
                category = catalogue.category_create(actor=request.user, **form.cleaned_data)
            if outcome.ok:
                messages.success(request, _("The category %(name)s is saved.") % {"name": category.name})
                return redirect("supply_chain:category_list")
            add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    categories = catalogue.category_list(actor=request.user, q=q)
    context = {"nav": "products", "q": q, "form": form, **paged(request, categories)}
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/category_list.html", context, status=status)


@sc_page
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, category_id: int) -> HttpResponseBase:
    """Rename or move a category; ``delete`` removes an empty one."""
    category = catalogue.category_get(actor=request.user, category_id=category_id)
    permissions.require(request.user, permissions.CATALOGUE)
    if request.method == "POST" and request.POST.get("delete") == "1":
        with reported(request) as outcome:
            catalogue.category_delete(actor=request.user, category_id=category.pk)
        if outcome.ok:
            messages.success(request, _("The category is removed."))
            return redirect("supply_chain:category_list")
        return redirect("supply_chain:category_edit", category.pk)
    choices = [(pk, name) for pk, name in _category_choices(request.user) if pk != category.pk]
    initial = {"name": category.name, "parent": category.parent_id}
    form = CategoryForm(request.POST or None, initial=initial, categories=choices)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            catalogue.category_update(actor=request.user, category_id=category.pk, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The category %(name)s is saved.") % {"name": form.cleaned_data["name"]})
            return redirect("supply_chain:category_list")
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    context = {"nav": "products", "form": form, "category": category}
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/category_edit.html", context, status=status)


# --- partners --------------------------------------------------------------------------------


def _may_keep_partners(user: Any) -> None:
    permissions.require(user, permissions.CATALOGUE, permissions.PURCHASE, permissions.SELL)


@sc_page
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    q, (active, is_active) = _q(request), _active(request)
    kind = request.GET.get("kind", "")
    partners = catalogue.partner_list(actor=request.user, q=q, kind=kind, active=is_active)
    context = {"nav": "partners", "q": q, "kind": kind, "active": active, **paged(request, partners)}
    return sc_render(request, "supply_chain/catalogue/partner_list.html", context)


def _partner_data(form: PartnerForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["payment_days"] = data.get("payment_days") if data.get("payment_days") is not None else 30
    return data


@sc_page
@require_http_methods(["GET", "POST"])
def partner_new(request: HttpRequest) -> HttpResponseBase:
    _may_keep_partners(request.user)
    kind = request.GET.get("kind", "")
    initial = {"is_supplier": kind != "customer", "is_customer": kind == "customer", "is_active": True}
    form = PartnerForm(request.POST or None, initial=initial, price_lists=_price_list_choices(request.user))
    form.fields.pop("is_active")
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            data = _partner_data(form)
            partner = catalogue.partner_create(actor=request.user, **data)
        if outcome.ok:
            messages.success(request, _("%(name)s is saved.") % {"name": partner.name})
            return redirect("supply_chain:partner_detail", partner.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    title = _("New supplier or customer")
    return _form_page(request, form, title=title, nav="partners", cancel=reverse("supply_chain:partner_list"))


@sc_page
@require_GET
def partner_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = catalogue.partner_get(actor=request.user, partner_id=partner_id)
    supplied = catalogue.product_list(actor=request.user, active=None).filter(supplier=partner)
    context = {
        "nav": "partners",
        "partner": partner,
        "crm_account_name": catalogue.crm_account_name(actor=request.user, partner=partner),
        "supplied": supplied[:50],
    }
    return sc_render(request, "supply_chain/catalogue/partner_detail.html", context)


@sc_page
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, partner_id: int) -> HttpResponseBase:
    partner = catalogue.partner_get(actor=request.user, partner_id=partner_id)
    _may_keep_partners(request.user)
    initial = {name: getattr(partner, name) for name in catalogue.PARTNER_FIELDS if name != "crm_account_id"}
    initial["price_list"] = partner.price_list_id
    form = PartnerForm(request.POST or None, initial=initial, price_lists=_price_list_choices(request.user))
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            catalogue.partner_update(actor=request.user, partner_id=partner.pk, **_partner_data(form))
        if outcome.ok:
            messages.success(request, _("%(name)s is saved.") % {"name": form.cleaned_data["name"]})
            return redirect("supply_chain:partner_detail", partner.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    title = _("Edit %(name)s") % {"name": partner.name}
    cancel = reverse("supply_chain:partner_detail", args=[partner.pk])
    return _form_page(request, form, title=title, nav="partners", cancel=cancel)


@sc_page
@require_http_methods(["GET", "POST"])
def partner_from_crm(request: HttpRequest) -> HttpResponseBase:
    """Make (or find) the customer of a CRM account the person sees."""
    _may_keep_partners(request.user)
    q = _q(request)
    try:
        from apps.crm import interface as crm
    except ImportError:  # pragma: no cover - a deployment without the CRM
        raise NotFound(_("The CRM is not available.")) from None
    try:
        accounts = [(account.id, account.name) for account in crm.account_search(actor=request.user, query=q)]
    except NotAllowed:
        accounts = []
    form = CrmAccountForm(request.POST or None, accounts=accounts)
    if request.method == "POST":
        # The posted account may be outside the first page of the search: the service checks it.
        form.fields["account"].choices = [(request.POST.get("account"), "")]  # type: ignore[attr-defined]
        if form.is_valid():
            with reported(request, message=False) as outcome:
                partner = catalogue.partner_from_crm_account(
                    actor=request.user, account_id=form.cleaned_data["account"]
                )
            if outcome.ok:
                messages.success(request, _("%(name)s is a customer now.") % {"name": partner.name})
                return redirect("supply_chain:partner_detail", partner.pk)
            add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    context = {"nav": "partners", "form": form, "q": q, "accounts": accounts}
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/partner_from_crm.html", context, status=status)


# --- warehouses and locations --------------------------------------------------------------------


@sc_page
@require_GET
def warehouse_list(request: HttpRequest) -> HttpResponse:
    q = _q(request)
    warehouses = catalogue.warehouse_list(actor=request.user, q=q)
    context = {"nav": "warehouses", "q": q, **paged(request, warehouses)}
    return sc_render(request, "supply_chain/catalogue/warehouse_list.html", context)


@sc_page
@require_http_methods(["GET", "POST"])
def warehouse_new(request: HttpRequest) -> HttpResponseBase:
    permissions.require(request.user, permissions.CATALOGUE)
    form = WarehouseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            warehouse = catalogue.warehouse_create(actor=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The warehouse %(code)s is saved.") % {"code": warehouse.code})
            return redirect("supply_chain:warehouse_detail", warehouse.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    cancel = reverse("supply_chain:warehouse_list")
    return _form_page(request, form, title=_("New warehouse"), nav="warehouses", cancel=cancel)


@sc_page
@require_http_methods(["GET", "POST"])
def warehouse_detail(request: HttpRequest, warehouse_id: int) -> HttpResponseBase:
    """A warehouse with its locations; POST adds a location."""
    warehouse = catalogue.warehouse_get(actor=request.user, warehouse_id=warehouse_id)
    form = LocationForm(request.POST or None)
    if request.method == "POST":
        permissions.require(request.user, permissions.CATALOGUE)
        if form.is_valid():
            with reported(request, message=False) as outcome:
                location = catalogue.location_create(actor=request.user, warehouse_id=warehouse.pk, **form.cleaned_data)
            if outcome.ok:
                messages.success(request, _("The location %(code)s is saved.") % {"code": location.code})
                return redirect("supply_chain:warehouse_detail", warehouse.pk)
            add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    context = {
        "nav": "warehouses",
        "warehouse": warehouse,
        "locations": catalogue.location_list(actor=request.user, warehouse_id=warehouse.pk),
        "form": form,
    }
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/warehouse_detail.html", context, status=status)


@sc_page
@require_http_methods(["GET", "POST"])
def warehouse_edit(request: HttpRequest, warehouse_id: int) -> HttpResponseBase:
    warehouse = catalogue.warehouse_get(actor=request.user, warehouse_id=warehouse_id)
    permissions.require(request.user, permissions.CATALOGUE)
    initial = {"code": warehouse.code, "name": warehouse.name, "address": warehouse.address}
    form = WarehouseEditForm(request.POST or None, initial={**initial, "is_active": warehouse.is_active})
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            catalogue.warehouse_update(actor=request.user, warehouse_id=warehouse.pk, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The warehouse %(code)s is saved.") % {"code": form.cleaned_data["code"]})
            return redirect("supply_chain:warehouse_detail", warehouse.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    title = _("Edit %(warehouse)s") % {"warehouse": warehouse}
    cancel = reverse("supply_chain:warehouse_detail", args=[warehouse.pk])
    return _form_page(request, form, title=title, nav="warehouses", cancel=cancel)


@sc_page
@require_http_methods(["GET", "POST"])
def location_edit(request: HttpRequest, location_id: int) -> HttpResponseBase:
    location = catalogue.location_get(actor=request.user, location_id=location_id)
    permissions.require(request.user, permissions.CATALOGUE)
    initial = {"code": location.code, "name": location.name, "is_active": location.is_active}
    form = LocationEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            catalogue.location_update(actor=request.user, location_id=location.pk, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The location %(code)s is saved.") % {"code": form.cleaned_data["code"]})
            return redirect("supply_chain:warehouse_detail", location.warehouse_id)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    title = _("Edit location %(location)s") % {"location": location}
    cancel = reverse("supply_chain:warehouse_detail", args=[location.warehouse_id])
    return _form_page(request, form, title=title, nav="warehouses", cancel=cancel)


# --- price lists -------------------------------------------------------------------------------


def _may_price(user: Any) -> None:
    permissions.require(user, permissions.SELL, permissions.CATALOGUE)


@sc_page
@require_http_methods(["GET", "POST"])
def price_list_list(request: HttpRequest) -> HttpResponse:
    """The price lists, and a form to add one (POST)."""
    q = _q(request)
    form = PriceListForm(request.POST or None)
    if request.method == "POST":
        _may_price(request.user)
        if form.is_valid():
            with reported(request, message=False) as outcome:
                price_list = catalogue.price_list_create(actor=request.user, **form.cleaned_data)
            if outcome.ok:
                messages.success(request, _("The price list %(name)s is saved.") % {"name": price_list.name})
                return redirect("supply_chain:price_list_detail", price_list.pk)
            add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    lists = catalogue.price_list_list(actor=request.user, q=q)
    context = {"nav": "products", "q": q, "form": form, **paged(request, lists)}
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/price_list_list.html", context, status=status)


@sc_page
@require_http_methods(["GET", "POST"])
def price_list_detail(request: HttpRequest, price_list_id: int) -> HttpResponseBase:
    """A price list's prices; POST sets a price (``action=add``) or removes one (``remove``)."""
    price_list = catalogue.price_list_get(actor=request.user, price_list_id=price_list_id)
    products = list(catalogue.product_list(actor=request.user).values_list("pk", "sku", "name")[:MAX_CHOICES])
    choices = [(pk, f"{sku} {name}") for pk, sku, name in products]
    adding = request.method == "POST" and request.POST.get("action") != "remove"
    form = PriceItemForm(request.POST if adding else None, products=choices)
    if request.method == "POST":
        _may_price(request.user)
        if not adding:
            with reported(request) as outcome:
                catalogue.price_item_remove(
                    actor=request.user, price_list_id=price_list.pk, item_id=request.POST.get("item")
                )
            if outcome.ok:
                messages.success(request, _("The price is removed."))
            return redirect("supply_chain:price_list_detail", price_list.pk)
        if form.is_valid():
            with reported(request, message=False) as outcome:
                catalogue.price_item_set(
                    actor=request.user,
                    price_list_id=price_list.pk,
                    product_id=form.cleaned_data["product"],
                    min_quantity=form.cleaned_data["min_quantity"],
                    price=form.cleaned_data["price"],
                )
            if outcome.ok:
                messages.success(request, _("The price is saved."))
                return redirect("supply_chain:price_list_detail", price_list.pk)
            add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    q = _q(request)
    items = catalogue.price_list_items(actor=request.user, price_list_id=price_list.pk, q=q)
    context = {"nav": "products", "price_list": price_list, "form": form, "q": q, **paged(request, items)}
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/price_list_detail.html", context, status=status)


@sc_page
@require_http_methods(["GET", "POST"])
def price_list_edit(request: HttpRequest, price_list_id: int) -> HttpResponseBase:
    price_list = catalogue.price_list_get(actor=request.user, price_list_id=price_list_id)
    _may_price(request.user)
    initial = {"name": price_list.name, "kind": price_list.kind, "is_active": price_list.is_active}
    form = PriceListEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            catalogue.price_list_update(actor=request.user, price_list_id=price_list.pk, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The price list %(name)s is saved.") % {"name": form.cleaned_data["name"]})
            return redirect("supply_chain:price_list_detail", price_list.pk)
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    title = _("Edit %(name)s") % {"name": price_list.name}
    cancel = reverse("supply_chain:price_list_detail", args=[price_list.pk])
    return _form_page(request, form, title=title, nav="products", cancel=cancel)


# --- product import ------------------------------------------------------------------------------


@sc_page
@require_http_methods(["GET", "POST"])
def product_import_new(request: HttpRequest) -> HttpResponseBase:
    permissions.require(request.user, permissions.CATALOGUE)
    form = ProductImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            product_import.check_size(upload.size or 0)
            job = product_import.product_import_upload(
                actor=request.user, name=upload.name or "", content=upload.read()
            )
        except (NotAllowed, NotFound):
            raise
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is being imported.") % {"name": job.file_name})
            return redirect("supply_chain:product_import_detail", job.pk)
    context = {
        "nav": "products",
        "form": form,
        "columns": product_import.COLUMNS,
        **paged(request, product_import.product_import_list(actor=request.user), per_page=20),
    }
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/product_import_new.html", context, status=status)


@sc_page
@require_GET
def product_import_detail(request: HttpRequest, product_import_id: int) -> HttpResponse:
    job = product_import.product_import_get(actor=request.user, product_import_id=product_import_id)
    problems = product_import.flat_errors(job)
    context = {
        "nav": "products",
        "job": job,
        "running": job.status in (ProductImport.Status.QUEUED, ProductImport.Status.RUNNING),
        "error_rows": product_import.error_rows(job),
        "shown_errors": problems[:MAX_ERRORS_SHOWN],
        "more_errors": max(len(problems) - MAX_ERRORS_SHOWN, 0),
    }
    return sc_render(request, "supply_chain/catalogue/product_import_detail.html", context)


@sc_page
@require_GET
def product_import_errors(request: HttpRequest, product_import_id: int) -> HttpResponse:
    job = product_import.product_import_get(actor=request.user, product_import_id=product_import_id)
    response = HttpResponse(product_import.error_report(job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="product-import-{job.pk}-errors.csv"'
    return response


# --- settings and roles ------------------------------------------------------------------------


@sc_page
@require_http_methods(["GET", "POST"])
def settings(request: HttpRequest) -> HttpResponseBase:
    """The supply chain settings and everyone's supply chain role."""
    permissions.require(request.user, permissions.SETTINGS)
    row = catalogue.settings_get(actor=request.user)
    initial = {name: getattr(row, name) for name in catalogue.SETTINGS_FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with reported(request, message=False) as outcome:
            catalogue.settings_update(actor=request.user, **form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("The supply chain settings are saved."))
            return redirect("supply_chain:settings")
        add_service_errors(form, outcome.error)  # type: ignore[arg-type]
    q = _q(request)
    context = {
        "nav": "settings",
        "form": form,
        "q": q,
        "role_choices": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        **paged(request, catalogue.supply_roles(actor=request.user, q=q)),
    }
    status = 400 if form.errors else 200
    return sc_render(request, "supply_chain/catalogue/settings.html", context, status=status)


@sc_page
@require_POST
def settings_role(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, permissions.SETTINGS)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return redirect("supply_chain:settings")
    with reported(request) as outcome:
        catalogue.supply_role_set(actor=request.user, user_id=form.cleaned_data["user"], role=form.cleaned_data["role"])
    if outcome.ok:
        messages.success(request, _("The role is saved."))
    return redirect("supply_chain:settings")
