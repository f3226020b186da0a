"""The Stripe fake's state: customers, prices, checkout and portal sessions, subscriptions and
their items, invoices, meter events and the events (webhooks) it emitted, on a clock tests can
advance. Objects are kept as plain dicts and rendered in the shape of API 2026-10-28.endive
(periods on subscription items, the invoice's subscription under ``parent.subscription_details``).

Everything here runs under one lock; webhook deliveries happen outside it, so a webhook handler
may call back into the fake while it is being notified.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

API_VERSION = "2026-10-28.endive"
DAY = 86_400
# stripe.Webhook's default tolerance is 300 seconds; a "stale" delivery is older than that.
STALE_SECONDS = 600
ACCESS_STATUSES = ("trialing", "active", "past_due")
TERMINAL_STATUSES = ("canceled", "incomplete_expired")

Json = dict[str, Any]
WebhookTarget = str | Callable[[bytes, str], int] | None


class StripeError(Exception):
    """An error answered in Stripe's shape: ``{"error": {"type", "code", "message", "param"}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.type = type

    def body(self) -> Json:
        error: Json = {"type": self.type, "message": self.message, "code": self.code, "param": self.param}
        return {"error": {key: value for key, value in error.items() if value is not None}}


def missing(kind: str, obj_id: str, *, param: str = "id", status: int = 404) -> StripeError:
    return StripeError(status, f"No such {kind}: '{obj_id}'", code="resource_missing", param=param)


def bad_param(message: str, param: str, *, code: str = "parameter_invalid_string") -> StripeError:
    return StripeError(400, message, code=code, param=param)


@dataclass(frozen=True)
class Delivery:
    """One webhook POST: which event, how it was signed and the HTTP status answered (0: no answer)."""

    event_id: str
    type: str
    status: int
    signature: str


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def add_interval(start: int, interval: str, count: int = 1) -> int:
    """Stripe's calendar arithmetic: the same day of the next month (clamped), or of the next year."""
    moment = datetime.fromtimestamp(start, tz=UTC)
    if interval == "day":
        return start + DAY * count
    if interval == "week":
        return start + 7 * DAY * count
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def as_int(value: Any, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_param(f"Invalid integer: {value}", param, code="parameter_invalid_integer") from None


def as_bool(value: Any, param: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise bad_param(f"Invalid boolean: {value}", param)


def as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):  # a sparse index ("items[1][...]" without items[0])
        return [value[key] for key in sorted(value, key=int)]
    return [value]


def as_metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise bad_param("Invalid hash", param, code="parameter_invalid_hash")
    return {str(key): str(val) for key, val in value.items()}


class StripeState:
    """All the fake's objects and behaviour; ``StripeFake`` (server.py) adds the HTTP server."""

    def __init__(self, *, api_key: str, webhook_secret: str, base_url: str = "http://127.0.0.1") -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.base_url = base_url
        # Where webhooks go: None (kept only), an http URL (a background thread posts them in
        # order) or a callable(body, stripe_signature) -> HTTP status, called in the thread that
        # asks for delivery (tests: the Django test client in the test's thread).
        self.webhook_target: WebhookTarget = None
        # True: events wait in ``pending`` until deliver()/deliver_pending() (reordering tests).
        self.hold_deliveries = False
        self.lock = threading.RLock()
        self._delivery_cond = threading.Condition()
        self._delivering = 0
        self.reset()

    # ----------------------------------------------------------------- bookkeeping

    def reset(self) -> None:
        """Forget every object, event and delivery, and set the clock back to real time."""
        with self.lock, self._delivery_cond:
            self.clock_offset = 0
            self.customers: dict[str, Json] = {}
            self.prices: dict[str, Json] = {}
            self.meters: dict[str, Json] = {}  # by event name
            self.checkout_sessions: dict[str, Json] = {}
            self.portal_sessions: dict[str, Json] = {}
            self.subscriptions: dict[str, Json] = {}
            self.items: dict[str, Json] = {}
            self.invoices: dict[str, Json] = {}
            self.coupons: dict[str, Json] = {}
            self.discounts: dict[str, Json] = {}
            self.meter_events: dict[str, Json] = {}  # by identifier
            self.event_log: list[Json] = []
            self.events_by_id: dict[str, Json] = {}
            self.pending: deque[str] = deque()
            self.deliveries: list[Delivery] = []
            self.idempotent_responses: dict[str, tuple[str, str, str, int, Json]] = {}
            self.quantity_change_log: list[Json] = []
            self.invoice_seq = 0
            self._last_event_created = 0
            self.hold_deliveries = False

    def now(self) -> int:
        """The fake clock (Unix seconds): real time plus whatever clock_advance added."""
        return int(time.time()) + self.clock_offset

    # ----------------------------------------------------------------- state accessors (tests)

    def events(self, type: str | None = None) -> list[Json]:
        with self.lock:
            return [copy.deepcopy(e) for e in self.event_log if type is None or e["type"] == type]

    def event_types(self) -> list[str]:
        with self.lock:
            return [e["type"] for e in self.event_log]

    def quantity_changes(self, item_id: str) -> int:
        """How many quantity changes were applied to a subscription item (replays count nothing)."""
        with self.lock:
            return sum(1 for change in self.quantity_change_log if change["item"] == item_id)

    def meter_total(self, customer_id: str, event_name: str) -> int:
        with self.lock:
            return sum(
                int(e["payload"]["value"])
                for e in self.meter_events.values()
                if e["payload"]["stripe_customer_id"] == customer_id and e["event_name"] == event_name
            )

    def summary(self) -> Json:
        """What the control endpoint GET /_fake/state answers."""
        with self.lock:
            totals: dict[str, dict[str, int]] = {}
            for event in self.meter_events.values():
                per_customer = totals.setdefault(event["payload"]["stripe_customer_id"], {})
                per_customer[event["event_name"]] = per_customer.get(event["event_name"], 0) + int(
                    event["payload"]["value"]
                )
            return {
                "now": self.now(),
                "quantity_changes": {item: self.quantity_changes(item) for item in self.items},
                "meter_totals": totals,
                "events": [{"id": e["id"], "type": e["type"], "created": e["created"]} for e in self.event_log],
                "pending": list(self.pending),
                "deliveries": [d.__dict__ for d in self.deliveries],
                "subscriptions": {s: self.subscriptions[s]["status"] for s in self.subscriptions},
            }

    def get(self, obj_id: str) -> Json:
        """Any object by id, rendered as the API would answer it."""
        with self.lock:
            for table, render in (
                (self.customers, self.render_customer),
                (self.prices, self.render_price),
                (self.checkout_sessions, self.render_checkout_session),
                (self.portal_sessions, self.render_portal_session),
                (self.subscriptions, self.render_subscription),
                (self.items, self.render_item),
                (self.invoices, self.render_invoice),
                (self.coupons, copy.deepcopy),
                (self.discounts, copy.deepcopy),
                (self.events_by_id, copy.deepcopy),
            ):
                if obj_id in table:
                    return render(table[obj_id])
            raise missing("object", obj_id)

    # ----------------------------------------------------------------- prices and plans

    def price_create(
        self,
        *,
        price_id: str | None = None,
        unit_amount: int = 0,
        interval: str = "month",
        metered_event_name: str = "",
        included_units: int = 0,
        unit_amount_decimal: Decimal | None = None,
        nickname: str = "",
    ) -> Json:
        """A recurring CNY price: per seat (licensed), or metered by a billing meter, with the first
        ``included_units`` free (graduated tiers) and ``unit_amount_decimal`` fen per unit beyond."""
        with self.lock:
            price_id = price_id or new_id("price")
            recurring: Json = {
                "interval": interval,
                "interval_count": 1,
                "usage_type": "licensed",
                "meter": None,
                "trial_period_days": None,
            }
            price: Json = {
                "id": price_id,
                "object": "price",
                "active": True,
                "billing_scheme": "per_unit",
                "created": self.now(),
                "currency": "cny",
                "livemode": False,
                "lookup_key": None,
                "metadata": {},
                "nickname": nickname or None,
                "product": "prod_" + hashlib.sha256(price_id.encode()).hexdigest()[:24],
                "recurring": recurring,
                "tax_behavior": "unspecified",
                "tiers_mode": None,
                "transform_quantity": None,
                "type": "recurring",
                "unit_amount": unit_amount,
                "unit_amount_decimal": str(unit_amount),
            }
            if metered_event_name:
                meter = self.meters.setdefault(
                    metered_event_name,
                    {
                        "id": "mtr_" + hashlib.sha256(metered_event_name.encode()).hexdigest()[:24],
                        "object": "billing.meter",
                        "event_name": metered_event_name,
                        "status": "active",
                    },
                )
                recurring["usage_type"] = "metered"
                recurring["meter"] = meter["id"]
                per_unit = str(unit_amount_decimal if unit_amount_decimal is not None else Decimal(unit_amount))
                price.update(
                    billing_scheme="tiered", tiers_mode="graduated", unit_amount=None, unit_amount_decimal=None
                )
                price["tiers"] = [
                    {"up_to": included_units, "unit_amount": 0, "unit_amount_decimal": "0", "flat_amount": None},
                    {"up_to": None, "unit_amount": None, "unit_amount_decimal": per_unit, "flat_amount": None},
                ]
                price["_event_name"] = metered_event_name
            self.prices[price_id] = price
            return self.render_price(price)

    def plans_sync(self, *, fill_empty: bool = True) -> dict[str, dict[str, str]]:
        """Register prices for every billing Plan (its own ids, or ``price_fake_<code>_<kind>``);
        with ``fill_empty``, write the made-up ids into the Plan's empty ``stripe_price_*`` fields."""
        from apps.billing.models import Plan

        made: dict[str, dict[str, str]] = {}
        for plan in Plan.objects.order_by("position", "code"):
            changed: list[str] = []
            ids: dict[str, str] = {}
            fen = Decimal(100)
            for field, interval, amount in (
                ("stripe_price_month", "month", plan.price_month),
                ("stripe_price_year", "year", plan.price_year),
            ):
                price_id = getattr(plan, field) or f"price_fake_{plan.code}_{interval}"
                self.price_create(
                    price_id=price_id,
                    unit_amount=int((amount * fen).quantize(Decimal(1), ROUND_HALF_UP)),
                    interval=interval,
                    nickname=f"{plan.name_en or plan.name} per seat per {interval}",
                )
                ids[interval] = price_id
                if not getattr(plan, field):
                    setattr(plan, field, price_id)
                    changed.append(field)
            if plan.meter_event_name:
                price_id = plan.stripe_metered_price or f"price_fake_{plan.code}_metered"
                self.price_create(
                    price_id=price_id,
                    interval="month",
                    metered_event_name=plan.meter_event_name,
                    included_units=plan.included_units,
                    unit_amount_decimal=(plan.unit_price * fen).normalize(),
                    nickname=f"{plan.name_en or plan.name} {plan.meter_event_name}",
                )
                ids["metered"] = price_id
                if not plan.stripe_metered_price:
                    plan.stripe_metered_price = price_id
                    changed.append("stripe_metered_price")
            if changed and fill_empty:
                plan.save(update_fields=changed)
            made[plan.code] = ids
        return made

    def coupons_sync(self, *, percent_off: int = 20) -> list[str]:
        """Register the coupon of every coupon-mode park sponsorship that names one (the demo: a
        made-up ``percent_off`` forever, since the real coupon lives in the operator's Stripe)."""
        from apps.billing.models import ParkSponsorship

        made = []
        for coupon_id in (
            ParkSponsorship.objects.filter(mode=ParkSponsorship.Mode.COUPON)
            .exclude(stripe_coupon_id="")
            .values_list("stripe_coupon_id", flat=True)
            .distinct()
        ):
            with self.lock:
                if coupon_id in self.coupons:
                    continue
            self.coupon_create({"id": coupon_id, "percent_off": str(percent_off), "duration": "forever"})
            made.append(coupon_id)
        return made

    def _price(self, price_id: Any, param: str) -> Json:
        if not isinstance(price_id, str) or price_id not in self.prices:
            raise missing("price", str(price_id), param=param, status=400)
        return self.prices[price_id]

    @staticmethod
    def _is_metered(price: Json) -> bool:
        return bool(price["recurring"]["usage_type"] == "metered")

    # ----------------------------------------------------------------- coupons and discounts

    def coupon_create(self, params: Json) -> Json:
        """POST /v1/coupons (and tests): ``percent_off`` or ``amount_off`` (fen, with ``currency``),
        ``duration`` once, repeating or forever; an ``id`` of one's choice (a park's coupon code)."""
        with self.lock:
            percent, amount = params.get("percent_off"), params.get("amount_off")
            if (percent in (None, "")) == (amount in (None, "")):
                raise bad_param("Exactly one of percent_off or amount_off is required.", "percent_off")
            coupon_id = str(params.get("id") or secrets.token_hex(4).upper())
            if coupon_id in self.coupons:
                raise StripeError(400, "Coupon already exists.", code="resource_already_exists", param="id")
            duration = params.get("duration") or "once"
            if duration not in ("once", "repeating", "forever"):
                raise bad_param(f"Invalid duration: {duration}", "duration")
            percent_off = None
            if percent not in (None, ""):
                percent_off = float(Decimal(str(percent)))
                if not 0 < percent_off <= 100:
                    raise bad_param("percent_off must be greater than 0 and at most 100.", "percent_off")
            amount_off = as_int(amount, "amount_off") if amount not in (None, "") else None
            if amount_off is not None and not params.get("currency"):
                raise bad_param("currency is required with amount_off.", "currency", code="parameter_missing")
            coupon: Json = {
                "id": coupon_id,
                "object": "coupon",
                "amount_off": amount_off,
                "created": self.now(),
                "currency": str(params["currency"]).lower() if amount_off is not None else None,
                "duration": duration,
                "duration_in_months": (
                    as_int(params.get("duration_in_months"), "duration_in_months") if duration == "repeating" else None
                ),
                "livemode": False,
                "metadata": as_metadata(params.get("metadata")),
                "name": params.get("name") or None,
                "percent_off": percent_off,
                "times_redeemed": 0,
                "valid": True,
            }
            self.coupons[coupon_id] = coupon
            return copy.deepcopy(coupon)

    def coupon_retrieve(self, coupon_id: str) -> Json:
        with self.lock:
            if coupon_id not in self.coupons:
                raise missing("coupon", coupon_id)
            return copy.deepcopy(self.coupons[coupon_id])

    def _discounts_parse(self, value: Any, param: str) -> list[str | Json]:
        """A ``discounts`` parameter: "" clears; else a list of ``{coupon}`` (a new discount) or
        ``{discount}`` (keep an existing one). Returns kept discount ids and coupons to redeem."""
        if value in ("", None):
            return []
        wanted: list[str | Json] = []
        for index, entry in enumerate(as_list(value)):
            if not isinstance(entry, dict):
                raise bad_param("Invalid hash", f"{param}[{index}]", code="parameter_invalid_hash")
            if entry.get("coupon"):
                coupon_id = str(entry["coupon"])
                if coupon_id not in self.coupons or not self.coupons[coupon_id]["valid"]:
                    raise missing("coupon", coupon_id, param=f"{param}[{index}][coupon]", status=400)
                wanted.append(self.coupons[coupon_id])
            elif entry.get("discount"):
                discount_id = str(entry["discount"])
                if discount_id not in self.discounts:
                    raise missing("discount", discount_id, param=f"{param}[{index}][discount]", status=400)
                wanted.append(discount_id)
            else:
                raise bad_param("Pass a coupon or a discount.", f"{param}[{index}]", code="parameter_missing")
        return wanted

    def _discounts_set(self, sub: Json, wanted: list[str | Json]) -> None:
        """Replace the subscription's discounts (Stripe: a populated array overwrites them)."""
        kept: list[str] = []
        for entry in wanted:
            if isinstance(entry, str):
                if self.discounts[entry]["subscription"] == sub["id"] and entry not in kept:
                    kept.append(entry)
                continue
            coupon = entry
            if any(self.discounts[d]["coupon"]["id"] == coupon["id"] for d in kept):
                continue  # the coupon is on the subscription already
            discount_id = new_id("di")
            coupon["times_redeemed"] += 1
            self.discounts[discount_id] = {
                "id": discount_id,
                "object": "discount",
                "checkout_session": None,
                "coupon": copy.deepcopy(coupon),
                "customer": sub["customer"],
                "end": None,
                "invoice": None,
                "invoice_item": None,
                "promotion_code": None,
                "start": self.now(),
                "subscription": sub["id"],
                "subscription_item": None,
            }
            kept.append(discount_id)
        sub["discounts"] = kept

    def subscription_coupons(self, sub_id: str) -> list[str]:
        """The coupon ids on a subscription (tests)."""
        with self.lock:
            return [self.discounts[d]["coupon"]["id"] for d in self._subscription(sub_id)["discounts"]]

    def _discount_amounts(self, sub: Json, subtotal: int) -> list[Json]:
        """What each discount takes off an invoice of ``subtotal`` fen, in order."""
        amounts: list[Json] = []
        remaining = subtotal
        for discount_id in sub.get("discounts") or []:
            coupon = self.discounts[discount_id]["coupon"]
            if coupon["percent_off"] is not None:
                share = Decimal(remaining) * Decimal(str(coupon["percent_off"])) / 100
                off = int(share.quantize(Decimal(1), ROUND_HALF_UP))
            else:
                off = min(int(coupon["amount_off"] or 0), remaining)
            remaining -= off
            amounts.append({"amount": off, "discount": discount_id})
        return amounts

    # ----------------------------------------------------------------- rendering

    def render_price(self, price: Json) -> Json:
        return {key: copy.deepcopy(value) for key, value in price.items() if not key.startswith("_")}

    def render_customer(self, customer: Json) -> Json:
        return copy.deepcopy(customer)

    def render_checkout_session(self, session: Json, *, with_line_items: bool = False) -> Json:
        shown = {key: copy.deepcopy(value) for key, value in session.items() if not key.startswith("_")}
        if with_line_items:
            shown["line_items"] = {
                "object": "list",
                "data": [
                    {
                        "id": f"li_{session['id'][3:]}_{index}",
                        "object": "item",
                        "price": self.render_price(self.prices[line["price"]]),
                        "quantity": line["quantity"],
                        "currency": "cny",
                        "amount_total": (self.prices[line["price"]]["unit_amount"] or 0) * (line["quantity"] or 0),
                    }
                    for index, line in enumerate(session["_line_items"])
                ],
                "has_more": False,
                "url": f"/v1/checkout/sessions/{session['id']}/line_items",
            }
        return shown

    def render_portal_session(self, session: Json) -> Json:
        return copy.deepcopy(session)

    def render_item(self, item: Json) -> Json:
        sub = self.subscriptions[item["subscription"]]
        price = self.render_price(self.prices[item["price"]])
        return {
            "id": item["id"],
            "object": "subscription_item",
            "billing_thresholds": None,
            "created": item["created"],
            "current_period_start": sub["_period_start"],
            "current_period_end": sub["_period_end"],
            "discounts": [],
            "metadata": dict(item["metadata"]),
            "plan": self._legacy_plan(price),
            "price": price,
            "quantity": item["quantity"],
            "subscription": sub["id"],
            "tax_rates": [],
        }

    @staticmethod
    def _legacy_plan(price: Json) -> Json:
        return {
            "id": price["id"],
            "object": "plan",
            "active": price["active"],
            "amount": price["unit_amount"],
            "currency": price["currency"],
            "interval": price["recurring"]["interval"],
            "interval_count": 1,
            "usage_type": price["recurring"]["usage_type"],
            "meter": price["recurring"]["meter"],
            "product": price["product"],
        }

    def render_subscription(self, sub: Json) -> Json:
        shown = {key: copy.deepcopy(value) for key, value in sub.items() if not key.startswith("_")}
        shown["items"] = {
            "object": "list",
            "data": [self.render_item(self.items[item_id]) for item_id in sub["_items"]],
            "has_more": False,
            "total_count": len(sub["_items"]),
            "url": f"/v1/subscription_items?subscription={sub['id']}",
        }
        return shown

    def render_invoice(self, invoice: Json) -> Json:
        shown = {key: copy.deepcopy(value) for key, value in invoice.items() if not key.startswith("_")}
        sub_id = invoice["_subscription"]
        shown["parent"] = (
            {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "subscription": sub_id,
                    "metadata": dict(self.subscriptions[sub_id]["metadata"]) if sub_id in self.subscriptions else {},
                },
            }
            if sub_id
            else None
        )
        shown["lines"] = {
            "object": "list",
            "data": copy.deepcopy(invoice["_lines"]),
            "has_more": False,
            "total_count": len(invoice["_lines"]),
            "url": f"/v1/invoices/{invoice['id']}/lines",
        }
        return shown

    # ----------------------------------------------------------------- events and webhooks

    def emit(self, type: str, obj: Json, *, previous: Json | None = None) -> Json:
        """Record an event with the object as it is now; queue it for delivery."""
        with self.lock:
            created = max(self.now(), self._last_event_created + 1)
            self._last_event_created = created
            data: Json = {"object": copy.deepcopy(obj)}
            if previous:
                data["previous_attributes"] = previous
            event: Json = {
                "id": new_id("evt"),
                "object": "event",
                "api_version": API_VERSION,
                "created": created,
                "data": data,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": type,
            }
            self.event_log.append(event)
            self.events_by_id[event["id"]] = event
            with self._delivery_cond:
                self.pending.append(event["id"])
                self._delivery_cond.notify_all()
            return event

    def _emit_subscription_updated(self, sub: Json, before: Json) -> None:
        after = self.render_subscription(sub)
        previous = {key: before[key] for key in after if key in before and before[key] != after[key]}
        self.emit("customer.subscription.updated", after, previous=previous)

    def sign(self, body: bytes, *, signature: str = "valid") -> str:
        """A Stripe-Signature header; ``bad`` uses a wrong secret, ``stale`` an old timestamp."""
        timestamp = int(time.time()) - (STALE_SECONDS if signature == "stale" else 0)
        secret = self.webhook_secret if signature != "bad" else self.webhook_secret + "_wrong"
        signed = f"{timestamp}.".encode() + body
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    def _send(self, event_id: str, *, signature: str = "valid") -> Delivery:
        with self.lock:
            event = self.events_by_id.get(event_id)
            if event is None:
                raise missing("event", event_id)
            body = json.dumps(event, indent=2).encode()
            event_type = event["type"]
        header = self.sign(body, signature=signature)
        target = self.webhook_target
        status = 0
        if callable(target):
            status = target(body, header)
        elif isinstance(target, str) and target:
            request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own webhook
                target,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": header,
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) parksuite-fake",
                },
            )
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
        delivery = Delivery(event_id=event_id, type=event_type, status=status, signature=signature)
        with self.lock:
            self.deliveries.append(delivery)
        return delivery

    def deliver_pending(self) -> list[Delivery]:
        """Deliver every queued event, oldest first, in this thread."""
        sent: list[Delivery] = []
        while True:
            with self._delivery_cond:
                if not self.pending:
                    return sent
                event_id = self.pending.popleft()
                self._delivering += 1
            try:
                sent.append(self._send(event_id))
            finally:
                with self._delivery_cond:
                    self._delivering -= 1
                    self._delivery_cond.notify_all()

    def deliver(self, event_ids: Iterable[str], *, signature: str = "valid") -> list[Delivery]:
        """Send these events in this order (taking them off the queue if they were waiting)."""
        ids = list(event_ids)
        with self._delivery_cond:
            for event_id in ids:
                if event_id in self.pending:
                    self.pending.remove(event_id)
        return [self._send(event_id, signature=signature) for event_id in ids]

    def resend(self, event_id: str, *, signature: str = "valid") -> Delivery:
        """Send an event again (a duplicate), or badly signed / stale with ``signature``."""
        return self._send(event_id, signature=signature)

    def _after_control(self) -> None:
        """Control helpers deliver at once to a callable target (tests); a URL target has its thread."""
        if callable(self.webhook_target) and not self.hold_deliveries:
            self.deliver_pending()

    def wait_delivered(self, timeout: float = 10.0) -> bool:
        """Wait until the delivery thread has posted everything queued (URL target)."""
        deadline = time.monotonic() + timeout
        with self._delivery_cond:
            while self.pending or self._delivering:
                if self.hold_deliveries or not isinstance(self.webhook_target, str):
                    return not self._delivering
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._delivery_cond.wait(remaining)
        return True

    def delivery_loop(self, stop: threading.Event) -> None:
        """The background sender for a URL target: posts queued events one by one, in order."""
        while not stop.is_set():
            with self._delivery_cond:
                ready = bool(self.pending) and isinstance(self.webhook_target, str) and not self.hold_deliveries
                if not ready:
                    self._delivery_cond.wait(0.2)
                    continue
                event_id = self.pending.popleft()
                self._delivering += 1
            try:
                self._send(event_id)
            except Exception:  # noqa: S110 - a failed delivery is recorded as status 0
                pass
            finally:
                with self._delivery_cond:
                    self._delivering -= 1
                    self._delivery_cond.notify_all()

    # ----------------------------------------------------------------- customers

    def customer_create(self, params: Json) -> Json:
        with self.lock:
            customer: Json = {
                "id": new_id("cus"),
                "object": "customer",
                "address": None,
                "balance": 0,
                "created": self.now(),
                "currency": "cny",
                "default_source": None,
                "delinquent": False,
                "description": params.get("description") or None,
                "email": params.get("email") or None,
                "invoice_prefix": secrets.token_hex(4).upper(),
                "invoice_settings": {"default_payment_method": None, "custom_fields": None, "footer": None},
                "livemode": False,
                "metadata": as_metadata(params.get("metadata")),
                "name": params.get("name") or None,
                "phone": params.get("phone") or None,
                "preferred_locales": as_list(params.get("preferred_locales")),
                "tax_exempt": "none",
            }
            self.customers[customer["id"]] = customer
            return self.render_customer(customer)

    def _customer(self, customer_id: Any, *, param: str = "id", status: int = 404) -> Json:
        if not isinstance(customer_id, str) or customer_id not in self.customers:
            raise missing("customer", str(customer_id), param=param, status=status)
        return self.customers[customer_id]

    def customer_retrieve(self, customer_id: str) -> Json:
        with self.lock:
            return self.render_customer(self._customer(customer_id))

    def customer_update(self, customer_id: str, params: Json) -> Json:
        with self.lock:
            customer = self._customer(customer_id)
            for field in ("email", "name", "description", "phone"):
                if field in params:
                    customer[field] = params[field] or None
            if "metadata" in params:
                customer["metadata"].update(as_metadata(params["metadata"]))
                customer["metadata"] = {k: v for k, v in customer["metadata"].items() if v != ""}
            if "preferred_locales" in params:
                customer["preferred_locales"] = as_list(params["preferred_locales"])
            return self.render_customer(customer)

    # ----------------------------------------------------------------- checkout

    def checkout_session_create(self, params: Json) -> Json:
        with self.lock:
            if params.get("mode") != "subscription":
                raise bad_param("The fake supports mode=subscription only.", "mode")
            if not params.get("success_url"):
                raise bad_param("Missing required param: success_url.", "success_url", code="parameter_missing")
            if params.get("customer"):
                self._customer(params["customer"], param="customer", status=400)
            lines = as_list(params.get("line_items"))
            if not lines:
                raise bad_param("Missing required param: line_items.", "line_items", code="parameter_missing")
            line_items: list[Json] = []
            amount_total = 0
            for index, line in enumerate(lines):
                price = self._price(
                    line.get("price") if isinstance(line, dict) else None, f"line_items[{index}][price]"
                )
                quantity = line.get("quantity")
                if self._is_metered(price):
                    if quantity not in (None, ""):
                        raise bad_param(
                            "Quantity should not be specified where usage_type is `metered`.",
                            f"line_items[{index}][quantity]",
                        )
                    line_items.append({"price": price["id"], "quantity": None})
                    continue
                if quantity in (None, ""):
                    raise bad_param(
                        f"Quantity is required. Add `quantity` to `line_items[{index}]`",
                        f"line_items[{index}][quantity]",
                        code="parameter_missing",
                    )
                count = as_int(quantity, f"line_items[{index}][quantity]")
                if count < 1:
                    raise bad_param("Quantity must be at least 1.", f"line_items[{index}][quantity]")
                line_items.append({"price": price["id"], "quantity": count})
                amount_total += (price["unit_amount"] or 0) * count
            coupons = [
                entry["id"]
                for entry in self._discounts_parse(params.get("discounts"), "discounts")
                if isinstance(entry, dict)
            ]
            subscription_data = params.get("subscription_data") or {}
            trial_days = subscription_data.get("trial_period_days")
            trial_days_int = as_int(trial_days, "subscription_data[trial_period_days]") if trial_days else None
            session_id = "cs_test_" + secrets.token_hex(16)
            now = self.now()
            session: Json = {
                "id": session_id,
                "object": "checkout.session",
                "amount_subtotal": amount_total,
                "amount_total": amount_total,
                "cancel_url": params.get("cancel_url") or None,
                "client_reference_id": params.get("client_reference_id") or None,
                "created": now,
                "currency": "cny",
                "customer": params.get("customer") or None,
                "customer_email": params.get("customer_email") or None,
                "expires_at": now + DAY,
                "invoice": None,
                "livemode": False,
                "locale": params.get("locale") or None,
                "metadata": as_metadata(params.get("metadata")),
                "mode": "subscription",
                "payment_method_types": as_list(params.get("payment_method_types")) or ["card"],
                "payment_status": "unpaid",
                "status": "open",
                "subscription": None,
                "success_url": params["success_url"],
                "ui_mode": "hosted",
                "url": f"{self.base_url}/c/pay/{session_id}",
                "_line_items": line_items,
                "_coupons": coupons,
                "_trial_days": trial_days_int,
                "_subscription_metadata": as_metadata(subscription_data.get("metadata"), "subscription_data[metadata]"),
                "_subscription_description": subscription_data.get("description") or None,
            }
            self.checkout_sessions[session_id] = session
            return self.render_checkout_session(session)

    def _subscription_new(
        self,
        *,
        customer_id: str,
        line_items: list[Json],
        trial_days: int | None,
        metadata: Json,
        description: str | None,
        payment_method_types: list[str],
        collection_method: str = "charge_automatically",
        days_until_due: int | None = None,
    ) -> Json:
        """A subscription with its items (no invoice yet), stored."""
        now = self.now()
        sub_id = new_id("sub")
        interval = "month"
        for line in line_items:
            if not self._is_metered(self.prices[line["price"]]):
                interval = self.prices[line["price"]]["recurring"]["interval"]
                break
        trial_end = now + trial_days * DAY if trial_days else None
        send_invoice = collection_method == "send_invoice"
        sub: Json = {
            "id": sub_id,
            "object": "subscription",
            "application": None,
            "billing_cycle_anchor": trial_end or now,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": collection_method,
            "created": now,
            "currency": "cny",
            "customer": customer_id,
            "days_until_due": days_until_due if send_invoice else None,
            "default_payment_method": None if send_invoice else "pm_" + secrets.token_hex(12),
            "description": description,
            "discounts": [],
            "ended_at": None,
            "latest_invoice": None,
            "livemode": False,
            "metadata": dict(metadata),
            "payment_settings": {
                "payment_method_types": payment_method_types,
                "save_default_payment_method": "off",
            },
            "pending_update": None,
            "schedule": None,
            "start_date": now,
            "status": "trialing" if trial_end else "active",
            "test_clock": None,
            "trial_end": trial_end,
            "trial_start": now if trial_end else None,
            "_items": [],
            "_period_start": now,
            "_period_end": trial_end or add_interval(now, interval),
            "_interval": interval,
            "_fail_renewals": False,
        }
        self.subscriptions[sub_id] = sub
        for line in line_items:
            item_id = new_id("si")
            self.items[item_id] = {
                "id": item_id,
                "subscription": sub_id,
                "price": line["price"],
                "quantity": line["quantity"],
                "created": now,
                "metadata": {},
            }
            sub["_items"].append(item_id)
        return sub

    def subscription_create(self, params: Json) -> Json:
        """POST /v1/subscriptions: what ParkSuite uses for invoice collection (Alipay, WeChat Pay):
        the subscription starts active with an open invoice due in ``days_until_due`` days."""
        with self.lock:
            customer = self._customer(params.get("customer"), param="customer", status=400)
            items = as_list(params.get("items"))
            if not items:
                raise bad_param("Missing required param: items.", "items", code="parameter_missing")
            line_items: list[Json] = []
            for index, item in enumerate(items):
                price = self._price(item.get("price") if isinstance(item, dict) else None, f"items[{index}][price]")
                quantity = item.get("quantity") if isinstance(item, dict) else None
                if self._is_metered(price):
                    line_items.append({"price": price["id"], "quantity": None})
                else:
                    count = as_int(quantity, f"items[{index}][quantity]") if quantity not in (None, "") else 1
                    if count < 1:
                        raise bad_param("Quantity must be at least 1.", f"items[{index}][quantity]")
                    line_items.append({"price": price["id"], "quantity": count})
            collection = params.get("collection_method") or "charge_automatically"
            if collection not in ("charge_automatically", "send_invoice"):
                raise bad_param("Invalid collection_method.", "collection_method")
            days = params.get("days_until_due")
            if collection == "send_invoice" and days in (None, ""):
                raise bad_param(
                    "days_until_due is required when collection_method is send_invoice.",
                    "days_until_due",
                    code="parameter_missing",
                )
            payment_settings = params.get("payment_settings") or {}
            discounts = self._discounts_parse(params.get("discounts"), "discounts")
            trial = params.get("trial_period_days")
            sub = self._subscription_new(
                customer_id=customer["id"],
                line_items=line_items,
                trial_days=as_int(trial, "trial_period_days") if trial else None,
                metadata=as_metadata(params.get("metadata")),
                description=params.get("description") or None,
                payment_method_types=as_list(payment_settings.get("payment_method_types")) or ["card"],
                collection_method=collection,
                days_until_due=as_int(days, "days_until_due") if days not in (None, "") else None,
            )
            self._discounts_set(sub, discounts)
            now = self.now()
            invoice = self._invoice_create(
                sub, billing_reason="subscription_create", period=(now, now), trial=bool(sub["trial_end"])
            )
            if collection == "charge_automatically" or not invoice["amount_due"]:
                self._invoice_mark_paid(invoice)
            self.emit("customer.subscription.created", self.render_subscription(sub))
            self.emit("invoice.finalized", self.render_invoice(invoice))
            if invoice["status"] == "paid":
                self.emit("invoice.paid", self.render_invoice(invoice))
            return self.render_subscription(sub)

    def _checkout_session(self, session_id: str) -> Json:
        if session_id not in self.checkout_sessions:
            raise missing("checkout.session", session_id)
        return self.checkout_sessions[session_id]

    def checkout_session_retrieve(self, session_id: str, *, with_line_items: bool = False) -> Json:
        with self.lock:
            return self.render_checkout_session(self._checkout_session(session_id), with_line_items=with_line_items)

    def checkout_complete(self, session_id: str) -> Json:
        """The customer paid on the hosted page: subscription, paid invoice and their webhooks."""
        with self.lock:
            session = self._checkout_session(session_id)
            if session["status"] != "open":
                raise StripeError(400, f"Checkout session {session_id} is {session['status']}, not open.")
            if not session["customer"]:
                created = self.customer_create({"email": session["customer_email"]})
                session["customer"] = created["id"]
            sub = self._subscription_new(
                customer_id=session["customer"],
                line_items=session["_line_items"],
                trial_days=session["_trial_days"],
                metadata=session["_subscription_metadata"],
                description=session["_subscription_description"],
                payment_method_types=session["payment_method_types"],
            )
            self._discounts_set(sub, [self.coupons[c] for c in session.get("_coupons", []) if c in self.coupons])
            now, sub_id, trial_end = self.now(), sub["id"], sub["trial_end"]
            invoice = self._invoice_create(
                sub, billing_reason="subscription_create", period=(now, now), trial=bool(trial_end)
            )
            self._invoice_mark_paid(invoice)
            session.update(
                status="complete",
                payment_status="paid" if invoice["amount_due"] else "no_payment_required",
                subscription=sub_id,
                invoice=invoice["id"],
            )
            self.emit("checkout.session.completed", self.render_checkout_session(session))
            self.emit("customer.subscription.created", self.render_subscription(sub))
            self.emit("invoice.paid", self.render_invoice(invoice))
            self.emit("invoice.payment_succeeded", self.render_invoice(invoice))
            result = self.render_checkout_session(session)
        self._after_control()
        return result

    # ----------------------------------------------------------------- portal

    def portal_session_create(self, params: Json) -> Json:
        with self.lock:
            if not params.get("customer"):
                raise bad_param("Missing required param: customer.", "customer", code="parameter_missing")
            self._customer(params["customer"], param="customer", status=400)
            session_id = new_id("bps")
            session: Json = {
                "id": session_id,
                "object": "billing_portal.session",
                "configuration": "bpc_parksuite_fake",
                "created": self.now(),
                "customer": params["customer"],
                "flow": None,
                "livemode": False,
                "locale": params.get("locale") or None,
                "on_behalf_of": None,
                "return_url": params.get("return_url") or None,
                "url": f"{self.base_url}/p/session/{session_id}",
            }
            self.portal_sessions[session_id] = session
            return self.render_portal_session(session)

    def portal_session(self, session_id: str) -> Json:
        with self.lock:
            if session_id not in self.portal_sessions:
                raise missing("billing_portal.session", session_id)
            return self.render_portal_session(self.portal_sessions[session_id])

    # ----------------------------------------------------------------- subscriptions

    def _subscription(self, sub_id: str, *, param: str = "id", status: int = 404) -> Json:
        if sub_id not in self.subscriptions:
            raise missing("subscription", sub_id, param=param, status=status)
        return self.subscriptions[sub_id]

    def subscription_retrieve(self, sub_id: str) -> Json:
        with self.lock:
            return self.render_subscription(self._subscription(sub_id))

    def subscription_list(self, params: Json) -> Json:
        with self.lock:
            wanted = params.get("status") or ""
            rows = []
            for sub in sorted(self.subscriptions.values(), key=lambda s: (s["created"], s["id"]), reverse=True):
                if params.get("customer") and sub["customer"] != params["customer"]:
                    continue
                if params.get("price") and params["price"] not in {self.items[i]["price"] for i in sub["_items"]}:
                    continue
                if wanted == "all" or sub["status"] == wanted or (not wanted and sub["status"] != "canceled"):
                    rows.append(self.render_subscription(sub))
            return self._page(rows, params, "/v1/subscriptions")

    def _page(self, rows: list[Json], params: Json, url: str) -> Json:
        if params.get("starting_after"):
            ids = [row["id"] for row in rows]
            if params["starting_after"] in ids:
                rows = rows[ids.index(params["starting_after"]) + 1 :]
        limit = as_int(params.get("limit") or 10, "limit")
        if not 1 <= limit <= 100:
            raise bad_param("limit must be between 1 and 100.", "limit")
        return {"object": "list", "data": rows[:limit], "has_more": len(rows) > limit, "url": url}

    def subscription_update(self, sub_id: str, params: Json) -> Json:
        """Seats, plan change, cancel at period end, collection method, metadata; emits .updated."""
        with self.lock:
            sub = self._subscription(sub_id)
            if sub["status"] in TERMINAL_STATUSES:
                raise StripeError(400, "A canceled subscription can only update its cancellation_details and metadata.")
            before = self.render_subscription(sub)
            proration = params.get("proration_behavior") or "create_prorations"
            for index, change in enumerate(as_list(params.get("items"))):
                self._apply_item_change(sub, change, f"items[{index}]", proration)
            if "cancel_at_period_end" in params:
                sub["cancel_at_period_end"] = as_bool(params["cancel_at_period_end"], "cancel_at_period_end")
                sub["cancel_at"] = sub["_period_end"] if sub["cancel_at_period_end"] else None
                sub["canceled_at"] = self.now() if sub["cancel_at_period_end"] else None
            if params.get("collection_method"):
                method = params["collection_method"]
                if method not in ("charge_automatically", "send_invoice"):
                    raise bad_param(f"Invalid collection_method: {method}", "collection_method")
                days = params.get("days_until_due")
                if method == "send_invoice" and not days and not sub["days_until_due"]:
                    raise bad_param(
                        "days_until_due is required when collection_method is send_invoice.",
                        "days_until_due",
                        code="parameter_missing",
                    )
                sub["collection_method"] = method
                if method == "charge_automatically":
                    sub["days_until_due"] = None
            if params.get("days_until_due"):
                sub["days_until_due"] = as_int(params["days_until_due"], "days_until_due")
            if "metadata" in params:
                sub["metadata"].update(as_metadata(params["metadata"]))
                sub["metadata"] = {k: v for k, v in sub["metadata"].items() if v != ""}
            if "description" in params:
                sub["description"] = params["description"] or None
            if "discounts" in params:
                self._discounts_set(sub, self._discounts_parse(params["discounts"], "discounts"))
            payment_settings = params.get("payment_settings")
            if isinstance(payment_settings, dict) and "payment_method_types" in payment_settings:
                sub["payment_settings"]["payment_method_types"] = as_list(payment_settings["payment_method_types"])
            if params.get("trial_end") == "now" and sub["status"] == "trialing":
                sub["trial_end"] = self.now()
                self._renew(sub, at=self.now())
            after = self.render_subscription(sub)
            if after != before:
                self._emit_subscription_updated(sub, before)
            return after

    def _apply_item_change(self, sub: Json, change: Any, param: str, proration: str) -> None:
        if not isinstance(change, dict):
            raise bad_param("Invalid hash", param, code="parameter_invalid_hash")
        item_id = change.get("id")
        if item_id and (item_id not in self.items or self.items[item_id]["subscription"] != sub["id"]):
            raise missing("subscription_item", str(item_id), param=f"{param}[id]", status=400)
        if change.get("deleted") == "true":
            if item_id:
                sub["_items"].remove(item_id)
                del self.items[item_id]
            return
        if not item_id:  # a new item on the subscription
            price = self._price(change.get("price"), f"{param}[price]")
            quantity = None if self._is_metered(price) else as_int(change.get("quantity") or 1, f"{param}[quantity]")
            item_id = new_id("si")
            self.items[item_id] = {
                "id": item_id,
                "subscription": sub["id"],
                "price": price["id"],
                "quantity": quantity,
                "created": self.now(),
                "metadata": as_metadata(change.get("metadata"), f"{param}[metadata]"),
            }
            sub["_items"].append(item_id)
            return
        self._item_modify(self.items[item_id], change, param_prefix=param, proration=proration)

    def _item_modify(self, item: Json, change: Json, *, param_prefix: str, proration: str) -> None:
        def name(field: str) -> str:
            return f"{param_prefix}[{field}]" if param_prefix else field

        if change.get("price"):
            price = self._price(change["price"], name("price"))
            if self._is_metered(price) != self._is_metered(self.prices[item["price"]]):
                raise bad_param("A metered price can only replace a metered price.", name("price"))
            item["price"] = price["id"]
            if self._is_metered(price):
                item["quantity"] = None
        if change.get("quantity") not in (None, ""):
            if self._is_metered(self.prices[item["price"]]):
                raise bad_param("Quantity should not be specified where usage_type is `metered`.", name("quantity"))
            quantity = as_int(change["quantity"], name("quantity"))
            if quantity < 0:
                raise bad_param("Quantity must be at least 0.", name("quantity"))
            if quantity != item["quantity"]:
                self.quantity_change_log.append(
                    {"item": item["id"], "from": item["quantity"], "to": quantity, "proration_behavior": proration}
                )
                item["quantity"] = quantity
        if "metadata" in change:
            item["metadata"].update(as_metadata(change["metadata"], name("metadata")))

    def subscription_cancel(self, sub_id: str, params: Json | None = None) -> Json:
        """DELETE /v1/subscriptions/{id}: ends it now (``prorate`` and ``invoice_now`` are accepted;
        the fake keeps no customer balance, so a proration credit is not modelled)."""
        for flag in ("prorate", "invoice_now"):
            if (params or {}).get(flag) not in (None, ""):
                as_bool((params or {})[flag], flag)
        with self.lock:
            sub = self._subscription(sub_id)
            if sub["status"] in TERMINAL_STATUSES:
                raise StripeError(400, f"The subscription {sub_id} is already {sub['status']}.")
            self._end(sub)
            return self.render_subscription(sub)

    def _end(self, sub: Json, *, status: str = "canceled") -> None:
        now = self.now()
        sub.update(status=status, ended_at=now, canceled_at=sub["canceled_at"] or now, cancel_at_period_end=False)
        self.emit("customer.subscription.deleted", self.render_subscription(sub))

    def item_retrieve(self, item_id: str) -> Json:
        with self.lock:
            if item_id not in self.items:
                raise missing("subscription_item", item_id)
            return self.render_item(self.items[item_id])

    def item_update(self, item_id: str, params: Json) -> Json:
        with self.lock:
            if item_id not in self.items:
                raise missing("subscription_item", item_id)
            item = self.items[item_id]
            sub = self.subscriptions[item["subscription"]]
            if sub["status"] in TERMINAL_STATUSES:
                raise StripeError(400, "A canceled subscription's items cannot be updated.")
            before = self.render_subscription(sub)
            self._item_modify(
                item, params, param_prefix="", proration=params.get("proration_behavior") or "create_prorations"
            )
            if self.render_subscription(sub) != before:
                self._emit_subscription_updated(sub, before)
            return self.render_item(item)

    # ----------------------------------------------------------------- invoices

    def _invoice_create(
        self, sub: Json, *, billing_reason: str, period: tuple[int, int], trial: bool = False, usage_from: int = 0
    ) -> Json:
        """An open (finalized) invoice: seats for the coming period, metered usage of the past one."""
        now = self.now()
        customer = self.customers[sub["customer"]]
        lines: list[Json] = []
        for item_id in sub["_items"]:
            item = self.items[item_id]
            price = self.prices[item["price"]]
            if self._is_metered(price):
                if billing_reason == "subscription_create":
                    continue
                used = self._usage(sub["customer"], price["_event_name"], usage_from, period[0])
                amount = self._tiered_amount(price, used)
                quantity = used
            else:
                quantity = item["quantity"] or 0
                amount = 0 if trial else (price["unit_amount"] or 0) * quantity
            lines.append(
                {
                    "id": new_id("il"),
                    "object": "line_item",
                    "amount": amount,
                    "currency": "cny",
                    "description": f"{quantity} × {price['nickname'] or price['id']}",  # noqa: RUF001
                    "livemode": False,
                    "metadata": {},
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {"subscription": sub["id"], "subscription_item": item_id},
                    },
                    "period": {"start": sub["_period_start"], "end": sub["_period_end"]},
                    "pricing": {"type": "price_details", "price_details": {"price": price["id"]}},
                    "quantity": quantity,
                }
            )
        subtotal = sum(line["amount"] for line in lines)
        discount_amounts = self._discount_amounts(sub, subtotal)
        total = subtotal - sum(entry["amount"] for entry in discount_amounts)
        self.invoice_seq += 1
        invoice_id = new_id("in")
        send_invoice = sub["collection_method"] == "send_invoice"
        invoice: Json = {
            "id": invoice_id,
            "object": "invoice",
            "amount_due": total,
            "amount_paid": 0,
            "amount_remaining": total,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": True,
            "billing_reason": billing_reason,
            "collection_method": sub["collection_method"],
            "created": now,
            "currency": "cny",
            "customer": sub["customer"],
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "description": None,
            "due_date": now + (sub["days_until_due"] or 0) * DAY if send_invoice else None,
            "hosted_invoice_url": f"{self.base_url}/i/{invoice_id}",
            "invoice_pdf": f"{self.base_url}/i/{invoice_id}/pdf",
            "livemode": False,
            "metadata": {},
            "next_payment_attempt": None,
            "number": f"{customer['invoice_prefix']}-{self.invoice_seq:04d}",
            "period_end": period[1],
            "period_start": period[0],
            "status": "open",
            "status_transitions": {
                "finalized_at": now,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "discounts": [entry["discount"] for entry in discount_amounts],
            "subtotal": subtotal,
            "total": total,
            "total_discount_amounts": discount_amounts,
            "_subscription": sub["id"],
            "_lines": lines,
        }
        self.invoices[invoice_id] = invoice
        sub["latest_invoice"] = invoice_id
        return invoice

    def _usage(self, customer_id: str, event_name: str, start: int, end: int) -> int:
        return sum(
            int(e["payload"]["value"])
            for e in self.meter_events.values()
            if e["payload"]["stripe_customer_id"] == customer_id
            and e["event_name"] == event_name
            and start <= e["timestamp"] < end
        )

    @staticmethod
    def _tiered_amount(price: Json, used: int) -> int:
        included = price["tiers"][0]["up_to"] or 0
        per_unit = Decimal(price["tiers"][1]["unit_amount_decimal"])
        return int((max(used - included, 0) * per_unit).quantize(Decimal(1), ROUND_HALF_UP))

    def _invoice_mark_paid(self, invoice: Json) -> None:
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, attempted=True)
        invoice["next_payment_attempt"] = None
        invoice["status_transitions"]["paid_at"] = self.now()

    def _invoice(self, invoice_id: str) -> Json:
        if invoice_id not in self.invoices:
            raise missing("invoice", invoice_id)
        return self.invoices[invoice_id]

    def invoice_retrieve(self, invoice_id: str) -> Json:
        with self.lock:
            return self.render_invoice(self._invoice(invoice_id))

    def invoice_list(self, params: Json) -> Json:
        with self.lock:
            rows = [
                self.render_invoice(invoice)
                for invoice in sorted(self.invoices.values(), key=lambda i: (i["created"], i["id"]), reverse=True)
                if (not params.get("customer") or invoice["customer"] == params["customer"])
                and (not params.get("subscription") or invoice["_subscription"] == params["subscription"])
                and (not params.get("status") or invoice["status"] == params["status"])
            ]
            return self._page(rows, params, "/v1/invoices")

    def invoice_pay(self, invoice_id: str) -> Json:
        """Pay an open invoice (the API's /pay, the hosted invoice page, Alipay/WeChat offline)."""
        with self.lock:
            invoice = self._invoice(invoice_id)
            if invoice["status"] == "paid":
                raise StripeError(400, "Invoice is already paid.")
            if invoice["status"] != "open":
                raise StripeError(400, f"This invoice can only be paid when open; it is {invoice['status']}.")
            self._pay(invoice)
            return self.render_invoice(invoice)

    def _pay(self, invoice: Json) -> None:
        self._invoice_mark_paid(invoice)
        self.emit("invoice.paid", self.render_invoice(invoice))
        self.emit("invoice.payment_succeeded", self.render_invoice(invoice))
        sub_id = invoice["_subscription"]
        sub = self.subscriptions.get(sub_id)
        still_open = [
            i
            for i in self.invoices.values()
            if i["_subscription"] == invoice["_subscription"] and i["status"] == "open"
        ]
        if sub and sub["status"] in ("past_due", "unpaid", "incomplete") and not still_open:
            before = self.render_subscription(sub)
            sub["status"] = "active"
            self._emit_subscription_updated(sub, before)

    # ----------------------------------------------------------------- meter events

    def meter_event_create(self, params: Json) -> Json:
        with self.lock:
            if not params.get("event_name"):
                raise bad_param("Missing required param: event_name.", "event_name", code="parameter_missing")
            payload = params.get("payload") or {}
            if not isinstance(payload, dict) or not payload.get("stripe_customer_id"):
                raise bad_param(
                    "Missing required param: payload[stripe_customer_id].",
                    "payload[stripe_customer_id]",
                    code="parameter_missing",
                )
            value = as_int(payload.get("value", "1"), "payload[value]")
            identifier = params.get("identifier") or new_id("mev")
            if identifier in self.meter_events:
                # Stripe enforces identifier uniqueness: a repeat is not counted again.
                return copy.deepcopy(self.meter_events[identifier])
            event: Json = {
                "object": "billing.meter_event",
                "created": self.now(),
                "event_name": params["event_name"],
                "identifier": identifier,
                "livemode": False,
                "payload": {"stripe_customer_id": payload["stripe_customer_id"], "value": str(value)},
                "timestamp": as_int(params.get("timestamp") or self.now(), "timestamp"),
            }
            self.meter_events[identifier] = event
            return copy.deepcopy(event)

    # ----------------------------------------------------------------- control (tests and demo)

    def subscription_for(self, *, customer_id: str) -> str:
        """The id of the customer's newest subscription (handy after checkout in tests)."""
        with self.lock:
            subs = sorted(
                (s for s in self.subscriptions.values() if s["customer"] == customer_id),
                key=lambda s: (s["created"], s["id"]),
            )
            if not subs:
                raise missing("subscription", f"for {customer_id}")
            return str(subs[-1]["id"])

    def invoice_fail(self, sub_id: str) -> Json:
        """The open invoice (or a new one for the current period) fails: past_due, with webhooks."""
        with self.lock:
            sub = self._subscription(sub_id)
            invoice = self._open_invoice(sub) or self._invoice_create(
                sub, billing_reason="subscription_cycle", period=(sub["_period_start"], sub["_period_end"])
            )
            self._fail(sub, invoice)
            result = self.render_invoice(invoice)
        self._after_control()
        return result

    def _open_invoice(self, sub: Json) -> Json | None:
        open_invoices = [i for i in self.invoices.values() if i["_subscription"] == sub["id"] and i["status"] == "open"]
        return max(open_invoices, key=lambda i: (i["created"], i["id"])) if open_invoices else None

    def _fail(self, sub: Json, invoice: Json) -> None:
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        invoice["next_payment_attempt"] = self.now() + 3 * DAY
        self.emit("invoice.payment_failed", self.render_invoice(invoice))
        if sub["status"] in ("active", "trialing"):
            before = self.render_subscription(sub)
            sub["status"] = "past_due"
            self._emit_subscription_updated(sub, before)

    def invoice_pay_open(self, sub_id: str) -> Json:
        """Pay the subscription's open invoice: active again, with webhooks."""
        with self.lock:
            sub = self._subscription(sub_id)
            invoice = self._open_invoice(sub)
            if invoice is None:
                raise StripeError(400, f"Subscription {sub_id} has no open invoice.")
            self._pay(invoice)
            result = self.render_invoice(invoice)
        self._after_control()
        return result

    def subscription_set_status(self, sub_id: str, status: str) -> Json:
        """Force a status as Stripe's dunning would: unpaid, canceled, incomplete_expired, ..."""
        allowed = ("active", "trialing", "past_due", "unpaid", "canceled", "incomplete", "incomplete_expired", "paused")
        if status not in allowed:
            raise bad_param(f"Unknown status {status}.", "status")
        with self.lock:
            sub = self._subscription(sub_id)
            if sub["status"] != status:
                if status == "canceled":
                    self._end(sub)
                else:
                    before = self.render_subscription(sub)
                    sub["status"] = status
                    if status == "incomplete_expired":
                        sub["ended_at"] = self.now()
                    self._emit_subscription_updated(sub, before)
            result = self.render_subscription(sub)
        self._after_control()
        return result

    def subscription_fail_renewals(self, sub_id: str, fail: bool = True) -> None:
        """Card renewals of this subscription fail from now on (clock_advance), or succeed again."""
        with self.lock:
            self._subscription(sub_id)["_fail_renewals"] = fail

    def clock_advance(self, days: float) -> int:
        """Move the clock; renew subscriptions whose period ended on the way, mark overdue invoices
        past_due, end subscriptions set to cancel at period end. Returns the new time."""
        with self.lock:
            target = self.now() + int(days * DAY)
            while True:
                moment, action, obj_id = self._next_due(target)
                if action is None:
                    break
                self.clock_offset += max(moment - self.now(), 0)
                if action == "renew":
                    self._renew(self.subscriptions[obj_id], at=moment)
                else:
                    sub = self.subscriptions[self.invoices[obj_id]["_subscription"]]
                    self.invoices[obj_id]["_overdue"] = True
                    if sub["status"] in ("active", "trialing"):
                        before = self.render_subscription(sub)
                        sub["status"] = "past_due"
                        self._emit_subscription_updated(sub, before)
            self.clock_offset += max(target - self.now(), 0)
            result = self.now()
        self._after_control()
        return result

    def _next_due(self, target: int) -> tuple[int, str | None, str]:
        best: tuple[int, str | None, str] = (target + 1, None, "")
        for sub in self.subscriptions.values():
            if sub["status"] in ACCESS_STATUSES and sub["_period_end"] <= target and sub["_period_end"] < best[0]:
                best = (sub["_period_end"], "renew", sub["id"])
        for invoice in self.invoices.values():
            due = invoice["due_date"]
            if invoice["status"] == "open" and due and not invoice.get("_overdue") and due < target and due < best[0]:
                best = (due + 1, "overdue", invoice["id"])
        return best

    def _renew(self, sub: Json, *, at: int) -> None:
        before = self.render_subscription(sub)
        if sub["cancel_at_period_end"]:
            self._end(sub)
            return
        was_trial = sub["status"] == "trialing"
        usage_from = sub["_period_start"]
        sub["_period_start"] = at
        sub["_period_end"] = add_interval(at, sub["_interval"])
        if was_trial:
            sub["status"] = "active"
        invoice = self._invoice_create(
            sub,
            billing_reason="subscription_cycle",
            period=(at, sub["_period_end"]),
            usage_from=usage_from,
        )
        self._emit_subscription_updated(sub, before)
        if invoice["amount_due"] == 0:
            self._invoice_mark_paid(invoice)
            self.emit("invoice.paid", self.render_invoice(invoice))
        elif sub["collection_method"] == "send_invoice":
            self.emit("invoice.finalized", self.render_invoice(invoice))
        elif sub["_fail_renewals"]:
            self._fail(sub, invoice)
        else:
            self._invoice_mark_paid(invoice)
            self.emit("invoice.paid", self.render_invoice(invoice))
            self.emit("invoice.payment_succeeded", self.render_invoice(invoice))

    def portal_cancel(self, session_id: str, sub_id: str, *, cancel: bool = True) -> None:
        """The portal's "Cancel at period end" (or "Don't cancel") for one of its customer's subscriptions."""
        session = self.portal_session(session_id)
        with self.lock:
            sub = self._subscription(sub_id)
            if sub["customer"] != session["customer"]:
                raise missing("subscription", sub_id)
        self.subscription_update(sub_id, {"cancel_at_period_end": "true" if cancel else "false"})
