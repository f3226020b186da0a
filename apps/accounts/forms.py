from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Invitation


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The email or password is not correct for this firm."),
        "inactive": _("This account is disabled. Ask your firm's owner."),
        "locked": _("Too many failed sign-ins. Wait 15 minutes, or reset your password."),
    }

    def clean(self) -> dict[str, Any]:
        from apps.audit.services import audit_record, client_ip

        from .lockout import attempt_begin, attempt_succeeded

        email = str(self.data.get("username", ""))
        address = client_ip(self.request)
        if email and self.data.get("password"):
            attempt = attempt_begin(email=email, address=address)
            if attempt.locked:
                if attempt.just_locked:
                    audit_record(action="auth.locked_out", actor=email, request=self.request)
                raise forms.ValidationError(self.error_messages["locked"], code="locked")
        cleaned = super().clean()
        if self.user_cache is not None:
            from .twofactor import is_enabled

            # With a second factor the sign-in succeeds only once the code is right: until
            # then this attempt keeps counting, so the password alone cannot buy more guesses.
            if not is_enabled(self.user_cache):
                attempt_succeeded(email=email, address=address)
        return cleaned

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("Email")
        self.fields["username"].widget = forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Invitation.Role.choices, initial=Invitation.Role.MEMBER)


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "minlength": 10}),
        help_text=_("At least 10 characters; not only digits, not a common password."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class FirmProfileForm(forms.Form):
    name = forms.CharField(label=_("Firm name"), max_length=200)


class SlugChangeForm(forms.Form):
    slug = forms.CharField(
        label=_("New web address"),
        max_length=31,
        help_text=_("The old address keeps working for 30 days and sends people to the new one."),
    )


class CloseFirmForm(forms.Form):
    confirm_slug = forms.CharField(label=_("Type the firm's address to confirm"), max_length=31)
    reason = forms.CharField(
        label=_("Why are you leaving? (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_("What the token is for, e.g. “ERP sync”.")
    )
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple, choices=())
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=90)

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(scope, scope) for scope in allowed]  # type: ignore[attr-defined]
