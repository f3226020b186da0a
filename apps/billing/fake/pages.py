"""The fake's hosted pages (checkout, customer portal, invoice), plainly labelled as test mode.
Plain HTML forms, no script; every value is escaped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .state import Json, StripeState

Money = Callable[[int | None], str]

STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1f2328}
.banner{background:#ffd33d;color:#1f2328;padding:.6rem 1rem;font-weight:600;text-align:center}
main{max-width:38rem;margin:2rem auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.5rem}
table{width:100%;border-collapse:collapse;margin:1rem 0}
td,th{padding:.4rem;border-bottom:1px solid #eaeef2;text-align:left}
.total{font-size:1.25rem;font-weight:600}.actions{display:flex;gap:1rem;align-items:center;margin-top:1.5rem}
button{font-size:1rem;padding:.6rem 1.4rem;border-radius:6px;border:0;background:#635bff;color:#fff;cursor:pointer}
button:focus,a:focus{outline:3px solid #0969da;outline-offset:2px}.muted{color:#59636e}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _date(timestamp: int | None) -> str:
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d")


def layout(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} · Test mode — Stripe fake</title><style>{STYLE}</style></head><body>"
        '<div class="banner" role="status">Test mode — Stripe fake. No real payment is made.</div>'
        f"<main><h1>{_e(title)}</h1>{body}</main></body></html>"
    )


def message_page(title: str, message: str, link: str | None) -> str:
    back = f'<p><a href="{_e(link)}">Back</a></p>' if link else ""
    return layout(title, f"<p>{_e(message)}</p>{back}")


def checkout_page(session: Json, fake: StripeState, money: Money) -> str:
    rows = []
    for line in session["line_items"]["data"]:
        price = line["price"]
        interval = price["recurring"]["interval"]
        if price["recurring"]["usage_type"] == "metered":
            tiers = price.get("tiers") or []
            included = tiers[0]["up_to"] if tiers else 0
            rows.append(
                f"<tr><td>{_e(price['nickname'] or price['id'])}</td><td>usage</td>"
                f"<td>{_e(included)} included per {_e(interval)}, then billed per unit</td></tr>"
            )
            continue
        rows.append(
            f"<tr><td>{_e(price['nickname'] or price['id'])}</td><td>&times; {_e(line['quantity'])}</td>"
            f"<td>{_e(money(line['amount_total']))} / {_e(interval)}</td></tr>"
        )
    customer = fake.get(session["customer"]) if session["customer"] else {}
    email = customer.get("email") or session.get("customer_email") or ""
    if session["status"] != "open":
        return message_page("Checkout", f"This checkout session is {session['status']}.", session["success_url"])
    cancel = f'<a href="{_e(session["cancel_url"])}">Cancel</a>' if session["cancel_url"] else ""
    trial = ""
    # The trial days are only known to the fake's state; show them when asked for.
    trial_days = fake.checkout_sessions[session["id"]].get("_trial_days")
    if trial_days:
        trial = f"<p><strong>{_e(trial_days)} days free</strong>, then billed as below.</p>"
    methods = ", ".join(session["payment_method_types"])
    body = (
        f'<p class="muted">{_e(email)}</p>{trial}'
        f"<table><thead><tr><th>Item</th><th>Seats</th><th>Price</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="total">Total due today: {_e(money(0 if trial_days else session["amount_total"]))}</p>'
        f'<p class="muted">Payment methods: {_e(methods)} (simulated)</p>'
        f'<form method="post" action="/c/pay/{_e(session["id"])}" class="actions">'
        f'<button type="submit">Pay</button>{cancel}</form>'
    )
    return layout("Checkout", body)


def portal_page(session: Json, subscriptions: list[Json], invoices: list[Json], money: Money) -> str:
    parts = []
    for sub in subscriptions:
        items = "".join(
            f"<li>{_e(item['price']['nickname'] or item['price']['id'])}"
            f"{' &times; ' + _e(item['quantity']) if item['quantity'] is not None else ' (usage)'}</li>"
            for item in sub["items"]["data"]
        )
        period_end = sub["items"]["data"][0]["current_period_end"] if sub["items"]["data"] else None
        if sub["cancel_at_period_end"]:
            state = f"Cancels on {_date(period_end)}."
            action, label = "renew", "Don't cancel"
        else:
            state = f"Renews on {_date(period_end)}."
            action, label = "cancel", "Cancel at period end"
        parts.append(
            f"<section><h2>Subscription {_e(sub['id'])}</h2><p>Status: <strong>{_e(sub['status'])}</strong>. "
            f"{_e(state)}</p><ul>{items}</ul>"
            f'<form method="post" action="/p/session/{_e(session["id"])}/{action}">'
            f'<input type="hidden" name="subscription" value="{_e(sub["id"])}">'
            f'<button type="submit">{_e(label)}</button></form></section>'
        )
    if not parts:
        parts.append("<p>No current subscription.</p>")
    rows = "".join(
        f'<tr><td><a href="{_e(inv["hosted_invoice_url"])}">{_e(inv["number"])}</a></td><td>{_e(inv["status"])}</td>'
        f"<td>{_e(money(inv['amount_due']))}</td><td>{_date(inv['created'])}</td></tr>"
        for inv in invoices
    )
    table = (
        f"<h2>Invoices</h2><table><thead><tr><th>Number</th><th>Status</th><th>Amount</th><th>Date</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    back = f'<p class="actions"><a href="{_e(session["return_url"])}">Back</a></p>' if session["return_url"] else ""
    return layout("Billing portal", "".join(parts) + table + back)


def invoice_page(invoice: Json, money: Money) -> str:
    pay = ""
    if invoice["status"] == "open":
        pay = (
            f'<form method="post" action="/i/{_e(invoice["id"])}/pay" class="actions">'
            '<button type="submit">Pay (Alipay / WeChat Pay / card, simulated)</button></form>'
        )
    lines = "".join(
        f"<tr><td>{_e(line['description'])}</td><td>{_e(money(line['amount']))}</td></tr>"
        for line in invoice["lines"]["data"]
    )
    body = (
        f"<p>Invoice <strong>{_e(invoice['number'])}</strong> · status <strong>{_e(invoice['status'])}</strong></p>"
        f"<p>Period {_date(invoice['period_start'])} &ndash; {_date(invoice['period_end'])}"
        f"{' · due ' + _date(invoice['due_date']) if invoice['due_date'] else ''}</p>"
        f"<table><tbody>{lines}</tbody></table>"
        f'<p class="total">Amount due {_e(money(invoice["amount_due"]))} · paid {_e(money(invoice["amount_paid"]))}</p>'
        f"{pay}"
    )
    return layout("Invoice", body)
