"""Phone numbers as EHRs store them, and as patients type them.

EHRs keep numbers in whatever form the front desk typed: "(617) 555-0142",
"617-555-0142", "+16175550142". FHIR token search matches the stored string
exactly, so a search sends every common US spelling of the number and the
results are checked again by their normalised form.
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"


def to_e164(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """The number in E.164 form, or None if it cannot be a phone number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def search_spellings(raw: str, region: str = DEFAULT_REGION) -> list[str]:
    """The spellings of one number an EHR is likely to have stored, most common first.

    >>> search_spellings("617 555 0142")[:4]
    ['(617) 555-0142', '617-555-0142', '+16175550142', '6175550142']
    """
    e164 = to_e164(raw, region)
    if e164 is None:
        return []
    number = phonenumbers.parse(e164)
    national = str(number.national_number)
    spellings = [e164]
    if number.country_code == 1 and len(national) == 10:
        area, exchange, line = national[:3], national[3:6], national[6:]
        spellings = [
            f"({area}) {exchange}-{line}",
            f"{area}-{exchange}-{line}",
            e164,
            national,
            f"{area}.{exchange}.{line}",
            f"{area} {exchange} {line}",
            f"({area}){exchange}-{line}",
            f"1{national}",
            f"1-{area}-{exchange}-{line}",
            f"+1 {area}-{exchange}-{line}",
            f"+1 ({area}) {exchange}-{line}",
            f"+1 {area} {exchange} {line}",
        ]
    else:
        spellings += [
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        ]
    return list(dict.fromkeys(spellings))
