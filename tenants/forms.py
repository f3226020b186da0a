from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.parks.selectors import park_list

from .validators import validate_firm_slug


class SignupForm(forms.Form):
    firm_name = forms.CharField(label=_("Firm name"), max_length=200)
    slug = forms.CharField(
        label=_("Web address"),
        max_length=31,
        validators=[validate_firm_slug],
        help_text=_("Lowercase letters, digits and hyphens; it becomes your firm's address."),
    )
    park = forms.ModelChoiceField(
        label=_("Park (optional)"),
        queryset=park_list(),
        required=False,
        empty_label=_("No park"),
        help_text=_("The park approves your request to join; your workspace works in the meantime."),
    )
    owner_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Work email"), max_length=254)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 10 characters; not only digits, not a common password."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["firm_name"].widget.attrs.update(autofocus=True, autocomplete="organization")
        self.fields["slug"].widget.attrs.update(
            pattern="[a-z][a-z0-9-]{2,30}", autocomplete="off", spellcheck="false", autocapitalize="none"
        )
        self.fields["owner_name"].widget.attrs.update(autocomplete="name")
        self.fields["email"].widget.attrs.update(autocomplete="email")
        self.fields["password"].widget.attrs.update(autocomplete="new-password", minlength=10)


class InvitedSignupForm(SignupForm):
    """The sign-up behind a park's invitation link: the park is the inviting one, not a choice."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["park"]
