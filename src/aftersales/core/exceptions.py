"""Domain errors. A service raises these; views turn them into form errors, the API into 400."""

from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A business rule refused the request.

    It is a ValidationError so forms and DRF can show it field by field:
    ``ServiceError({"serial_number": _("…")})`` or ``ServiceError(_("…"))``.
    """
