"""Form helpers shared by every app: Bootstrap classes and service errors on fields."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError


class StyledFormMixin:
    """Give widgets Bootstrap classes so templates render fields uniformly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"

    def add_service_error(self, exc: ValidationError) -> None:
        """Show a service's ValidationError on the fields it names (or the whole form)."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                target = field if field in self.fields else None
                for error in errors:
                    self.add_error(target, error)
        else:
            self.add_error(None, exc)


class StyledForm(StyledFormMixin, forms.Form):
    pass


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    pass


class LockoutFormMixin:
    """A sign-in form that says so when the user name or the network is locked (SEC-4).

    The lock itself is enforced by the authentication backend; this only replaces "wrong
    user name or password" with the reason, for every name alike (known or not).
    """

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            from aftersales.accounts.backends import request_address
            from aftersales.accounts.services import login_refusal

            refusal = login_refusal(
                self.cleaned_data.get("username") or "", request_address(self.request)
            )
            if refusal:
                raise ValidationError(refusal.message, code="locked") from None
            raise


class LoginForm(LockoutFormMixin, StyledFormMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutFormMixin, AdminAuthenticationForm):
    pass


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    pass


def error_lines(form) -> list[str]:
    """All errors of a form as lines of text ("label: message"), for a page that shows them
    where the form itself is no longer on screen."""
    errors = [str(e) for e in form.non_field_errors()]
    for name, field_errors in form.errors.items():
        if name == "__all__":
            continue
        label = form.fields[name].label if name in form.fields else name
        errors += [f"{label}: {e}" for e in field_errors]
    return errors
