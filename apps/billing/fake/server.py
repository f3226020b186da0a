"""The Stripe fake's HTTP side: Stripe's API paths ParkSuite uses (form-encoded requests, JSON
answers, Bearer key, Idempotency-Key replays), the hosted test-mode pages (checkout, portal,
invoice) and control endpoints under /_fake/ for tests and the demo. Standard library only."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import threading
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .pages import checkout_page, invoice_page, message_page, portal_page
from .state import API_VERSION, Json, StripeError, StripeState, as_list, missing

Handler = Callable[["StripeFake", Json, re.Match[str]], Json]
# Method, path, handler and the top-level parameters the endpoint accepts (None: not checked,
# the fake's own control endpoints). ``expand`` is accepted everywhere.
Route = tuple[str, re.Pattern[str], Handler, frozenset[str] | None]

# What Stripe accepts (of what the fake models) on the endpoints ParkSuite uses; anything else
# is answered as the real API does: 400 ``parameter_unknown``, so a typo cannot pass offline.
LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before"})
PARAMS: dict[str, frozenset[str]] = {
    "customer_create": frozenset({"email", "name", "description", "phone", "metadata", "preferred_locales"}),
    "customer_update": frozenset({"email", "name", "description", "phone", "metadata", "preferred_locales"}),
    "checkout_session_create": frozenset(
        {
            "mode",
            "customer",
            "customer_email",
            "client_reference_id",
            "line_items",
            "success_url",
            "cancel_url",
            "metadata",
            "subscription_data",
            "locale",
            "discounts",
            "payment_method_types",
        }
    ),
    "portal_session_create": frozenset({"customer", "return_url", "locale", "configuration"}),
    "subscription_list": LIST_PARAMS | {"customer", "price", "status"},
    "subscription_create": frozenset(
        {
            "customer",
            "items",
            "collection_method",
            "days_until_due",
            "payment_settings",
            "metadata",
            "description",
            "discounts",
            "trial_period_days",
            "proration_behavior",
        }
    ),
    "subscription_update": frozenset(
        {
            "items",
            "proration_behavior",
            "cancel_at_period_end",
            "collection_method",
            "days_until_due",
            "metadata",
            "description",
            "payment_settings",
            "trial_end",
            "discounts",
        }
    ),
    "subscription_cancel": frozenset({"prorate", "invoice_now", "cancellation_details"}),
    "item_update": frozenset({"quantity", "price", "proration_behavior", "metadata"}),
    "invoice_list": LIST_PARAMS | {"customer", "subscription", "status"},
    "invoice_pay": frozenset({"paid_out_of_band"}),
    "meter_event_create": frozenset({"event_name", "payload", "identifier", "timestamp"}),
    "coupon_create": frozenset(
        {"id", "percent_off", "amount_off", "currency", "duration", "duration_in_months", "metadata", "name"}
    ),
    "retrieve": frozenset(),
}


def parse_form(raw: str) -> Json:
    """Stripe's form encoding back to nested values: ``a[b][0][c]=v`` and ``expand[]=x``."""
    root: Json = {}
    for key, value in urllib.parse.parse_qsl(raw, keep_blank_values=True):
        head = key.split("[", 1)[0]
        parts = [head, *re.findall(r"\[([^\]]*)\]", key)]
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":  # "[]": the next index
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {key: _lists(value) for key, value in node.items()}
        if converted and all(key.isdigit() for key in converted):
            return [converted[key] for key in sorted(converted, key=int)]
        return converted
    return node


def _expand(fake: StripeFake, obj: Any, paths: list[str]) -> Any:
    """Replace ids by objects along ``expand[]`` paths (``data.`` walks into lists)."""
    for path in paths:
        _expand_path(fake, obj, path.split("."))
    return obj


def _expand_path(fake: StripeFake, node: Any, parts: list[str]) -> None:
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        for element in node:
            _expand_path(fake, element, parts)
        return
    if not isinstance(node, dict) or head not in node:
        return
    if not rest and isinstance(node[head], str):
        with contextlib.suppress(StripeError):
            node[head] = fake.get(node[head])
        return
    if not rest and isinstance(node[head], list):  # a list of ids (a subscription's discounts)
        expanded = []
        for element in node[head]:
            if isinstance(element, str):
                with contextlib.suppress(StripeError):
                    element = fake.get(element)
            expanded.append(element)
        node[head] = expanded
        return
    _expand_path(fake, node[head], rest)


class StripeFake(StripeState):
    """The fake as tests and ``manage.py stripe_fake`` use it: state plus an HTTP server."""

    def __init__(self, *, api_key: str, webhook_secret: str) -> None:
        super().__init__(api_key=api_key, webhook_secret=webhook_secret)
        self.server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self.routes: list[Route] = self._routes()

    # ----------------------------------------------------------------- lifecycle

    def start(self, *, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen in background threads (port 0: a free one); return the base URL."""
        fake = self

        class Handler(FakeHandler):
            stripe_fake = fake

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        bound_host, bound_port = self.server.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
        self.base_url = f"http://{host_text}:{bound_port}"
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self.server.serve_forever, name="stripe-fake-http", daemon=True),
            threading.Thread(target=self.delivery_loop, args=(self._stop,), name="stripe-fake-webhooks", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self.base_url

    def serve_forever(self) -> None:
        """Block until interrupted (the management command)."""
        self._stop.wait()

    def stop(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    # ----------------------------------------------------------------- API routes

    def _routes(self) -> list[Route]:
        def r(method: str, pattern: str, handler: Handler, params: str | None = None) -> Route:
            accepted = PARAMS[params] if params is not None else None
            return (method, re.compile(f"^{pattern}$"), handler, accepted)

        ident = r"([A-Za-z0-9_]+)"
        return [
            r("POST", "/v1/customers", lambda f, p, m: f.customer_create(p), "customer_create"),
            r("GET", f"/v1/customers/{ident}", lambda f, p, m: f.customer_retrieve(m[1]), "retrieve"),
            r("POST", f"/v1/customers/{ident}", lambda f, p, m: f.customer_update(m[1], p), "customer_update"),
            r("POST", "/v1/checkout/sessions", lambda f, p, m: f.checkout_session_create(p), "checkout_session_create"),
            r(
                "GET",
                f"/v1/checkout/sessions/{ident}",
                lambda f, p, m: f.checkout_session_retrieve(
                    m[1], with_line_items="line_items" in as_list(p.get("expand"))
                ),
                "retrieve",
            ),
            r(
                "POST",
                "/v1/billing_portal/sessions",
                lambda f, p, m: f.portal_session_create(p),
                "portal_session_create",
            ),
            r("GET", "/v1/subscriptions", lambda f, p, m: f.subscription_list(p), "subscription_list"),
            r("POST", "/v1/subscriptions", lambda f, p, m: f.subscription_create(p), "subscription_create"),
            r("GET", f"/v1/subscriptions/{ident}", lambda f, p, m: f.subscription_retrieve(m[1]), "retrieve"),
            r(
                "POST",
                f"/v1/subscriptions/{ident}",
                lambda f, p, m: f.subscription_update(m[1], p),
                "subscription_update",
            ),
            r(
                "DELETE",
                f"/v1/subscriptions/{ident}",
                lambda f, p, m: f.subscription_cancel(m[1], p),
                "subscription_cancel",
            ),
            r("GET", f"/v1/subscription_items/{ident}", lambda f, p, m: f.item_retrieve(m[1]), "retrieve"),
            r("POST", f"/v1/subscription_items/{ident}", lambda f, p, m: f.item_update(m[1], p), "item_update"),
            r("GET", "/v1/invoices", lambda f, p, m: f.invoice_list(p), "invoice_list"),
            r("GET", f"/v1/invoices/{ident}", lambda f, p, m: f.invoice_retrieve(m[1]), "retrieve"),
            r("POST", f"/v1/invoices/{ident}/pay", lambda f, p, m: f.invoice_pay(m[1]), "invoice_pay"),
            r("POST", "/v1/billing/meter_events", lambda f, p, m: f.meter_event_create(p), "meter_event_create"),
            r("POST", "/v1/coupons", lambda f, p, m: f.coupon_create(p), "coupon_create"),
            r("GET", f"/v1/coupons/{ident}", lambda f, p, m: f.coupon_retrieve(m[1]), "retrieve"),
            r(
                "GET",
                f"/v1/prices/{ident}",
                lambda f, p, m: f.get(m[1]) if m[1] in f.prices else _no_price(m[1]),
                "retrieve",
            ),
            # Control endpoints (not Stripe's): tests and the demo drive the fake with these.
            r("GET", "/_fake/state", lambda f, p, m: f.summary()),
            r("POST", "/_fake/reset", _control_reset),
            r("POST", f"/_fake/checkout/{ident}/complete", lambda f, p, m: f.checkout_complete(m[1])),
            r("POST", f"/_fake/subscriptions/{ident}/fail_invoice", lambda f, p, m: f.invoice_fail(m[1])),
            r("POST", f"/_fake/subscriptions/{ident}/pay_invoice", lambda f, p, m: f.invoice_pay_open(m[1])),
            r(
                "POST",
                f"/_fake/subscriptions/{ident}/status",
                lambda f, p, m: f.subscription_set_status(m[1], str(p.get("status", ""))),
            ),
            r("POST", f"/_fake/subscriptions/{ident}/fail_renewals", _control_fail_renewals),
            r("POST", "/_fake/clock/advance", lambda f, p, m: {"now": f.clock_advance(float(p.get("days", "0")))}),
            r("GET", "/_fake/events", lambda f, p, m: {"object": "list", "data": f.events(p.get("type") or None)}),
            r(
                "POST",
                f"/_fake/events/{ident}/resend",
                lambda f, p, m: f.resend(m[1], signature=str(p.get("signature", "valid"))).__dict__,
            ),
            r(
                "POST",
                "/_fake/events/deliver",
                lambda f, p, m: {
                    "deliveries": [
                        d.__dict__ for d in f.deliver(as_list(p.get("ids")), signature=str(p.get("signature", "valid")))
                    ]
                },
            ),
            r(
                "POST",
                "/_fake/events/deliver_pending",
                lambda f, p, m: {"deliveries": [d.__dict__ for d in f.deliver_pending()]},
            ),
            r("POST", "/_fake/hold", _control_hold),
        ]

    def api(self, method: str, path: str, params: Json) -> Json:
        for route_method, pattern, handler, accepted in self.routes:
            match = pattern.match(path)
            if match and route_method == method:
                if accepted is not None:
                    unknown = sorted(set(params) - accepted - {"expand"})
                    if unknown:
                        raise StripeError(
                            400, f"Received unknown parameter: {unknown[0]}", code="parameter_unknown", param=unknown[0]
                        )
                result = handler(self, params, match)
                if result.get("object") == "checkout.session" and _wants(params, "line_items"):
                    result = self.checkout_session_retrieve(result["id"], with_line_items=True)
                return _expand(self, result, [str(p) for p in as_list(params.get("expand"))])
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")


def _wants(params: Json, field: str) -> bool:
    return field in as_list(params.get("expand"))


def _control_reset(fake: StripeFake, params: Json, match: re.Match[str]) -> Json:
    fake.reset()
    return {"ok": True}


def _control_fail_renewals(fake: StripeFake, params: Json, match: re.Match[str]) -> Json:
    fake.subscription_fail_renewals(match[1], params.get("fail", "true") == "true")
    return {"ok": True}


def _control_hold(fake: StripeFake, params: Json, match: re.Match[str]) -> Json:
    fake.hold_deliveries = params.get("hold", "true") == "true"
    return {"ok": True}


def _no_price(price_id: str) -> Json:
    raise missing("price", price_id)


def money(fen: int | None) -> str:
    return f"¥{Decimal(fen or 0) / 100:,.2f}"


class FakeHandler(BaseHTTPRequestHandler):
    """One request to the fake; ``stripe_fake`` is set on a subclass per server."""

    stripe_fake: StripeFake
    server_version = "StripeFake/1.0"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests and the run command's output stay readable

    # ----------------------------------------------------------------- plumbing

    def _params(self) -> tuple[str, Json, str]:
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        raw = body if self.command == "POST" else url.query
        return url.path, parse_form(raw), raw

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Json, headers: dict[str, str] | None = None) -> None:
        all_headers = {"Request-Id": "req_" + secrets.token_hex(8), "Stripe-Version": API_VERSION, **(headers or {})}
        self._send(status, json.dumps(payload, indent=2).encode(), "application/json", all_headers)

    def _html(self, status: int, page: str) -> None:
        self._send(status, page.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-store"})

    def _redirect(self, location: str) -> None:
        self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": location})

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        fake = self.stripe_fake
        path, params, raw = self._params()
        try:
            if path.startswith("/v1/"):
                self._api(path, params, raw)
            elif path.startswith("/_fake/"):
                self._json(200, fake.api(self.command, path, params))
            else:
                self._page(path, params)
        except StripeError as error:
            if path.startswith(("/v1/", "/_fake/")):
                self._json(error.status, error.body())
            else:
                self._html(error.status, message_page("Error", error.message, None))
        except Exception as error:
            self._json(500, {"error": {"type": "api_error", "message": f"Stripe fake: {error!r}"}})

    def _api(self, path: str, params: Json, raw: str) -> None:
        fake = self.stripe_fake
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            raise StripeError(401, "You did not provide an API key.")
        if not secrets.compare_digest(auth.removeprefix("Bearer ").strip(), fake.api_key):
            raise StripeError(401, f"Invalid API Key provided: {auth[7:15]}****")
        key = self.headers.get("Idempotency-Key")
        if self.command != "POST" or not key:
            self._json(200, fake.api(self.command, path, params))
            return
        with fake.lock:  # the whole request under the lock: a concurrent retry waits and replays
            seen = fake.idempotent_responses.get(key)
            if seen is not None:
                method, seen_path, seen_raw, status, payload = seen
                if (method, seen_path, seen_raw) != (self.command, path, raw):
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                self._json(status, payload, {"Idempotent-Replayed": "true", "Original-Request": key})
                return
            try:
                status, payload = 200, fake.api(self.command, path, params)
            except StripeError as error:
                status, payload = error.status, error.body()
            fake.idempotent_responses[key] = (self.command, path, raw, status, payload)
        self._json(status, payload, {"Idempotency-Key": key})

    # ----------------------------------------------------------------- hosted pages

    def _page(self, path: str, params: Json) -> None:
        fake = self.stripe_fake
        if match := re.fullmatch(r"/c/pay/([A-Za-z0-9_]+)", path):
            session = fake.checkout_session_retrieve(match[1], with_line_items=True)
            if self.command == "POST":
                if session["status"] == "open":
                    fake.checkout_complete(match[1])
                    fake.wait_delivered()
                self._redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
                return
            self._html(200, checkout_page(session, fake, money))
            return
        if match := re.fullmatch(r"/p/session/([A-Za-z0-9_]+)(?:/(cancel|renew))?", path):
            session = fake.portal_session(match[1])
            if self.command == "POST" and match[2]:
                fake.portal_cancel(match[1], str(params.get("subscription", "")), cancel=match[2] == "cancel")
                fake.wait_delivered()
                self._redirect(f"/p/session/{match[1]}")
                return
            subscriptions = fake.subscription_list({"customer": session["customer"], "limit": 100})["data"]
            invoices = fake.invoice_list({"customer": session["customer"], "limit": 100})["data"]
            self._html(200, portal_page(session, subscriptions, invoices, money))
            return
        if match := re.fullmatch(r"/i/([A-Za-z0-9_]+)(?:/(pay|pdf))?", path):
            invoice = fake.invoice_retrieve(match[1])
            if self.command == "POST" and match[2] == "pay":
                if invoice["status"] == "open":
                    fake.invoice_pay(match[1])
                    fake.wait_delivered()
                self._redirect(f"/i/{match[1]}")
                return
            self._html(200, invoice_page(invoice, money))
            return
        if path == "/":
            self._html(200, message_page("Stripe fake", "ParkSuite's in-repo Stripe fake is running.", None))
            return
        self._html(404, message_page("Not found", f"Nothing at {path}.", None))
