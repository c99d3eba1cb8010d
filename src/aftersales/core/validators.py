"""Validators for Chinese business identifiers and phone numbers (CUS-1, CUS-5)."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Unified social credit code (统一社会信用代码, GB 32100-2015): 18 chars and checksum."""
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        raise ValidationError(
            _("A unified social credit code has 18 characters (digits and capital letters)."),
            code="uscc_format",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code fails its check digit; please re-check it."),
            code="uscc_checksum",
        )


def normalize_phone(value: str) -> str:
    """A mainland mobile or landline in canonical form, or ValidationError.

    Mobiles come back as 11 digits (13812345678); landlines as 0XX-XXXXXXXX with
    an extension after "-" kept. Numbers outside mainland China are written in
    E.164 (+852…) if valid.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a phone number."), code="phone_empty")
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="phone_invalid", params={"value": raw}
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid phone number: a mobile has 11 digits starting "
                "with 1; a landline needs its area code (e.g. 021-12345678)."
            ),
            code="phone_invalid",
            params={"value": raw},
        )
    if parsed.country_code != 86:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = str(parsed.national_number)
    if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
        return national
    area_len = phonenumbers.length_of_geographical_area_code(parsed)
    if area_len:
        formatted = f"0{national[:area_len]}-{national[area_len:]}"
    else:  # 400 / 800 service numbers
        formatted = national
    if parsed.extension:
        formatted = f"{formatted}-{parsed.extension}"
    return formatted


def validate_phone(value: str) -> None:
    normalize_phone(value)


def checked_text(
    value, field: str, limit: int | None = None, *, required: str = "", errors: dict | None = None
) -> str:
    """A service's free-text input, stripped. Empty when ``required`` (the message to show)
    is given, or longer than ``limit``, is a ServiceError on ``field`` — or, when the
    service collects several fields' errors, an entry in ``errors``."""
    from django.utils.translation import gettext

    from aftersales.core.exceptions import ServiceError

    value = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    problem = ""
    if required and not value:
        problem = required
    elif limit is not None and len(value) > limit:
        problem = gettext("At most %(limit)d characters, please.") % {"limit": limit}
    if problem:
        if errors is None:
            raise ServiceError({field: problem})
        errors[field] = problem
    return value
