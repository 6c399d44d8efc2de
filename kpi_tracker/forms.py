"""The sign-in form: Django's AuthenticationForm with Thai labels, rendered by crispy-forms."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

ERROR_ID = "login-error"  # the alert that says the name or password is wrong (templates/registration/login.html)


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ชื่อผู้ใช้")
        self.fields["password"].label = _("รหัสผ่าน")

    def full_clean(self):
        """A refused sign-in marks both fields invalid and ties them to the alert, for a screen reader."""
        super().full_clean()
        if self.errors:
            for field in self.fields.values():
                field.widget.attrs.update({"aria-invalid": "true", "aria-describedby": ERROR_ID})
