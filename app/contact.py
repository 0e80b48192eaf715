"""A reachable contact for a misuse report: an e-mail address or an Indonesian phone number."""

from __future__ import annotations

import email_validator
import phonenumbers


def normalized_contact(text: str) -> str | None:
    """``text`` as an e-mail address (normalised) or a phone number in E.164 (+62…), or ``None`` when it is
    neither; national numbers are read as Indonesian ("0812-3456-7890" is "+6281234567890")."""
    text = text.strip()
    if "@" in text:
        try:
            checked = email_validator.validate_email(text, check_deliverability=False)
        except email_validator.EmailNotValidError:
            return None
        return str(checked.normalized)
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
