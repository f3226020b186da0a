"""The daily dunning reminder (``billing.dunning_reminders``): owners of firms whose payment is
overdue hear how many days of full access they have left; nobody else is mailed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import mail
from django.utils import timezone

from apps.billing.jobs import dunning_reminders
from apps.billing.models import Subscription
from tenants.models import Firm
from tests.billing.entitlement_support import subscription_set


def test_dunning_reminders_mail_the_owners_of_overdue_firms_with_the_days_left(
    settings: Any, firm_a: Firm, firm_b: Firm
) -> None:
    # given a grace period of 7 days, firm A overdue since 2 days and firm B paying on time
    settings.BILLING_GRACE_DAYS = 7
    subscription_set(
        firm_a, plan="business", status="past_due", past_due_since=timezone.now() - timedelta(days=2, hours=1)
    )
    subscription_set(firm_b, plan="business", status="active", past_due_since=None)
    mail.outbox.clear()
    # when the morning job runs
    dunning_reminders(timestamp=int(timezone.now().timestamp()))
    # then only firm A's owner is reminded, with 5 days of full access left and the billing page
    assert [message.to for message in mail.outbox] == [["owner@alpha.example"]]
    body = mail.outbox[0].body
    assert "5 more days" in body
    assert f"{firm_a.url}settings/billing/" in body
    assert firm_a.name in mail.outbox[0].subject


def test_dunning_reminders_skip_a_past_due_firm_without_a_start_date_and_change_nothing(
    firm_a: Firm,
) -> None:
    # given a past-due mirror row whose start is not known yet (its webhook is still queued)
    sub = subscription_set(firm_a, plan="business", status="past_due", past_due_since=None)
    mail.outbox.clear()
    # when the job runs
    dunning_reminders(timestamp=int(timezone.now().timestamp()))
    # then nobody is mailed and the row is as it was
    assert mail.outbox == []
    after = Subscription.objects.get(pk=sub.pk)
    assert (after.status, after.past_due_since, after.updated_at) == ("past_due", None, sub.updated_at)


def test_dunning_reminders_say_read_only_once_the_grace_period_is_over(settings: Any, firm_a: Firm) -> None:
    settings.BILLING_GRACE_DAYS = 7
    subscription_set(firm_a, plan="business", status="past_due", past_due_since=timezone.now() - timedelta(days=9))
    mail.outbox.clear()
    dunning_reminders(timestamp=int(timezone.now().timestamp()))
    (message,) = mail.outbox
    assert "read-only until the invoice is paid" in message.body
    assert "more day" not in message.body
