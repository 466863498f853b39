"""Phone numbers: stored in E.164 so a number is the same however the MIS or a parent wrote it."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}

# Ofcom keeps 07700 900000 to 900999 for drama and testing: they never reach a real phone,
# which makes them the right numbers for the demo school and tests. phonenumbers calls them
# invalid, so they are allowed here explicitly (as mobiles).
OFCOM_DRAMA_MOBILE = re.compile(r"^\+447700900\d{3}$")


class InvalidPhone(ValueError):
    """A phone number that can't be dialled."""


def to_e164(raw: str, region: str = "GB") -> str:
    """'07700 900123' -> '+447700900123'; numbers without a country code are read as UK."""
    e164, problem = _read(raw, region)
    if e164 is None:
        raise InvalidPhone(problem)
    return e164


@lru_cache(maxsize=4096)
def _read(raw: str, region: str) -> tuple[str | None, str]:
    """(the number, "") or (None, what is wrong with it). Cached: every inbound message names
    the school's number and mostly a parent who wrote before, and phonenumbers' reading costs
    more than anything else in a webhook handler."""
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as error:
        return None, f"{raw!r} is not a phone number ({error._msg})"
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if not (phonenumbers.is_valid_number(number) or OFCOM_DRAMA_MOBILE.match(e164)):
        return None, f"{raw!r} is not a valid phone number"
    return e164, ""


def is_mobile(e164: str) -> bool:
    """Whether the number can take text messages (landlines can't)."""
    if OFCOM_DRAMA_MOBILE.match(e164):
        return True
    return phonenumbers.number_type(phonenumbers.parse(e164)) in MOBILE_TYPES
